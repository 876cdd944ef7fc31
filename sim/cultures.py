"""Culture presets: Hofstede's power distance index by country, and the one conflict rule.

The table is package data (``sim/data/cultures.yaml``), read here and nowhere else; the Hydra
app and the browser app both use :func:`apply_culture`, so a country and a conflicting explicit
power distance are rejected the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from sim.params import ParamsError

#: The choice that leaves power distance free (to its default or an explicit value).
CUSTOM = "custom"


@dataclass(frozen=True)
class Culture:
    """A country preset: its name (config key), label, Hofstede PDI and power distance."""

    name: str
    label: str
    hofstede_pdi: int

    @property
    def power_distance(self) -> float:
        """The model's power distance: PDI / 100, clipped to 1 (Malaysia's 104 becomes 1.0)."""
        return min(self.hofstede_pdi / 100.0, 1.0)


@cache
def _table() -> dict[str, Any]:
    text = resources.files("sim").joinpath("data/cultures.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def source() -> str:
    """The citation of the table."""
    return str(_table()["source"])


@cache
def cultures() -> dict[str, Culture]:
    """Every country preset by name, in the table's order (rising PDI)."""
    return {
        name: Culture(name, entry["label"], int(entry["hofstede_pdi"]))
        for name, entry in _table()["countries"].items()
    }


def get(name: str) -> Culture:
    """The preset called ``name`` (config key or label), or a ParamsError listing the choices."""
    for culture in cultures().values():
        if name in (culture.name, culture.label):
            return culture
    raise ParamsError(
        f"culture={name!r}: not a known preset; choose {CUSTOM} or one of {', '.join(cultures())}"
    )


def apply_culture(name: str, values: dict[str, Any]) -> dict[str, Any]:
    """Params values with a culture applied: a country sets power distance.

    An explicit ``power_distance`` that differs from the country's is an error (naming both and
    how to fix it), never silently overridden; ``custom`` leaves the values as they are.
    """
    if name == CUSTOM:
        return dict(values)
    culture = get(name)
    given = values.get("power_distance")
    if given is not None and float(given) != culture.power_distance:
        raise ParamsError(
            f"power_distance={given!r} conflicts with culture={culture.name} (Hofstede PDI "
            f"{culture.hofstede_pdi}, so power_distance={culture.power_distance}): drop "
            f"power_distance, or use culture={CUSTOM} power_distance={given}"
        )
    return {**values, "power_distance": culture.power_distance}
