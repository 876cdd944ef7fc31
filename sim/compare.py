"""Compare strategies for one organization: every strategy on the very same organizations.

A practitioner's question is "what should *we* do?". :func:`compare` answers it for one world
(an organization: its size and shape, culture, resistance, pressure) the way the studies answer
it for many: it runs the five strategies, and any custom composition of policy levers the user
names, on the same replicate seeds. Seeds derive from the world only (``sim.seeds``), so
replicate r of every strategy meets the same organization, and the comparison is paired. Per
strategy it reports the mean and t interval of each outcome over the organizations, and the
probability of being best (``sim.stats.probability_best``: the share of organizations in which
the strategy is best, ties shared).

Where the calibration has left a posterior (``results/calibration/posterior.csv``: one row per
particle, parameter columns and a ``weight``), the calibrated rates can be drawn from it per
replicate (the same draw for every strategy of that replicate), so the comparison carries the
calibration's uncertainty; the result says whether it did.

The command line (``lean-sim-compare``) and the browser app's panel "Compare strategies for
this organization" both call :func:`compare`. The module also reads the box file of the
scenario discovery (``results/discovery/boxes.json``, written by ``lean-sim-discover``) and
says, in words generated from it, which discovered boxes a world falls in.

Only the model's core dependencies are needed (no Hydra, no plotting).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import cultures
from sim.params import POLICY_FIELDS, STRATEGIES, TREATMENT_FIELDS, Params
from sim.params import ParamsError as _ParamsError
from sim.run import run
from sim.seeds import replicate_seeds
from sim.stats import LEVEL, mean_ci, probability_best

#: The outcomes compared, with their labels and units.
OUTCOMES: dict[str, str] = {
    "sustained_adoption": "sustained adoption (share of teams)",
    "net_value": "net value (FTE-weeks)",
}
DEFAULT_REPLICATES = 10
#: Where the calibration leaves its posterior, and the discovery its boxes (from the cwd).
POSTERIOR_FILE = Path("results/calibration/posterior.csv")
BOXES_FILE = Path("results/discovery/boxes.json")
#: Fields a world may not set: they are what is compared (name them in a custom composition).
COMPARED_FIELDS: tuple[str, ...] = ("strategy", *POLICY_FIELDS)


class CompareError(ValueError):
    """The comparison cannot run; the message (one line) names the bad value and what is allowed."""


class Cancelled(RuntimeError):
    """The comparison was cancelled before it finished (``cancel`` returned True)."""


def _one_line(err: Exception) -> str:
    text = str(err).removeprefix("invalid parameters:")
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


# --- what is compared ----------------------------------------------------------------------------
def compositions(
    strategies: Iterable[str] = STRATEGIES, custom: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """The compared arms by name: each preset as ``{"strategy": name}``, then each custom one.

    A custom composition names the preset it starts from (``strategy``) and any treatment
    fields on top (policy levers, programme design, mechanism switches), e.g.
    ``{"office+duty": {"strategy": "centralized", "line_duty": 1.0}}``. World and assumption
    fields are not allowed in it: every arm must meet the same organizations and mechanisms.
    """
    arms: dict[str, dict[str, Any]] = {}
    for name in strategies:
        if name not in STRATEGIES:
            raise CompareError(f"strategy={name!r}: not a preset; choose from {list(STRATEGIES)}")
        arms[name] = {"strategy": name}
    for name, values in (custom or {}).items():
        if not name or name in arms:
            raise CompareError(
                f"custom name {name!r}: must be non-empty and differ from {list(arms)}"
            )
        values = dict(values)
        if "strategy" not in values:
            raise CompareError(
                f"custom {name!r}: name the preset it starts from, e.g. strategy=centralized"
            )
        bad = sorted(k for k in values if k not in TREATMENT_FIELDS)
        if bad:
            raise CompareError(
                f"custom {name!r}: {bad} are not treatment fields (policy levers, programme "
                "design or mechanism switches); world and assumption fields go in the world"
            )
        arms[name] = values
    if not arms:
        raise CompareError("nothing to compare: give at least one strategy or custom composition")
    return arms


def resolve_world(world: Mapping[str, Any]) -> dict[str, Any]:
    """The world's Params values, with a ``culture`` key applied (``sim.cultures``'s rule).

    A world may also hold settings every arm shares (the horizon, the budget, assumptions such
    as mechanism strengths). It may not set the strategy or a policy lever: those are what is
    compared. A country with a conflicting explicit power distance is an error, as everywhere.
    """
    values = dict(world)
    culture = values.pop("culture", cultures.CUSTOM)
    unknown = sorted(k for k in values if k not in Params.model_fields)
    if unknown:
        raise CompareError(f"world {unknown}: not sim.Params fields (see `lean-sim --help`)")
    compared = sorted(k for k in values if k in COMPARED_FIELDS)
    if compared:
        raise CompareError(
            f"world {compared}: the strategy and policy levers are what is compared; name them "
            "in a custom composition instead (--custom NAME strategy=... key=value)"
        )
    try:
        values = cultures.apply_culture(str(culture), values)
        params = Params.create(**values)
    except _ParamsError as err:
        raise CompareError(_one_line(err)) from None
    return {k: getattr(params, k) for k in values}


# --- the calibration's posterior -----------------------------------------------------------------
@dataclass(frozen=True)
class Posterior:
    """Weighted particles of the calibration: Params columns and their weights."""

    path: Path
    particles: pd.DataFrame
    weights: np.ndarray

    @property
    def parameters(self) -> list[str]:
        return list(self.particles.columns)

    def draw(self, seed: int) -> tuple[int, dict[str, Any]]:
        """One particle, drawn by weight from ``seed`` (the replicate's): (index, values)."""
        index = int(np.random.default_rng(seed).choice(len(self.weights), p=self.weights))
        row = self.particles.iloc[index]
        return index, {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}

    def describe(self) -> str:
        return (
            f"calibrated rates ({', '.join(self.parameters)}) drawn per replicate from "
            f"{self.path} ({len(self.weights)} particles, by weight)"
        )


def read_posterior(path: str | Path) -> Posterior:
    """The posterior file: one row per particle, Params columns and a ``weight`` column.

    Columns that are not Params fields (a generation, a distance) are ignored; fails naming the
    file when it has no weight column, no parameter column, or weights that are not positive.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as err:
        raise CompareError(f"posterior={str(path)!r}: cannot read it ({err})") from None
    if "weight" not in frame.columns:
        raise CompareError(f"posterior={str(path)!r}: no 'weight' column")
    names = [c for c in frame.columns if c in Params.model_fields]
    if not names or frame.empty:
        raise CompareError(f"posterior={str(path)!r}: no particles with sim.Params columns")
    weights = frame["weight"].to_numpy(dtype=float)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise CompareError(f"posterior={str(path)!r}: weights must be non-negative, sum > 0")
    return Posterior(path, frame[names].reset_index(drop=True), weights / weights.sum())


def posterior_choice(choice: str | Path | Posterior | None) -> tuple[Posterior | None, str]:
    """The posterior to use and a sentence saying so.

    ``"auto"``: the calibration's file when it exists (``POSTERIOR_FILE``); ``None`` or
    ``"off"``: never; a path: that file (which must exist).
    """
    if isinstance(choice, Posterior):
        return choice, choice.describe()
    if choice is None or choice == "off":
        return None, "calibrated rates: not used (switched off); the model's defaults"
    if choice == "auto":
        if not POSTERIOR_FILE.is_file():
            return None, f"calibrated rates: not used (no {POSTERIOR_FILE}); the model's defaults"
        choice = POSTERIOR_FILE
    posterior = read_posterior(choice)
    return posterior, posterior.describe()


# --- the comparison ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """Every arm on the same organizations: per-run outcomes and a summary per arm.

    ``runs``: one row per arm and replicate (``strategy`` holds the arm's name), with the seed,
    the particle drawn (-1 without a posterior) and each outcome. ``table``: one row per arm,
    ``<outcome>_mean/_lo/_hi`` (t interval at ``level``) and ``<outcome>_p_best``.
    """

    world: dict[str, Any]
    culture: str
    arms: dict[str, dict[str, Any]]
    replicates: int
    base_seed: int
    seeds: list[int]
    runs: pd.DataFrame
    table: pd.DataFrame
    posterior: str
    level: float = LEVEL
    seconds: float = 0.0
    params: Params = field(default_factory=Params, repr=False)

    def values(self, outcome: str) -> pd.DataFrame:
        """One row per replicate, one column per arm (the unit of "probability best")."""
        wide = self.runs.pivot(index="replicate", columns="strategy", values=outcome)
        return wide[list(self.arms)]

    def best(self, outcome: str) -> str:
        """The arm with the highest probability of being best on ``outcome``."""
        return str(self.table[f"{outcome}_p_best"].idxmax())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (``lean-sim-compare --json``)."""
        summary = {
            arm: {
                outcome: {
                    "mean": _num(row[f"{outcome}_mean"]),
                    "lo": _num(row[f"{outcome}_lo"]),
                    "hi": _num(row[f"{outcome}_hi"]),
                    "n": int(row[f"{outcome}_n"]),
                    "probability_best": _num(row[f"{outcome}_p_best"]),
                }
                for outcome in OUTCOMES
            }
            for arm, row in self.table.iterrows()
        }
        runs = [
            {k: (_num(v) if isinstance(v, float) else v) for k, v in record.items()}
            for record in self.runs.to_dict("records")
        ]
        return {
            "world": self.world,
            "culture": self.culture,
            "arms": self.arms,
            "replicates": self.replicates,
            "base_seed": self.base_seed,
            "seeds": self.seeds,
            "level": self.level,
            "posterior": self.posterior,
            "strategies": summary,
            "runs": runs,
        }


def _num(value: Any) -> float | None:
    """A float for JSON: NaN becomes None."""
    value = float(value)
    return None if math.isnan(value) else value


def _plan(
    world: Mapping[str, Any],
    arms: dict[str, dict[str, Any]],
    replicates: int,
    base_seed: int,
    posterior: Posterior | None,
) -> tuple[dict[str, Any], list[int], list[tuple[int, str, int, Params]]]:
    """Validate everything and list the runs: (replicate, arm, particle, Params)."""
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise CompareError(f"replicates={replicates!r}: must be a whole number >= 1")
    if isinstance(base_seed, bool) or not isinstance(base_seed, int) or base_seed < 0:
        raise CompareError(f"base_seed={base_seed!r}: must be a whole number >= 0")
    values = resolve_world(world)
    if posterior is not None:
        clash = sorted(set(posterior.parameters) & set(values))
        if clash:
            raise CompareError(
                f"world sets {clash}, which the posterior draws; drop them or switch the "
                "posterior off"
            )
    base = Params.create(**values)
    seeds = replicate_seeds(base, base_seed, replicates)
    plan = []
    for r, seed in enumerate(seeds):
        particle, drawn = posterior.draw(seed) if posterior is not None else (-1, {})
        for name, arm in arms.items():
            try:
                params = Params.create(**{**values, **drawn, **arm})
            except _ParamsError as err:
                raise CompareError(f"{name}: {_one_line(err)}") from None
            arms[name] = {k: getattr(params, k) for k in arm}  # typed ("1.0" -> 1.0)
            plan.append((r, name, particle, params))
    return values, seeds, plan


def compare(
    world: Mapping[str, Any],
    strategies: Iterable[str] = STRATEGIES,
    replicates: int = DEFAULT_REPLICATES,
    base_seed: int = 0,
    custom: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    posterior: str | Path | Posterior | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Comparison:
    """Run every arm on the same ``replicates`` organizations of ``world`` and summarize.

    world: Params values of the organization (and anything else every arm shares), plus an
        optional ``culture`` preset; not the strategy or a policy lever.
    strategies: the presets to compare; custom: further compositions by name (see
        :func:`compositions`).
    posterior: ``None``/``"off"`` (default: the model's defaults), ``"auto"`` (the
        calibration's posterior when its file exists) or a path; drawn once per replicate.
    progress: called with (runs done, runs in all) after each run; cancel: polled before each
        run, and when it returns True the comparison stops with :class:`Cancelled`.

    Everything is validated before the first run (:class:`CompareError`, one line).
    """
    started = time.perf_counter()
    arms = compositions(strategies, custom)
    chosen, note = posterior_choice(posterior)
    values, seeds, plan = _plan(world, arms, replicates, base_seed, chosen)
    rows = []
    for done, (r, name, particle, params) in enumerate(plan):
        if cancel is not None and cancel():
            raise Cancelled(f"cancelled after {done} of {len(plan)} runs")
        summary = run(params, seeds[r]).summary_dict
        rows.append(
            {
                "strategy": name,
                "replicate": r,
                "seed": seeds[r],
                "particle": particle,
                **{o: float(summary[o]) for o in OUTCOMES},
            }
        )
        if progress is not None:
            progress(done + 1, len(plan))
    runs = pd.DataFrame(rows)
    return Comparison(
        world=values,
        culture=str(dict(world).get("culture", cultures.CUSTOM)),
        arms=arms,
        replicates=replicates,
        base_seed=base_seed,
        seeds=seeds,
        runs=runs,
        table=summarize(runs, list(arms)),
        posterior=note,
        seconds=time.perf_counter() - started,
        params=Params.create(**values),
    )


def summarize(runs: pd.DataFrame, arms: list[str], level: float = LEVEL) -> pd.DataFrame:
    """Per arm: mean, interval and n of each outcome, and its probability of being best."""
    table = pd.DataFrame(index=pd.Index(arms, name="strategy"))
    for outcome in OUTCOMES:
        for arm in arms:
            ci = mean_ci(runs.loc[runs["strategy"] == arm, outcome], level)
            for key in ("mean", "lo", "hi", "n"):
                table.loc[arm, f"{outcome}_{key}"] = ci[key]
        wide = runs.pivot(index="replicate", columns="strategy", values=outcome)[arms]
        table[f"{outcome}_p_best"] = probability_best(wide)
    return table


# --- how long it takes ---------------------------------------------------------------------------
def estimate_seconds(
    world: Mapping[str, Any],
    strategies: Iterable[str] = STRATEGIES,
    replicates: int = DEFAULT_REPLICATES,
    custom: Mapping[str, Mapping[str, Any]] | None = None,
    probe_weeks: int = 26,
) -> float:
    """About how long :func:`compare` takes here, from two short probe runs of this world.

    A run costs a fixed part (building the organization) plus a part per week; one run of one
    week and one of ``probe_weeks`` weeks (the costliest preset, hybrid) give both, and the
    estimate is that cost for the full horizon times the number of runs.
    """
    arms = compositions(strategies, custom)
    values = resolve_world(world)
    weeks = int(values.get("weeks", Params.model_fields["weeks"].default))
    probe = {**values, "strategy": "hybrid"}
    short = _timed(Params.create(**{**probe, "weeks": 1}))
    longer_weeks = max(2, min(weeks, probe_weeks))
    longer = _timed(Params.create(**{**probe, "weeks": longer_weeks}))
    per_week = max(longer - short, 0.0) / (longer_weeks - 1)
    per_run = short + per_week * (weeks - 1)
    return per_run * len(arms) * replicates


def _timed(params: Params) -> float:
    tic = time.perf_counter()
    run(params, seed=0)
    return time.perf_counter() - tic


# --- the discovery's boxes -----------------------------------------------------------------------
#: How the box sentences name the world parameters.
DIMENSION_NAMES: dict[str, str] = {
    "n_teams": "teams",
    "span_teams": "teams per line manager",
    "span_managers": "managers per manager",
    "cross_links": "lateral ties per team",
    "power_distance": "power distance",
    "resistance": "resistance",
    "resistance_spread": "spread of resistance",
    "base_pressure": "performance pressure",
    "initial_ownership": "initial ownership",
    "initial_capability": "initial capability",
    "team_size": "people per team",
    "rewire_probability": "rewiring chance",
}


def dimension_name(name: str) -> str:
    return DIMENSION_NAMES.get(name, name.replace("_", " "))


def _fmt(name: str, value: float) -> str:
    kind = Params.model_fields[name].annotation if name in Params.model_fields else float
    return f"{round(value):,}" if kind is int else f"{value:.2f}"


def describe_conditions(limits: Mapping[str, tuple[float, float]]) -> str:
    """ "resistance ≤ 0.62 and 0.30 ≤ power distance ≤ 0.80" (only the restricted sides)."""
    parts = []
    for name, (lo, hi) in limits.items():
        label = dimension_name(name)
        if lo is not None and hi is not None:
            parts.append(f"{_fmt(name, lo)} ≤ {label} ≤ {_fmt(name, hi)}")
        elif lo is not None:
            parts.append(f"{label} ≥ {_fmt(name, lo)}")
        else:
            parts.append(f"{label} ≤ {_fmt(name, hi)}")
    return " and ".join(parts) if parts else "anywhere in the design"


def describe_box(box: Mapping[str, Any]) -> str:
    """The box in plain words, from its entry in the box file.

    "<strategy> ahead when <conditions>: <density> of such worlds, <coverage> of all", where
    the density is the share of the box's worlds in which the verdict holds and the coverage
    the share of all worlds with that verdict that lie in the box.
    """
    outcome = box.get("outcome_label") or OUTCOMES.get(box["outcome"], box["outcome"])
    margin = box.get("margin")
    by = f" by more than {margin:g}" if margin is not None else ""
    if box["kind"] == "pair":
        verdict = f"{box['strategy']} ahead of {box['versus']} on {outcome}{by}"
        whose = "where it is ahead"
    elif box["strategy"] == "tie":
        verdict = f"no strategy ahead of all others on {outcome}{by}"
        whose = "without a clear best"
    else:
        verdict = f"{box['strategy']} best on {outcome} (ahead of every other{by})"
        whose = "where it is best"
    conditions = describe_conditions(
        {k: (v[0], v[1]) for k, v in box["limits"].items()}  # JSON lists, None = open
    )
    return (
        f"{verdict} when {conditions}: {box['density']:.0%} of such worlds, "
        f"{box['coverage']:.0%} of all worlds {whose}"
    )


def box_contains(box: Mapping[str, Any], params: Params) -> bool:
    """Whether the world of ``params`` lies inside the box (its restricted limits)."""
    for name, (lo, hi) in box["limits"].items():
        value = getattr(params, name)
        if value is None or (lo is not None and value < lo) or (hi is not None and value > hi):
            return False
    return True


@dataclass(frozen=True)
class BoxVerdict:
    """Where a world stands in the committed discovery: found or not, boxes, words."""

    path: Path
    found: bool
    boxes: list[dict[str, Any]]
    outside: list[str]
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "found": self.found,
            "boxes": [describe_box(b) for b in self.boxes],
            "outside_design": self.outside,
            "message": self.message,
        }


def discovery_boxes(params: Params, path: str | Path = BOXES_FILE) -> BoxVerdict:
    """Which boxes of the box file the world of ``params`` falls in, and a sentence saying so.

    Says so when the file is missing, and when the world lies outside the design's range on
    some dimension (the discovery then does not speak for it).
    """
    path = Path(path)
    if not path.is_file():
        message = (
            f"No scenario discovery found ({path} is missing; `lean-sim-discover all` makes it), "
            "so this organization is not placed in any box."
        )
        return BoxVerdict(path, False, [], [], message)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        boxes = list(content["boxes"])
        ranges = dict(content.get("dimensions", {}))
        fixed = dict(content.get("fixed", {}))
    except (OSError, ValueError, KeyError, TypeError) as err:
        return BoxVerdict(path, False, [], [], f"The box file {path} cannot be read ({err}).")
    outside = [
        f"{dimension_name(k)} {_fmt(k, getattr(params, k))} (design {_fmt(k, lo)}-{_fmt(k, hi)})"
        for k, (lo, hi) in ranges.items()
        if k in Params.model_fields and not lo <= getattr(params, k) <= hi
    ]
    outside += [
        f"{dimension_name(k)} {getattr(params, k)} (the design held it at {v})"
        for k, v in fixed.items()
        if k in Params.model_fields and getattr(params, k) != v
    ]
    inside = [b for b in boxes if box_contains(b, params)]
    worlds = content.get("worlds", "?")
    if outside:
        message = (
            f"This organization lies outside the discovery's design ({worlds} worlds) on "
            f"{'; '.join(outside)}: its boxes do not speak for it."
        )
        inside = []
    elif inside:
        message = f"In the scenario discovery ({worlds} worlds, {path}) this organization lies in:"
    else:
        message = (
            f"In the scenario discovery ({worlds} worlds, {path}) this organization lies in none "
            f"of the {len(boxes)} boxes."
        )
    return BoxVerdict(path, True, inside, outside, message)


# --- the command line ----------------------------------------------------------------------------
def _assignments(items: list[str], what: str) -> dict[str, str]:
    values = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CompareError(f"{what} {item!r}: write key=value, e.g. resistance=0.7")
        values[key] = value
    return values


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lean-sim-compare",
        description=(
            "Compare strategies for one organization: every strategy (and any custom "
            "composition) runs on the same organizations (seeds from the world), and the table "
            "gives each one's mean and 95%% interval of sustained adoption and net value, and "
            "its probability of being best (share of organizations where it is best, ties "
            "shared)."
        ),
        epilog=(
            "example: lean-sim-compare --culture japan --set resistance=0.7 n_teams=100 "
            "--replicates 20 --custom office+duty strategy=centralized line_duty=1.0"
        ),
    )
    parser.add_argument(
        "--set",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        help="world settings (any sim.Params field but the strategy and policy levers), e.g. "
        "--set resistance=0.7 power_distance=0.8 n_teams=100",
    )
    parser.add_argument(
        "--culture",
        default=cultures.CUSTOM,
        help=f"a country preset that sets power distance: {', '.join(cultures.cultures())} "
        f"(default {cultures.CUSTOM}: power distance as set)",
    )
    parser.add_argument(
        "--replicates",
        default=str(DEFAULT_REPLICATES),
        help=f"organizations per strategy (default {DEFAULT_REPLICATES})",
    )
    parser.add_argument("--base-seed", default="0", help="base seed (default 0)")
    parser.add_argument(
        "--strategies",
        default=",".join(STRATEGIES),
        help=f"comma-separated presets (default all: {','.join(STRATEGIES)}); '' for none",
    )
    parser.add_argument(
        "--custom",
        nargs="+",
        action="append",
        default=[],
        metavar=("NAME", "KEY=VALUE"),
        help="a custom composition: a name, the preset it starts from and levers on top, e.g. "
        "--custom office+duty strategy=centralized line_duty=1.0 (repeatable)",
    )
    parser.add_argument(
        "--posterior",
        default="auto",
        help=f"calibrated rates: 'auto' (drawn per replicate from {POSTERIOR_FILE} when it "
        "exists), 'off', or a posterior CSV (default auto)",
    )
    parser.add_argument(
        "--boxes",
        default=str(BOXES_FILE),
        help=f"box file of the scenario discovery (default {BOXES_FILE})",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


def _whole(text: str, name: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise CompareError(f"{name}={text!r}: not a whole number") from None
    if value < low:
        raise CompareError(f"{name}={text!r}: must be >= {low}")
    return value


def format_table(result: Comparison) -> str:
    """The comparison as a text table with a header saying what was compared."""
    p = result.params
    lines = [
        f"{len(result.arms)} strategies on the same {result.replicates} organizations "
        f"(seeds from the world, base seed {result.base_seed}): {p.n_teams:,} teams, "
        f"{p.weeks} weeks, resistance {p.resistance:g}, power distance {p.power_distance:g}, "
        f"budget {p.budget_fte_per_100_teams:g} FTE per 100 teams.",
        f"{result.posterior[0].upper()}{result.posterior[1:]}.",
        "",
    ]
    header = f"{'strategy':<16}"
    for label in OUTCOMES.values():
        header += f"  {label:<41}"
    lines.append(header)
    sub = f"{'':<16}" + f"  {'mean':>10} {f'{result.level:.0%} interval':>21}  {'P(best)':>7}" * 2
    lines.append(sub)
    for arm, row in result.table.iterrows():
        line = f"{arm:<16}"
        for outcome in OUTCOMES:
            digits = 3 if outcome == "sustained_adoption" else 0
            lo, hi = row[f"{outcome}_lo"], row[f"{outcome}_hi"]
            interval = f"[{lo:,.{digits}f}, {hi:,.{digits}f}]" if not math.isnan(lo) else "n/a"
            line += (
                f"  {row[f'{outcome}_mean']:>10,.{digits}f} {interval:>21}"
                f"  {row[f'{outcome}_p_best']:>7.2f}"
            )
        lines.append(line)
    lines += [
        "",
        f"Interval: t interval of the mean over the {result.replicates} organizations. P(best): "
        "share of the organizations in which the strategy is best (ties shared).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        world = _assignments(args.set, "--set")
        if "culture" in world:
            raise CompareError("--set culture=...: use --culture NAME")
        world["culture"] = args.culture
        custom = {}
        for name, *items in args.custom:
            if name in custom:
                raise CompareError(f"--custom {name!r}: given twice")
            custom[name] = _assignments(items, f"--custom {name}")
        strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
        replicates = _whole(args.replicates, "replicates", 1)
        base_seed = _whole(args.base_seed, "base_seed", 0)
        posterior = posterior_choice(args.posterior)[0]
        total = len(compositions(strategies, custom)) * replicates
        _plan(world, compositions(strategies, custom), replicates, base_seed, posterior)
    except CompareError as err:
        print(f"lean-sim-compare: error: {err}", file=sys.stderr)
        return 2

    tty = sys.stderr.isatty()

    def show(done: int, total_runs: int) -> None:
        # a line that updates itself on a terminal; in a log, a line per tenth of the runs
        if tty:
            end = "\n" if done == total_runs else ""
            print(f"\rlean-sim-compare: {done}/{total_runs} runs", end=end, file=sys.stderr)
        elif done == total_runs or done % max(1, total_runs // 10) == 0:
            print(f"lean-sim-compare: {done}/{total_runs} runs", file=sys.stderr, flush=True)

    result = compare(
        world,
        strategies,
        replicates,
        base_seed,
        custom,
        posterior=posterior if posterior is not None else args.posterior,
        progress=None if args.quiet or total < 2 else show,
    )
    verdict = discovery_boxes(result.params, args.boxes)
    if args.json:
        print(json.dumps({**result.to_dict(), "discovery": verdict.to_dict()}, indent=1))
        return 0
    print(format_table(result))
    print()
    print(verdict.message)
    for box in verdict.boxes:
        print(f"  - {describe_box(box)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
