"""Merge the cells of an experiment's plan into three tidy tables a report can cite.

``results/<experiment>/runs.parquet`` (one row per run), ``series.parquet`` (one row per run and
week) and ``pilots.parquet`` (one row per PMO pilot), plus ``manifest.json`` describing the
merge. docs/results.md lists the columns. The merge takes exactly the cells and replicates of
the plan (``sweep.json``), in plan order, so an interrupted and resumed sweep merges to the same
tables as an uninterrupted one.

* A cell is read only when its manifest says it finished with the planned seeds and its files
  match the digests in that manifest; the bytes that are checked are the bytes parsed. A cell
  that fails the check is reported as missing (damaged), never read.
* Failed or missing cells are reported, not hidden; cells from different model versions are
  never merged silently (``allow_mixed_versions`` must be asked for).
* The old merge manifest is removed first and the new one written last, with the digest and
  size of each table, so a merge killed half-way leaves tables that nothing vouches for rather
  than a manifest that vouches for the wrong ones. When no cell can be merged, the old tables
  are removed: a folder never shows tables of another plan.
"""

from __future__ import annotations

import argparse
import contextlib
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

from sim.provenance import provenance
from sim.seeds import seeds_digest
from sim.sweep import store

ID_COLUMNS = (
    "run_id",
    "cell_id",
    "replicate",
    "seed",
    "model_version",
    "commit",
    "dirty",
    "culture",
    "design_row",
)
POLICY_PREFIX = "policy_"
USAGE_ERROR = 2


@dataclass
class MergeReport:
    """What a merge found and wrote; ``ok`` is false when anything needs the user's attention."""

    experiment_dir: Path
    cells: int = 0
    runs: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    model_versions: dict[str, int] = field(default_factory=dict)
    refused: str | None = None
    written: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.failures or self.missing or self.refused)

    def describe(self) -> str:
        lines = []
        if self.written and self.runs:
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
            total = self.cells + len(self.failures) + len(self.missing)
            what = "nothing was merged" if not self.cells else f"{self.cells} cells merged"
            lines.append(
                f"{len(self.failures)} failed and {len(self.missing)} missing of {total} cells "
                f"({what}); rerun the same command to retry them (finished cells are kept)"
            )
        return "\n".join(lines)


class MergeError(RuntimeError):
    """The experiment folder cannot be merged (no plan, damaged plan); the message says why."""


def merge_experiment(
    experiment_dir: Path, *, allow_mixed_versions: bool = False, write: bool = True
) -> MergeReport:
    """Merge the planned cells of ``experiment_dir``; write the tables unless refused (or
    ``write`` is false: then only check which cells failed, are missing or disagree).

    The caller holds the folder's lock (sim.sweep.lock); ``lean-sim-merge`` takes it itself.
    Raises MergeError for a folder without a readable plan, StoreError when writing fails.
    """
    experiment_dir = Path(experiment_dir)
    try:
        plan = store.read_plan(experiment_dir)
    except store.StoreError as err:
        raise MergeError(str(err)) from None
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
    report.model_versions = dict(Counter(m["model_version"] for _, m in ready))
    if len(report.model_versions) > 1 and not allow_mixed_versions:
        report.cells = len(ready)
        report.refused = (
            f"the cells come from different model versions {report.model_versions}; rerun the "
            "sweep to bring them all to the current model, or merge with --allow-mixed-versions"
        )
        return report

    if not write:
        report.cells = len(ready)
        report.runs = sum(entry["replicates"] for entry, _ in ready)
        return report
    with store.os_errors(str(experiment_dir)):
        store.remove_stale_temporaries(experiment_dir)
        _remove(experiment_dir / store.MANIFEST)
        tables, damaged = _tables(experiment_dir, ready)
        for entry, reason in damaged:
            report.missing.append({**_label(entry), "reason": reason})
        ready = [
            item for item in ready if item[0]["cell_id"] not in {e["cell_id"] for e, _ in damaged}
        ]
        report.cells = len(ready)
        report.model_versions = dict(Counter(m["model_version"] for _, m in ready))
        files = {}
        if tables is None:  # nothing to merge: no table of an earlier plan stays behind
            for name in store.MERGED:
                _remove(experiment_dir / f"{name}.parquet")
        else:
            report.runs = tables["runs"].num_rows
            for name in store.MERGED:
                data = store.parquet_bytes(tables[name])
                files[f"{name}.parquet"] = store.describe_file(data)
                path = experiment_dir / f"{name}.parquet"
                store.write_bytes_atomic(path, data, step=f"merge/{name}.parquet")
                report.written.append(path)
        store.write_json_atomic(
            experiment_dir / store.MANIFEST,
            _merge_manifest(plan, report, ready, files),
            step=f"merge/{store.MANIFEST}",
        )
        report.written.append(experiment_dir / store.MANIFEST)
    return report


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _label(entry: dict[str, Any]) -> dict[str, Any]:
    return {"cell_id": entry["cell_id"], "describe": entry.get("describe", "")}


def _problem(entry: dict[str, Any], manifest: dict[str, Any] | None) -> str | None:
    """None if the manifest says the cell holds the planned runs, 'failed', or why it is
    missing (the files are checked against the manifest when they are read)."""
    if manifest is None:
        return "not run yet"
    if manifest.get("status") == "failed":
        return "failed"
    if manifest.get("status") != "ok":
        return f"status {manifest.get('status')!r}"
    if "model_version" not in manifest:
        return "its manifest was written by an older lean-sim (no model_version); rerun it"
    stored = manifest.get("seeds") or []
    if len(stored) < entry["replicates"]:
        return f"holds {len(stored)} of {entry['replicates']} replicates"
    if seeds_digest(stored[: entry["replicates"]]) != entry["seeds_digest"]:
        return "its seeds are not the planned ones (another base_seed?)"
    return None


def _tables(
    experiment_dir: Path, ready: list[tuple[dict[str, Any], dict[str, Any]]]
) -> tuple[dict[str, pa.Table] | None, list[tuple[dict[str, Any], str]]]:
    """The three tables in plan order (None when no cell could be read), and the cells whose
    files did not match their manifests. Cells are read in threads, each file once: its bytes
    are checked against the manifest's digest and then parsed."""

    def read(item: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any] | str:
        entry, manifest = item
        directory = store.cell_dir(experiment_dir, entry["cell_id"])
        n = entry["replicates"]
        try:
            frames = {name: store.read_verified(directory, manifest, name) for name in store.FRAMES}
        except store.StoreError as err:
            return f"damaged: {err}; rerun the sweep to recompute it"
        summary = frames["summary"].to_pandas()
        return {
            "summary": summary[summary["replicate"] < n],
            **{name: _with_ids(frames[name], manifest, n) for name in ("series", "pilots")},
        }

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        results = list(pool.map(read, ready))
    damaged = [
        (entry, r) for (entry, _), r in zip(ready, results, strict=True) if isinstance(r, str)
    ]
    cells = [(item, r) for item, r in zip(ready, results, strict=True) if not isinstance(r, str)]
    if not cells:
        return None, damaged
    heads, summaries = [], []
    for (entry, manifest), frames in cells:
        heads.extend(_run_heads(frames["summary"], manifest, entry.get("design_row")))
        summaries.append(frames["summary"].drop(columns=["strategy", "seed", "replicate"]))
    head = pd.DataFrame.from_records(heads)
    head["design_row"] = head["design_row"].astype("Int64")
    measures = _concat(summaries).reset_index(drop=True)
    runs = pd.concat([head, measures], axis=1)
    return {
        "runs": pa.Table.from_pandas(runs, preserve_index=False),
        **{
            name: pa.concat_tables([c[name] for _, c in cells], promote_options="permissive")
            for name in ("series", "pilots")
        },
    }, damaged


def run_id(cell_id: str, replicate: int) -> str:
    return f"{cell_id}-{replicate:04d}"


def _run_heads(
    summary: pd.DataFrame, manifest: dict[str, Any], design_row: int | None
) -> list[dict[str, Any]]:
    """Identifiers, parameters and resolved policy of each run of a cell."""
    fixed = {
        "model_version": manifest["model_version"],
        "commit": manifest.get("commit"),
        "dirty": manifest.get("dirty"),
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
    plan: dict[str, Any],
    report: MergeReport,
    ready: list[tuple[dict[str, Any], dict[str, Any]]],
    files: dict[str, Any],
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
                "model_version": m["model_version"],
                "commit": m.get("commit"),
                "dirty": m.get("dirty"),
            }
            for e, m in ready
        ],
        "failures": report.failures,
        "missing": report.missing,
        "model_versions": report.model_versions,
        "merged_by": provenance(),
        "packages": ready[0][1].get("packages") if ready else None,
        "files": files,
    }


def main(argv: list[str] | None = None) -> int:
    """``lean-sim-merge results/<experiment>``: merge the plan's cells again."""
    from sim.sweep.lock import FolderBusy, FolderLock

    parser = argparse.ArgumentParser(
        prog="lean-sim-merge",
        description="Merge the cells of an experiment's plan into runs.parquet, "
        "series.parquet and pilots.parquet (e.g. after a sweep was interrupted or a job "
        "crashed). Cells whose files do not match their manifests are reported, never read. "
        "Exits 0 when every planned cell merged, 1 if cells failed or are missing or versions "
        "differ, 2 for a folder that is not an experiment folder.",
    )
    parser.add_argument("experiment_dir", type=Path, nargs="+", help="e.g. results/headline")
    parser.add_argument(
        "--allow-mixed-versions",
        action="store_true",
        help="merge cells computed by different model versions (the model_version column "
        "says which is which)",
    )
    parser.add_argument(
        "--wait", action="store_true", help="wait for a sweep that holds the folder"
    )
    args = parser.parse_args(argv)
    status = 0
    for directory in args.experiment_dir:
        if not (directory / store.PLAN).is_file():
            print(
                f"lean-sim-merge: {directory}: no {store.PLAN} here; give an experiment folder "
                "that a sweep wrote (e.g. results/headline)",
                file=sys.stderr,
            )
            status = USAGE_ERROR
            continue
        try:
            with FolderLock(directory, command=" ".join(["lean-sim-merge", *sys.argv[1:]])) as lock:
                lock.acquire(wait=args.wait)
                report = merge_experiment(directory, allow_mixed_versions=args.allow_mixed_versions)
        except MergeError as err:  # a damaged plan: the folder cannot be merged as it is
            print(f"lean-sim-merge: {err}", file=sys.stderr)
            status = USAGE_ERROR
            continue
        except (FolderBusy, store.StoreError) as err:
            print(f"lean-sim-merge: {err}", file=sys.stderr)
            status = status or 1
            continue
        print(report.describe())
        status = status or (0 if report.ok else 1)
    return status
