"""Pattern 4: commitment tips and reverts: teams end committed or reverted, and sustainment falls
over a narrow range of resistance.

(a) At the defaults, each team's commitment at the end and at its peak (watched inside the
model, ``experiments.validation._model``): how many end undecided, how many that reached 0.5
fell back below 0.1. (b) Sustained own adoption against mean manager resistance, with a
logistic fit of where it tips and how wide the fall is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import ticker
from scipy import optimize

from experiments.validation import _model
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
from sim.palette import OKABE_ITO, STRATEGY_COLORS

KEY = "commitment_tipping"
TITLE = "Commitment tipping and reversion"
EVIDENCE = (
    "Early results above a threshold make commitment self-reinforcing; below it, effort "
    "reverts (Repenning 2002). Small shifts in a threshold distribution can flip an adoption "
    "cascade (Granovetter 1978)."
)
PANELS = 2
FIGSIZE = (13, 4.8)

#: Tipping: the share that sustains moves from 90% to 10% of its fall within this much
#: resistance (30% of the driver's range) in the organization without a programme.
TIPPING_WIDTH = 0.3
#: Polarization: at most this share of teams ends undecided (commitment in (0.1, 0.9)).
UNDECIDED_MAX = 0.2
OFF = "none, commitment_threshold off"
VARIANTS: dict[str, dict] = {
    "none": {"strategy": "none"},
    "centralized": {"strategy": "centralized"},
    "embedded": {"strategy": "embedded"},
    OFF: {"strategy": "none", "commitment_threshold": False},
}
STYLES = {
    "none": (STRATEGY_COLORS["none"], "-"),
    "centralized": (STRATEGY_COLORS["centralized"], "-"),
    "embedded": (STRATEGY_COLORS["embedded"], "-"),
    OFF: (OKABE_ITO["orange"], "--"),
}


@dataclass(frozen=True)
class Setting(BaseSetting):
    tipping_grid: tuple[float, ...]
    tipping_replicates: int


def setting(design: Design) -> Setting:
    return Setting.of(
        design, tipping_grid=design.tipping_grid, tipping_replicates=design.tipping_replicates
    )


@dataclass
class Result:
    polar: pd.DataFrame  # per variant: shares committed, undecided, low, reverted
    histograms: dict[str, np.ndarray]  # variant -> share of teams per bin of end commitment
    curves: dict[str, np.ndarray]  # variant -> (replicate x resistance) sustained adoption
    tipping: pd.DataFrame  # per variant: logistic fit x0, width, hi, lo


def logistic_drop(x: np.ndarray, hi: float, lo: float, x0: float, w: float) -> np.ndarray:
    return lo + (hi - lo) / (1.0 + np.exp((x - x0) / w))


def fit_tipping(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Logistic fall of y over x: where it tips (x0) and the 90%-to-10% width (4.39 w)."""
    try:
        (hi, lo, x0, w), _ = optimize.curve_fit(
            logistic_drop,
            x,
            y,
            p0=[max(y.max(), 0.01), y.min(), float(np.median(x)), 0.05],
            bounds=([0.0, -0.1, x.min() - 1, 1e-3], [1.1, 1.0, x.max() + 1, 5.0]),
            maxfev=20_000,
        )
    except (RuntimeError, ValueError):
        return {"x0": float("nan"), "width": float("nan"), "hi": float("nan"), "lo": float("nan")}
    return {"x0": float(x0), "width": float(2 * np.log(9) * w), "hi": float(hi), "lo": float(lo)}


def run(s: Setting, grid: Grid) -> Result:
    at_defaults = grid.runs(
        [s.design.params(**v) for v in VARIANTS.values()], s.replicates, f"{KEY} (a)"
    )
    polar, histograms = [], {}
    for label, r in zip(VARIANTS, at_defaults, strict=True):
        w = r.summary
        reached, reverted = int(w["watch_reached"].sum()), int(w["watch_reverted"].sum())
        polar.append(
            {
                "variant": label,
                "committed (c ≥ 0.9)": w["watch_committed"].mean(),
                "undecided (0.1 < c < 0.9)": w["watch_undecided"].mean(),
                "low (c ≤ 0.1)": w["watch_low"].mean(),
                "reverted (peak ≥ 0.5, end < 0.1)": reverted / (len(w) * s.n_teams),
                "reverted among those that reached 0.5": reverted / reached if reached else np.nan,
            }
        )
        histograms[label] = _model.pooled_histogram(w)

    grid_points = [(label, x) for label in VARIANTS for x in s.tipping_grid]
    swept = grid.runs(
        [s.design.params(**VARIANTS[label], resistance=x) for label, x in grid_points],
        s.tipping_replicates,
        f"{KEY} (b)",
    )
    curves, fits = {}, []
    for k, label in enumerate(VARIANTS):
        part = swept[k * len(s.tipping_grid) : (k + 1) * len(s.tipping_grid)]
        mat = np.column_stack([r.column("sustained_adoption").to_numpy(float) for r in part])
        curves[label] = mat
        fits.append({"variant": label, **fit_tipping(np.array(s.tipping_grid), mat.mean(0))})
    return Result(pd.DataFrame(polar), histograms, curves, pd.DataFrame(fits))


def judge(result: Result, s: Setting) -> Judgement:
    polar = result.polar.set_index("variant")
    out = [
        criterion(
            f"{label}: polarized (undecided share ≤ {UNDECIDED_MAX:g})",
            f"{polar.loc[label, 'undecided (0.1 < c < 0.9)']:.3f}",
            polar.loc[label, "undecided (0.1 < c < 0.9)"] <= UNDECIDED_MAX,
        )
        for label in VARIANTS
        if label != OFF
    ]
    share = polar.loc["none", "reverted among those that reached 0.5"]
    out.append(
        criterion(
            "reversion: some teams that reached commitment 0.5 end below 0.1 (no programme)",
            f"{share:.3f}",
            share > 0,
        )
    )
    tip = result.tipping.set_index("variant").loc["none"]
    out.append(
        criterion(
            "tipping (no programme): sustained adoption falls from 90% to 10% of its drop "
            f"within {TIPPING_WIDTH:g} of resistance (logistic fit)",
            f"width {tip.width:.3f} around resistance {tip.x0:.2f}",
            np.isfinite(tip.width) and tip.width <= TIPPING_WIDTH,
        )
    )
    return Judgement(tuple(out))


def draw(result: Result, s: Setting, axes) -> None:
    ax = axes[0]
    edges = _model.histogram_edges()
    for label, shares in result.histograms.items():
        color, ls = STYLES[label]
        ax.stairs(shares, edges, lw=1.6, color=color, ls=ls, label=label)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_xlabel(f"team commitment after {s.weeks} weeks (0-1)")
    ax.set_ylabel("share of teams (log scale)")
    ax.set_title(
        f"(a) teams end polarized: committed or reverted\n{s.n_teams} teams x {s.replicates} "
        "replicates, defaults",
        fontsize=9,
    )
    ax.legend(loc="upper center")
    ax = axes[1]
    x = np.array(s.tipping_grid)
    for label, mat in result.curves.items():
        color, ls = STYLES[label]
        m, h = mean_half(mat)
        band(ax, x, m, h, color, label, ls=ls, bounds=(0, 1))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("mean manager resistance to change (0-1)")
    ax.set_ylabel("sustained own adoption (share of teams, last year)")
    ax.set_title(
        f"(b) tipping: sustainment against resistance\n{ci_note(s.tipping_replicates)}",
        fontsize=9,
    )
    ax.legend(loc="best", fontsize=8)


def describe(s: Setting) -> str:
    grid = s.tipping_grid
    return (
        f"{s.n_teams} teams, {s.weeks} weeks. (a) defaults, {s.replicates} replicates, "
        "commitment per team at the end and its peak over the run. (b) `resistance` in "
        f"{min(grid):g}..{max(grid):g} ({len(grid)} points), {s.tipping_replicates} replicates "
        "per point; logistic fit to the mean curve. Variants: no programme, centralized, "
        "embedded, and no programme with `commitment_threshold` off."
    )


def numbers(result: Result) -> pd.DataFrame:
    return result.polar.merge(result.tipping, on="variant")


def reading(result: Result, s: Setting) -> str:
    off = result.polar.set_index("variant").loc[OFF, "undecided (0.1 < c < 0.9)"]
    return (
        "With the commitment threshold on, results above the bar make commitment "
        "self-reinforcing and results below it make it revert, so teams end near 0 or near 1; "
        f"with it off, {off:.0%} of teams end undecided. The tipping point (x0) and width of "
        "all four variants are in the table; the criterion is judged on the organization "
        "without a programme, where only the line's own commitment acts."
    )
