"""Project metadata stays in step: one version everywhere."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import sim

ROOT = Path(__file__).resolve().parents[2]


def test_version_is_the_same_in_pyproject_citation_changelog_and_package():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert sim.__version__ == version
    citation = re.search(r"^version:\s*(\S+)", (ROOT / "CITATION.cff").read_text(), re.M)
    assert citation and citation.group(1) == version
    assert f"## [{version}]" in (ROOT / "CHANGELOG.md").read_text()
