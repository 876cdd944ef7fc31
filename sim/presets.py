"""Named parameter presets kept as Hydra config files, readable from Python too.

A preset is a YAML file in ``configs/preset/`` whose keys are :class:`sim.Params` field names
(Hydra merges it into the flat config with ``preset=<name>``). The YAML file is the one home of
the numbers: the Hydra app, notebooks and tests all read the same file, so a refit changes them
everywhere at once. ``configs/preset/calibrated.yaml`` is written by ``python -m sim.calibration``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.params import Params

#: Where presets live: the repository's Hydra config group ``preset``.
PRESET_DIR = Path(__file__).resolve().parent.parent / "configs" / "preset"


def load(name: str, directory: Path = PRESET_DIR) -> dict[str, Any]:
    """The Params fields a preset sets, checked against :class:`sim.Params`.

    Fails early, naming the file and the bad key, when the preset is missing or sets something
    that is not a Params field (a typo would otherwise be silently ignored by a merge).
    """
    path = Path(directory) / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in Path(directory).glob("*.yaml"))
        raise FileNotFoundError(f"preset={name!r}: no file {path} (known presets: {known})")
    values = yaml.safe_load(path.read_text()) or {}
    if not isinstance(values, dict):
        raise ValueError(f"preset={name!r}: {path} must hold a mapping of Params fields")
    unknown = sorted(set(values) - set(Params.model_fields))
    if unknown:
        raise ValueError(f"preset={name!r}: {path} sets {unknown}, which are not Params fields")
    Params.create(**values)  # every value must be allowed on its own
    return values


def calibrated(directory: Path = PRESET_DIR) -> dict[str, Any]:
    """The fitted values of the calibration (see ``results/calibration/calibration.json``)."""
    return load("calibrated", directory)


def params(name: str, directory: Path = PRESET_DIR, **overrides: Any) -> Params:
    """Params with a preset applied; explicit ``overrides`` win over the preset."""
    return Params.create(**{**load(name, directory), **overrides})
