"""Workers: a crashing worker fails only its own cells; workers die with their parent; and the
lean-sim command end to end after a kill at a write step with another base seed."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from test_sweep_support import (
    QUIET,
    TINY,
    assert_same_tables,
    env,
    lean_sim,
    lean_sim_here,
    read_tables,
    script,
)

#: 2 strategies x 3 resistances (0.9 is the one the test runners break), 1 replicate.
GRID = ["strategy=none,centralized", "resistance=0.3,0.5,0.9", "replicates=1", *TINY, *QUIET]


def test_under_joblib_a_worker_that_dies_fails_only_its_own_cells(tmp_path):
    result = lean_sim(
        "-m",
        "strategy=none",
        *GRID[1:],
        "runner=test_sweep_support.crashing_run",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        cwd=tmp_path,
        timeout=300,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out[-3000:]
    assert "a worker process died" in out
    assert out.count("FAILED cell") == 1 and "also when it ran alone" in out
    runs = read_tables(tmp_path / "results" / "scratch")["runs"]
    assert sorted(runs["resistance"]) == [0.3, 0.5]  # the other cells finished and merged
    assert "Traceback" not in out


def test_under_the_basic_launcher_a_run_that_exits_fails_only_its_cell(tmp_path):
    result = lean_sim_here("-m", *GRID, "runner=test_sweep_support.exiting_run", cwd=tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out[-3000:]
    assert out.count("FAILED cell") == 2 and "SystemExit: 3" in out
    runs = read_tables(tmp_path / "results" / "scratch")["runs"]
    assert len(runs) == 4


@pytest.mark.slow
def test_killing_the_sweep_kills_its_workers(tmp_path):
    log = tmp_path / "pids.log"
    process = subprocess.Popen(
        [
            script("lean-sim"),
            "-m",
            *GRID,
            "runner=test_sweep_support.pid_run",
            "hydra/launcher=joblib",
            "hydra.launcher.n_jobs=2",
        ],
        cwd=tmp_path,
        env=env(log),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not log.exists() or len(log.read_text().split()) < 2):
        time.sleep(0.1)
    workers = {int(p) for p in log.read_text().split()}
    assert len(workers) == 2 and process.pid not in workers
    process.send_signal(signal.SIGKILL)  # the main process only, not its group
    process.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    alive = [p for p in workers if _alive(p)]
    for pid in alive:  # do not leave them behind if the test fails
        os.kill(pid, signal.SIGKILL)
    assert not alive, "workers outlived the killed sweep"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_lean_sim_killed_while_overwriting_cells_with_another_base_seed_reruns_right(tmp_path):
    """The issue's case: a finished sweep, then one with another base_seed killed after a
    cell's Parquet files were written but before its manifest, then the first again."""
    args = ["-m", "strategy=none,centralized", "replicates=2", *TINY, *QUIET]
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    whole.mkdir(), killed.mkdir()
    assert lean_sim_here(*args, cwd=whole).returncode == 0
    assert lean_sim_here(*args, cwd=killed).returncode == 0
    kill = {**env(), "LEAN_SIM_KILL_AT": "cell/manifest.json@2"}
    died = subprocess.run(
        [script("lean-sim"), *args, "base_seed=1", "extend=true"],
        cwd=killed,
        env=kill,
        capture_output=True,
        text=True,
    )
    assert died.returncode == -signal.SIGKILL
    rerun = lean_sim_here(*args, "extend=true", cwd=killed)
    assert rerun.returncode == 0, rerun.stderr
    assert "(0 already done)" in rerun.stdout  # no stale cell passed for finished
    assert_same_tables(whole / "results" / "scratch", killed / "results" / "scratch")


def test_past_a_file_size_limit_cells_fail_with_a_message_not_a_traceback(tmp_path):
    """A file-size limit (as a full disk) while cells are written: each cell fails naming its
    folder, nothing is half-written, the command exits 1 and says so."""
    resource = pytest.importorskip("resource")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (30_000, 30_000))

    # GIT_OPTIONAL_LOCKS=0: the provenance's `git status` must not try to rewrite the index
    # under the limit (git would die of SIGXFSZ and leave index.lock in the checkout)
    result = subprocess.run(
        [script("lean-sim"), "-m", "strategy=none,centralized", "replicates=2", *TINY, *QUIET],
        cwd=tmp_path,
        env={**env(), "GIT_OPTIONAL_LOCKS": "0"},
        capture_output=True,
        text=True,
        preexec_fn=limit,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out[-3000:]
    assert out.count("File too large") == 2 and "cannot write" in out
    assert "Traceback" not in out
    assert not list((tmp_path / "results" / "scratch" / "cells").rglob("manifest.json"))
