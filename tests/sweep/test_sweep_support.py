"""Helpers for the sweep tests (no tests here): the CLI in a subprocess, and run functions.

The run functions wrap ``sim.run`` through lean-sim's documented ``runner=<dotted path>``
setting, so that tests can count runs, slow them down or make one fail without touching the
model. Subprocesses find this module through PYTHONPATH.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import sim

TESTS_DIR = Path(__file__).resolve().parent
BIN_DIR = Path(sys.executable).parent
#: A tiny organization over one year: every cell takes a few hundredths of a second.
TINY = ["org=tiny", "weeks=60"]
#: Quiet per-cell logging (warnings and errors still show).
QUIET = ["hydra.job_logging.root.level=WARNING"]
RUN_LOG_ENV = "LEAN_SIM_TEST_RUN_LOG"
FAIL_RESISTANCE = 0.9


def script(name: str) -> str:
    """Path of a console script of this environment (lean-sim, lean-sim-merge)."""
    path = BIN_DIR / name
    return str(path) if path.exists() else (shutil.which(name) or name)


def env(run_log: Path | None = None) -> dict[str, str]:
    """The environment for a subprocess: this tests folder importable, an optional run log."""
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), out.get("PYTHONPATH")]))
    out.pop("HYDRA_FULL_ERROR", None)
    if run_log is not None:
        out[RUN_LOG_ENV] = str(run_log)
    return out


def lean_sim(
    *args: str, cwd: Path, run_log: Path | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run ``lean-sim args...`` in ``cwd`` and capture its output."""
    return subprocess.run(
        [script("lean-sim"), *args],
        cwd=cwd,
        env=env(run_log),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass
class Done:
    """What a command did: its exit status and output (as subprocess.CompletedProcess)."""

    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def hydra_logging_restored():
    """Hydra configures the root logger (handlers on the current sys.stdout) for an in-process
    command; restore it after, so later tests do not log into a closed capture stream."""
    import logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)


def lean_sim_here(*args: str, cwd: Path, run_log: Path | None = None) -> Done:
    """Run ``lean-sim args...`` in this process (as the console script does: sim.sweep.cli.main),
    in ``cwd``; about 2 s faster than a subprocess, which starts Python and imports the model."""
    from hydra.core.global_hydra import GlobalHydra

    from sim.sweep import cli

    saved = {k: os.environ.get(k) for k in (RUN_LOG_ENV, "LEAN_SIM_SWEEP_PID")}
    if run_log is not None:
        os.environ[RUN_LOG_ENV] = str(run_log)
    out, err = io.StringIO(), io.StringIO()
    code: object = 0
    GlobalHydra.instance().clear()
    argv = sys.argv[:]
    try:
        with (
            contextlib.chdir(cwd),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                cli.main(list(args))
            except SystemExit as exit_:
                code = exit_.code
    finally:
        sys.argv = argv
        GlobalHydra.instance().clear()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    status = 0 if code is None else code if isinstance(code, int) else 1
    return Done(status, out.getvalue(), err.getvalue())


def counting_run(params: sim.Params, seed: int) -> sim.RunResult:
    """sim.run, appending one line per run to the file named by $LEAN_SIM_TEST_RUN_LOG."""
    log = os.environ.get(RUN_LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{params.strategy} {params.resistance} {seed}\n")
    return sim.run(params, seed=seed)


def flaky_run(params: sim.Params, seed: int) -> sim.RunResult:
    """sim.run, except that resistance 0.9 raises (an injected failure)."""
    if params.resistance == FAIL_RESISTANCE:
        raise RuntimeError(f"injected failure at resistance={params.resistance}")
    return counting_run(params, seed)


def slow_run(params: sim.Params, seed: int) -> sim.RunResult:
    """sim.run after a pause, so that a test can kill a sweep between cells."""
    time.sleep(0.25)
    return counting_run(params, seed)


def count_runs(run_log: Path) -> int:
    return len(run_log.read_text().splitlines()) if run_log.exists() else 0


def read_tables(experiment_dir: Path) -> dict[str, pd.DataFrame]:
    """The merged tables of an experiment folder."""
    return {
        n: pd.read_parquet(experiment_dir / f"{n}.parquet") for n in ("runs", "series", "pilots")
    }


def assert_same_tables(left: Path, right: Path) -> None:
    a, b = read_tables(left), read_tables(right)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


def crashing_run(params: sim.Params, seed: int) -> sim.RunResult:
    """sim.run, except that at resistance 0.9 the worker process kills itself (SIGKILL), as a
    segfault or the out-of-memory killer would; never the sweep's main process."""
    if params.resistance == FAIL_RESISTANCE and os.environ.get("LEAN_SIM_SWEEP_PID") not in (
        None,
        str(os.getpid()),
    ):
        os.kill(os.getpid(), 9)
    return counting_run(params, seed)


def exiting_run(params: sim.Params, seed: int) -> sim.RunResult:
    """sim.run, except that resistance 0.9 calls sys.exit (a run function that ends the job)."""
    if params.resistance == FAIL_RESISTANCE:
        raise SystemExit(3)
    return counting_run(params, seed)


def pid_run(params: sim.Params, seed: int) -> sim.RunResult:
    """Writes its process id to the run log, then sleeps: a sweep to kill while workers run."""
    log = os.environ.get(RUN_LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
    time.sleep(2.0)
    return sim.run(params, seed=seed)


def sweep_in_child(
    folder: str, cells: list[dict], replicates: int, base_seed: int, kill_at: str
) -> None:
    """Target of a forked child: the Python sweep with the fault-injection hook armed."""
    from sim.sweep.local import sweep_cells
    from sim.sweep.store import KILL_AT_ENV

    os.environ[KILL_AT_ENV] = kill_at
    sweep_cells(
        [sim.Params(**c) for c in cells],
        Path(folder),
        replicates=replicates,
        base_seed=base_seed,
        extend=True,
    )


def tiny_stand_in_run(params: sim.Params, seed: int) -> sim.RunResult:
    """A tiny run whatever the parameters: a sweep that looks huge but costs nothing."""
    return sim.run(sim.Params(n_teams=24, weeks=10, strategy=params.strategy), seed=seed)
