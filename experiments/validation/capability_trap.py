"""Pattern 3: the capability trap: higher standing pressure, less improvement time, less capability.

With the trap on, pressure cuts the line's own improvement time, practice falls, capability
decays, output falls short and the shortfall adds pressure. With it off, pressure is still felt
but cuts nothing, so capability must not depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy import stats

from experiments.validation.design import BaseSetting, Design, Judgement, band, ci_note, criterion
from experiments.validation.grid import Grid
from sim.palette import STRATEGY_COLORS
from sim.stats import grouped_mean_ci

KEY = "capability_trap"
TITLE = "The capability trap under pressure"
EVIDENCE = (
    "Under performance pressure managers cut improvement time (work harder), which erodes "
    "capability and raises pressure further (Repenning & Sterman 2001, 2002)."
)
PANELS = 3
FIGSIZE = (15, 4.6)

STRATEGIES = ("none", "embedded")
#: Trap on: capability falls with pressure at least this monotonically (Spearman, over the grid).
MAX_RHO = -0.9
#: Without pressure the trap must change end capability by less than this (index 0-1); trap
#: off, pressure alone should move it by less than this too (a diagnostic, see judge()).
OFF_TOLERANCE = 0.02
MEASURES = {
    "improvement_time": "improvement time (share of team time, run mean)",
    "own_capability": "own Lean capability at the end (0-1)",
    "pressure": "pressure felt by teams (0-1, run mean)",
}


@dataclass(frozen=True)
class Setting(BaseSetting):
    pressure_grid: tuple[float, ...]

    def points(self) -> list[dict]:
        return [
            {"strategy": s, "capability_trap": trap, "base_pressure": bp}
            for s in STRATEGIES
            for trap in (True, False)
            for bp in self.pressure_grid
        ]


def setting(design: Design) -> Setting:
    return Setting.of(design, pressure_grid=design.pressure_grid)


@dataclass
class Result:
    runs: pd.DataFrame  # one row per run: the point, replicate and the three measures
    cells: pd.DataFrame  # per point and measure: mean, lo, hi, n, sd
    table: pd.DataFrame  # per strategy and trap: the numbers judged
    effect: pd.DataFrame  # per strategy and pressure: trap on minus off (paired), mean, lo, hi


def run(s: Setting, grid: Grid) -> Result:
    points = s.points()
    runs = grid.runs([s.design.params(**p) for p in points], s.replicates, KEY)
    rows = []
    for point, r in zip(points, runs, strict=True):
        series = r.series.groupby("replicate")[["improvement_time", "pressure"]].mean()
        rows.append(series.assign(own_capability=r.column("own_capability"), **point).reset_index())
    per_run = pd.concat(rows, ignore_index=True)
    cells = pd.concat(
        [grouped_mean_ci(per_run, list(s.points()[0]), m).assign(measure=m) for m in MEASURES],
        ignore_index=True,
    )
    lo_bp, hi_bp = min(s.pressure_grid), max(s.pressure_grid)
    table = []
    for strategy in STRATEGIES:
        for trap in (True, False):
            c = _cells(cells, strategy, trap, "own_capability")
            a, b = c.iloc[0], c.iloc[-1]
            it = _cells(cells, strategy, trap, "improvement_time")
            rho = stats.spearmanr(c["base_pressure"], c["mean"]).statistic
            table.append(
                {
                    "strategy": strategy,
                    "capability_trap": trap,
                    f"improvement_time@{lo_bp:g}": it["mean"].iloc[0],
                    f"improvement_time@{hi_bp:g}": it["mean"].iloc[-1],
                    f"own_capability@{lo_bp:g}": a["mean"],
                    f"own_capability@{hi_bp:g}": b["mean"],
                    "fall": a["mean"] - b["mean"],
                    "half_low": (a["hi"] - a["lo"]) / 2,
                    "half_high": (b["hi"] - b["lo"]) / 2,
                    "spearman_rho": float(rho),
                }
            )
    return Result(per_run, cells, pd.DataFrame(table), trap_effect(per_run))


def trap_effect(per_run: pd.DataFrame) -> pd.DataFrame:
    """End own capability with the trap on minus off, per strategy and pressure: paired by
    replicate (a switch is a treatment, so both meet the same organizations)."""
    wide = per_run.pivot_table(
        index=["strategy", "base_pressure", "replicate"],
        columns="capability_trap",
        values="own_capability",
    )
    diff = (wide[True] - wide[False]).rename("diff").reset_index()
    return grouped_mean_ci(diff, ["strategy", "base_pressure"], "diff")


def _cells(cells: pd.DataFrame, strategy: str, trap: bool, measure: str) -> pd.DataFrame:
    at = (
        (cells["strategy"] == strategy)
        & (cells["capability_trap"] == trap)
        & (cells["measure"] == measure)
    )
    return cells[at].sort_values("base_pressure")


def judge(result: Result, s: Setting) -> Judgement:
    lo_bp, hi_bp = min(s.pressure_grid), max(s.pressure_grid)
    out, diagnostics = [], []
    for row in result.table.itertuples(index=False):
        if row.capability_trap:
            out.append(
                criterion(
                    f"{row.strategy}, trap on: capability falls with pressure (Spearman ρ ≤ "
                    f"{MAX_RHO:g} over the grid, and the fall from {lo_bp:g} to {hi_bp:g} "
                    "exceeds the sum of both 95% half-widths)",
                    f"ρ={row.spearman_rho:.2f}, fall {row.fall:.3f} (half-widths "
                    f"{row.half_low:.3f}, {row.half_high:.3f})",
                    row.spearman_rho <= MAX_RHO and row.fall > row.half_low + row.half_high,
                )
            )
            effect = result.effect[result.effect["strategy"] == row.strategy]
            calm = effect[effect["base_pressure"] == lo_bp].iloc[0]
            hard = effect[effect["base_pressure"] == hi_bp].iloc[0]
            out.append(
                criterion(
                    f"{row.strategy}: the fall is the trap's (trap on minus off, same "
                    f"organizations): |effect| < {OFF_TOLERANCE:g} at base_pressure {lo_bp:g}, "
                    f"and its 95% CI below 0 at {hi_bp:g}",
                    f"{calm['mean']:+.4f} at {lo_bp:g}; {hard['mean']:+.3f} "
                    f"[{hard['lo']:+.3f}, {hard['hi']:+.3f}] at {hi_bp:g}",
                    abs(calm["mean"]) < OFF_TOLERANCE and hard["hi"] < 0,
                )
            )
        else:
            diagnostics.append(
                criterion(
                    f"diagnostic: {row.strategy}, trap off: pressure alone leaves capability "
                    f"unchanged (|change from {lo_bp:g} to {hi_bp:g}| < {OFF_TOLERANCE:g}; the "
                    "two pressures are two worlds, so this compares different organizations)",
                    f"change {-row.fall:+.4f} (half-widths {row.half_low:.3f}, "
                    f"{row.half_high:.3f})",
                    abs(row.fall) < OFF_TOLERANCE,
                    judged=False,
                )
            )
    return Judgement((*out, *diagnostics))


def draw(result: Result, s: Setting, axes) -> None:
    for ax, (measure, label) in zip(axes, MEASURES.items(), strict=True):
        for strategy in STRATEGIES:
            for trap, ls in ((True, "-"), (False, "--")):
                c = _cells(result.cells, strategy, trap, measure)
                band(
                    ax,
                    c["base_pressure"].to_numpy(),
                    c["mean"].to_numpy(),
                    ((c["hi"] - c["lo"]) / 2).to_numpy(),
                    STRATEGY_COLORS[strategy],
                    f"{strategy}, capability_trap={'on' if trap else 'off'}",
                    ls=ls,
                    bounds=(0, 1),
                )
        ax.set_xlabel("base_pressure (standing performance pressure, 0-1)")
        ax.set_ylabel(label)
    axes[-1].legend(loc="upper left")
    axes[0].figure.suptitle(
        f"Capability trap: {s.n_teams} teams, {s.weeks} weeks; {ci_note(s.replicates)}",
        fontsize=10,
    )


def describe(s: Setting) -> str:
    return (
        f"{s.n_teams} teams, {s.weeks} weeks, `strategy` none and embedded, `base_pressure` in "
        f"{list(s.pressure_grid)}, `capability_trap` on/off, {s.replicates} replicates per "
        "point (on and off meet the same organizations; each pressure is its own world)."
    )


def numbers(result: Result) -> pd.DataFrame:
    effect = result.effect.rename(
        columns={"mean": "trap_effect", "lo": "effect_lo", "hi": "effect_hi"}
    )
    at_ends = effect[effect["base_pressure"].isin([effect["base_pressure"].min(),
                                                    effect["base_pressure"].max()])]  # fmt: skip
    wide = at_ends.pivot(index="strategy", columns="base_pressure", values="trap_effect")
    wide.columns = [f"trap_effect@{bp:g}" for bp in wide.columns]
    return result.table.merge(wide.reset_index(), on="strategy")


def reading(result: Result, s: Setting) -> str:
    hi_bp = max(s.pressure_grid)
    felt = _cells(result.cells, "none", True, "pressure")["mean"].iloc[-1]
    return (
        "With the trap on, standing pressure cuts the line's own improvement time, practice "
        "falls, capability decays, output falls short of baseline, and the shortfall adds "
        f"pressure (with no programme, at base_pressure {hi_bp:g} the pressure teams feel "
        f"averages {felt:.2f}). The embedded strategy's funded time is protected from "
        "pressure, so its curve falls later. With the trap off, pressure is still felt but no "
        "longer cuts improvement time."
    )
