"""Equal total effort: the budget at which a strategy's booked effort matches a reference.

"Equal budget" compares strategies that may ask very different amounts of effort: a duty asks
line time that no budget pays for (booked as ``effort_duty_time``, paid in output), and an office
that cannot find willing teams leaves part of its budget unspent. So the model also compares
strategies at equal *total effort*: every heading of the ledger's effort (specialists, funded
team time, team time in pilots, duty-induced time) summed over the run, averaged over the same
seeds. :func:`equal_effort_budget` solves, for one strategy, the budget whose mean total effort
lies within a relative tolerance of a target, by bracketing and interpolation (effort grows with
the budget, though not exactly in proportion). Where even a zero budget asks more effort than
the target (a duty alone), or the largest allowed budget less, there is no match, and the result
says so instead of pretending.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.model import EFFORT
from sim.params import Params
from sim.run import run

BUDGET_FIELD = "budget_fte_per_100_teams"


def total_effort(params: Params, seeds: Sequence[int]) -> float:
    """Mean over seeds of the run's total booked effort (FTE-weeks, every effort heading)."""
    totals = []
    for seed in seeds:
        series = run(params, seed=seed).series
        totals.append(float(series[list(EFFORT)].iloc[1:].to_numpy().sum()))
    return float(np.mean(totals))


@dataclass(frozen=True)
class EffortMatch:
    """The solved budget of one strategy, and how close its effort came to the target."""

    strategy: str
    budget: float  # budget_fte_per_100_teams
    effort: float  # its mean total effort at that budget (FTE-weeks)
    target: float
    matched: bool
    note: str = ""

    @property
    def gap(self) -> float:
        """Relative distance of the effort from the target."""
        return (self.effort - self.target) / self.target if self.target > 0 else np.nan


def equal_effort_budget(
    params: Params,
    target: float,
    seeds: Sequence[int],
    *,
    tolerance: float = 0.02,
    max_budget: float = 200.0,
    max_evaluations: int = 12,
    effort: Callable[[Params, Sequence[int]], float] = total_effort,
) -> EffortMatch:
    """The budget at which ``params``' strategy books ``target`` effort (within ``tolerance``).

    Brackets the target between budget 0 and ``max_budget`` and narrows the bracket by
    interpolation (regula falsi, with bisection when it stalls). ``effort`` is the function of
    (params, seeds) that is matched (default: mean total booked effort).
    """

    def at(budget: float) -> float:
        return effort(params.model_copy(update={BUDGET_FIELD: budget}), seeds)

    def close(value: float) -> bool:
        return abs(value - target) <= tolerance * target

    strategy = params.strategy
    lo, f_lo = 0.0, at(0.0)
    if close(f_lo):
        return EffortMatch(strategy, 0.0, f_lo, target, True)
    if f_lo > target:
        note = "even a zero budget asks more effort than the target (a duty's line time)"
        return EffortMatch(strategy, 0.0, f_lo, target, False, note)
    hi = min(max(getattr(params, BUDGET_FIELD), 1.0), max_budget)
    f_hi = at(hi)
    evaluations = 2
    while f_hi < target and hi < max_budget and evaluations < max_evaluations:
        lo, f_lo = hi, f_hi
        hi = min(hi * 2.0, max_budget)
        f_hi = at(hi)
        evaluations += 1
    if close(f_hi):
        return EffortMatch(strategy, hi, f_hi, target, True)
    if f_hi < target:
        note = f"even a budget of {hi:g} asks less effort than the target"
        return EffortMatch(strategy, hi, f_hi, target, False, note)
    best = (hi, f_hi) if abs(f_hi - target) < abs(f_lo - target) else (lo, f_lo)
    last_side = 0
    while evaluations < max_evaluations:
        weight = (target - f_lo) / (f_hi - f_lo) if f_hi > f_lo else 0.5
        mid = lo + float(np.clip(weight, 0.05, 0.95)) * (hi - lo)
        if last_side and abs(last_side) >= 2:  # one end keeps moving: bisect instead
            mid = 0.5 * (lo + hi)
        f_mid = at(mid)
        evaluations += 1
        if abs(f_mid - target) < abs(best[1] - target):
            best = (mid, f_mid)
        if close(f_mid):
            return EffortMatch(strategy, mid, f_mid, target, True)
        if f_mid < target:
            lo, f_lo = mid, f_mid
            last_side = last_side + 1 if last_side > 0 else 1
        else:
            hi, f_hi = mid, f_mid
            last_side = last_side - 1 if last_side < 0 else -1
    budget, value = best
    note = f"no budget within {tolerance:.0%} after {evaluations} evaluations"
    return EffortMatch(strategy, budget, value, target, close(value), note)
