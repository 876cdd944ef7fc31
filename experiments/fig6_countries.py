"""Figure 6: countries: each strategy's outcomes under the Hofstede culture presets.

Countries are ordered by power distance (Hofstede PDI / 100); a country preset sets only power
distance, so countries with the same PDI (Germany and Great Britain) give identical runs.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from experiments import style
from experiments.figure import FigureResult, cli, stats_note
from experiments.results import Results, SkipFigure, describe_condition
from sim.stats import grouped_mean_ci

NAME = "fig6_countries"
OUTCOMES = ("sustained_adoption", "net_value")
KEEP = ("culture", "power_distance")


def country_table(results: Results, outcomes=OUTCOMES) -> pd.DataFrame:
    """Per outcome, country and strategy: mean, lo, hi, n, sd (ordered by power distance)."""
    if "culture" not in results.condition_columns:
        raise SkipFigure("needs runs under more than one culture preset (lean-sim culture=...)")
    runs = results.reference_runs(keep=KEEP)
    runs = runs[runs["culture"] != "custom"]
    parts = []
    for outcome in outcomes:
        if outcome in runs.columns:
            t = grouped_mean_ci(runs, ["culture", "power_distance", "strategy"], outcome)
            parts.append(t.assign(outcome=outcome))
    if not parts:
        raise SkipFigure(f"runs.parquet has none of {list(outcomes)}")
    table = pd.concat(parts, ignore_index=True)
    return table.sort_values(["outcome", "power_distance", "culture"]).reset_index(drop=True)


_NAMES = {"usa": "USA", "great_britain": "Great Britain"}


def country_label(name: str, power_distance: float) -> str:
    """'Great Britain\n0.35' (the preset name, then its power distance)."""
    return f"{_NAMES.get(name, name.replace('_', ' ').title())}\n{power_distance:g}"


def plot(results: Results) -> FigureResult:
    table = country_table(results)
    outcomes = [o for o in OUTCOMES if o in set(table["outcome"])]
    countries = table[["culture", "power_distance"]].drop_duplicates()
    countries = countries.sort_values(["power_distance", "culture"])
    strategies = [s for s in results.strategies if s in set(table["strategy"])]
    stacked = len(countries) > 5  # many countries: one panel per row, full width
    if stacked:
        fig = style.new_figure(max(8.0, 1.0 * len(countries) + 2), 3.6 * len(outcomes) + 1.2)
        axes = np.atleast_1d(fig.subplots(len(outcomes), 1))
    else:
        fig = style.new_figure(max(7.5, 0.8 * len(countries) * len(outcomes) + 3), 5.4)
        axes = np.atleast_1d(fig.subplots(1, len(outcomes)))
    x = np.arange(len(countries))
    width = 0.8 / len(strategies)
    for ax, outcome in zip(axes, outcomes, strict=True):
        t = table[table["outcome"] == outcome]
        for k, strategy in enumerate(strategies):
            s = t[t["strategy"] == strategy].set_index("culture").reindex(countries["culture"])
            err = np.nan_to_num(np.vstack([s["mean"] - s["lo"], s["hi"] - s["mean"]]))
            shift = (k - (len(strategies) - 1) / 2) * width
            ax.errorbar(
                x + shift, s["mean"], yerr=err, fmt=style.marker(strategy),
                color=style.color(strategy), capsize=2.5, markersize=5.5, linewidth=1.2,
                label=strategy,
            )  # fmt: skip
        ax.set_xticks(
            x,
            [country_label(c, p) for c, p in countries.itertuples(index=False)],
            fontsize=8.5,
        )
        ax.set_xlabel("country (power distance = Hofstede PDI / 100)")
        ax.set_ylabel(style.label(outcome))
        ax.set_title(style.short(outcome), fontsize=10.5, loc="left")
        ax.axhline(0, color="#777777", linewidth=0.8)
        if outcome == "net_value":
            style.thousands(ax.yaxis)
        for edge in x[:-1] + 0.5:
            ax.axvline(edge, color="#eeeeee", linewidth=0.8, zorder=0)
        style.style_axes(ax)
        ax.grid(False, axis="x")
    others = {k: v for k, v in results.reference_condition().items() if k not in KEEP}
    where = f" ({describe_condition(others)})" if others else ""
    style.title_and_legend(fig, f"{results.name}: strategies across countries{where}")
    n = results.replicates(results.reference_runs(keep=KEEP))
    style.footnote(fig, stats_note(n, "replicates (runs) per strategy and country", "error bars"))
    paths = style.save(fig, results.figures_dir, NAME)
    caption = (
        "Sustained adoption and net value of each strategy under the Hofstede culture presets, "
        f"ordered by power distance{where}; mean and 95% CI over n = {n} replicates."
    )
    return FigureResult(NAME, paths, caption, table, figure=fig)


main = cli(plot, __doc__.splitlines()[0])

if __name__ == "__main__":
    sys.exit(main())
