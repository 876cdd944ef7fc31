"""Figure 4: do pilots stick? Share of piloted teams still above their pre-pilot baseline, by
weeks since the pilot started.

Per run, the share of its pilots that were followed up that long and still perform above their
own pre-pilot level by the model's margin (``sustained_1y``, ``sustained_2y``, and any finer
``sustained_<k>w`` columns of pilots.parquet); then the mean and 95% CI of that share across
runs (pilots inside one run are not independent). Without pilots.parquet the per-run shares
come from runs.parquet (``pilot_sustained_1y`` / ``_2y``). One panel per manager resistance
when the experiment varies it.
"""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd

from experiments import style
from experiments.figure import FigureResult, cli, stats_note
from experiments.results import Results, SkipFigure, describe_condition
from sim.stats import grouped_mean_ci

NAME = "fig4_pilot_sustainment"
FACET = "resistance"
_HORIZON = re.compile(r"^(?:pilot_)?sustained_(\d+)([yw])$")


def horizon_weeks(column: str) -> int | None:
    """'sustained_2y' -> 104, 'sustained_13w' -> 13, anything else -> None."""
    m = _HORIZON.match(column)
    if not m:
        return None
    return int(m.group(1)) * (52 if m.group(2) == "y" else 1)


def per_run_shares(results: Results) -> pd.DataFrame:
    """Long table: run_id, weeks (since pilot start), share of that run's pilots sustained."""
    pilots = results.pilots
    if pilots is not None and len(pilots):
        cols = {c: horizon_weeks(c) for c in pilots.columns if horizon_weeks(c) is not None}
        shares = pilots.groupby("run_id")[list(cols)].mean()
    else:
        cols = {c: horizon_weeks(c) for c in results.runs.columns if c.startswith("pilot_sust")}
        cols = {c: w for c, w in cols.items() if w is not None}
        shares = results.runs.set_index("run_id")[list(cols)]
    if not cols:
        raise SkipFigure("neither pilots.parquet nor runs.parquet has sustained_* columns")
    long = shares.rename(columns=cols).reset_index().melt("run_id", var_name="weeks")
    long = long.dropna(subset=["value"])
    if long.empty:
        raise SkipFigure("no pilot was followed up for a year (no PMO, or a short horizon)")
    long["weeks"] = long["weeks"].astype(int)
    return long


def sustainment_table(results: Results) -> pd.DataFrame:
    """Per strategy, facet value and horizon: mean, lo, hi, n of the per-run share sustained."""
    facet = FACET if FACET in results.condition_columns else None
    runs = results.reference_runs(keep=(facet,) if facet else ())
    shares = per_run_shares(results).merge(
        runs[["run_id", "strategy", *([facet] if facet else [])]], on="run_id"
    )
    if shares.empty:
        raise SkipFigure("no pilots at the reference condition")
    by = ["strategy", *([facet] if facet else []), "weeks"]
    return grouped_mean_ci(shares, by, "value")


def plot(results: Results) -> FigureResult:
    table = sustainment_table(results)
    facet = FACET if FACET in table.columns else None
    facets = sorted(table[facet].unique()) if facet else [None]
    fig = style.new_figure(max(6.5, 3.9 * len(facets)), 4.8)
    axes = np.atleast_1d(fig.subplots(1, len(facets), sharey=True))
    strategies = [s for s in results.strategies if s in set(table["strategy"])]
    horizons = sorted(table["weeks"].unique())
    dodge = 3.0 * (np.arange(len(strategies)) - (len(strategies) - 1) / 2)
    for ax, value in zip(axes, facets, strict=True):
        part = table if facet is None else table[table[facet] == value]
        for offset, strategy in zip(dodge, strategies, strict=True):
            s = part[part["strategy"] == strategy].sort_values("weeks")
            if s.empty:
                continue
            err = np.vstack([s["mean"] - s["lo"], s["hi"] - s["mean"]])
            ax.errorbar(
                s["weeks"] + offset, s["mean"], yerr=np.nan_to_num(err),
                color=style.color(strategy), marker=style.marker(strategy),
                linestyle=style.linestyle(strategy), capsize=3, linewidth=1.6, markersize=6,
                label=strategy,
            )  # fmt: skip
        ax.set_xticks(
            horizons, [f"{w}\n({w / 52:g} y)" if w % 52 == 0 else str(w) for w in horizons]
        )
        pad = 0.5 * min(horizons)
        ax.set_xlim(min(horizons) - pad, max(horizons) + pad)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("weeks since the pilot started")
        if facet:
            ax.set_title(f"manager resistance {value:g}", fontsize=10.5)
        style.style_axes(ax)
    axes[0].set_ylabel("pilots still above pre-pilot baseline\n(share of a run's pilots)")
    others = results.reference_condition()
    others.pop(FACET, None)
    where = f" ({describe_condition(others)})" if others else ""
    style.title_and_legend(fig, f"{results.name}: do pilots stick?{where}")
    n_lo, n_hi = int(table["n"].min()), int(table["n"].max())
    n = str(n_lo) if n_lo == n_hi else f"{n_lo}-{n_hi}"
    style.footnote(
        fig,
        stats_note(n, "runs with pilots followed up that long", "error bars")
        + "; share per run, then averaged over runs. Points are dodged sideways to keep the "
        "error bars apart.",
    )
    paths = style.save(fig, results.figures_dir, NAME)
    caption = (
        "Share of piloted teams still performing above their own pre-pilot level (by the model's "
        "margin) by weeks since the pilot started, per strategy with an office"
        f"{where}; mean and 95% CI across runs (n = {n} runs per point)."
    )
    return FigureResult(NAME, paths, caption, table, figure=fig)


main = cli(plot, __doc__.splitlines()[0])

if __name__ == "__main__":
    sys.exit(main())
