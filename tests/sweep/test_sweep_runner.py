"""Cells on disk: resume, growing replicates, failures, atomic files, and the merge."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from test_sweep_support import FAIL_RESISTANCE, count_runs, counting_run, flaky_run

import sim
from sim import SERIES_COLUMNS, Params
from sim.params import POLICY_FIELDS
from sim.provenance import model_version
from sim.sweep import progress, store
from sim.sweep.cells import Cell
from sim.sweep.local import sweep_cells
from sim.sweep.merge import ID_COLUMNS, merge_experiment

TINY = {"n_teams": 24, "weeks": 60}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "results.md"


@pytest.fixture
def run_log(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "runs.log"
    monkeypatch.setenv("LEAN_SIM_TEST_RUN_LOG", str(path))
    return path


def cells(*strategies: str, resistance: float = 0.5) -> list[Cell]:
    return [Cell(Params(strategy=s, resistance=resistance, **TINY)) for s in strategies]


def sweep(experiment_dir: Path, todo: list[Cell], replicates: int, runner=counting_run, **kw):
    """What lean-sim does for a sweep, from Python: lock, plan (extended), run, merge."""
    reports = []
    merge = sweep_cells(
        todo,
        experiment_dir,
        replicates=replicates,
        runner=runner,
        extend=True,
        on_cell=reports.append,
        **kw,
    )
    return reports, merge


def test_rerun_skips_finished_cells(tmp_path, run_log):
    todo = cells("none", "centralized", "embedded")
    sweep(tmp_path / "e", todo, replicates=2)
    assert count_runs(run_log) == 6
    reports, merge = sweep(tmp_path / "e", todo, replicates=2)
    assert count_runs(run_log) == 6
    assert {r.status for r in reports} == {"skipped"} and merge.ok and merge.runs == 6


def test_growing_replicates_runs_only_new_ones_and_equals_a_fresh_sweep(tmp_path, run_log):
    todo = cells("centralized", "embedded")
    sweep(tmp_path / "grown", todo, replicates=2)
    sweep(tmp_path / "grown", todo, replicates=3)
    assert count_runs(run_log) == 2 * 2 + 2 * 1
    sweep(tmp_path / "fresh", todo, replicates=3)
    for name in ("runs", "series", "pilots"):
        grown = pd.read_parquet(tmp_path / "grown" / f"{name}.parquet")
        fresh = pd.read_parquet(tmp_path / "fresh" / f"{name}.parquet")
        pd.testing.assert_frame_equal(grown, fresh, check_exact=True)


def test_fewer_replicates_reuse_the_stored_ones_and_merge_only_those(tmp_path, run_log):
    todo = cells("hybrid")
    sweep(tmp_path / "e", todo, replicates=3)
    _, merge = sweep(tmp_path / "e", todo, replicates=2)
    assert count_runs(run_log) == 3 and merge.runs == 2


def test_force_reruns_finished_cells(tmp_path, run_log):
    todo = cells("embedded")
    sweep(tmp_path / "e", todo, replicates=2)
    sweep(tmp_path / "e", todo, replicates=2, force=True)
    assert count_runs(run_log) == 4


def edit_manifest(experiment_dir: Path, cell: Cell, **changes) -> None:
    path = store.cell_dir(experiment_dir, cell.cell_id) / store.MANIFEST
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


def test_results_of_another_model_version_are_recomputed_not_reused(tmp_path, run_log):
    todo = cells("none", "embedded")
    sweep(tmp_path / "e", todo, replicates=2)
    edit_manifest(tmp_path / "e", todo[0], model_version="0123456789ab")
    _, merge = sweep(tmp_path / "e", todo, replicates=2)
    assert count_runs(run_log) == 6 and merge.ok
    assert merge.model_versions == {model_version(): 2}


def test_a_merge_never_mixes_model_versions_silently(tmp_path, run_log):
    todo = cells("none", "embedded")
    sweep(tmp_path / "e", todo, replicates=2)
    (tmp_path / "e" / "runs.parquet").unlink()
    edit_manifest(tmp_path / "e", todo[0], model_version="0123456789ab")
    merge = merge_experiment(tmp_path / "e")
    assert not merge.ok and "different model versions" in merge.describe()
    assert "0123456789ab" in merge.describe()
    assert not (tmp_path / "e" / "runs.parquet").exists()
    merge = merge_experiment(tmp_path / "e", allow_mixed_versions=True)
    runs = pd.read_parquet(tmp_path / "e" / "runs.parquet")
    assert sorted(runs["model_version"].unique()) == sorted(["0123456789ab", model_version()])


def test_a_failing_cell_is_recorded_and_the_others_merge(tmp_path, run_log):
    todo = cells("none", "centralized") + cells("embedded", resistance=FAIL_RESISTANCE)
    reports, merge = sweep(tmp_path / "e", todo, replicates=2, runner=flaky_run)
    assert [r.status for r in reports] == ["ok", "ok", "failed"]
    manifest = store.read_cell_manifest(store.cell_dir(tmp_path / "e", todo[2].cell_id))
    assert manifest["status"] == "failed"
    assert "injected failure at resistance=0.9" in manifest["error"]
    assert "RuntimeError" in manifest["traceback"]
    assert not merge.ok and merge.runs == 4
    assert [f["cell_id"] for f in merge.failures] == [todo[2].cell_id]
    assert "FAILED cell" in merge.describe() and "injected failure" in merge.describe()
    # the next sweep retries the failed cell only
    before = count_runs(run_log)
    sweep(tmp_path / "e", todo, replicates=2, runner=counting_run)
    assert count_runs(run_log) - before == 2


def test_cells_not_run_yet_are_reported_missing(tmp_path, run_log):
    todo = cells("none", "centralized")
    sweep(tmp_path / "e", todo[:1], replicates=1)
    plan = store.read_plan(tmp_path / "e")
    plan["cells"].append({**plan["cells"][0], "cell_id": todo[1].cell_id, "describe": "x"})
    store.write_json_atomic(tmp_path / "e" / store.PLAN, plan)
    merge = merge_experiment(tmp_path / "e")
    assert not merge.ok and merge.runs == 1
    assert merge.missing[0]["cell_id"] == todo[1].cell_id


def test_merged_tables_have_ids_params_policy_and_measures(tmp_path, run_log):
    todo = cells("none", "centralized", "hybrid")
    sweep(tmp_path / "e", todo, replicates=2)
    runs = pd.read_parquet(tmp_path / "e" / "runs.parquet")
    series = pd.read_parquet(tmp_path / "e" / "series.parquet")
    pilots = pd.read_parquet(tmp_path / "e" / "pilots.parquet")
    summary = sim.run(todo[1].params, seed=int(runs["seed"].iloc[2])).summary
    assert list(runs.columns[: len(ID_COLUMNS)]) == list(ID_COLUMNS)
    assert set(Params.model_fields) <= set(runs.columns)
    assert {f"policy_{f}" for f in POLICY_FIELDS} <= set(runs.columns)
    assert set(summary.columns) <= set(runs.columns)
    assert runs["run_id"].is_unique and len(runs) == 6
    assert runs.loc[2, "net_value"] == summary.loc[0, "net_value"]  # replicate 0 of cell 2
    assert list(runs["policy_pmo_share"]) == [0.0, 0.0, 1.0, 1.0, 1.0, 1.0]
    assert list(series.columns[:5]) == ["run_id", "cell_id", "strategy", "replicate", "week"]
    assert set(SERIES_COLUMNS) <= set(series.columns)
    assert len(series) == 6 * (TINY["weeks"] + 1)
    assert set(series["run_id"]) == set(runs["run_id"])
    assert list(pilots.columns[:4]) == ["run_id", "cell_id", "strategy", "replicate"]
    assert set(pilots["run_id"]) <= set(runs["run_id"])


def test_docs_describe_every_id_column():
    text = DOCS.read_text()
    for column in [*ID_COLUMNS, "policy_<field>", "week"]:
        assert f"`{column}`" in text, column


def test_atomic_write_keeps_the_old_file_when_a_write_fails(tmp_path, monkeypatch):
    path = tmp_path / "x.json"
    store.write_json_atomic(path, {"a": 1})

    def broken_replace(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk gone"):
        store.write_json_atomic(path, {"a": 2})
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]  # no temporary file left


def test_progress_counts_runs_of_this_sweep_and_extrapolates(tmp_path):
    plan = {"sweep_id": "now", "started": 0.0, "runs_to_do": 40}
    (tmp_path / store.PROGRESS).write_text(json.dumps({"sweep_id": "old", "runs": 99}) + "\n")
    status = progress.record(tmp_path, plan, "abc", 10)
    assert (status.done, status.total) == (10, 40)
    assert status.eta == pytest.approx(status.elapsed * 3)
    assert "10/40 runs (25%)" in status.describe()
    assert progress.format_seconds(3725) == "1h02m"
