"""Figure 2: where embedded improvement beats a central PMO, over resistance x power distance.

Each cell of a heatmap is the mean paired difference embedded minus centralized (same
replicate = same seed = same organization), annotated with its 95% CI; hatched cells are those
whose interval includes zero (no clear difference at this replicate count). The colour map is
diverging and centred at zero, so the colour's side says who leads.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.patches import Rectangle

from experiments import style
from experiments.figure import FigureResult, cli
from experiments.results import Results, SkipFigure, describe_condition
from sim import palette
from sim.stats import LEVEL, ci_includes_zero, paired_effect

NAME = "fig2_gap_heatmap"
OUTCOMES = ("sustained_adoption", "net_value")
X, Y = "resistance", "power_distance"
TREATMENT, CONTROL = "embedded", "centralized"


def gap_table(results: Results, outcomes=OUTCOMES) -> pd.DataFrame:
    """Per outcome and (resistance, power distance): paired effect of embedded - centralized.

    Other varying parameters are held at the reference condition."""
    for col in (X, Y):
        if col not in results.condition_columns:
            raise SkipFigure(f"needs more than one value of {col} (has {results.values(col)})")
    missing = {TREATMENT, CONTROL} - set(results.strategies)
    if missing:
        raise SkipFigure(f"needs strategies {TREATMENT} and {CONTROL}; missing {sorted(missing)}")
    runs = results.reference_runs(keep=(X, Y))
    rows = []
    for outcome in outcomes:
        if outcome not in runs.columns:
            continue
        diffs = results.paired_differences(outcome, TREATMENT, CONTROL, runs=runs)
        for (x, y), group in diffs.groupby([X, Y]):
            rows.append({"outcome": outcome, X: x, Y: y, **paired_effect(group["diff"])})
    if not rows:
        raise SkipFigure(f"no paired {TREATMENT}/{CONTROL} runs with outcomes {list(outcomes)}")
    table = pd.DataFrame(rows)
    table["includes_zero"] = [
        ci_includes_zero(lo, hi) for lo, hi in zip(table["lo"], table["hi"], strict=True)
    ]
    return table


def decimals(scale: float) -> int:
    """Decimals that show a difference of this magnitude with 2-3 significant digits."""
    if not np.isfinite(scale) or scale == 0:
        return 2
    return int(np.clip(2 - np.floor(np.log10(abs(scale))), 0, 4))


def plot(results: Results) -> FigureResult:
    table = gap_table(results)
    outcomes = list(dict.fromkeys(table["outcome"]))
    fig = style.new_figure(6.2 * len(outcomes), 5.9)
    axes = np.atleast_1d(fig.subplots(1, len(outcomes)))
    xs, ys = sorted(table[X].unique()), sorted(table[Y].unique())
    dense = len(xs) * len(ys) > 25
    for ax, outcome in zip(axes, outcomes, strict=True):
        t = table[table["outcome"] == outcome]
        # large values (net value) in thousands, so that the annotations fit their cells
        scale = 1000.0 if np.nanmax(np.abs(t["mean"])) >= 10_000 else 1.0
        unit = ("thousand " if scale > 1 else "") + style.unit(outcome)
        grid = np.full((len(ys), len(xs)), np.nan)
        for _, r in t.iterrows():
            grid[ys.index(r[Y]), xs.index(r[X])] = r["mean"] / scale
        vmax = float(np.nanmax(np.abs(grid))) or 1e-9
        norm = Normalize(-vmax, vmax)
        image = ax.imshow(
            grid, origin="lower", cmap=palette.DIVERGING_CMAP, norm=norm, aspect="auto"
        )
        digits = decimals(vmax)
        for _, r in t.iterrows():
            i, j = ys.index(r[Y]), xs.index(r[X])
            mean, lo, hi = r["mean"] / scale, r["lo"] / scale, r["hi"] / scale
            label = f"{mean:+.{digits}f}"
            if not dense:
                label += f"\n[{lo:+.{digits}f}, {hi:+.{digits}f}]"
            ax.text(
                j, i, label, ha="center", va="center", fontsize=9, zorder=3,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 2},
            )  # fmt: skip
            if r["includes_zero"]:
                ax.add_patch(
                    Rectangle(
                        (j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", linewidth=0,
                        edgecolor="#555555",
                    )
                )  # fmt: skip
        ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs])
        ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
        ax.set_xlabel("manager resistance (mean, 0-1)")
        ax.set_ylabel("power distance (Hofstede PDI / 100)")
        ax.set_title(f"{style.short(outcome)}: {TREATMENT} − {CONTROL}", fontsize=10.5)
        bar = fig.colorbar(image, ax=ax, shrink=0.9)
        bar.set_label(
            f"paired difference ({unit})\n> 0: {TREATMENT} higher, < 0: {CONTROL} higher",
            fontsize=9,
        )
    others = {k: v for k, v in results.reference_condition().items() if k not in (X, Y)}
    where = f" at {describe_condition(others)}" if others else ""
    fig.suptitle(
        f"{results.name}: {TREATMENT} minus {CONTROL}, paired by replicate{where}", fontsize=12
    )
    n = results.replicates(results.reference_runs(keep=(X, Y)))
    style.footnote(
        fig,
        f"n = {n} paired replicates per cell (same seed = same organization); values: mean "
        f"paired difference [{LEVEL:.0%} CI, t]; hatched: the {LEVEL:.0%} CI includes 0.",
    )
    paths = style.save(fig, results.figures_dir, NAME, palette=False)  # smooth colour bars
    caption = (
        f"Paired difference {TREATMENT} minus {CONTROL} in "
        f"{' and '.join(style.short(o) for o in outcomes)} over manager resistance (x) and power "
        f"distance (y){where}; mean and 95% CI over n = {n} replicates; hatched cells: the "
        "interval includes zero."
    )
    return FigureResult(NAME, paths, caption, table, figure=fig)


main = cli(plot, __doc__.splitlines()[0])

if __name__ == "__main__":
    sys.exit(main())
