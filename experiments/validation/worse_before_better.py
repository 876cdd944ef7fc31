"""Pattern 2: an improvement push dips first and pays later; working harder gains first and erodes.

Two contrasts of weekly performance (output over the team's own baseline, averaged over teams):
(a) an embedded push with a large budget minus no programme, at the same pressure: the same
world, so the two arms meet the same organizations (paired); (b) high minus low standing
pressure without a programme: two worlds, so each replicate pairs two independent
organizations (the interval is still valid, only wider).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from experiments.validation.design import (
    BaseSetting,
    Design,
    Judgement,
    band,
    ci_note,
    criterion,
    mean_half,
)
from experiments.validation.grid import Grid
from sim.mechanisms import WEEKS_PER_YEAR
from sim.palette import OKABE_ITO
from sim.stats import mean_ci

KEY = "worse_before_better"
TITLE = "Worse-before-better and better-before-worse"
EVIDENCE = (
    "Improvement costs time now and pays later: an improvement push first lowers output, then "
    "raises it; working harder (pressure cuts improvement time) first raises output, then "
    "erodes it as capability decays (Repenning & Sterman 2001, 2002)."
)
PANELS = 2
FIGSIZE = (12, 4.5)

#: The early window (weeks 1-8) and the late one (the last year).
EARLY = slice(1, 9)
LATE_WEEKS = WEEKS_PER_YEAR
#: (treated, control, sign of the early difference), per contrast.
CONTRASTS: dict[str, tuple[dict[str, Any], dict[str, Any], int]] = {
    "push": (
        {"strategy": "embedded", "budget_fte_per_100_teams": 100.0, "base_pressure": 0.5},
        {"strategy": "none", "base_pressure": 0.5},
        -1,
    ),
    "harder": (
        {"strategy": "none", "base_pressure": 0.9},
        {"strategy": "none", "base_pressure": 0.1},
        +1,
    ),
}
TITLES = {
    "push": "(a) improvement push: embedded, budget 100 FTE/100 teams,\nminus no programme "
    "(both base_pressure=0.5; paired)",
    "harder": "(b) working harder: base_pressure 0.9 minus 0.1\n(no programme; two worlds)",
}


@dataclass(frozen=True)
class Setting(BaseSetting):
    """Both contrasts at the design's size."""


def setting(design: Design) -> Setting:
    return Setting.of(design)


@dataclass
class Result:
    diffs: dict[str, np.ndarray]  # contrast -> (replicate x week) treated minus control
    table: pd.DataFrame


def _crossing(mean: np.ndarray, start: int, sign: int) -> float:
    """First week at or after ``start`` from which the mean difference has ``sign`` for good."""
    ok = np.sign(mean) == sign
    for w in range(start, len(mean)):
        if ok[w:].all():
            return float(w)
    return float("nan")


def run(s: Setting, grid: Grid) -> Result:
    points = [s.design.params(**arm) for t, c, _ in CONTRASTS.values() for arm in (t, c)]
    runs = grid.runs(points, s.replicates, KEY)
    diffs, rows = {}, []
    for k, (key, (_, _, sign)) in enumerate(CONTRASTS.items()):
        treated, control = runs[2 * k], runs[2 * k + 1]
        d = (treated.weekly("performance") - control.weekly("performance")).to_numpy(float)
        diffs[key] = d
        mean = d.mean(axis=0)
        early, late = mean_ci(d[:, EARLY].mean(axis=1)), mean_ci(d[:, -LATE_WEEKS:].mean(axis=1))
        pick = np.argmin if sign < 0 else np.argmax
        extreme = int(pick(mean[1:]) + 1)
        rows.append(
            {
                "contrast": key,
                "early_mean": early["mean"],
                "early_lo": early["lo"],
                "early_hi": early["hi"],
                "late_mean": late["mean"],
                "late_lo": late["lo"],
                "late_hi": late["hi"],
                "turn_week": _crossing(mean, 1, -sign),
                "extreme_week": extreme,
                "extreme": float(mean[extreme]),
            }
        )
    return Result(diffs, pd.DataFrame(rows))


def _ci(row: pd.Series, when: str) -> str:
    return f"{row[f'{when}_mean']:+.4f} [{row[f'{when}_lo']:+.4f}, {row[f'{when}_hi']:+.4f}]"


def judge(result: Result, s: Setting) -> Judgement:
    push, harder = (result.table.set_index("contrast").loc[k] for k in ("push", "harder"))
    return Judgement(
        (
            criterion(
                "push: worse first (weeks 1-8: the 95% CI of the difference below 0)",
                _ci(push, "early"),
                push.early_hi < 0,
            ),
            criterion(
                "push: better later (last year: CI above 0)", _ci(push, "late"), push.late_lo > 0
            ),
            criterion(
                "working harder: better first (weeks 1-8: CI above 0)",
                _ci(harder, "early"),
                harder.early_lo > 0,
            ),
            criterion(
                "working harder: worse later (last year: CI below 0)",
                _ci(harder, "late"),
                harder.late_hi < 0,
            ),
        )
    )


def draw(result: Result, s: Setting, axes) -> None:
    for ax, key in zip(axes, CONTRASTS, strict=True):
        d = result.diffs[key]
        weeks = np.arange(d.shape[1])
        m, h = mean_half(d)
        band(ax, weeks[1:], m[1:], h[1:], OKABE_ITO["blue"], "mean difference")
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_xscale("log")
        ticks = [w for w in (1, 4, 13, 52, 104, 260, 520, 1040) if w <= weeks[-1]]
        ax.set_xticks(ticks, [str(w) for w in ticks])
        ax.minorticks_off()
        ax.set_xlabel("week (log scale)")
        ax.set_ylabel("Δ performance (share of the team's baseline output)")
        ax.set_title(f"{TITLES[key]}\n{ci_note(s.replicates)}", fontsize=9)
        ax.legend(loc="best")


def describe(s: Setting) -> str:
    return (
        f"{s.n_teams} teams, {s.weeks} weeks, {s.replicates} replicates. "
        "(a) `strategy=embedded, budget_fte_per_100_teams=100, base_pressure=0.5` minus "
        "`strategy=none, base_pressure=0.5`: the same world, so replicate r of both arms meets "
        "the same organization; (b) `strategy=none, base_pressure=0.9` minus `strategy=none, "
        "base_pressure=0.1`: pressure is part of the world, so the arms meet different "
        "organizations and each replicate's difference is of two independent runs. "
        "Performance = output / the team's own baseline, averaged over teams. The early window "
        "is weeks 1-8, the late one the last year."
    )


def numbers(result: Result) -> pd.DataFrame:
    return result.table


def reading(result: Result, s: Setting) -> str:
    push, harder = (result.table.set_index("contrast").loc[k] for k in ("push", "harder"))
    return (
        f"The push costs output at once (deepest mean dip {push.extreme:+.3f} in week "
        f"{int(push.extreme_week)}) and {_for_good(push.turn_week, 'is ahead')}. Working "
        f"harder gains at once ({harder.extreme:+.3f} at its best, week "
        f"{int(harder.extreme_week)}) and {_for_good(harder.turn_week, 'is behind')}; "
        "capability erodes without practice."
    )


def _for_good(week: float, what: str) -> str:
    if np.isfinite(week):
        return f"{what} for good from week {int(week)}"
    return f"never {what.removeprefix('is ')} for good within the horizon"
