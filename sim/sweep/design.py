"""Sampled designs: sweep points read from a CSV or Parquet file instead of a grid.

Each row is one cell; each column is a ``sim.Params`` field (e.g. a SALib or Latin-hypercube
sample). An empty (NaN) entry keeps the value the rest of the configuration gives. A multirun
splits the design into chunks of ``design_chunk_size`` rows, one Hydra job per chunk, so the
per-job overhead of Hydra is paid once per chunk, not once per point.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from sim.params import Params


class DesignError(ValueError):
    """The design file cannot be used; the message names the file and what is wrong."""


def read_design(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """The distinct points of a design file, in file order: (row number, {field: value}).

    Row numbers count data rows from 0. Duplicate rows are dropped (a cell runs once). Raises
    DesignError for a missing file, an unknown format, an empty design, or a column that is not
    a Params field.
    """
    path = Path(path)
    stat = path.stat() if path.is_file() else None
    if stat is None:
        raise DesignError(f"design={str(path)!r}: no such file")
    points = _read_design_cached(str(path.resolve()), stat.st_mtime_ns)
    return [(row, dict(point)) for row, point in points]


Point = tuple[tuple[str, Any], ...]


@lru_cache(maxsize=8)
def _read_design_cached(path: str, _mtime_ns: int) -> tuple[tuple[int, Point], ...]:
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        frame = pd.read_csv(path)
    elif suffix in (".parquet", ".pq"):
        frame = pd.read_parquet(path)
    else:
        raise DesignError(f"design={path!r}: use a .csv or .parquet file (got {suffix!r})")
    unknown = [c for c in frame.columns if c not in Params.model_fields]
    if unknown:
        raise DesignError(
            f"design={path!r}: columns {unknown} are not sim.Params fields; every column must "
            "name a parameter (see `lean-sim --help`)"
        )
    if frame.empty:
        raise DesignError(f"design={path!r}: the file has no rows")
    points: list[tuple[int, Point]] = []
    seen: set[Point] = set()
    for row, record in enumerate(frame.to_dict("records")):
        point = tuple((k, _plain(v)) for k, v in record.items() if not _missing(v))
        if point not in seen:
            seen.add(point)
            points.append((row, point))
    return tuple(points)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _plain(value: Any) -> Any:
    """numpy scalars to Python scalars (pydantic and JSON want plain values)."""
    return value.item() if hasattr(value, "item") else value


def n_chunks(n_points: int, chunk_size: int) -> int:
    return max(1, math.ceil(n_points / chunk_size))


def chunk[T](points: list[T], index: int, chunk_size: int) -> list[T]:
    """Rows ``index*chunk_size`` up to the next chunk (the last chunk may be shorter)."""
    total = n_chunks(len(points), chunk_size)
    if not 0 <= index < total:
        raise DesignError(f"design_chunk={index}: must be in 0..{total - 1} for this design")
    return points[index * chunk_size : (index + 1) * chunk_size]
