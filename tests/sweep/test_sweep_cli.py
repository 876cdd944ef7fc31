"""The lean-sim command end to end, as a user runs it: in this process through the console
script's entry point (fast), and in subprocesses where a process is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pandas as pd
from test_sweep_support import (
    QUIET,
    TINY,
    assert_same_tables,
    count_runs,
    env,
    lean_sim_here,
    read_tables,
    script,
)

from sim.sweep.merge import main as merge_main

#: 2 strategies x 3 resistances, 2 replicates: a sweep of 6 cells (12 runs).
GRID = ["strategy=none,centralized", "resistance=0.3,0.5,0.9", "replicates=2", *TINY, *QUIET]


def test_a_single_run_writes_its_cell_and_the_merged_tables(tmp_path):
    result = lean_sim_here("strategy=embedded", "replicates=2", *TINY, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "merged 2 runs of 1 cells" in result.stdout
    runs = read_tables(tmp_path / "results" / "scratch")["runs"]
    assert list(runs["strategy"]) == ["embedded", "embedded"]
    assert list(runs["n_teams"]) == [24, 24]


def test_resume_runs_nothing_the_second_time(tmp_path):
    log = tmp_path / "runs.log"
    args = [*GRID, "runner=test_sweep_support.counting_run"]
    first = lean_sim_here("-m", *args, cwd=tmp_path, run_log=log)
    assert first.returncode == 0, first.stderr
    assert count_runs(log) == 12
    again = lean_sim_here("-m", *args, cwd=tmp_path, run_log=log)
    assert again.returncode == 0, again.stderr
    assert count_runs(log) == 12
    assert "6 cells, 12 runs (12 already done)" in again.stdout
    refused = lean_sim_here("-m", *args, "replicates=3", cwd=tmp_path, run_log=log)
    assert refused.returncode == 2 and "replicates 3 instead of 2 in 6 cells" in refused.stderr
    grown = lean_sim_here("-m", *args, "replicates=3", "extend=true", cwd=tmp_path, run_log=log)
    assert grown.returncode == 0, grown.stderr
    assert count_runs(log) == 18
    forced = lean_sim_here(
        "-m",
        *args,
        "force=true",
        "strategy=none",
        "replicates=3",
        "extend=true",
        cwd=tmp_path,
        run_log=log,
    )
    assert forced.returncode == 0, forced.stderr
    assert count_runs(log) == 27


def test_a_failing_cell_is_recorded_the_others_merge_and_the_exit_names_it(tmp_path):
    result = lean_sim_here("-m", *GRID, "runner=test_sweep_support.flaky_run", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.count("FAILED cell") == 2  # resistance 0.9, both strategies
    assert "injected failure at resistance=0.9" in result.stdout
    assert "some cells or jobs failed or are missing" in result.stderr
    experiment = tmp_path / "results" / "scratch"
    runs = read_tables(experiment)["runs"]
    assert len(runs) == 8 and set(runs["resistance"]) == {0.3, 0.5}
    manifest = json.loads((experiment / "manifest.json").read_text())
    assert len(manifest["failures"]) == 2 and len(manifest["cells"]) == 4


def finished_cells(progress) -> int:
    """Cells a sweep finished so far (progress.jsonl also notes when a cell starts)."""
    return sum(1 for line in progress.read_text().splitlines() if '"event"' not in line)


def test_a_killed_sweep_rerun_merges_to_the_same_tables_as_an_uninterrupted_one(tmp_path):
    args = ["-m", *GRID, "runner=test_sweep_support.slow_run"]
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    whole.mkdir(), killed.mkdir()
    fast = ["-m", *GRID, "runner=test_sweep_support.counting_run"]  # same cells, no pause
    assert lean_sim_here(*fast, cwd=whole).returncode == 0

    process = subprocess.Popen(
        [script("lean-sim"), *args],
        cwd=killed,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    progress = killed / "results" / "scratch" / "progress.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if progress.exists() and finished_cells(progress) >= 2:
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = finished_cells(progress)
    assert 2 <= finished < 6, "the sweep should have been killed half-way"
    assert not (killed / "results" / "scratch" / "runs.parquet").exists()

    rerun = lean_sim_here(*fast, cwd=killed)
    assert rerun.returncode == 0, rerun.stderr
    assert f"({2 * finished} already done)" in rerun.stdout
    assert_same_tables(whole / "results" / "scratch", killed / "results" / "scratch")


def test_a_design_file_runs_one_cell_per_distinct_row_in_chunks(tmp_path):
    (tmp_path / "points.csv").write_text(
        "strategy,resistance,power_distance\n"
        "embedded,0.2,0.3\ncentralized,0.4,0.5\nembedded,0.6,\nembedded,0.2,0.3\nhybrid,0.8,0.1\n"
    )
    result = lean_sim_here(
        "-m", "design=points.csv", "design_chunk_size=2", "experiment_name=sa", *TINY, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Launching 2 jobs" in result.stdout + result.stderr
    runs = read_tables(tmp_path / "results" / "sa")["runs"]
    assert list(runs["design_row"]) == [0, 1, 2, 4]
    assert list(runs["strategy"]) == ["embedded", "centralized", "embedded", "hybrid"]
    assert runs["power_distance"].iloc[2] == 0.4  # empty entry: the configured value


def test_lean_sim_merge_merges_on_demand_and_reports_missing_cells(tmp_path, capsys):
    assert lean_sim_here("-m", *GRID, cwd=tmp_path).returncode == 0
    experiment = tmp_path / "results" / "scratch"
    before = read_tables(experiment)
    for name in ("runs", "series", "pilots"):
        (experiment / f"{name}.parquet").unlink()
    assert merge_main([str(experiment)]) == 0
    for name, frame in read_tables(experiment).items():
        pd.testing.assert_frame_equal(frame, before[name])
    cell = next((experiment / "cells").iterdir())
    (cell / "manifest.json").unlink()
    capsys.readouterr()
    assert merge_main([str(experiment)]) == 1
    assert f"MISSING cell {cell.name}" in capsys.readouterr().out
    merge = [script("lean-sim-merge"), str(experiment)]  # the console script, once
    result = subprocess.run(merge, capture_output=True, text=True, env=env())
    assert result.returncode == 1 and f"MISSING cell {cell.name}" in result.stdout


def test_a_sweep_above_the_cap_needs_yes_and_then_runs(tmp_path):
    huge = ["n_teams=100000", "weeks=5200", "replicates=60", *QUIET]  # about 2.2 hours
    runner = "runner=test_sweep_support.tiny_stand_in_run"
    refused = lean_sim_here(*huge, runner, cwd=tmp_path)
    assert refused.returncode == 2 and "above the cap of 2 hours" in refused.stderr
    assert "yes=true" in refused.stderr and not (tmp_path / "results").exists()
    done = lean_sim_here(*huge, runner, "yes=true", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "60 runs (0 already done), about 2h" in done.stdout
