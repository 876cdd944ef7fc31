"""From a sweep's runs to worlds, their mean outcomes per strategy, and verdict classes.

A *world* is one point of the sweep: its world parameters (and any assumption values that
vary, analysed apart). Its strategies ran on the same organizations (replicate r of every
strategy has the same seed: checked here, not assumed), so a difference between two
strategies in a world is the mean of paired differences.

Verdicts are judged against stated practical margins (:data:`MEASURES`): strategy A is
*ahead* of B in a world when A's mean exceeds B's by more than the margin, and the two *tie*
when neither is ahead. The *best* strategy of a world is ahead of every other by more than the
margin; a world without one is a tie. Net value is compared per team and year, so worlds of
different sizes and horizons are on one scale.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from sim.params import (
    ASSUMPTION_FIELDS,
    OBSERVATION_FIELDS,
    STRATEGIES,
    TREATMENT_FIELDS,
    WORLD_FIELDS,
)

WEEKS_PER_YEAR = 52
RUNS_FILE = "runs.parquet"
#: The compact per-run table the analysis keeps (enough to redo it without the model).
OUTCOMES_FILE = "outcomes.parquet"


@dataclass(frozen=True)
class Measure:
    """An outcome the verdicts are about, with its practical margin and satisficing level."""

    name: str
    label: str
    unit: str
    margin: float
    satisficing: float
    why_margin: str
    why_satisficing: str


MEASURES: dict[str, Measure] = {
    "sustained_adoption": Measure(
        "sustained_adoption",
        "sustained adoption",
        "share of teams",
        0.05,
        0.5,
        "one team in twenty practising on its own in the last year",
        "half the teams practise on their own capability in the last year",
    ),
    "net_value_per_team_year": Measure(
        "net_value_per_team_year",
        "net value",
        "FTE-weeks per team and year",
        4.0,
        0.0,
        "about 1% of an 8-person team's working year (416 FTE-weeks)",
        "the programme pays for itself (gains at least its cost)",
    ),
}


class DiscoveryInputError(ValueError):
    """The runs cannot be analysed; the message names what is missing or unpaired."""


def load_runs(folder: Path) -> tuple[pd.DataFrame, str]:
    """The runs of a sweep folder (``runs.parquet``), else its saved ``outcomes.parquet``."""
    for name in (RUNS_FILE, OUTCOMES_FILE):
        path = Path(folder) / name
        if path.is_file():
            return pd.read_parquet(path), name
    raise DiscoveryInputError(
        f"{folder}: neither {RUNS_FILE} nor {OUTCOMES_FILE}; run the sweep first "
        "(`lean-sim-discover sweep`, or `lean-sim -m ...` with experiment_name pointing here)"
    )


def add_measures(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs with net value per team and year (net value / teams / years of the run)."""
    missing = [c for c in ("net_value", "n_teams", "weeks", "sustained_adoption") if c not in runs]
    if missing:
        raise DiscoveryInputError(f"runs lack the columns {missing}")
    years = runs["weeks"].astype(float) / WEEKS_PER_YEAR
    return runs.assign(net_value_per_team_year=runs["net_value"] / runs["n_teams"] / years)


def _varying(runs: pd.DataFrame, names: tuple[str, ...]) -> list[str]:
    return [n for n in names if n in runs and runs[n].astype(str).nunique() > 1]


@dataclass(frozen=True)
class Worlds:
    """The worlds of a sweep and every strategy's outcomes in them.

    ``points``: one row per world (index ``point``), the world parameters that vary
    (``world_dims``) and the assumption values that vary (``assumption_dims``). ``runs``: one
    row per world, strategy and replicate (``point``, ``strategy``, ``replicate``, ``seed`` and
    every measure of :data:`MEASURES`).
    """

    points: pd.DataFrame
    world_dims: list[str]
    assumption_dims: list[str]
    categorical_dims: list[str]
    strategies: list[str]
    runs: pd.DataFrame
    replicates: int

    @property
    def n(self) -> int:
        return len(self.points)

    def means(self, measure: str) -> pd.DataFrame:
        """Mean of ``measure`` over each world's organizations: one column per strategy."""
        return self._means[measure]

    @cached_property
    def _means(self) -> dict[str, pd.DataFrame]:
        return {
            m: self.runs.pivot_table(index="point", columns="strategy", values=m, aggfunc="mean")[
                self.strategies
            ]
            for m in MEASURES
        }

    def paired(self, measure: str, a: str, b: str) -> pd.DataFrame:
        """Per world and replicate, ``a`` minus ``b`` (same organization)."""
        wide = self.runs.pivot_table(
            index=["point", "replicate"], columns="strategy", values=measure
        )
        return (wide[a] - wide[b]).rename("diff").reset_index()


def worlds_from_runs(runs: pd.DataFrame) -> Worlds:
    """Group runs into worlds and check that every world's strategies are paired.

    Fails naming the problem when a treatment field other than the strategy varies (discovery
    compares strategies), a world lacks a strategy or a replicate, or two strategies' runs of a
    replicate do not share a seed.
    """
    runs = add_measures(runs)
    for column in ("strategy", "replicate", "seed"):
        if column not in runs:
            raise DiscoveryInputError(f"runs lack the column {column!r}")
    other_treatments = _varying(runs, tuple(f for f in TREATMENT_FIELDS if f != "strategy"))
    if other_treatments:
        raise DiscoveryInputError(
            f"treatment fields {other_treatments} vary besides the strategy; discovery compares "
            "strategies: analyse one setting of them at a time"
        )
    world_dims = _varying(runs, WORLD_FIELDS)
    assumption_dims = _varying(runs, (*ASSUMPTION_FIELDS, *OBSERVATION_FIELDS))
    keys = [*world_dims, *assumption_dims]
    numeric = [k for k in keys if pd.api.types.is_numeric_dtype(runs[k])]
    categorical = [k for k in keys if k not in numeric]
    strategies = [s for s in STRATEGIES if s in set(runs["strategy"])]
    strategies += sorted(set(runs["strategy"]) - set(strategies))
    if len(strategies) < 2:
        raise DiscoveryInputError(f"runs hold {strategies}: discovery needs two strategies")
    if keys:
        codes = runs.groupby(keys, sort=True, dropna=False).ngroup()
    else:
        codes = pd.Series(0, index=runs.index)
    runs = runs.assign(point=codes.to_numpy())
    points = runs.drop_duplicates("point").set_index("point").sort_index()[keys]
    tidy = runs[["point", "strategy", "replicate", "seed", *MEASURES]].drop_duplicates(
        ["point", "strategy", "replicate"]
    )
    counts = tidy.groupby(["point", "strategy"]).size().unstack("strategy")
    counts = counts.reindex(columns=strategies)
    if counts.isna().any().any():
        point, strategy = next(
            (p, s) for p, row in counts.iterrows() for s in strategies if pd.isna(row[s])
        )
        raise DiscoveryInputError(
            f"world {point} ({_describe(points, point)}) has no runs of {strategy}; finish the "
            "sweep first (rerun the same command: finished cells are kept)"
        )
    if counts.to_numpy().min() != counts.to_numpy().max():
        raise DiscoveryInputError(
            "worlds hold different numbers of replicates per strategy "
            f"({sorted(np.unique(counts.to_numpy()).tolist())}); finish the sweep first"
        )
    seeds = tidy.pivot(index=["point", "replicate"], columns="strategy", values="seed")
    if seeds.isna().any().any():
        raise DiscoveryInputError("some replicates ran for only some strategies")
    unpaired = seeds.nunique(axis=1) > 1
    if unpaired.any():
        point = seeds.index[unpaired.to_numpy().argmax()][0]
        raise DiscoveryInputError(
            f"{int(unpaired.sum())} replicates have strategies with different seeds (first: "
            f"world {point}): they did not meet the same organization, so nothing is paired"
        )
    return Worlds(
        points=points,
        world_dims=[d for d in world_dims if d in numeric],
        assumption_dims=[d for d in assumption_dims if d in numeric],
        categorical_dims=categorical,
        strategies=strategies,
        runs=tidy.sort_values(["point", "strategy", "replicate"], ignore_index=True),
        replicates=int(counts.to_numpy().min()),
    )


def _describe(points: pd.DataFrame, point: int) -> str:
    return ", ".join(f"{k}={v}" for k, v in points.loc[point].items()) or "the only world"


def compact(runs: pd.DataFrame) -> pd.DataFrame:
    """The columns of the runs the analysis needs, for ``outcomes.parquet``."""
    keep = [
        c
        for c in runs.columns
        if c in {*WORLD_FIELDS, *ASSUMPTION_FIELDS, *OBSERVATION_FIELDS, *TREATMENT_FIELDS}
        or c in ("replicate", "seed", "code_version", "culture", "net_value", *MEASURES)
    ]
    varying = set(_varying(runs, (*ASSUMPTION_FIELDS, *OBSERVATION_FIELDS)))
    fixed_assumptions = [c for c in ASSUMPTION_FIELDS if c in runs and c not in varying]
    return runs[[c for c in keep if c not in fixed_assumptions]].reset_index(drop=True)


# --- verdicts --------------------------------------------------------------------------------
def pairs(strategies: list[str]) -> list[tuple[str, str]]:
    """Every pair of strategies once, in the order of :data:`sim.params.STRATEGIES`."""
    return list(itertools.combinations(strategies, 2))


def pair_verdicts(worlds: Worlds, measure: str) -> pd.DataFrame:
    """Per world and pair: ``diff`` (mean of a minus b) and ``verdict``: a, b or "tie"."""
    margin = MEASURES[measure].margin
    means = worlds.means(measure)
    frames = []
    for a, b in pairs(worlds.strategies):
        diff = means[a] - means[b]
        verdict = np.where(diff > margin, a, np.where(diff < -margin, b, "tie"))
        frames.append(
            pd.DataFrame({"point": means.index, "a": a, "b": b, "diff": diff, "verdict": verdict})
        )
    return pd.concat(frames, ignore_index=True)


def best_verdicts(worlds: Worlds, measure: str) -> pd.DataFrame:
    """Per world: the best strategy (ahead of every other by the margin) or "tie"; ``lead``
    is the best mean minus the runner-up's."""
    margin = MEASURES[measure].margin
    means = worlds.means(measure)
    values = means.to_numpy()
    order = np.argsort(-values, axis=1)
    top = values[np.arange(len(values)), order[:, 0]]
    second = values[np.arange(len(values)), order[:, 1]]
    lead = top - second
    leader = np.asarray(worlds.strategies)[order[:, 0]]
    return pd.DataFrame(
        {
            "point": means.index,
            "leader": leader,
            "lead": lead,
            "verdict": np.where(lead > margin, leader, "tie"),
        }
    )


def verdict_shares(worlds: Worlds) -> pd.DataFrame:
    """How often each verdict holds across the design: one row per measure and comparison."""
    rows = []
    for measure in MEASURES:
        table = pair_verdicts(worlds, measure)
        for (a, b), group in table.groupby(["a", "b"], sort=False):
            shares = group["verdict"].value_counts(normalize=True)
            rows.append(
                {
                    "measure": measure,
                    "comparison": f"{a} vs {b}",
                    "first_ahead": float(shares.get(a, 0.0)),
                    "tie": float(shares.get("tie", 0.0)),
                    "second_ahead": float(shares.get(b, 0.0)),
                    "mean_diff": float(group["diff"].mean()),
                }
            )
        best = best_verdicts(worlds, measure)["verdict"].value_counts(normalize=True)
        for name in [*worlds.strategies, "tie"]:
            rows.append(
                {
                    "measure": measure,
                    "comparison": f"best: {name}",
                    "share": float(best.get(name, 0.0)),
                }
            )
    return pd.DataFrame(rows)
