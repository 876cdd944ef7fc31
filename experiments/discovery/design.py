"""A Latin-hypercube design over the world parameters, as a sweep design file.

Each sampled world appears once per strategy (``design.parquet``: a ``strategy`` column and one
column per world parameter), so the sweep (``lean-sim -m design=...``) runs every strategy in
every world. Seeds derive from the world only, so the strategies of a world meet the very same
organizations and their differences are paired.

Where the calibration has left a posterior (``results/calibration/posterior.csv``), each world
gets one draw of the calibrated rates (by weight; the same for all its strategies), so the
verdicts carry the calibration's uncertainty; ``design.json`` says whether it did.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.compare import Posterior
from sim.params import STRATEGIES, WORLD_FIELDS, Params
from sim.sweep.store import write_bytes_atomic, write_json_atomic

DESIGN_FILE = "design.parquet"
DESIGN_INFO = "design.json"


@dataclass(frozen=True)
class Factor:
    """One world parameter of the design: its range, whether whole, and why that range."""

    name: str
    low: float
    high: float
    integer: bool
    why: str


#: The world parameters varied, and their ranges (every other field at its default).
FACTORS: tuple[Factor, ...] = (
    Factor("power_distance", 0.1, 1.0, False, "Hofstede PDI / 100 of the preset countries"),
    Factor("resistance", 0.2, 0.8, False, "supportive to hostile management"),
    Factor("resistance_spread", 0.05, 0.3, False, "like-minded to divided managers"),
    Factor("base_pressure", 0.0, 0.5, False, "no standing pressure to strong pressure"),
    Factor("n_teams", 50, 400, True, "a department to a mid-sized company"),
    Factor("span_teams", 4, 16, True, "teams per line manager (as the structural study)"),
    Factor("span_managers", 3, 12, True, "managers per manager (as the structural study)"),
    Factor("cross_links", 0, 6, True, "lateral ties per team (as the structural study)"),
)


def check_factors(factors: tuple[Factor, ...]) -> None:
    """Every factor is a world field, with low < high inside what Params allows."""
    for f in factors:
        if f.name not in WORLD_FIELDS:
            raise ValueError(f"{f.name}: not a world field ({', '.join(WORLD_FIELDS)})")
        if not f.low < f.high:
            raise ValueError(f"{f.name}: low {f.low} must be below high {f.high}")
        Params.create(**{f.name: f.low})
        Params.create(**{f.name: f.high})


def lhs_points(n: int, seed: int, factors: tuple[Factor, ...] = FACTORS) -> pd.DataFrame:
    """``n`` worlds by Latin-hypercube sampling (scipy's qmc; whole factors rounded).

    Each factor's range is cut into ``n`` equal strata and each stratum is sampled once, so
    even a small design spreads over every range.
    """
    if n < 2:
        raise ValueError(f"worlds={n}: must be >= 2")
    check_factors(factors)
    unit = qmc.LatinHypercube(d=len(factors), rng=np.random.default_rng(seed)).random(n)
    points = {}
    for j, f in enumerate(factors):
        if f.integer:  # equal-width bins over low..high, so the ends are as likely as the middle
            values = np.floor(f.low + unit[:, j] * (f.high - f.low + 1)).astype(np.int64)
            points[f.name] = np.minimum(values, int(f.high))
        else:
            points[f.name] = f.low + unit[:, j] * (f.high - f.low)
    return pd.DataFrame(points)


def with_posterior(points: pd.DataFrame, posterior: Posterior, seed: int) -> pd.DataFrame:
    """The points with one draw of the calibrated rates per world (by weight, from ``seed``)."""
    rng = np.random.default_rng(seed)
    index = rng.choice(len(posterior.weights), size=len(points), p=posterior.weights)
    drawn = posterior.particles.iloc[index].reset_index(drop=True)
    return pd.concat([points.reset_index(drop=True), drawn], axis=1)


def design_rows(points: pd.DataFrame, strategies: tuple[str, ...] = STRATEGIES) -> pd.DataFrame:
    """Each world once per strategy, side by side (the sweep's design file)."""
    repeated = points.loc[points.index.repeat(len(strategies))].reset_index(drop=True)
    repeated.insert(0, "strategy", list(strategies) * len(points))
    return repeated


def write_design(directory: Path, points: pd.DataFrame, info: dict[str, Any]) -> Path:
    """Check every world builds valid Params, then write ``design.parquet`` and ``design.json``.

    Files are rewritten only when their content changes, so a rerun of a finished analysis
    keeps the sweep's finished cells.
    """
    for row, values in enumerate(points.to_dict("records")):
        try:
            Params.create(**{k: (v.item() if hasattr(v, "item") else v) for k, v in values.items()})
        except ValueError as err:
            raise ValueError(f"design row {row}: {err}") from None
    strategies = tuple(info.get("strategies", STRATEGIES))
    design = design_rows(points, strategies)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DESIGN_FILE
    old = pd.read_parquet(path) if path.is_file() else None
    if old is None or not old.equals(design):
        write_bytes_atomic(path, design.to_parquet(index=False))
    info = {**info, "worlds": len(points), "strategies": list(strategies)}
    old_info = read_info(directory)
    if old_info != json.loads(json.dumps(info)):
        write_json_atomic(directory / DESIGN_INFO, info)
    return path


def read_info(directory: Path) -> dict[str, Any] | None:
    """``design.json`` of a folder, or None when there is none (a sweep, not a design)."""
    path = Path(directory) / DESIGN_INFO
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def factors_info(factors: tuple[Factor, ...] = FACTORS) -> list[dict[str, Any]]:
    return [asdict(f) for f in factors]
