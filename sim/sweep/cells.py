"""From a resolved configuration (a plain dict) to the cells a job runs. Knows nothing of Hydra.

The configuration is one flat namespace: every ``sim.Params`` field is a top-level key. A few
more keys say how to run (``replicates``, ``base_seed``, ``force``, ``experiment_name``, ...),
and three helpers set Params fields:

* ``culture`` (a group): a country preset sets ``power_distance`` from Hofstede's PDI. A
  different explicit ``power_distance`` beside a country is *rejected* (naming both and how to
  fix it); ``culture=custom`` leaves power distance free.
* ``ablate``: the name of one mechanism (``sim.MECHANISMS``) to switch off.
* ``design``: a CSV/Parquet file of points; each row overrides Params fields and makes one cell.

A multirun may pack several cells into one job (``cells_per_job``); such a job gets ``pack=<i>``
and reads its cells, every Params field spelled out, from ``<experiment>/packs.json``.

Every problem is collected and reported at once, before any work starts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from sim.params import MECHANISMS, Params, ParamsError
from sim.seeds import cell_id
from sim.sweep import design as design_mod

CUSTOM_CULTURE = "custom"
PACKS = "packs.json"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class SweepConfigError(ValueError):
    """A configuration cannot run; the message lists every bad value and what is allowed."""


@dataclass(frozen=True)
class Cell:
    """One point of a sweep: validated Params plus the culture label (part of its identity)."""

    params: Params
    culture: str = CUSTOM_CULTURE
    design_row: int | None = None
    #: the resolved configuration that made this cell, when it differs from its job's (packs)
    config: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def cell_id(self) -> str:
        return cell_id(self.params, self.culture)

    def describe(self) -> str:
        """A short human label for logs: the strategy and what differs from the defaults."""
        changed = [
            f"{k}={v}"
            for k, v in self.params.model_dump().items()
            if k != "strategy" and v != Params.model_fields[k].default
        ]
        if self.culture != CUSTOM_CULTURE:
            changed.insert(0, f"culture={self.culture}")
        return " ".join([self.params.strategy, *changed])


@dataclass(frozen=True)
class JobSpec:
    """Everything one Hydra job needs, as plain validated values."""

    experiment: str
    results_dir: Path
    replicates: int
    base_seed: int
    force: bool
    runner: str
    cells: tuple[Cell, ...]
    config: dict[str, Any] = field(repr=False)

    @property
    def experiment_dir(self) -> Path:
        return self.results_dir / self.experiment


def job_from_config(
    config: Mapping[str, Any], *, whole_design: bool = False, cwd: str | Path | None = None
) -> JobSpec:
    """Validate a resolved configuration and list the cells its job runs.

    ``config`` is the job's configuration without the ``hydra`` node, interpolations resolved.
    A design is cut to the job's chunk (``design_chunk``) unless ``whole_design`` is true or no
    chunk is set. Relative paths (results, design) start at ``cwd`` (default: the current
    directory); Hydra passes the directory the command was started in, which remote workers
    (Ray, Slurm) do not share. Raises SweepConfigError naming every bad value.
    """
    base_dir = Path(cwd) if cwd is not None else Path.cwd()
    errors: list[str] = []
    experiment = _check_name(config.get("experiment_name"), errors)
    replicates = _check_int(config, "replicates", 1, errors)
    base_seed = _check_int(config, "base_seed", 0, errors)
    chunk_size = _check_int(config, "design_chunk_size", 1, errors)
    _check_int(config, "cells_per_job", 1, errors)
    force = _check_bool(config, "force", errors)
    runner = config.get("runner")
    if not isinstance(runner, str) or not runner:
        errors.append(f"runner={runner!r}: must be a dotted path such as 'sim.run'")
    paths = config.get("paths")
    results = paths.get("results") if isinstance(paths, Mapping) else None
    if not isinstance(results, str) or not results:
        errors.append(f"paths.results={results!r}: must be a directory path")
        results = "invalid"

    base = {k: config[k] for k in Params.model_fields if k in config}
    culture = _culture(config, errors)
    _apply_ablation(config.get("ablate"), base, errors)
    points: list[tuple[int | None, dict[str, Any]]] = [(None, {})]
    if config.get("design") is not None:
        design = base_dir / str(config["design"])
        points = _design_points(
            design, config.get("design_chunk"), chunk_size, whole_design, errors
        )

    cells: list[Cell] = []
    if config.get("pack") is not None:  # a packed job: its cells were validated by the sweep
        points = []
        cells = _packed_cells(base_dir / results / experiment, config["pack"], errors)
    for row, overrides in points:
        values = {**base, **overrides}
        where = f"design row {row}: " if row is not None else ""
        _check_culture(culture, values, where, errors)
        try:
            params = Params.create(**values)
        except ParamsError as err:
            errors.append(where + str(err).removeprefix("invalid parameters:\n  "))
            continue
        cells.append(Cell(params=params, culture=culture[0], design_row=row))
    if errors:
        raise SweepConfigError("\n".join(dict.fromkeys(errors)))
    return JobSpec(
        experiment=experiment,
        results_dir=base_dir / results,
        replicates=replicates,
        base_seed=base_seed,
        force=force,
        runner=runner,
        cells=tuple(cells),
        config=dict(config),
    )


def _packed_cells(experiment_dir: Path, index: Any, errors: list[str]) -> list[Cell]:
    """The cells of pack ``index`` of ``<experiment>/packs.json`` (written by the sweep)."""
    path = experiment_dir / PACKS
    try:
        pack = json.loads(path.read_text(encoding="utf-8"))["packs"][int(index)]
        return [
            Cell(Params.create(**c["params"]), c["culture"], c["design_row"], c["config"])
            for c in pack
        ]
    except (OSError, ValueError, KeyError, IndexError, TypeError) as err:
        errors.append(f"pack={index!r}: cannot read it from {path} ({err})")
        return []


def packs_document(packs: list[list[Cell]]) -> dict[str, Any]:
    """What ``packs.json`` holds: each pack's cells, every Params field given, with the
    resolved configuration of the grid point that made each one (for its manifest)."""
    return {
        "packs": [
            [
                {
                    "params": c.params.model_dump(mode="json"),
                    "culture": c.culture,
                    "design_row": c.design_row,
                    "config": c.config,
                }
                for c in pack
            ]
            for pack in packs
        ],
    }


def _check_name(value: Any, errors: list[str]) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        errors.append(
            f"experiment_name={value!r}: must be a folder name (letters, digits, '_', '.', '-')"
        )
        return "invalid"
    return value


def _check_int(config: Mapping[str, Any], key: str, minimum: int, errors: list[str]) -> int:
    value = config.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        errors.append(f"{key}={value!r}: must be an integer >= {minimum}")
        return minimum
    return value


def _check_bool(config: Mapping[str, Any], key: str, errors: list[str]) -> bool:
    value = config.get(key)
    if not isinstance(value, bool):
        errors.append(f"{key}={value!r}: must be true or false")
        return False
    return value


def _culture(config: Mapping[str, Any], errors: list[str]) -> tuple[str, float | None, Any]:
    """(name, preset power distance or None, Hofstede PDI) from the ``culture`` group."""
    node = config.get("culture")
    if not isinstance(node, Mapping) or not isinstance(node.get("name"), str):
        errors.append(f"culture={node!r}: choose a preset from configs/culture/ or custom")
        return (CUSTOM_CULTURE, None, None)
    return (node["name"], node.get("power_distance"), node.get("hofstede_pdi"))


def _check_culture(
    culture: tuple[str, float | None, Any], values: dict[str, Any], where: str, errors: list[str]
) -> None:
    """A country preset fixes power distance; a different explicit value is an error."""
    name, preset, pdi = culture
    if name == CUSTOM_CULTURE or preset is None:
        return
    given = values.get("power_distance")
    if given != preset:
        errors.append(
            f"{where}power_distance={given!r} conflicts with culture={name} (Hofstede PDI {pdi}, "
            f"so power_distance={preset}): drop power_distance, or use "
            f"culture=custom power_distance={given}"
        )


def _apply_ablation(ablate: Any, values: dict[str, Any], errors: list[str]) -> None:
    if ablate is None:
        return
    if ablate not in MECHANISMS:
        errors.append(f"ablate={ablate!r}: not a mechanism; allowed: null, {', '.join(MECHANISMS)}")
        return
    values[ablate] = False


def _design_points(
    path: Path, chunk: Any, chunk_size: int, whole: bool, errors: list[str]
) -> list[tuple[int | None, dict[str, Any]]]:
    try:
        points: list[tuple[int | None, dict[str, Any]]] = list(design_mod.read_design(path))
        if chunk is None or whole:
            return points
        return design_mod.chunk(points, int(chunk), chunk_size)
    except design_mod.DesignError as err:
        errors.append(str(err))
        return []
