"""Which screened parameters the compared strategies never read: the screening's noise reference.

Some parameters belong to mechanisms that neither compared strategy switches on (staff
rotation, sunset rules, pulled pilots, adaptive offers, manager coaching by office staff). In
the Morris sample every point has its own seed, so their mu* is pure run-to-run noise: the
level a parameter must clear to count as influential (the "dummy parameter" threshold of
screening studies). They are found by running the model and recording which ``Params`` fields
it reads, not by reading its code, so the list follows the model. Reads can depend on the
state (a field read only when an office is cut), so the probe runs both strategies at the
defaults and at several sampled points; a field read in none of those runs counts as inert.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.sensitivity.design import COMPARED
from sim import Params, run
from sim.sweep.store import write_json_atomic

PROBE_FILE = "inert.json"
PROBE_TEAMS = 24
PROBE_POINTS = 12


class _ReadRecorder(Params):
    """Params that notes every field the model reads (into the module's ``_SEEN``)."""

    def __getattribute__(self, name: str) -> Any:
        if name in _FIELDS:
            _SEEN.add(name)
        return super().__getattribute__(name)


_FIELDS = frozenset(Params.model_fields)
_SEEN: set[str] = set()


def fields_read(values: dict[str, Any], seed: int) -> set[str]:
    """The Params fields one run of the model with ``values`` reads."""
    params = _ReadRecorder.model_validate(Params.create(**values).model_dump())
    _SEEN.clear()
    run(params, seed=seed)
    return set(_SEEN)


def inert_parameters(
    names: list[str], points: pd.DataFrame, weeks: int, folder: Path, seed: int = 1
) -> list[str]:
    """``names`` that no run reads: both strategies at the defaults and at the first
    :data:`PROBE_POINTS` of ``points``, on :data:`PROBE_TEAMS` teams over ``weeks`` weeks.
    The result is saved in ``folder/inert.json`` (for redrawing without the model)."""
    base = {"n_teams": PROBE_TEAMS, "weeks": weeks}
    settings = [{}] + [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in points.head(PROBE_POINTS).to_dict("records")
    ]
    read: set[str] = set()
    for values in settings:
        for strategy in COMPARED:
            read |= fields_read({**base, **values, "strategy": strategy}, seed)
    inert = [name for name in names if name not in read]
    write_json_atomic(
        Path(folder) / PROBE_FILE,
        {"inert": inert, "runs": 2 * len(settings), "n_teams": PROBE_TEAMS, "weeks": weeks},
    )
    return inert


def cached_inert(folder: Path) -> list[str] | None:
    """The last probe's result (for redrawing committed results without the model)."""
    path = Path(folder) / PROBE_FILE
    if not path.is_file():
        return None
    return list(json.loads(path.read_text(encoding="utf-8"))["inert"])
