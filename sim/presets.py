"""Named parameter presets, shipped as package data (``sim/data/presets/<name>.yaml``).

A preset is a YAML mapping of ``sim.Params`` field names to values; the Hydra app applies one
with ``+preset=<name>``, and Python reads it with :func:`load` or :func:`params`. The YAML file
is the one home of the numbers, so a refit changes them everywhere at once, and a non-editable
install carries them. ``calibrated.yaml`` is written by the calibration (``lean-sim-calibrate``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sim.params import Params

PRESETS = "data/presets"


def names() -> list[str]:
    """The presets that ship with the package."""
    folder = resources.files("sim").joinpath(PRESETS)
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load(name: str, directory: Path | None = None) -> dict[str, Any]:
    """The Params fields a preset sets, checked against :class:`sim.Params`.

    ``directory`` is a folder of ``<name>.yaml`` files (default: the presets that ship with the
    package). Fails early, naming the preset and the bad key, when the preset is missing or sets
    something that is not a Params field (a typo would otherwise be ignored by a merge).
    """
    folder = Path(directory) if directory is not None else resources.files("sim") / PRESETS
    path = folder / f"{name}.yaml"
    if not path.is_file():
        known = names() if directory is None else sorted(p.stem for p in folder.glob("*.yaml"))
        raise FileNotFoundError(f"preset={name!r}: no file {path} (known presets: {known})")
    values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(values, dict):
        raise ValueError(f"preset={name!r}: {path} must hold a mapping of Params fields")
    unknown = sorted(set(values) - set(Params.model_fields))
    if unknown:
        raise ValueError(f"preset={name!r}: {path} sets {unknown}, which are not Params fields")
    Params.create(**values)  # every value must be allowed on its own
    return values


def calibrated() -> dict[str, Any]:
    """The fitted values of the calibration (see ``results/calibration/``)."""
    return load("calibrated")


def params(name: str, directory: Path | None = None, **overrides: Any) -> Params:
    """Params with a preset applied; explicit ``overrides`` win over the preset."""
    return Params.create(**{**load(name, directory), **overrides})
