"""Design files of the three experiments: SALib samples and the structural grid, as sweep points.

A design file (docs/results.md, ``lean-sim design=...``) has one row per cell and one column
per ``sim.Params`` field. Every sampled point appears once per compared strategy, in
:data:`COMPARED` order, so the two runs of a point differ only in the treatment: the sweep
derives a run's seed from the parameters *without* the treatment, so they meet the very same
organization (common random numbers) and their difference is a paired difference.

Next to ``design.parquet``, ``design.json`` records what the analysis needs to read it back:
the method, the factors and their ranges (SALib's problem), the sampler's settings and seed.
"""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from experiments.sensitivity import space
from sim.params import Params
from sim.sweep.store import write_bytes_atomic, write_json_atomic

#: The two strategies whose paired difference is the verdict (difference = second - first).
COMPARED: tuple[str, str] = ("centralized", "embedded")
#: The end-of-run measures (``sim.run(...).summary``) whose difference is analysed.
OUTPUTS: tuple[str, ...] = ("sustained_adoption", "net_value")

DESIGN_FILE = "design.parquet"
DESIGN_INFO = "design.json"

#: Levels of the structural grid (every combination, at default parameters).
STRUCTURAL_LEVELS: dict[str, tuple[int, ...]] = {
    "span_teams": (4, 8, 16),
    "span_managers": (3, 6, 12),
    "cross_links": (0, 2, 6),
}

#: Structural options the model may offer; each one present in ``sim.Params`` is varied one
#: at a time at the default structure (every value it allows). Absent ones are reported.
OPTIONAL_STRUCTURAL: dict[str, str] = {
    "update_order": "activation order: synchronous (vectorized) vs sequential in random order",
    "lateral_topology": "lateral network: random cross-unit ties vs ring / small world",
}


def morris_points(
    chosen: list[space.Factor], trajectories: int, levels: int, seed: int
) -> pd.DataFrame:
    """A Morris sample: ``trajectories`` x (D + 1) points on a ``levels``-level grid."""
    if trajectories < 2:
        raise ValueError(f"trajectories={trajectories}: must be >= 2 (mu* needs a spread)")
    if levels < 2 or levels % 2:
        raise ValueError(f"levels={levels}: must be an even number >= 2 (Morris grid)")
    sample = morris_sample.sample(
        space.problem(chosen), N=trajectories, num_levels=levels, seed=seed
    )
    points = space.as_values(chosen, sample)
    for f in chosen:  # integer ranges are built so that the grid falls on integers
        if f.integer and not np.allclose(points[f.name], sample[:, chosen.index(f)]):
            raise AssertionError(f"{f.name}: Morris levels are not integers")
    return points


def sobol_points(chosen: list[space.Factor], n: int, seed: int) -> pd.DataFrame:
    """A Saltelli sample for first- and total-order indices: N x (D + 2) points."""
    if n < 2 or n & (n - 1):
        raise ValueError(f"sobol_n={n}: must be a power of 2 (Sobol' sequence), e.g. 128 or 256")
    sample = sobol_sample.sample(
        space.problem(chosen), n, calc_second_order=False, scramble=True, seed=seed
    )
    return space.as_values(chosen, sample)


def option_values(name: str) -> list[Any]:
    """Every value an optional structural field allows (its Literal choices, or False/True)."""
    annotation = Params.model_fields[name].annotation
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    if annotation is bool:
        return [False, True]
    raise ValueError(f"{name}: cannot enumerate the values of {annotation!r}")


def present_options() -> list[str]:
    """The optional structural fields that ``sim.Params`` has today."""
    return [name for name in OPTIONAL_STRUCTURAL if name in Params.model_fields]


def structural_points(levels: dict[str, tuple[int, ...]] | None = None) -> pd.DataFrame:
    """The full grid of ``levels`` (default :data:`STRUCTURAL_LEVELS`), then one row per other
    value of each present optional field at the default structure."""
    levels = STRUCTURAL_LEVELS if levels is None else levels
    defaults = {k: Params.model_fields[k].default for k in [*levels, *present_options()]}
    grid = pd.MultiIndex.from_product(list(levels.values()), names=list(levels)).to_frame(
        index=False
    )
    for name in present_options():
        grid[name] = defaults[name]
    rows = [grid]
    for name in present_options():
        others = [v for v in option_values(name) if v != defaults[name]]
        rows.append(pd.DataFrame([{**defaults, name: v} for v in others]))
    return pd.concat(rows, ignore_index=True)


def paired_design(points: pd.DataFrame) -> pd.DataFrame:
    """Each point once per compared strategy, next to each other (the sweep's design file)."""
    repeated = points.loc[points.index.repeat(len(COMPARED))].reset_index(drop=True)
    repeated.insert(0, "strategy", list(COMPARED) * len(points))
    return repeated


def write_design(directory: Path, points: pd.DataFrame, info: dict[str, Any]) -> Path:
    """Validate the points, then write ``design.parquet`` and ``design.json`` in ``directory``.

    Files are only rewritten when their content changes, so rerunning a finished analysis
    leaves the design (and everything computed from it) as it is.
    """
    space.check_points(points)
    design = paired_design(points)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DESIGN_FILE
    old = pd.read_parquet(path) if path.is_file() else None
    if old is None or not old.equals(design):
        buffer = design.to_parquet(index=False)
        write_bytes_atomic(path, buffer)
    info = {**info, "points": len(points), "compared": list(COMPARED), "outputs": list(OUTPUTS)}
    old_info = read_info(directory, missing_ok=True)
    if old_info != json.loads(json.dumps(info)):
        write_json_atomic(directory / DESIGN_INFO, info)
    return path


def read_info(directory: Path, missing_ok: bool = False) -> dict[str, Any] | None:
    """``design.json`` of an experiment folder (None if missing and ``missing_ok``)."""
    path = Path(directory) / DESIGN_INFO
    if not path.is_file():
        if missing_ok:
            return None
        raise FileNotFoundError(
            f"{path}: no design here; write one with `lean-sim-sensitivity design ...`"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def read_points(directory: Path) -> pd.DataFrame:
    """The sampled points (one row per point, in sample order) of a design folder."""
    design = pd.read_parquet(Path(directory) / DESIGN_FILE)
    first = design[design["strategy"] == COMPARED[0]].drop(columns="strategy")
    second = design[design["strategy"] == COMPARED[1]].drop(columns="strategy")
    if len(first) != len(second) or not np.array_equal(first.to_numpy(), second.to_numpy()):
        raise ValueError(f"{directory}/{DESIGN_FILE}: the strategies' points differ (not paired)")
    return first.reset_index(drop=True)
