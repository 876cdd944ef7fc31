"""Run one cell: its replicates, resumably, into its own folder. Knows nothing of Hydra.

A cell's folder keeps the runs of replicates ``0 .. k-1``. A rerun reuses them when the manifest
says they finished under the same code version, for the same cell and the same seeds; it runs
only the replicates that are missing (so growing ``replicates`` reuses finished ones), or all of
them with ``force``. A failure inside a run is caught and recorded in the manifest (status
``failed`` and the error), so the other cells of a sweep go on.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
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


def finished_replicates(
    manifest: dict[str, Any] | None, cell: Cell, seeds: list[int], code_version: str
) -> int:
    """How many leading replicates of ``seeds`` the stored cell already holds (0 if stale)."""
    if (
        manifest is None
        or manifest.get("status") != "ok"
        or manifest.get("cell_id") != cell.cell_id
        or manifest.get("code_version") != code_version
    ):
        return 0
    stored = manifest.get("seeds") or []
    done = 0
    for old, new in zip(stored, seeds, strict=False):
        if old != new:
            break
        done += 1
    return done


def runs_to_do(
    cell: Cell, experiment_dir: Path, replicates: int, base_seed: int, force: bool
) -> int:
    """Runs that ``run_cell`` would compute now (for the plan and the ETA)."""
    if force:
        return replicates
    seeds = replicate_seeds(cell.params, base_seed, replicates)
    manifest = store.read_cell_manifest(store.cell_dir(experiment_dir, cell.cell_id))
    return replicates - finished_replicates(manifest, cell, seeds, provenance()["model_version"])


def run_cell(
    cell: Cell,
    *,
    experiment_dir: Path,
    replicates: int,
    base_seed: int = 0,
    force: bool = False,
    runner: Runner | None = None,
    config: dict[str, Any] | None = None,
) -> CellReport:
    """Make sure the cell's folder holds replicates ``0 .. replicates-1``; run what is missing."""
    if runner is None:
        import sim

        runner = sim.run
    started = time.perf_counter()
    directory = store.cell_dir(experiment_dir, cell.cell_id)
    provenance_ = provenance()
    provenance_["code_version"] = provenance_["model_version"]
    seeds = replicate_seeds(cell.params, base_seed, replicates)
    old = None if force else store.read_cell_manifest(directory)
    done = finished_replicates(old, cell, seeds, provenance_["code_version"])
    if done >= replicates:
        return CellReport(cell, "skipped", 0, time.perf_counter() - started)

    manifest = _manifest(cell, experiment_dir.name, base_seed, provenance_, config)
    frames: dict[str, list[pd.DataFrame]] = {name: [] for name in store.FRAMES}
    if done:
        for name, frame in store.read_cell_frames(directory).items():
            frames[name].append(frame[frame["replicate"] < done])
    run_seconds = list((old or {}).get("timings", {}).get("run_seconds", [])[:done])
    replicate = done
    try:
        for replicate in range(done, replicates):
            tic = time.perf_counter()
            result = runner(cell.params, seed=seeds[replicate])
            run_seconds.append(round(time.perf_counter() - tic, 4))
            for name in store.FRAMES:
                frames[name].append(getattr(result, name).assign(replicate=replicate))
    except Exception as err:  # recorded, so that the other cells go on
        error = f"replicate {replicate} (seed {seeds[replicate]}): {type(err).__name__}: {err}"
        manifest.update(
            status="failed",
            error=error,
            traceback=traceback.format_exc(limit=8),
            timings=_timings(started, run_seconds),
        )
        store.write_cell_manifest(directory, manifest)
        return CellReport(cell, "failed", replicate - done, time.perf_counter() - started, error)

    manifest.update(
        status="ok",
        replicates=replicates,
        seeds=seeds,
        runs_computed=replicates - done,
        timings=_timings(started, run_seconds),
    )
    store.write_cell(directory, {k: _concat(v) for k, v in frames.items()}, manifest)
    return CellReport(cell, "ok", replicates - done, time.perf_counter() - started)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate, keeping the columns of empty frames (e.g. no pilots at all)."""
    non_empty = [f for f in frames if len(f)]
    if not non_empty:
        return frames[0].iloc[0:0] if frames else pd.DataFrame()
    return pd.concat(non_empty, ignore_index=True)


def _manifest(
    cell: Cell,
    experiment: str,
    base_seed: int,
    provenance: dict[str, Any],
    config: dict[str, Any] | None,
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
        **provenance,
        "packages": package_versions(),
        "config": config,
    }


def _timings(started: float, run_seconds: list[float]) -> dict[str, Any]:
    return {
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cell_seconds": round(time.perf_counter() - started, 4),
        "run_seconds": run_seconds,
    }


def run_job(job: JobSpec) -> list[CellReport]:
    """Run every cell of a job in turn, logging progress with an ETA after each."""
    runner = load_runner(job.runner)
    plan = store.read_plan(job.experiment_dir)
    reports = []
    for cell in job.cells:
        report = run_cell(
            cell,
            experiment_dir=job.experiment_dir,
            replicates=job.replicates,
            base_seed=job.base_seed,
            force=job.force,
            runner=runner,
            config=cell.config or job.config,
        )
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
