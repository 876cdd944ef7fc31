"""Where results came from: the model version, the git commit, package versions, file digests.

The one home of provenance for the whole project (sweeps, studies, reports).

**The model version** is a digest of what decides the numbers ``sim.run`` returns: the source of
the model's modules (``MODEL_MODULES``), the seed derivation (``sim.seeds``) and the package
data the model reads (presets, cultures). A commit that touches only the README, the browser
app, the sweep machinery, a report or a study leaves it unchanged, so committed results stay
current; any change to a mechanism changes it, so stale results are recomputed, never merged
silently. It needs no git: an installed copy computes the same version from its files.

**The git commit** (with a dirty flag) is recorded beside it, so a result can be traced to the
exact tree that produced it even when the model version did not change.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

SIM_DIR = Path(__file__).resolve().parent

#: The modules whose code decides results (relative to the package). Adding a model module
#: means adding it here; tests/model/test_provenance.py checks that every module ``sim.run``
#: imports is listed.
MODEL_MODULES: tuple[str, ...] = (
    "__init__.py",
    "params.py",
    "registry.py",
    "mechanisms.py",
    "organization.py",
    "line.py",
    "specialists.py",
    "programme.py",
    "office.py",
    "model.py",
    "outcomes.py",
    "run.py",
    "seeds.py",
    "effort.py",
    "presets.py",
    "cultures.py",
)
#: Package data the model reads.
MODEL_DATA = "data"

#: Packages whose versions shape results (and are recorded with them).
PACKAGES = ("mesa", "numpy", "pandas", "scipy", "pydantic", "pyyaml", "pyarrow", "hydra-core")

VERSION_LENGTH = 12


def model_files(sim_dir: Path = SIM_DIR) -> list[Path]:
    """The files the model version digests, in a fixed order."""
    files = [sim_dir / name for name in MODEL_MODULES]
    data = sim_dir / MODEL_DATA
    if data.is_dir():
        files += sorted(p for p in data.rglob("*") if p.is_file() and p.suffix != ".pyc")
    return files


def files_digest(paths: list[Path], root: Path) -> str:
    """SHA-256 over each file's path (relative to ``root``) and bytes, line endings unified."""
    h = hashlib.sha256()
    for path in paths:
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        data = path.read_bytes() if path.is_file() else b""
        h.update(data.replace(b"\r\n", b"\n") + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=4)
def model_version(sim_dir: Path = SIM_DIR) -> str:
    """The model version: a short digest of the model's source, seed derivation and data."""
    return files_digest(model_files(sim_dir), sim_dir)[:VERSION_LENGTH]


def _git(root: Path, *args: str) -> str:
    # GIT_OPTIONAL_LOCKS=0: reading the status never writes the index (nor leaves a stale lock)
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    out = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, check=True, timeout=60, env=env
    )
    return out.stdout.decode().strip()


@lru_cache(maxsize=4)
def git_commit(root: Path = SIM_DIR.parent) -> dict[str, Any]:
    """{'commit': HEAD (12 hex) or None outside a checkout, 'dirty': uncommitted changes?}."""
    try:
        commit = _git(root, "rev-parse", "--short=12", "HEAD")
        dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def provenance() -> dict[str, Any]:
    """{'model_version', 'commit', 'dirty'} of the running code (cached per process)."""
    return {"model_version": model_version(), **git_commit()}


@lru_cache(maxsize=1)
def _package_versions() -> tuple[tuple[str, str], ...]:
    from sim import __version__

    versions = {"python": platform.python_version(), "sim": __version__}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return tuple(versions.items())


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape results (cached per process)."""
    return dict(_package_versions())


def file_digest(path: Path) -> str:
    """SHA-256 of one file's bytes (what manifests record to vouch for a file)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
