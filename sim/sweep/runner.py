"""Run one cell: its replicates, resumably, into its own folder. Knows nothing of Hydra.

A cell's folder keeps the runs of replicates ``0 .. k-1``. A rerun reuses them only when the
manifest says they finished under the same model version, for the same cell and the same
seeds, *and* the files match the digests in the manifest; a cell that fails the check is
recomputed and the log says why. Only missing replicates run (so growing ``replicates`` reuses
finished ones), or all of them with ``force``. A failure inside a run is caught and recorded in
the manifest (status ``failed`` and the error), so the other cells of a sweep go on.

From Python (no Hydra)::

    from sim import Params
    from sim.sweep.runner import run_cell

    report = run_cell(Params(strategy="embedded", n_teams=24), experiment_dir=Path("out/x"),
                      replicates=5)

``run_cell`` writes only the cell's own folder and takes no lock; to run several cells into one
experiment folder with a plan, the folder lock and a merge, use ``sim.sweep.local.sweep_cells``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from sim.params import Params
from sim.provenance import package_versions, provenance
from sim.seeds import replicate_seeds
from sim.sweep import progress, store
from sim.sweep.cells import Cell, JobSpec

log = logging.getLogger("lean_sim")
Runner = Callable[..., Any]
Status = Literal["ok", "failed", "skipped"]
#: Set by the sweep's main process before it launches jobs; a job in a child of that process
#: (a joblib or submitit_local worker) exits when that process is gone.
SWEEP_PID_ENV = "LEAN_SIM_SWEEP_PID"
PARENT_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class CellReport:
    """What happened to one cell in this job."""

    cell: Cell
    status: Status
    runs_computed: int
    seconds: float
    error: str | None = None


def load_runner(path: str) -> Runner:
    """The function named by a dotted path (``sim.run``): (params, seed=...) -> RunResult."""
    module_name, _, attr = path.rpartition(".")
    try:
        target = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as err:
        raise ValueError(f"runner={path!r}: cannot import it ({err})") from None
    if not callable(target):
        raise ValueError(f"runner={path!r}: not a function")
    return target


def reusable_replicates(
    manifest: dict[str, Any] | None, cell_id: str, seeds: list[int], model_version: str
) -> int:
    """How many leading replicates of ``seeds`` the manifest says the cell holds (0 if stale).

    This reads the manifest only; the files are checked against it separately
    (``store.cell_problem``)."""
    if (
        manifest is None
        or manifest.get("status") != "ok"
        or manifest.get("cell_id") != cell_id
        or manifest.get("model_version") != model_version
    ):
        return 0
    stored = manifest.get("seeds") or []
    done = 0
    for old, new in zip(stored, seeds, strict=False):
        if old != new:
            break
        done += 1
    return done


def stored_state(
    cell_id: str, experiment_dir: Path, seeds: list[int], *, full: bool
) -> tuple[int, dict[str, Any] | None, str | None]:
    """(replicates to reuse, the manifest, why the stored files cannot be used or None)."""
    directory = store.cell_dir(experiment_dir, cell_id)
    manifest = store.read_cell_manifest(directory)
    done = reusable_replicates(manifest, cell_id, seeds, provenance()["model_version"])
    if done and manifest is not None:
        problem = store.cell_problem(directory, manifest, full=full)
        if problem:
            return 0, manifest, problem
    return done, manifest, None


def runs_to_do(
    cell_id: str, experiment_dir: Path, seeds: list[int], force: bool
) -> tuple[int, str | None]:
    """Runs that ``run_cell`` would compute now for a cell with these seeds, and why stored
    files will be recomputed (for the plan and the estimate: a cheap check of sizes;
    ``run_cell`` checks the digests)."""
    if force:
        return len(seeds), None
    done, _, problem = stored_state(cell_id, experiment_dir, seeds, full=False)
    return len(seeds) - min(done, len(seeds)), problem


def run_cell(
    cell: Cell | Params,
    *,
    experiment_dir: Path,
    replicates: int,
    base_seed: int = 0,
    force: bool = False,
    runner: Runner | None = None,
    config: dict[str, Any] | None = None,
) -> CellReport:
    """Make sure ``experiment_dir/cells/<cell_id>/`` holds replicates ``0 .. replicates-1``.

    ``cell`` is a :class:`~sim.sweep.cells.Cell` or plain :class:`sim.Params` (culture
    ``custom``). Replicate ``r`` runs ``runner(params, seed=seeds[r])`` (default ``sim.run``)
    with the seeds of ``sim.seeds.replicate_seeds(params, base_seed, replicates)``. Stored
    replicates are reused only when their manifest and files prove them; ``force`` reruns all.
    ``config`` is recorded in the manifest (the sweep passes the resolved job configuration).
    """
    if isinstance(cell, Params):
        cell = Cell(cell)
    if runner is None:
        import sim

        runner = sim.run
    started = time.perf_counter()
    experiment_dir = Path(experiment_dir)
    directory = store.cell_dir(experiment_dir, cell.cell_id)
    seeds = replicate_seeds(cell.params, base_seed, replicates)
    done, old, problem = (0, None, None)
    if not force:
        # sizes here; the digests are checked on the very bytes read (store.read_cell_frames)
        done, old, problem = stored_state(cell.cell_id, experiment_dir, seeds, full=False)
    if problem:
        log.warning(f"cell {cell.cell_id} ({cell.describe()}): {problem}; recomputing it")
    frames: dict[str, list[pd.DataFrame]] = {name: [] for name in store.FRAMES}
    if done:
        try:
            for name, frame in store.read_cell_frames(directory, old or {}).items():
                frames[name].append(frame[frame["replicate"] < done])
        except store.StoreError as err:  # changed since it was checked: recompute
            log.warning(f"cell {cell.cell_id} ({cell.describe()}): {err}; recomputing it")
            done, frames = 0, {name: [] for name in store.FRAMES}
    if done >= replicates:
        return CellReport(cell, "skipped", 0, time.perf_counter() - started)

    manifest = _manifest(cell, experiment_dir.name, base_seed, config)
    run_seconds = list((old or {}).get("timings", {}).get("run_seconds", [])[:done])
    replicate = done
    try:
        for replicate in range(done, replicates):
            tic = time.perf_counter()
            result = runner(cell.params, seed=seeds[replicate])
            run_seconds.append(round(time.perf_counter() - tic, 4))
            for name in store.FRAMES:
                frames[name].append(getattr(result, name).assign(replicate=replicate))
    except (Exception, SystemExit) as err:  # recorded, so that the other cells go on
        error = f"replicate {replicate} (seed {seeds[replicate]}): {type(err).__name__}: {err}"
        manifest.update(
            status="failed",
            error=error,
            traceback=traceback.format_exc(limit=8),
            timings=_timings(started, run_seconds),
        )
        store.remove_cell_manifest(directory)
        store.write_cell_manifest(directory, manifest)
        return CellReport(cell, "failed", replicate - done, time.perf_counter() - started, error)

    manifest.update(
        status="ok",
        replicates=replicates,
        seeds=seeds,
        runs_computed=replicates - done,
        timings=_timings(started, run_seconds),
    )
    store.remove_cell_manifest(directory)  # from here on the old manifest vouches for nothing
    store.remove_stale_temporaries(directory)
    store.write_cell(directory, {k: _concat(v) for k, v in frames.items()}, manifest)
    return CellReport(cell, "ok", replicates - done, time.perf_counter() - started)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate, keeping the columns of empty frames (e.g. no pilots at all)."""
    non_empty = [f for f in frames if len(f)]
    if not non_empty:
        return frames[0].iloc[0:0] if frames else pd.DataFrame()
    return pd.concat(non_empty, ignore_index=True)


def _manifest(
    cell: Cell, experiment: str, base_seed: int, config: dict[str, Any] | None
) -> dict[str, Any]:
    params: Params = cell.params
    return {
        "cell_id": cell.cell_id,
        "experiment": experiment,
        "status": "running",
        "error": None,
        "strategy": params.strategy,
        "culture": cell.culture,
        "design_row": cell.design_row,
        "params": params.model_dump(mode="json"),
        "policy": dict(vars(params.policy)),
        "base_seed": base_seed,
        "replicates": 0,
        "seeds": [],
        **provenance(),
        "packages": package_versions(),
        "config": config,
    }


def _timings(started: float, run_seconds: list[float]) -> dict[str, Any]:
    return {
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cell_seconds": round(time.perf_counter() - started, 4),
        "run_seconds": run_seconds,
    }


_watching = threading.Event()


def exit_with_parent() -> None:
    """In a worker process of a sweep (a child of its main process), exit when that process is
    gone, so that a killed sweep leaves no worker running (loky's workers outlive a killed
    parent otherwise). A daemon thread polls the parent id; in the main process it does nothing.
    """
    sweep_pid = os.environ.get(SWEEP_PID_ENV)
    if not sweep_pid or _watching.is_set():
        return
    if os.getpid() == int(sweep_pid) or os.getppid() != int(sweep_pid):
        return
    _watching.set()

    def watch() -> None:
        while os.getppid() == int(sweep_pid):
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(70)  # the parent is gone; files are written atomically, so nothing is half

    threading.Thread(target=watch, name="lean-sim-parent-watch", daemon=True).start()


def _run_cell_of_job(
    job: JobSpec, cell: Cell, runner: Runner, plan: dict[str, Any] | None
) -> CellReport:
    """run_cell, except for a cell that killed its worker earlier in this sweep (not retried
    until the next sweep), and with a failure to write recorded as the cell's failure."""
    directory = store.cell_dir(job.experiment_dir, cell.cell_id)
    manifest = store.read_cell_manifest(directory) or {}
    sweep_id = (plan or {}).get("sweep_id")
    if sweep_id is not None and manifest.get("crashed_in_sweep") == sweep_id:
        return CellReport(cell, "failed", 0, 0.0, manifest.get("error"))
    try:
        return run_cell(
            cell,
            experiment_dir=job.experiment_dir,
            replicates=job.replicates,
            base_seed=job.base_seed,
            force=job.force,
            runner=runner,
            config=cell.config or job.config,
        )
    except OSError as err:  # a full disk, a read-only folder, a file-size limit
        error = f"cannot write {err.filename or directory}: {err.strerror or err}"
        return CellReport(cell, "failed", 0, 0.0, error)
    except SystemExit as err:  # a run function that exits would end the whole job
        error = f"the run function exited (SystemExit {err.code!r})"
        return CellReport(cell, "failed", 0, 0.0, error)


def run_job(job: JobSpec) -> list[CellReport]:
    """Run every cell of a job in turn, logging progress with an ETA after each."""
    exit_with_parent()
    runner = load_runner(job.runner)
    plan = store.read_plan(job.experiment_dir)
    reports = []
    for cell in job.cells:
        progress.started(job.experiment_dir, plan, cell.cell_id)
        report = _run_cell_of_job(job, cell, runner, plan)
        reports.append(report)
        status = progress.record(job.experiment_dir, plan, cell.cell_id, report.runs_computed)
        what = {
            "ok": f"{report.runs_computed} runs in {report.seconds:.1f} s",
            "skipped": "already done",
            "failed": f"FAILED: {report.error}",
        }[report.status]
        line = f"[{status.describe()}] {cell.cell_id} {cell.describe()}: {what}"
        (log.error if report.status == "failed" else log.info)(line)
    return reports
