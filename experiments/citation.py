"""A "how to cite" line and a BibTeX entry, built from the project's CITATION.cff.

CITATION.cff (Citation File Format 1.2) is the one place that says how to cite the software; the
report only formats it and adds which results (experiment, model version) are being cited.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CFF = "CITATION.cff"


@dataclass(frozen=True)
class Citation:
    authors: str
    title: str
    version: str
    year: str
    locator: str  # DOI link or URL, or "" when the file has neither
    source: Path | None

    def line(self, experiment: str, model_version: str) -> str:
        """APA-like software citation plus the results it refers to."""
        where = f" {self.locator}" if self.locator else ""
        return (
            f"{self.authors} ({self.year}). *{self.title}* (version {self.version}) "
            f"[Computer software].{where} Results: experiment `{experiment}`, "
            f"model version `{model_version}`."
        )

    def bibtex(self, experiment: str, model_version: str) -> str:
        key = f"leanadoptionsim{self.year}{experiment.replace('_', '')}"
        fields = {
            "author": "{" + self.authors + "}",
            "title": self.title,
            "version": self.version,
            "year": self.year,
            "note": f"Results: experiment {experiment}, model version {model_version}",
        }
        if self.locator:
            fields["url"] = self.locator
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
        return f"@software{{{key},\n{body}\n}}"


def find_cff(start: Path) -> Path | None:
    """CITATION.cff in ``start`` or a parent folder, else next to this package's source tree."""
    for folder in [start.resolve(), *start.resolve().parents]:
        if (folder / CFF).is_file():
            return folder / CFF
    beside = Path(__file__).resolve().parents[1] / CFF
    return beside if beside.is_file() else None


def load_citation(start: Path, fallback_version: str) -> Citation:
    """The citation from the nearest CITATION.cff (a minimal one if there is none)."""
    path = find_cff(start)
    data: dict[str, Any] = {}
    if path is not None:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return Citation(
        authors=_authors(data.get("authors") or [{"name": "lean-adoption-sim contributors"}]),
        title=str(data.get("title") or "lean-adoption-sim"),
        version=str(data.get("version") or fallback_version),
        year=str(data.get("date-released") or "n.d.")[:4],
        locator=_locator(data),
        source=path,
    )


def _authors(authors: list[dict[str, Any]]) -> str:
    names = []
    for a in authors:
        if "family-names" in a:
            given = " ".join(f"{p[0]}." for p in str(a.get("given-names", "")).split() if p)
            names.append(f"{a['family-names']}, {given}".rstrip(", "))
        else:
            names.append(str(a.get("name", "")))
    return "; ".join(n for n in names if n)


def _locator(data: dict[str, Any]) -> str:
    if data.get("doi"):
        return f"https://doi.org/{data['doi']}"
    return str(data.get("url") or data.get("repository-code") or "")
