"""Figure 7: surgical strikes: what a time-limited PMO leaves behind after it is gone.

Offices closed by a deadline (``sunset=deadline`` at ``sunset_week``). Top: the teams' own
adoption over time for each deadline (dotted verticals: the planned closure; the career trap
can delay it). Bottom: what is left one year after the closure and at the end of the run, and
the net value, against the deadline; solid lines when the office's budget goes to the line
afterwards, dashed when it is returned to operations.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb

from experiments import style
from experiments.figure import FigureResult, cli, stats_note, weeks_axis
from experiments.results import Results, SkipFigure, describe_condition
from sim.stats import grouped_mean_ci

NAME = "fig7_surgical_strikes"
DEADLINE = "sunset_week"
DESTINATION = "budget_to_line_after_pmo"  # the override (null: the strategy's preset)
RESOLVED = "policy_budget_to_line_after_pmo"  # where the budget of the closed office went
OUTCOMES = ("own_adoption_after_pmo", "own_adoption", "net_value")
#: Open-ended arms drawn for comparison when the experiment has them (e.g. the headline).
COMPARE = {"centralized": "office stays", "embedded": "no office"}


def deadline_runs(results: Results) -> pd.DataFrame:
    """Runs whose office had a deadline sunset (all runs with an office if that is unrecorded)."""
    runs = results.runs
    if DEADLINE not in runs.columns:
        raise SkipFigure(f"runs.parquet has no {DEADLINE} column")
    if "policy_sunset" in runs.columns:
        runs = runs[runs["policy_sunset"] == "deadline"]
    if "pmo_closed" in runs.columns:
        closed = runs.groupby("strategy")["pmo_closed"].max()
        runs = runs[runs["strategy"].isin(closed[closed > 0].index)]
    if runs.empty:
        raise SkipFigure("no office in this experiment was closed by a deadline (sunset=deadline)")
    return runs


def leftovers_table(results: Results) -> pd.DataFrame:
    """Per outcome, strategy, deadline and budget destination: mean, lo, hi, n, sd."""
    keep = (DEADLINE, DESTINATION)
    ref = {k: v for k, v in results.reference_condition().items() if k not in keep}
    runs = results.select(deadline_runs(results), ref)
    by = ["strategy", DEADLINE, *([RESOLVED] if RESOLVED in runs.columns else [])]
    parts = [grouped_mean_ci(runs, by, o).assign(outcome=o) for o in OUTCOMES if o in runs.columns]
    if not parts or runs.empty:
        raise SkipFigure(f"no deadline runs with {list(OUTCOMES)} at {describe_condition(ref)}")
    return pd.concat(parts, ignore_index=True)


def shades(color: str, k: int) -> list[tuple[float, float, float]]:
    """``k`` shades of one colour from light to full (early deadlines light, late dark)."""
    rgb = np.array(to_rgb(color))
    return [tuple(1 - (1 - rgb) * f) for f in np.linspace(1.0, 0.35, k)[::-1]]


def plot(results: Results) -> FigureResult:
    table = leftovers_table(results)
    strategies = [s for s in results.strategies if s in set(table["strategy"])]
    deadlines = sorted(table[DEADLINE].unique())
    fig = style.new_figure(max(11.0, 4.2 * len(strategies)), 8.6)
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.05])
    ax_top = np.atleast_1d(top.subplots(1, len(strategies), sharey=True))
    compared = _over_time(results, ax_top, strategies, deadlines)
    ax_bottom = bottom.subplots(1, len([o for o in OUTCOMES if o in set(table["outcome"])]))
    _leftovers(np.atleast_1d(ax_bottom), table, strategies, deadlines)
    others = {
        k: v for k, v in results.reference_condition().items() if k not in (DEADLINE, DESTINATION)
    }
    where = f" ({describe_condition(others)})" if others else ""
    fig.suptitle(f"{results.name}: what a time-limited PMO leaves behind{where}", fontsize=12)
    n_lo, n_hi = int(table["n"].min()), int(table["n"].max())
    n = str(n_lo) if n_lo == n_hi else f"{n_lo}-{n_hi}"
    style.footnote(
        fig,
        stats_note(n, "runs per point", "bands and error bars")
        + ". 'One year after closure' counts only runs whose office closed at least a year "
        "before the horizon."
        + (
            " Thin dashed lines: open-ended arms of the same experiment (means)."
            if compared
            else ""
        ),
    )
    paths = style.save(fig, results.figures_dir, NAME)
    caption = (
        "Offices closed by a deadline: the teams' own adoption over time for each deadline "
        "(top), and own adoption one year after the closure, at the end of the run, and net "
        f"value against the deadline (bottom){where}; mean and 95% CI over n = {n} runs."
    )
    return FigureResult(NAME, paths, caption, table, figure=fig)


def _over_time(results: Results, axes, strategies: list[str], deadlines: list) -> bool:
    """Own adoption per deadline; open-ended comparison arms (if any) as thin lines."""
    ref = {k: v for k, v in results.reference_condition().items() if k != DEADLINE}
    runs = results.select(deadline_runs(results), ref)
    cells = runs[["cell_id", "strategy", DEADLINE]].drop_duplicates("cell_id")
    summary = results.series_summary
    own = summary[summary["measure"] == "own_adoption"]
    data = own[own["cell_id"].isin(cells["cell_id"])]
    weeks = int(data["week"].max()) if len(data) else int(runs["weeks"].max())
    compare = results.select(results.runs, ref)
    if "policy_sunset" in compare.columns:
        compare = compare[compare["policy_sunset"] != "deadline"]
    compare = compare[compare["strategy"].isin(COMPARE)].drop_duplicates("cell_id")
    destination = ref.get(DESTINATION)
    for ax, strategy in zip(axes, strategies, strict=True):
        for _, arm in compare.iterrows():
            m = own[own["cell_id"] == arm["cell_id"]]
            ax.plot(
                m["week"], m["mean"], color=style.color(arm["strategy"]), linewidth=1.0,
                linestyle=(0, (4, 2)), label=f"{arm['strategy']}, {COMPARE[arm['strategy']]}",
            )  # fmt: skip
        colors = shades(style.color(strategy), len(deadlines))
        for deadline, c in zip(deadlines, colors, strict=True):
            ids = cells[(cells["strategy"] == strategy) & (cells[DEADLINE] == deadline)]["cell_id"]
            m = data[data["cell_id"].isin(ids)]
            if m.empty:
                continue
            ax.plot(
                m["week"], m["mean"], color=c, linewidth=1.7, label=f"closes at week {deadline}"
            )
            ax.fill_between(m["week"], m["lo"], m["hi"], color=c, alpha=0.15, linewidth=0)
            ax.axvline(deadline, color=c, linestyle=":", linewidth=1.1)
        where = (
            "" if destination is None else f" (budget to line: {'yes' if destination else 'no'})"
        )
        ax.set_title(f"{strategy}: own adoption over time{where}", fontsize=10.5, loc="left")
        ax.set_ylabel(style.label("own_adoption"))
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8, frameon=False, loc="upper left")
        style.style_axes(ax)
        weeks_axis(ax, weeks)
    return not compare.empty


def _leftovers(axes, table: pd.DataFrame, strategies: list[str], deadlines: list) -> None:
    destinations = sorted(table[RESOLVED].unique()) if RESOLVED in table else [None]
    outcomes = [o for o in OUTCOMES if o in set(table["outcome"])]
    step = 0.03 * (max(deadlines) - min(deadlines) or 52)  # dodge, so error bars stay apart
    series = len(strategies) * len(destinations)
    for ax, outcome in zip(axes, outcomes, strict=True):
        t = table[table["outcome"] == outcome]
        k = 0
        for strategy in strategies:
            for dest in destinations:
                s = t[t["strategy"] == strategy]
                if dest is not None:
                    s = s[s[RESOLVED] == dest]
                s = s.sort_values(DEADLINE)
                if s.empty:
                    continue
                err = np.nan_to_num(np.vstack([s["mean"] - s["lo"], s["hi"] - s["mean"]]))
                where = {True: "budget to line", False: "budget returned", None: ""}[dest]
                ax.errorbar(
                    s[DEADLINE] + (k - (series - 1) / 2) * step, s["mean"], yerr=err,
                    color=style.color(strategy),
                    linestyle="-" if dest in (True, None) else "--", marker=style.marker(strategy),
                    capsize=2.5, markersize=5, linewidth=1.4,
                    label=f"{strategy}, {where}" if where else strategy,
                )  # fmt: skip
                k += 1
        ax.set_xticks(deadlines)
        ax.set_xlabel("deadline: office closes at week")
        ax.set_ylabel(style.label("net_value" if outcome == "net_value" else "own_adoption"))
        title = {
            "own_adoption_after_pmo": "one year after closure",
            "own_adoption": "at the end of the run",
            "net_value": "net value over the run",
        }[outcome]
        ax.set_title(title, fontsize=10.5, loc="left")
        if outcome == "net_value":
            style.thousands(ax.yaxis)
        else:
            lowest = t["lo"].min(skipna=True)
            ax.set_ylim(bottom=min(0.0, float(lowest)) if pd.notna(lowest) else 0.0)
        style.style_axes(ax)
    for ax in axes:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, frameon=False, loc="best")
            break


main = cli(plot, __doc__.splitlines()[0])

if __name__ == "__main__":
    sys.exit(main())
