"""Pattern 5: the verdict depends on the parameters (the essay's "YMMV").

Embedded minus centralized, paired by replicate (both meet the same organization), over a grid
of mean manager resistance x power distance: in the long run some cells must favour each
strategy, and in the short run (2 years) a PMO must be ahead somewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.colors import TwoSlopeNorm

from experiments.validation.design import BaseSetting, Design, Judgement, criterion
from experiments.validation.grid import Grid
from sim.mechanisms import WEEKS_PER_YEAR
from sim.palette import DIVERGING_CMAP
from sim.stats import LEVEL, mean_ci

KEY = "verdict_map"
TITLE = "The verdict depends on the parameters (YMMV)"
EVIDENCE = (
    "The answer must depend on the parameters; a PMO for a few surgical strikes can win in the "
    "short run (the essay: 'YMMV')."
)
PANELS = 3
FIGSIZE = (16, 5.2)

TREATMENT, CONTROL = "embedded", "centralized"
#: Measures differenced per replicate; the last one is read from the weekly series.
MEASURES = ("sustained_adoption", "net_value", "adoption_2y", "net_value_2y")
SHORT_RUN_WEEKS = 2 * WEEKS_PER_YEAR
DRAWN = {
    "sustained_adoption": "(a) sustained own adoption, last year\n(share of teams)",
    "net_value": "(b) cumulative net value over the run\n(FTE-weeks)",
    "adoption_2y": "(c) short run: adoption at 2 years\n(share of teams)",
}


@dataclass(frozen=True)
class Setting(BaseSetting):
    resistance: tuple[float, ...]
    power_distance: tuple[float, ...]

    def worlds(self) -> list[tuple[float, float]]:
        return [(r, p) for r in self.resistance for p in self.power_distance]

    def points(self) -> list[dict]:
        return [
            {"strategy": s, "resistance": r, "power_distance": p}
            for r, p in self.worlds()
            for s in (TREATMENT, CONTROL)
        ]


def setting(design: Design) -> Setting:
    return Setting.of(
        design,
        resistance=design.verdict_resistance,
        power_distance=design.verdict_power_distance,
    )


@dataclass
class Result:
    diffs: pd.DataFrame  # per world and replicate: treatment minus control of each measure
    cells: pd.DataFrame  # per world and measure: mean, lo, hi, n, sd of the differences


def per_replicate(runs, weeks: int) -> pd.DataFrame:
    """The measures of one cell, one row per replicate (net value at 2 years from the series)."""
    at = min(SHORT_RUN_WEEKS, weeks)
    frame = runs.summary.set_index("replicate")[list(MEASURES[:3])].sort_index()
    weekly = runs.series[runs.series["week"] == at].set_index("replicate")
    return frame.assign(net_value_2y=weekly["cumulative_net_value"])


def run(s: Setting, grid: Grid) -> Result:
    runs = grid.runs([s.design.params(**p) for p in s.points()], s.replicates, KEY)
    diffs, cells = [], []
    for k, (res, pd_) in enumerate(s.worlds()):
        treated, control = runs[2 * k], runs[2 * k + 1]
        d = per_replicate(treated, s.weeks) - per_replicate(control, s.weeks)
        diffs.append(d.reset_index().assign(resistance=res, power_distance=pd_))
        for m in MEASURES:
            cells.append({"resistance": res, "power_distance": pd_, "measure": m, **mean_ci(d[m])})
    return Result(pd.concat(diffs, ignore_index=True), pd.DataFrame(cells))


def clear_cells(cells: pd.DataFrame, measure: str) -> tuple[int, int]:
    """(cells with the treatment clearly ahead, cells with the control clearly ahead)."""
    c = cells[cells["measure"] == measure]
    return int((c["lo"] > 0).sum()), int((c["hi"] < 0).sum())


def judge(result: Result, s: Setting) -> Judgement:
    n = len(s.worlds())
    diagnostics = []
    for m in ("sustained_adoption", "net_value"):
        pos, neg = clear_cells(result.cells, m)
        diagnostics.append(
            criterion(
                f"diagnostic: {m} alone has cells of both signs (95% CIs excluding 0)",
                f"{pos} cells {TREATMENT} ahead, {neg} {CONTROL} ahead, of {n}",
                pos > 0 and neg > 0,
                judged=False,
            )
        )
    _, neg_a = clear_cells(result.cells, "adoption_2y")
    _, neg_v = clear_cells(result.cells, "net_value_2y")
    return Judgement(
        (
            criterion(
                "long run: the verdict flips within the grid: in sustained adoption or in net "
                f"value, some cells have {TREATMENT} ahead and some {CONTROL} ahead (95% CIs "
                "excluding 0)",
                "; ".join(
                    f"{m}: {c.value}"
                    for m, c in zip(("adoption", "net value"), diagnostics, strict=True)
                ),
                any(c.passed for c in diagnostics),
            ),
            criterion(
                f"short run: {CONTROL} ahead at 2 years somewhere (adoption or net value; 95% "
                "CI excluding 0)",
                f"adoption@2y: {neg_a} cells; net value@2y: {neg_v} cells",
                neg_a > 0 or neg_v > 0,
            ),
            *diagnostics,
        )
    )


def grid_of(result: Result, s: Setting, measure: str, column: str = "mean") -> np.ndarray:
    """A (resistance x power distance) array of one column of the cells, rows = resistance."""
    c = result.cells[result.cells["measure"] == measure]
    table = c.pivot(index="resistance", columns="power_distance", values=column)
    return table.reindex(index=list(s.resistance), columns=list(s.power_distance)).to_numpy()


def draw(result: Result, s: Setting, axes) -> None:
    for ax, (m, title) in zip(axes, DRAWN.items(), strict=True):
        mean = grid_of(result, s, m)
        lo, hi = grid_of(result, s, m, "lo"), grid_of(result, s, m, "hi")
        lim = float(np.nanmax(np.abs(mean))) or 1.0
        image = ax.imshow(
            mean,
            origin="lower",
            cmap=DIVERGING_CMAP,
            norm=TwoSlopeNorm(0.0, -lim, lim),
            aspect="auto",
        )
        for i in range(len(s.resistance)):
            for j in range(len(s.power_distance)):
                v = mean[i, j]
                sure = lo[i, j] > 0 or hi[i, j] < 0
                text = f"{v + 0.0:+.2f}" if abs(v) < 10 else f"{v + 0.0:+,.0f}"
                text = text.replace("-0.00", "0.00").replace("+0.00", "0.00")
                ax.text(
                    j,
                    i,
                    text + ("" if sure else "\n(ns)"),
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    color="black" if abs(v) < 0.6 * lim else "white",
                )
        ax.set_xticks(range(len(s.power_distance)), [f"{v:g}" for v in s.power_distance])
        ax.set_yticks(range(len(s.resistance)), [f"{v:g}" for v in s.resistance])
        ax.set_xlabel("power distance (Hofstede PDI / 100)")
        ax.set_ylabel("mean manager resistance")
        ax.set_title(title, fontsize=9)
        ax.grid(False)
        bar = ax.figure.colorbar(image, ax=ax, shrink=0.85)
        if lim >= 1000:
            bar.ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        bar.set_label(f"{TREATMENT} − {CONTROL}\n> 0: {TREATMENT} ahead", fontsize=8)
    axes[0].figure.suptitle(
        f"{TREATMENT.capitalize()} minus {CONTROL}, mean of paired differences; "
        f"{s.replicates} replicates per cell, {s.n_teams} teams, {s.weeks} weeks; (ns): the "
        f"{LEVEL:.0%} CI (t) includes 0",
        fontsize=10,
    )


def describe(s: Setting) -> str:
    return (
        f"{s.n_teams} teams, {s.weeks} weeks, `resistance` in {list(s.resistance)} x "
        f"`power_distance` in {list(s.power_distance)}, {s.replicates} replicates per cell, "
        f"`{TREATMENT}` minus `{CONTROL}` paired by replicate (the same organization)."
    )


def numbers(result: Result) -> pd.DataFrame:
    wide = result.cells.pivot_table(
        index=["resistance", "power_distance"], columns="measure", values=["mean", "lo", "hi"]
    )
    wide.columns = [f"{m}_{stat}" for stat, m in wide.columns]
    order = [f"{m}_{stat}" for m in MEASURES for stat in ("mean", "lo", "hi")]
    return wide[order].reset_index()


def reading(result: Result, s: Setting) -> str:
    return (
        "Cells where the 95% CI of the paired difference includes 0 are marked (ns). The two "
        "judged criteria are the pattern (the long-run answer depends on the parameters; a "
        "PMO can be ahead early); the diagnostics say which long-run measure flips. Net value "
        "at 2 years is in the table."
    )
