"""Results you can trust after any fault: killed writes, damaged files, plans, locks, umask.

Fault injection: a child process (forked from a forkserver that has already imported the
model) runs a sweep with ``LEAN_SIM_KILL_AT`` armed and kills itself with SIGKILL at one write
step; this process then reruns the sweep, which must merge to exactly the tables of an
uninterrupted sweep. The second family does the same after a killed sweep with another
``base_seed`` had overwritten cells of a finished one.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from test_sweep_support import (
    FAIL_RESISTANCE,
    assert_same_tables,
    count_runs,
    counting_run,
    flaky_run,
    sweep_in_child,
)

from sim import Params
from sim.sweep import lock as lock_mod
from sim.sweep import store
from sim.sweep.local import sweep_cells
from sim.sweep.lock import FolderBusy, FolderLock
from sim.sweep.merge import merge_experiment
from sim.sweep.plan import PlanConflict

TINY = {"n_teams": 24, "weeks": 40}
CELLS = [{"strategy": s, **TINY} for s in ("none", "centralized", "embedded")]
REPLICATES = 2


def params(cells=CELLS) -> list[Params]:
    return [Params(**c) for c in cells]


@pytest.fixture
def run_log(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "runs.log"
    monkeypatch.setenv("LEAN_SIM_TEST_RUN_LOG", str(path))
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """An uninterrupted sweep (base_seed 0): the tables every recovery must reproduce."""
    folder = tmp_path_factory.mktemp("reference") / "e"
    assert sweep_cells(params(), folder, replicates=REPLICATES).ok
    return folder


@pytest.fixture(scope="module")
def forkserver():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["test_sweep_support", "sim.sweep.local", "sim.run"])
    return context


def kill_at(forkserver, folder: Path, step: str, base_seed: int = 0) -> None:
    """Run the sweep in a child that kills itself at ``step``; check that it did."""
    child = forkserver.Process(
        target=sweep_in_child, args=(str(folder), CELLS, REPLICATES, base_seed, step)
    )
    child.start()
    child.join(120)
    assert child.exitcode == -9, f"the sweep did not reach {step} (exit {child.exitcode})"


def _spec(step: str) -> str:
    return f"{step}@2" if step.startswith("cell/") else step  # the second cell: one is done


FAULTS = [_spec(s + end) for s in store.STEPS for end in ("", "+")]


@pytest.mark.parametrize("step", FAULTS)
def test_a_sweep_killed_at_any_write_step_reruns_to_the_uninterrupted_tables(
    tmp_path, reference, forkserver, step
):
    folder = tmp_path / "e"
    kill_at(forkserver, folder, step)
    report = sweep_cells(params(), folder, replicates=REPLICATES)
    assert report.ok, report.describe()
    assert_same_tables(reference, folder)
    assert not list(folder.rglob("*.tmp"))


@pytest.mark.slow
@pytest.mark.parametrize("step", FAULTS)
def test_a_killed_sweep_with_another_base_seed_never_leaves_wrong_runs(
    tmp_path, reference, forkserver, step
):
    folder = tmp_path / "e"
    shutil.copytree(reference, folder)  # a finished sweep with base_seed 0 ...
    kill_at(forkserver, folder, step, base_seed=1)  # ... then one with base_seed 1, killed
    report = sweep_cells(params(), folder, replicates=REPLICATES, extend=True)
    assert report.ok, report.describe()
    assert_same_tables(reference, folder)


# --- damaged files ------------------------------------------------------------------------------
DAMAGE = {
    "truncated summary": lambda d: _truncate(d / "summary.parquet", 10),
    "empty summary": lambda d: _truncate(d / "summary.parquet", 0),
    "deleted series": lambda d: (d / "series.parquet").unlink(),
    "one byte changed in pilots": lambda d: _flip(d / "pilots.parquet"),
}


def _truncate(path: Path, size: int) -> None:
    with open(path, "r+b") as f:
        f.truncate(size)


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_cell_is_never_merged_and_a_rerun_repairs_it(
    tmp_path, reference, run_log, caplog, damage
):
    folder = tmp_path / "e"
    shutil.copytree(reference, folder)
    (cell,) = [c for c in (folder / "cells").iterdir() if _strategy(c) == "centralized"]
    DAMAGE[damage](cell)
    merge = merge_experiment(folder)  # never reads the damaged cell, never crashes
    assert not merge.ok and [m["cell_id"] for m in merge.missing] == [cell.name]
    assert merge.runs == 2 * REPLICATES
    with caplog.at_level("WARNING", logger="lean_sim"):
        report = sweep_cells(params(), folder, replicates=REPLICATES, runner=counting_run)
    assert report.ok and count_runs(run_log) == REPLICATES  # only the damaged cell reran
    assert f"cell {cell.name}" in caplog.text and "recomputing it" in caplog.text
    assert_same_tables(reference, folder)


def _strategy(cell: Path) -> str:
    return json.loads((cell / store.MANIFEST).read_text())["strategy"]


def test_a_cell_manifest_records_digests_sizes_and_seeds(reference):
    for cell in (reference / "cells").iterdir():
        manifest = json.loads((cell / store.MANIFEST).read_text())
        assert len(manifest["seeds"]) == REPLICATES
        assert manifest["model_version"] and "commit" in manifest and "dirty" in manifest
        for name in ("summary", "series", "pilots"):
            data = (cell / f"{name}.parquet").read_bytes()
            assert manifest["files"][f"{name}.parquet"] == store.describe_file(data)
    merged = json.loads((reference / store.MANIFEST).read_text())
    for name in ("runs", "series", "pilots"):
        data = (reference / f"{name}.parquet").read_bytes()
        assert merged["files"][f"{name}.parquet"] == store.describe_file(data)


# --- plans --------------------------------------------------------------------------------------
def test_a_sweep_with_other_cells_is_refused_naming_them_or_extends_the_plan(tmp_path, run_log):
    folder = tmp_path / "e"
    sweep_cells(params(CELLS[:2]), folder, replicates=1, runner=counting_run)
    with pytest.raises(PlanConflict) as err:
        sweep_cells(params(CELLS[1:]), folder, replicates=1, runner=counting_run)
    message = str(err.value)
    assert "1 cells only in this sweep (embedded" in message
    assert "1 cells only in the folder's plan (none" in message and "extend=true" in message
    assert count_runs(run_log) == 2  # the refused sweep ran nothing
    report = sweep_cells(params(CELLS[1:]), folder, replicates=1, extend=True)
    assert report.ok and report.cells == 3 and count_runs(run_log) == 2


def test_another_base_seed_or_replicates_is_a_different_plan(tmp_path):
    folder = tmp_path / "e"
    sweep_cells(params(CELLS[:1]), folder, replicates=1)
    with pytest.raises(PlanConflict, match="base_seed 1 instead of 0 in 1 cells"):
        sweep_cells(params(CELLS[:1]), folder, replicates=1, base_seed=1)
    with pytest.raises(PlanConflict, match="replicates 2 instead of 1 in 1 cells"):
        sweep_cells(params(CELLS[:1]), folder, replicates=2)


def test_the_same_plan_in_another_order_resumes_and_merges_the_same(tmp_path, reference):
    folder = tmp_path / "e"
    shutil.copytree(reference, folder)
    report = sweep_cells(params(CELLS[::-1]), folder, replicates=REPLICATES)
    assert report.ok
    assert_same_tables(reference, folder)


def test_when_every_cell_fails_the_failures_are_listed_and_nothing_is_merged(tmp_path):
    folder = tmp_path / "e"
    failing = [{**c, "resistance": FAIL_RESISTANCE} for c in CELLS]
    report = sweep_cells(params(failing), folder, replicates=1, runner=flaky_run)
    assert not report.ok and len(report.failures) == 3 and report.runs == 0
    assert "3 failed and 0 missing of 3 cells (nothing was merged)" in report.describe()
    assert not (folder / "runs.parquet").exists()
    assert json.loads((folder / store.MANIFEST).read_text())["runs"] == 0


def test_a_merge_of_a_plan_whose_cells_all_fail_removes_the_tables_of_before(tmp_path):
    folder = tmp_path / "e"
    failing = [{**c, "resistance": FAIL_RESISTANCE} for c in CELLS]
    sweep_cells(params(CELLS), folder, replicates=1)
    (folder / store.PLAN).unlink()  # a new plan for the folder (finished cells are kept)
    report = sweep_cells(params(failing), folder, replicates=1, runner=flaky_run)
    assert report.runs == 0 and not (folder / "runs.parquet").exists()


# --- the lock -----------------------------------------------------------------------------------
def test_a_second_sweep_refuses_naming_the_holder_and_wait_waits(tmp_path):
    folder = tmp_path / "e"
    holder = FolderLock(folder, command="lean-sim -m experiment=headline")
    taking = threading.Thread(target=holder.acquire)  # another thread, as another process would
    taking.start()
    taking.join()
    with pytest.raises(FolderBusy) as err:
        sweep_cells(params(CELLS[:1]), folder, replicates=1)
    message = str(err.value)
    assert f"pid {os.getpid()} on {socket.gethostname()}" in message
    assert "lean-sim -m experiment=headline" in message and "wait=true" in message
    assert not (folder / store.PLAN).exists()
    threading.Timer(1.0, holder.release).start()
    report = sweep_cells(params(CELLS[:1]), folder, replicates=1, wait=True)
    assert report.ok
    assert not (folder / lock_mod.LOCK).exists() and not (folder / lock_mod.HOLDER).exists()


def _foreign_marker(folder: Path, host: str, pid: int, duration: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / lock_mod.LOCK).write_text(
        f"filelock/2\npid={pid}\nhost={host}\nmode=lease\ntoken=0123abcd\nduration={duration!r}\n"
    )


def test_a_lock_of_another_host_is_stale_only_once_its_lease_expired(tmp_path, monkeypatch):
    monkeypatch.setenv(lock_mod.LEASE_ENV, "1.0")
    folder = tmp_path / "e"
    _foreign_marker(folder, "far-away-host", 4242, 1.0)
    with pytest.raises(FolderBusy, match="pid 4242 on far-away-host"):
        sweep_cells(params(CELLS[:1]), folder, replicates=1)
    tic = time.monotonic()
    assert sweep_cells(params(CELLS[:1]), folder, replicates=1, wait=True).ok
    assert time.monotonic() - tic >= 1.0  # it waited out the lease, seen on its own clock


def test_a_lock_whose_holder_is_gone_from_this_host_is_taken_at_once(tmp_path):
    folder = tmp_path / "e"
    gone = subprocess.Popen(["true"])  # a process of this host that has ended
    gone.wait()
    _foreign_marker(folder, socket.gethostname(), gone.pid, lock_mod.DEFAULT_LEASE_SECONDS)
    assert sweep_cells(params(CELLS[:1]), folder, replicates=1).ok


# --- files respect the umask --------------------------------------------------------------------
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664)])
def test_files_are_created_with_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        sweep_cells(params(CELLS[:1]), tmp_path / "e", replicates=1)
    finally:
        os.umask(old)
    files = [p for p in (tmp_path / "e").rglob("*") if p.is_file()]
    assert files and {oct(p.stat().st_mode & 0o777) for p in files} == {oct(mode)}
