"""From a resolved configuration (a plain dict) to the cells a job runs. Knows nothing of Hydra.

The configuration is one flat namespace: every ``sim.Params`` field is a top-level key. A few
more keys say how to run (``replicates``, ``base_seed``, ``force``, ``experiment_name``, ...),
and three helpers set Params fields:

* ``culture`` (a group generated from ``sim.cultures``): a country sets ``power_distance`` from
  Hofstede's PDI. A different explicit ``power_distance`` beside a country is *rejected* by
  ``sim.cultures.apply_culture`` (the rule the browser app applies too); ``culture=custom``
  leaves power distance free.
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

from sim import cultures
from sim.params import MECHANISMS, Params, ParamsError
from sim.seeds import cell_id, non_default, world_digest
from sim.sweep import design as design_mod
from sim.sweep import progress
from sim.sweep.store import PACKS

CUSTOM_CULTURE = cultures.CUSTOM
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
#: Design rows with errors named at most (a broken 200k-row file would print them all).
MAX_ROW_ERRORS = 20
#: Run settings that must be true or false.
BOOLEAN_SETTINGS = ("force", "merge", "extend", "wait", "yes")


class SweepConfigError(ValueError):
    """A configuration cannot run; the message lists every bad value and what is allowed."""


@dataclass(frozen=True, slots=True)
class PlanCell:
    """What a plan needs of a cell, without its Params (a large design would need GBs)."""

    cell_id: str
    strategy: str
    culture: str
    design_row: int | None
    describe: str
    world: str  # sim.seeds.world_digest: the seeds derive from it
    run_seconds: float  # a rough estimate of one run (sim.sweep.progress.run_seconds)


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

    def describe(self, changed: dict[str, Any] | None = None) -> str:
        """A short human label for logs: the strategy and what differs from the defaults
        (``changed``: ``sim.seeds.non_default(params)`` when the caller has it already)."""
        changed = non_default(self.params) if changed is None else changed
        words = [f"{k}={v}" for k, v in changed.items() if k != "strategy"]
        if self.culture != CUSTOM_CULTURE:
            words.insert(0, f"culture={self.culture}")
        return " ".join([self.params.strategy, *words])

    def plan_cell(self) -> PlanCell:
        return PlanCell(
            self.cell_id,
            self.params.strategy,
            self.culture,
            self.design_row,
            self.describe(non_default(self.params)),
            world_digest(self.params),
            progress.run_seconds(self.params.n_teams, self.params.weeks),
        )


@dataclass(frozen=True)
class JobSpec:
    """Everything one Hydra job needs, as plain validated values.

    ``cells`` are the cells this job runs. When a whole design is validated at once (the sweep
    checks every row before it launches anything) ``cells`` is empty and ``plan_cells`` holds
    the light description of every row; otherwise ``plan_cells`` describes ``cells``.
    """

    experiment: str
    results_dir: Path
    replicates: int
    base_seed: int
    force: bool
    runner: str
    cells: tuple[Cell, ...]
    config: dict[str, Any] = field(repr=False)
    plan_cells: tuple[PlanCell, ...] = ()

    @property
    def experiment_dir(self) -> Path:
        return self.results_dir / self.experiment


def job_from_config(
    config: Mapping[str, Any], *, whole_design: bool = False, cwd: str | Path | None = None
) -> JobSpec:
    """Validate a resolved configuration and list the cells its job runs.

    ``config`` is the job's configuration without the ``hydra`` node, interpolations resolved.
    A design is cut to the job's chunk (``design_chunk``) unless ``whole_design`` is true or no
    chunk is set; with ``whole_design`` every row is validated and described (``plan_cells``)
    but no Params are kept. Relative paths (results, design) start at ``cwd`` (default: the
    current directory); Hydra passes the directory the command was started in, which remote
    workers (Ray, Slurm) do not share. Raises SweepConfigError naming every bad value.
    """
    base_dir = Path(cwd) if cwd is not None else Path.cwd()
    errors: list[str] = []
    experiment = _check_name(config.get("experiment_name"), errors)
    replicates = _check_int(config, "replicates", 1, errors)
    base_seed = _check_int(config, "base_seed", 0, errors)
    chunk_size = _check_int(config, "design_chunk_size", 1, errors)
    _check_int(config, "cells_per_job", 1, errors)
    flags = {key: _check_bool(config, key, errors) for key in BOOLEAN_SETTINGS if key in config}
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
    chunk = _optional_int(config, "design_chunk", errors)
    pack = _optional_int(config, "pack", errors)
    design = None
    if config.get("design") is not None:
        try:
            design = design_mod.read_design(base_dir / str(config["design"]))
        except design_mod.DesignError as err:
            errors.append(str(err))

    cells: list[Cell] = []
    plan_cells: list[PlanCell] = []
    if pack is not None:  # a packed job: its cells were validated by the sweep
        cells = _packed_cells(base_dir / results / experiment, pack, errors)
    elif design is None:
        cell = _make_cell(base, {}, None, culture, errors)
        cells = [cell] if cell else []
    else:
        indices = range(len(design))
        if chunk is not None:
            try:
                indices = design_mod.chunk_range(len(design), chunk, chunk_size)
            except design_mod.DesignError as err:
                errors.append(str(err))
                indices = range(0)
        row_errors: list[str] = []
        for row, overrides in design.points(indices):
            cell = _make_cell(base, overrides, row, culture, row_errors)
            if cell is None:
                continue
            if whole_design and chunk is None:
                plan_cells.append(cell.plan_cell())
            else:
                cells.append(cell)
        if len(row_errors) > MAX_ROW_ERRORS:
            more = len(row_errors) - MAX_ROW_ERRORS
            row_errors = [*row_errors[:MAX_ROW_ERRORS], f"... and {more} more bad design rows"]
        errors.extend(row_errors)
    if errors:
        raise SweepConfigError("\n".join(dict.fromkeys(errors)))
    return JobSpec(
        experiment=experiment,
        results_dir=base_dir / results,
        replicates=replicates,
        base_seed=base_seed,
        force=flags.get("force", False),
        runner=runner,
        cells=tuple(cells),
        config=dict(config),
        plan_cells=tuple(plan_cells) or tuple(c.plan_cell() for c in cells),
    )


def _make_cell(
    base: dict[str, Any],
    overrides: dict[str, Any],
    row: int | None,
    culture: str | None,
    errors: list[str],
) -> Cell | None:
    where = f"design row {row}: " if row is not None else ""
    if culture is None:
        return None
    try:
        values = cultures.apply_culture(culture, {**base, **overrides})
        return Cell(params=Params.create(**values), culture=culture, design_row=row)
    except ParamsError as err:
        lines = str(err).removeprefix("invalid parameters:\n  ").split("\n  ")
        errors.extend(where + line for line in lines)
        return None


def _packed_cells(experiment_dir: Path, index: int, errors: list[str]) -> list[Cell]:
    """The cells of pack ``index`` of ``<experiment>/packs.json`` (written by the sweep)."""
    path = experiment_dir / PACKS
    try:
        pack = json.loads(path.read_text(encoding="utf-8"))["packs"][int(index)]
        return [
            Cell(Params.create(**c["params"]), c["culture"], c["design_row"], c["config"])
            for c in pack
        ]
    except (OSError, ValueError, KeyError, IndexError, TypeError) as err:
        errors.append(
            f"pack={index!r}: cannot read it from {path} ({err}); lean-sim sets pack itself "
            "when it packs cells into jobs: leave it unset"
        )
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


def _optional_int(config: Mapping[str, Any], key: str, errors: list[str]) -> int | None:
    value = config.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors.append(f"{key}={value!r}: set by lean-sim itself; leave it unset")
        return None
    return value


def _check_bool(config: Mapping[str, Any], key: str, errors: list[str]) -> bool:
    value = config.get(key)
    if not isinstance(value, bool):
        errors.append(f"{key}={value!r}: must be true or false")
        return False
    return value


def _culture(config: Mapping[str, Any], errors: list[str]) -> str | None:
    """The culture's name from the ``culture`` group node (``custom`` or a country)."""
    node = config.get("culture")
    name = node.get("name") if isinstance(node, Mapping) else None
    if name != CUSTOM_CULTURE:
        try:
            cultures.get(str(name))
        except ParamsError as err:
            errors.append(str(err))
            return None
    return name


def _apply_ablation(ablate: Any, values: dict[str, Any], errors: list[str]) -> None:
    if ablate is None:
        return
    if ablate not in MECHANISMS:
        errors.append(f"ablate={ablate!r}: not a mechanism; allowed: null, {', '.join(MECHANISMS)}")
        return
    values[ablate] = False
