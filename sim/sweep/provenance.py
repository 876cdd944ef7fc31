"""Where results came from: the code version and the versions of the packages that ran it.

The code version identifies the model code (the ``sim`` package), so a rerun can tell finished
results of the same code from stale ones, and a merge never mixes versions silently:

* ``<commit>`` (the last commit that changed ``sim/``) when ``sim/`` has no uncommitted changes;
* ``<commit>-dirty.<digest>`` otherwise, where the digest covers the uncommitted diff and the
  untracked files under ``sim/`` (two different dirty trees get two different versions);
* ``<sim.__version__>+nogit.<digest of sim/**/*.py>`` outside a git checkout.

Only ``sim/`` counts: committing results or editing the README does not change the version.
The environment variable ``LEAN_SIM_CODE_VERSION`` replaces the detected version (for an
installed copy without git, or to keep one label while editing code that does not change
results, e.g. the browser app); a sweep records it as given, so the choice stays visible.
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

import sim

PACKAGES = ("mesa", "hydra-core", "omegaconf", "numpy", "pandas", "pyarrow", "pydantic")
SIM_DIR = Path(sim.__file__).resolve().parent


def _git(root: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, check=True, timeout=60
    ).stdout


ENV_VERSION = "LEAN_SIM_CODE_VERSION"


def code_provenance() -> dict[str, Any]:
    """{'code_version', 'commit', 'dirty'} of the running model code (cached per process)."""
    return dict(_code_provenance(SIM_DIR, os.environ.get(ENV_VERSION) or None))


@lru_cache(maxsize=4)
def _code_provenance(sim_dir: Path, given: str | None) -> tuple[tuple[str, Any], ...]:
    found = git_provenance(sim_dir)
    if given is not None:
        found["code_version"] = given
    return tuple(found.items())


def git_provenance(sim_dir: Path) -> dict[str, Any]:
    """{'code_version', 'commit', 'dirty'} for the package in ``sim_dir`` (see module doc)."""
    root = sim_dir.parent
    try:
        rel = str(sim_dir.relative_to(root))
        # The last commit that changed sim/: commits elsewhere (results, docs) keep the version.
        commit = _git(root, "rev-list", "-1", "--abbrev-commit", "--abbrev=12", "HEAD", "--", rel)
        commit = commit.decode().strip()
        if not commit:
            raise ValueError("sim/ has no commit yet")
        status = _git(root, "status", "--porcelain", "--untracked-files=all", "--", rel)
    except (OSError, subprocess.SubprocessError, ValueError):
        digest = _files_digest(sorted(sim_dir.rglob("*.py")), sim_dir)
        return {"code_version": f"{sim.__version__}+nogit.{digest}", "commit": None, "dirty": None}
    if not status.strip():
        return {"code_version": commit, "commit": commit, "dirty": False}
    h = hashlib.sha256(_git(root, "diff", "HEAD", "--", rel))
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", rel)
    paths = sorted(root / p for p in untracked.decode().split("\0") if p)
    h.update(_files_digest(paths, root).encode())
    return {"code_version": f"{commit}-dirty.{h.hexdigest()[:8]}", "commit": commit, "dirty": True}


def _files_digest(paths: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(str(path.relative_to(root)).encode() + b"\0")
        h.update(path.read_bytes() if path.is_file() else b"")
    return h.hexdigest()[:8]


def code_version() -> str:
    return code_provenance()["code_version"]


@lru_cache(maxsize=1)
def _package_versions() -> tuple[tuple[str, str], ...]:
    versions = {"python": platform.python_version(), "sim": sim.__version__}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return tuple(versions.items())


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape results (cached per process)."""
    return dict(_package_versions())
