"""Sampled designs: sweep points read from a CSV or Parquet file instead of a grid.

Each row is one cell; each column is a ``sim.Params`` field (e.g. a SALib or Latin-hypercube
sample). An empty (null) entry keeps the value the rest of the configuration gives. A multirun
splits the design into chunks of ``design_chunk_size`` rows, one Hydra job per chunk, so the
per-job overhead of Hydra is paid once per chunk, not once per point.

Reading is strict: a CSV row with more or fewer fields than the header is an error naming its
line (pandas would shift the values silently); an empty, header-only, binary or non-UTF-8 file
is an error naming the file. The design is kept as typed columns (not as Params objects), and
rows become dicts only when a cell is built, so a 200k-row design validates in well under a GB.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from sim.params import Params


class DesignError(ValueError):
    """The design file cannot be used; the message names the file and what is wrong."""


class Design:
    """The distinct points of a design file, in file order, as typed columns."""

    def __init__(self, path: str, frame: pd.DataFrame) -> None:
        self.path = path
        keep = ~frame.duplicated().to_numpy()  # a cell runs once
        self.rows = np.flatnonzero(keep)  # data-row numbers (0 = first data row)
        self.columns = {c: frame[c].to_numpy()[keep] for c in frame.columns}

    def __len__(self) -> int:
        return len(self.rows)

    def point(self, index: int) -> tuple[int, dict[str, Any]]:
        """(row number, {field: value}) of the index-th distinct point; nulls left out."""
        values = {}
        for name, column in self.columns.items():
            value = _plain(column[index])
            if not _missing(value):
                values[name] = value
        return int(self.rows[index]), values

    def points(self, indices: range | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
        for index in indices if indices is not None else range(len(self)):
            yield self.point(index)


def read_design(path: str | Path) -> Design:
    """The design in ``path`` (cached while the file is unchanged); DesignError if unusable."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        raise DesignError(f"design={str(path)!r}: no such file") from None
    if not path.is_file():
        raise DesignError(f"design={str(path)!r}: not a file")
    return _read_design_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _read_design_cached(path: str, _mtime_ns: int, _size: int) -> Design:
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        frame = _read_csv(path)
    elif suffix in (".parquet", ".pq"):
        try:
            frame = pq.read_table(path).to_pandas()
        except (pa.ArrowException, OSError) as err:
            raise DesignError(f"design={path!r}: not a readable Parquet file ({err})") from None
    else:
        raise DesignError(f"design={path!r}: use a .csv or .parquet file (got {suffix!r})")
    unknown = [str(c) for c in frame.columns if c not in Params.model_fields]
    if unknown:
        raise DesignError(
            f"design={path!r}: columns {unknown} are not sim.Params fields; every column must "
            "name a parameter (see `lean-sim --help`)"
        )
    if frame.empty:
        raise DesignError(f"design={path!r}: the file has no rows")
    return Design(path, frame)


def _read_csv(path: str) -> pd.DataFrame:
    """Check the shape of every line (streaming), then read typed columns with pyarrow."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header or not any(h.strip() for h in header):
                raise DesignError(f"design={path!r}: the file is empty (no header row)")
            if len(set(header)) != len(header) or any(not h.strip() for h in header):
                raise DesignError(
                    f"design={path!r}: the header {header} has an empty or repeated column name"
                )
            for fields in reader:
                if len(fields) != len(header) and fields:
                    raise DesignError(
                        f"design={path!r}: line {reader.line_num} has {len(fields)} fields, the "
                        f"header has {len(header)}; every row must give one value per column"
                    )
    except UnicodeDecodeError:
        raise DesignError(f"design={path!r}: not a UTF-8 text file (binary?)") from None
    except csv.Error as err:
        raise DesignError(f"design={path!r}: not a CSV file ({err})") from None
    try:
        table = pa_csv.read_csv(
            path, convert_options=pa_csv.ConvertOptions(strings_can_be_null=True)
        )
    except (pa.ArrowException, OSError) as err:
        raise DesignError(f"design={path!r}: cannot read it as CSV ({err})") from None
    return table.to_pandas()


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _plain(value: Any) -> Any:
    """numpy scalars to Python scalars (pydantic and JSON want plain values)."""
    return value.item() if isinstance(value, np.generic) else value


def n_chunks(n_points: int, chunk_size: int) -> int:
    return max(1, math.ceil(n_points / chunk_size))


def chunk_range(n_points: int, index: int, chunk_size: int) -> range:
    """Point indices ``index*chunk_size`` up to the next chunk (the last may be shorter)."""
    total = n_chunks(n_points, chunk_size)
    if not 0 <= index < total:
        raise DesignError(
            f"design_chunk={index}: must be in 0..{total - 1} for this design (lean-sim sets "
            "design_chunk itself when it splits a design; leave it unset)"
        )
    return range(index * chunk_size, min(n_points, (index + 1) * chunk_size))
