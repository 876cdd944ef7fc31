"""Files under ``results/<experiment>/``: atomic writes, per-cell files that prove themselves.

Layout (docs/results.md describes every file and column)::

    results/<experiment>/
        lock, lock.json          while a sweep or merge runs: who holds it (sim.sweep.lock)
        sweep.json               the plan: its cells in order, replicates, base seeds, seed digests
        progress.jsonl           one line per started and finished cell of the running sweep
        cells/<cell_id>/         one folder per cell (git-ignored)
            summary.parquet      one row per run (replicate)
            series.parquet       one row per run and week
            pilots.parquet       one row per PMO pilot
            manifest.json        written last: seeds, versions, and the SHA-256 and size of
                                 each of the three files, which it vouches for
        runs.parquet, series.parquet, pilots.parquet, manifest.json   the merge (sim.sweep.merge)

**A cell is done only when its files prove it.** Its manifest is written last and records the
digest and size of every file it vouches for; before a cell is rewritten its manifest is
removed first. So a kill at any moment leaves either a manifest whose files match it, or no
manifest: a resumed sweep checks the files against the manifest (``verify_cell``) and
recomputes, saying so, any cell that does not match; a merge never reads such a cell.

Every file is written to a temporary name in the same folder and renamed over the final name
(``os.replace`` is atomic on POSIX). Temporary files are created with mode 0666 less the umask,
like any other file, so a shared results folder stays readable by the group the umask allows.
(There is no fsync: a power cut, unlike a kill, can lose the last files; the digests then make
a rerun recompute them.)

**Fault injection** (for tests): with ``LEAN_SIM_KILL_AT=<step>[@<n>]`` in the environment the
process kills itself with SIGKILL at the n-th (default first) time it reaches that write step.
Steps are ``<what>/<file>`` (the temporary file written, not yet renamed) and ``<what>/<file>+``
(just after the rename), where ``<what>`` is ``plan``, ``cell`` or ``merge``: for example
``cell/series.parquet``, ``cell/manifest.json+``, ``merge/runs.parquet``. ``STEPS`` lists them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import secrets
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.provenance import file_digest

CELLS = "cells"
MANIFEST = "manifest.json"
PLAN = "sweep.json"
PACKS = "packs.json"
PROGRESS = "progress.jsonl"
FRAMES = ("summary", "series", "pilots")
MERGED = ("runs", "series", "pilots")
KILL_AT_ENV = "LEAN_SIM_KILL_AT"
_TMP_SUFFIX = ".tmp"

#: Every write step the fault-injection hook can stop at (each also with a trailing ``+``).
STEPS: tuple[str, ...] = (
    f"plan/{PLAN}",
    *(f"cell/{name}.parquet" for name in FRAMES),
    f"cell/{MANIFEST}",
    *(f"merge/{name}.parquet" for name in MERGED),
    f"merge/{MANIFEST}",
)
_reached: dict[str, int] = {}


class StoreError(OSError):
    """A file of a results folder cannot be written or read; the message names it."""


def checkpoint(step: str) -> None:
    """Fault injection: SIGKILL this process at the step named by $LEAN_SIM_KILL_AT."""
    spec = os.environ.get(KILL_AT_ENV)
    if not spec:
        return
    name, _, nth = spec.partition("@")
    if name != step:
        return
    _reached[step] = _reached.get(step, 0) + 1
    if _reached[step] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def write_bytes_atomic(path: Path, data: bytes, step: str | None = None) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The temporary file is opened with mode 0666, so the process umask applies as for any file
    (``tempfile.mkstemp`` would force 0600). ``step`` names the write for fault injection.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{_TMP_SUFFIX}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if step:
            checkpoint(step)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if step:
        checkpoint(step + "+")


def remove_stale_temporaries(folder: Path) -> None:
    """Remove temporary files a killed writer left in ``folder`` (call with the folder locked)."""
    with contextlib.suppress(FileNotFoundError):
        for path in folder.glob(f".*{_TMP_SUFFIX}"):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def json_bytes(value: Any) -> bytes:
    text = json.dumps(value, indent=2, sort_keys=False, default=str, allow_nan=True)
    return (text + "\n").encode("utf-8")


def write_json_atomic(path: Path, value: Any, step: str | None = None) -> None:
    write_bytes_atomic(path, json_bytes(value), step)


def parquet_bytes(frame: pd.DataFrame | pa.Table) -> bytes:
    if isinstance(frame, pa.Table):
        sink = pa.BufferOutputStream()
        pq.write_table(frame, sink)
        return sink.getvalue().to_pybytes()
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def write_parquet_atomic(path: Path, frame: pd.DataFrame, step: str | None = None) -> None:
    write_bytes_atomic(path, parquet_bytes(frame), step)


def write_arrow_atomic(path: Path, table: pa.Table, step: str | None = None) -> None:
    write_bytes_atomic(path, parquet_bytes(table), step)


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or None if the file is missing or not a valid JSON object."""
    try:
        value = json.loads(path.read_bytes().decode("utf-8"))
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def describe_file(data: bytes) -> dict[str, Any]:
    """What a manifest records to vouch for a file: its SHA-256 and size in bytes."""
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


# --- cells ----------------------------------------------------------------------------------
def cell_dir(experiment_dir: Path, cell_id: str) -> Path:
    return experiment_dir / CELLS / cell_id


def frame_file(name: str) -> str:
    return f"{name}.parquet"


def read_cell_manifest(directory: Path) -> dict[str, Any] | None:
    return read_json(directory / MANIFEST)


def cell_problem(directory: Path, manifest: dict[str, Any], *, full: bool = True) -> str | None:
    """Why the cell's files do not match its manifest, or None when they do.

    ``full`` compares SHA-256 digests (reads every byte); otherwise only presence and size,
    a cheap first look (the plan uses it; resume and merge check the digests).
    """
    files = manifest.get("files")
    if not isinstance(files, dict):
        return "its manifest lists no file digests (written by an older lean-sim)"
    for name in FRAMES:
        entry = files.get(frame_file(name))
        path = directory / frame_file(name)
        if not isinstance(entry, dict):
            return f"its manifest does not vouch for {frame_file(name)}"
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return f"{frame_file(name)} is missing"
        if size != entry.get("bytes"):
            return f"{frame_file(name)} has {size} bytes, its manifest says {entry.get('bytes')}"
        if full and file_digest(path) != entry.get("sha256"):
            return f"{frame_file(name)} does not match the digest in its manifest"
    return None


def read_verified(directory: Path, manifest: dict[str, Any], name: str) -> pa.Table:
    """A cell's table, read from bytes checked against its manifest (one read: no race)."""
    file = frame_file(name)
    try:
        data = (directory / file).read_bytes()
    except OSError as err:
        raise StoreError(f"{directory / file}: cannot read it ({err.strerror})") from None
    entry = (manifest.get("files") or {}).get(file)
    if not isinstance(entry, dict) or describe_file(data) != {
        "sha256": entry.get("sha256"),
        "bytes": entry.get("bytes"),
    }:
        raise StoreError(f"{directory / file}: does not match the digest in its manifest")
    try:
        return pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as err:
        raise StoreError(f"{directory / file}: not a readable Parquet file ({err})") from None


def read_cell_frames(directory: Path, manifest: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The three frames of a verified cell (raises StoreError if one does not match)."""
    return {name: read_verified(directory, manifest, name).to_pandas() for name in FRAMES}


def remove_cell_manifest(directory: Path) -> None:
    """Withdraw a cell's manifest before its files are rewritten (it no longer vouches)."""
    with contextlib.suppress(FileNotFoundError):
        (directory / MANIFEST).unlink()


def write_cell(directory: Path, frames: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> None:
    """Write the frames, then the manifest with their digests (last, so that it vouches)."""
    files = {}
    for name in FRAMES:
        data = parquet_bytes(frames[name])
        files[frame_file(name)] = describe_file(data)
        write_bytes_atomic(directory / frame_file(name), data, step=f"cell/{frame_file(name)}")
    write_json_atomic(directory / MANIFEST, {**manifest, "files": files}, step=f"cell/{MANIFEST}")


def write_cell_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    """A manifest without files (a failed cell): it vouches for nothing."""
    write_json_atomic(directory / MANIFEST, {**manifest, "files": {}}, step=f"cell/{MANIFEST}")


# --- the plan -------------------------------------------------------------------------------
def write_plan(experiment_dir: Path, plan: dict[str, Any]) -> None:
    """Record the sweep's plan and start a fresh progress file."""
    write_json_atomic(experiment_dir / PLAN, plan, step=f"plan/{PLAN}")
    write_bytes_atomic(experiment_dir / PROGRESS, b"")


def read_plan(experiment_dir: Path) -> dict[str, Any] | None:
    """The plan of ``experiment_dir``; None when there is none; StoreError when it is damaged."""
    path = experiment_dir / PLAN
    if not path.exists():
        return None
    plan = read_json(path)
    if plan is None or not isinstance(plan.get("cells"), list):
        raise StoreError(
            f"{path}: not a lean-sim plan (damaged?); run the sweep again to rewrite it, "
            "or remove the file"
        )
    for entry in plan["cells"]:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("cell_id"), str)
            and isinstance(entry.get("replicates"), int)
            and isinstance(entry.get("seeds_digest"), str)
        ):
            raise StoreError(
                f"{path}: a cell entry lacks cell_id, replicates or seeds_digest (damaged?); "
                "run the sweep again to rewrite it, or remove the file"
            )
    return plan


@contextlib.contextmanager
def os_errors(what: str) -> Iterator[None]:
    """Turn an OSError (read-only folder, full disk, file too large) into a StoreError that
    names the file and says what to do."""
    try:
        yield
    except StoreError:
        raise
    except OSError as err:
        where = err.filename or what
        reason = err.strerror or str(err)
        raise StoreError(
            f"cannot write {where} ({reason}); free space or choose a folder you can write "
            "to (paths.results=...), then run the same command again"
        ) from err
