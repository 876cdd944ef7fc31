"""Merge the cells of an experiment's last sweep into three tidy tables a report can cite.

``results/<experiment>/runs.parquet`` (one row per run), ``series.parquet`` (one row per run and
week) and ``pilots.parquet`` (one row per PMO pilot), plus ``manifest.json`` describing the
merge. docs/results.md lists the columns. The merge takes exactly the cells and replicates of
the plan (``sweep.json``), in plan order, so an interrupted and resumed sweep merges to the same
tables as an uninterrupted one. Failed or missing cells are reported, not hidden; cells from
different code versions are never merged silently (``allow_mixed_versions`` must be asked for).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.seeds import seeds_digest
from sim.sweep import store

ID_COLUMNS = ("run_id", "cell_id", "replicate", "seed", "code_version", "culture", "design_row")
POLICY_PREFIX = "policy_"


@dataclass
class MergeReport:
    """What a merge found and wrote; ``ok`` is false when anything needs the user's attention."""

    experiment_dir: Path
    cells: int = 0
    runs: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    code_versions: dict[str, int] = field(default_factory=dict)
    refused: str | None = None
    written: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.failures or self.missing or self.refused)

    def describe(self) -> str:
        lines = []
        if self.written:
            lines.append(
                f"merged {self.runs} runs of {self.cells} cells into {self.experiment_dir}/"
                "{runs,series,pilots}.parquet"
            )
        if self.refused:
            lines.append(f"NOT merged: {self.refused}")
        for f in self.failures:
            lines.append(f"FAILED cell {f['cell_id']} ({f['describe']}): {f['error']}")
        for m in self.missing:
            lines.append(f"MISSING cell {m['cell_id']} ({m['describe']}): {m['reason']}")
        if self.failures or self.missing:
            lines.append(
                f"{len(self.failures)} failed and {len(self.missing)} missing of "
                f"{self.cells + len(self.failures) + len(self.missing)} cells; rerun the same "
                "command to retry them (finished cells are kept)"
            )
        return "\n".join(lines)


class MergeError(RuntimeError):
    """The experiment folder has no plan to merge."""


def merge_experiment(
    experiment_dir: Path, *, allow_mixed_versions: bool = False, write: bool = True
) -> MergeReport:
    """Merge the planned cells of ``experiment_dir``; write the tables unless refused (or
    ``write`` is false: then only check which cells failed, are missing or disagree)."""
    experiment_dir = Path(experiment_dir)
    plan = store.read_plan(experiment_dir)
    if plan is None:
        raise MergeError(
            f"{experiment_dir}: no {store.PLAN} (run a sweep into it first with lean-sim)"
        )
    report = MergeReport(experiment_dir)
    ready: list[tuple[dict[str, Any], dict[str, Any]]] = []
    seen: set[str] = set()
    for entry in plan["cells"]:
        if entry["cell_id"] in seen:
            continue
        seen.add(entry["cell_id"])
        manifest = store.read_cell_manifest(store.cell_dir(experiment_dir, entry["cell_id"]))
        problem = _problem(entry, manifest)
        if problem == "failed":
            assert manifest is not None
            report.failures.append({**_label(entry), "error": manifest.get("error")})
        elif problem:
            report.missing.append({**_label(entry), "reason": problem})
        else:
            assert manifest is not None
            ready.append((entry, manifest))
    report.cells = len(ready)
    report.code_versions = dict(Counter(m["code_version"] for _, m in ready))
    if len(report.code_versions) > 1 and not allow_mixed_versions:
        report.refused = (
            f"the cells come from different code versions {report.code_versions}; rerun the "
            "sweep to bring them all to the current code, or merge with --allow-mixed-versions"
        )
        return report

    if not write:
        report.runs = sum(entry["replicates"] for entry, _ in ready)
        return report
    tables = _tables(experiment_dir, ready)
    report.runs = len(tables["runs"])
    for name, table in tables.items():
        path = experiment_dir / f"{name}.parquet"
        if isinstance(table, pa.Table):
            store.write_arrow_atomic(path, table)
        else:
            store.write_parquet_atomic(path, table)
        report.written.append(path)
    store.write_json_atomic(experiment_dir / store.MANIFEST, _merge_manifest(plan, report, ready))
    report.written.append(experiment_dir / store.MANIFEST)
    return report


def _label(entry: dict[str, Any]) -> dict[str, Any]:
    return {"cell_id": entry["cell_id"], "describe": entry.get("describe", "")}


def _problem(entry: dict[str, Any], manifest: dict[str, Any] | None) -> str | None:
    """None if the cell holds the planned runs, 'failed', or why it is missing."""
    if manifest is None:
        return "not run yet"
    if manifest.get("status") == "failed":
        return "failed"
    if manifest.get("status") != "ok":
        return f"status {manifest.get('status')!r}"
    stored = manifest.get("seeds", [])
    if len(stored) < entry["replicates"]:
        return f"holds {len(stored)} of {entry['replicates']} replicates"
    if seeds_digest(stored[: entry["replicates"]]) != entry["seeds_digest"]:
        return "its seeds are not the planned ones (another base_seed?)"
    return None


def _tables(
    experiment_dir: Path, ready: list[tuple[dict[str, Any], dict[str, Any]]]
) -> dict[str, pd.DataFrame | pa.Table]:
    """The three tables, in plan order. Cells are read in threads; the long tables (series,
    pilots) stay Arrow tables, which is several times faster than pandas at this size."""

    def read(item: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
        entry, manifest = item
        directory = store.cell_dir(experiment_dir, entry["cell_id"])
        n = entry["replicates"]
        summary = pd.read_parquet(directory / "summary.parquet")
        return {
            "summary": summary[summary["replicate"] < n],
            **{
                name: _with_ids(pq.read_table(directory / f"{name}.parquet"), manifest, n)
                for name in ("series", "pilots")
            },
        }

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        cells = list(pool.map(read, ready))
    heads, summaries = [], []
    for (entry, manifest), frames in zip(ready, cells, strict=True):
        heads.extend(_run_heads(frames["summary"], manifest, entry.get("design_row")))
        summaries.append(frames["summary"].drop(columns=["strategy", "seed", "replicate"]))
    head = pd.DataFrame.from_records(heads)
    if len(head):
        head["design_row"] = head["design_row"].astype("Int64")
    measures = _concat(summaries).reset_index(drop=True)
    return {
        "runs": pd.concat([head, measures], axis=1),
        **{
            name: pa.concat_tables([c[name] for c in cells], promote_options="permissive")
            for name in ("series", "pilots")
        },
    }


def run_id(cell_id: str, replicate: int) -> str:
    return f"{cell_id}-{replicate:04d}"


def _run_heads(
    summary: pd.DataFrame, manifest: dict[str, Any], design_row: int | None
) -> list[dict[str, Any]]:
    """Identifiers, parameters and resolved policy of each run of a cell."""
    fixed = {
        "code_version": manifest["code_version"],
        "culture": manifest["culture"],
        "design_row": design_row,
        **manifest["params"],
        **{POLICY_PREFIX + k: v for k, v in manifest["policy"].items()},
    }
    cell = manifest["cell_id"]
    return [
        {"run_id": run_id(cell, r), "cell_id": cell, "replicate": r, "seed": seed, **fixed}
        for r, seed in zip(summary["replicate"].tolist(), summary["seed"].tolist(), strict=True)
    ]


def _with_ids(table: pa.Table, manifest: dict[str, Any], replicates: int) -> pa.Table:
    """The planned replicates of a cell's long table, led by run_id, cell_id and strategy."""
    table = table.replace_schema_metadata(None)
    table = table.filter(pc.less(table.column("replicate"), replicates))
    replicate = table.column("replicate")
    zeros = pa.array(np.zeros(table.num_rows, dtype=np.int64))
    ids = {
        "run_id": pc.take(
            pa.array([run_id(manifest["cell_id"], r) for r in range(replicates)]), replicate
        ),
        "cell_id": pc.take(pa.array([manifest["cell_id"]]), zeros),
        "strategy": pc.take(pa.array([manifest["strategy"]]), zeros),
        "replicate": replicate,
    }
    rest = [c for c in table.column_names if c != "replicate"]
    return pa.table({**ids, **{c: table.column(c) for c in rest}})


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate in plan order, keeping the columns when every frame is empty."""
    non_empty = [f for f in frames if len(f)]
    if not non_empty:
        return frames[0].iloc[0:0] if frames else pd.DataFrame()
    return pd.concat(non_empty, ignore_index=True)


def _merge_manifest(
    plan: dict[str, Any], report: MergeReport, ready: list[tuple[dict[str, Any], dict[str, Any]]]
) -> dict[str, Any]:
    return {
        "experiment": plan.get("experiment"),
        "sweep_id": plan.get("sweep_id"),
        "merged": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "runs": report.runs,
        "cells": [
            {
                "cell_id": m["cell_id"],
                "strategy": m["strategy"],
                "culture": m["culture"],
                "replicates": e["replicates"],
                "code_version": m["code_version"],
                "dirty": m.get("dirty"),
            }
            for e, m in ready
        ],
        "failures": report.failures,
        "missing": report.missing,
        "code_versions": report.code_versions,
        "packages": ready[0][1].get("packages") if ready else None,
    }


def main(argv: list[str] | None = None) -> int:
    """``lean-sim-merge results/<experiment>``: merge the last sweep's cells again."""
    parser = argparse.ArgumentParser(
        prog="lean-sim-merge",
        description="Merge the cells of an experiment's last sweep into runs.parquet, "
        "series.parquet and pilots.parquet (e.g. after a sweep was interrupted or a job "
        "crashed). Exits 1 if cells failed or are missing, or versions differ.",
    )
    parser.add_argument("experiment_dir", type=Path, nargs="+", help="e.g. results/headline")
    parser.add_argument(
        "--allow-mixed-versions",
        action="store_true",
        help="merge cells computed by different code versions (the code_version column says "
        "which is which)",
    )
    args = parser.parse_args(argv)
    status = 0
    for directory in args.experiment_dir:
        try:
            report = merge_experiment(directory, allow_mixed_versions=args.allow_mixed_versions)
        except MergeError as err:
            print(f"lean-sim-merge: {err}", file=sys.stderr)
            status = 1
            continue
        print(report.describe())
        status = status or (0 if report.ok else 1)
    return status
