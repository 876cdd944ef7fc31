"""Files under ``results/<experiment>/``: atomic writes, per-cell files, the sweep plan.

Layout (docs/results.md describes the columns)::

    results/<experiment>/
        sweep.json               the last sweep's plan: its cells in order, replicates, seeds
        progress.jsonl           one line per finished cell of the running sweep (for the ETA)
        cells/<cell_id>/         one folder per cell (git-ignored)
            summary.parquet      one row per run (replicate)
            series.parquet       one row per run and week
            pilots.parquet       one row per PMO pilot
            manifest.json        written last: config, params, seeds, versions, timings, status
        runs.parquet, series.parquet, pilots.parquet, manifest.json   the merge (sim.sweep.merge)

Every file is written to a temporary name in the same folder and then renamed over the final
name (``os.replace`` is atomic on POSIX), so a kill at any moment leaves only whole files under
the final names; and a cell counts as finished only once its manifest says so. (There is no
fsync: a power cut, unlike a kill, can lose the last files; a rerun then recomputes them.)
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

CELLS = "cells"
MANIFEST = "manifest.json"
PLAN = "sweep.json"
PROGRESS = "progress.jsonl"
FRAMES = ("summary", "series", "pilots")


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_json_atomic(path: Path, value: Any) -> None:
    text = json.dumps(value, indent=2, sort_keys=False, default=str, allow_nan=True)
    write_bytes_atomic(path, (text + "\n").encode("utf-8"))


def write_parquet_atomic(path: Path, frame: pd.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    write_bytes_atomic(path, buffer.getvalue())


def write_arrow_atomic(path: Path, table: pa.Table) -> None:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    write_bytes_atomic(path, sink.getvalue().to_pybytes())


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or None if the file is missing or not valid JSON."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


# --- cells ----------------------------------------------------------------------------------
def cell_dir(experiment_dir: Path, cell_id: str) -> Path:
    return experiment_dir / CELLS / cell_id


def read_cell_manifest(directory: Path) -> dict[str, Any] | None:
    return read_json(directory / MANIFEST)


def read_cell_frames(directory: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(directory / f"{name}.parquet") for name in FRAMES}


def write_cell(directory: Path, frames: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> None:
    """Write the frames, then the manifest (last, so that it vouches for whole frames)."""
    for name in FRAMES:
        write_parquet_atomic(directory / f"{name}.parquet", frames[name])
    write_json_atomic(directory / MANIFEST, manifest)


def write_cell_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    write_json_atomic(directory / MANIFEST, manifest)


# --- the plan of the last sweep -------------------------------------------------------------
def write_plan(experiment_dir: Path, plan: dict[str, Any]) -> None:
    """Record the sweep's cells and start a fresh progress file."""
    write_json_atomic(experiment_dir / PLAN, plan)
    write_bytes_atomic(experiment_dir / PROGRESS, b"")


def read_plan(experiment_dir: Path) -> dict[str, Any] | None:
    return read_json(experiment_dir / PLAN)
