"""Figure 5: mechanism ablation: how the embedded-minus-centralized gap changes when one
mechanism is switched off.

For each replicate the gap is embedded minus centralized (a paired difference); the change is
the gap with the mechanism off minus the gap of the full model, again paired by replicate (the
mechanism switches do not change the seed, so all variants meet the same organizations).
Knockouts need not add up: when mechanisms interact, removing two at once is not the sum of
removing each, and the changes need not sum to the full gap.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from experiments import style
from experiments.figure import FigureResult, cli
from experiments.results import Results, SkipFigure, describe_condition, mechanism_variant
from sim import MECHANISMS
from sim.stats import LEVEL, ci_includes_zero, paired_effect

NAME = "fig5_ablation"
OUTCOMES = ("sustained_adoption", "net_value")
TREATMENT, CONTROL = "embedded", "centralized"
FULL = "full model"


def ablation_table(results: Results, outcomes=OUTCOMES) -> pd.DataFrame:
    """Per outcome and variant: the paired gap and its change against the full model.

    Columns: outcome, variant, what ('gap' or 'change'), mean, lo, hi, n, sd, d_z."""
    switches = [m for m in MECHANISMS if m in results.condition_columns]
    if not switches:
        raise SkipFigure("needs runs with mechanisms switched off (lean-sim ablate=<mechanism>)")
    missing = {TREATMENT, CONTROL} - set(results.strategies)
    if missing:
        raise SkipFigure(f"needs strategies {TREATMENT} and {CONTROL}; missing {sorted(missing)}")
    runs = results.reference_runs(keep=tuple(switches))
    rows = []
    for outcome in outcomes:
        if outcome not in runs.columns:
            continue
        diffs = results.paired_differences(outcome, TREATMENT, CONTROL, runs=runs)
        diffs["variant"] = diffs[switches].apply(mechanism_variant, axis=1)
        full = diffs.loc[diffs["variant"] == FULL, ["replicate", "diff"]]
        if full.empty:
            raise SkipFigure("needs the full model (every mechanism on) as the reference")
        for variant, group in diffs.groupby("variant", sort=False):
            rows.append(
                {"outcome": outcome, "variant": variant, "what": "gap"}
                | paired_effect(group["diff"])
            )
            if variant == FULL:
                continue
            both = group.merge(full, on="replicate", suffixes=("", "_full"))
            rows.append(
                {"outcome": outcome, "variant": variant, "what": "change"}
                | paired_effect(both["diff"] - both["diff_full"])
            )
    if not rows:
        raise SkipFigure(f"runs.parquet has none of {list(outcomes)}")
    table = pd.DataFrame(rows)
    order = {v: i for i, v in enumerate([FULL, *MECHANISMS])}
    table["_order"] = table["variant"].map(order).fillna(len(order))
    table["_outcome"] = table["outcome"].map({o: i for i, o in enumerate(outcomes)})
    table = table.sort_values(["_outcome", "_order", "what"], ascending=[True, True, False])
    return table.drop(columns=["_order", "_outcome"]).reset_index(drop=True)


def plot(results: Results) -> FigureResult:
    table = ablation_table(results)
    outcomes = list(dict.fromkeys(table["outcome"]))
    changes = table[table["what"] == "change"]
    variants = list(dict.fromkeys(changes["variant"]))
    fig = style.new_figure(5.6 * len(outcomes), 1.4 + 0.42 * len(variants) + 1.6)
    axes = np.atleast_1d(fig.subplots(1, len(outcomes), sharey=True))
    y = np.arange(len(variants))[::-1]
    for ax, outcome in zip(axes, outcomes, strict=True):
        c = changes[changes["outcome"] == outcome].set_index("variant").reindex(variants)
        err = np.nan_to_num(np.vstack([c["mean"] - c["lo"], c["hi"] - c["mean"]]))
        ax.errorbar(c["mean"], y, xerr=err, fmt="none", ecolor="#333333", capsize=3, linewidth=1.2)
        clear = ~np.array(
            [ci_includes_zero(lo, hi) for lo, hi in zip(c["lo"], c["hi"], strict=True)]
        )
        ax.scatter(
            c["mean"][clear], y[clear], color="#333333", zorder=3, s=30, label="CI excludes 0"
        )
        ax.scatter(
            c["mean"][~clear], y[~clear], facecolor="white", edgecolor="#333333", zorder=3, s=30,
            label="CI includes 0",
        )  # fmt: skip
        ax.axvline(0, color="#777777", linewidth=0.9)
        if outcome == "net_value":
            style.thousands(ax.xaxis)
        gap = table[(table["outcome"] == outcome) & (table["what"] == "gap")]
        full = gap[gap["variant"] == "full model"].iloc[0]
        digits = 3 if abs(full["mean"]) < 10 else 0
        ax.set_title(
            f"{style.short(outcome)}\nfull-model gap {TREATMENT} − {CONTROL}:\n"
            f"{full['mean']:+,.{digits}f} [{full['lo']:+,.{digits}f}, {full['hi']:+,.{digits}f}]",
            fontsize=10,
        )
        if np.isfinite(full["mean"]) and full["mean"] != 0:
            ax.axvline(-full["mean"], color="#777777", linewidth=0.9, linestyle=(0, (2, 2)))
            ax.annotate(
                "gap gone", (-full["mean"], 1.0), xycoords=("data", "axes fraction"),
                xytext=(3, -2), textcoords="offset points", fontsize=8, color="#555555",
                va="top", ha="left" if full["mean"] < 0 else "right",
            )  # fmt: skip
        ax.set_xlabel(
            f"change in the gap when switched off ({style.unit(outcome)})\n"
            f"> 0: without it the gap shifts towards {TREATMENT}"
        )
        ax.set_yticks(y, [style.MECHANISM_LABELS.get(v, v) for v in variants])
        style.style_axes(ax)
    handles, labels = axes[0].get_legend_handles_labels()
    others = {k: v for k, v in results.reference_condition().items() if k not in MECHANISMS}
    where = f" ({describe_condition(others)})" if others else ""
    style.title_and_legend(
        fig, f"{results.name}: what each mechanism contributes to the gap{where}", handles, labels
    )
    n = results.replicates(results.reference_runs(keep=tuple(MECHANISMS)))
    style.footnote(
        fig,
        f"n = {n} paired replicates per variant; error bars: {LEVEL:.0%} CI (t) of the mean "
        "change (gap with the mechanism off minus the full-model gap, paired by replicate). "
        "Dashed: the change that would close the gap. Knockouts need not add up: mechanisms "
        "interact, so the changes need not sum to the full-model gap.",
    )
    paths = style.save(fig, results.figures_dir, NAME)
    caption = (
        f"Change in the paired gap {TREATMENT} minus {CONTROL} when each mechanism is switched "
        f"off, relative to the full model{where}; mean and 95% CI over n = {n} replicates. "
        "Knockouts need not add up when mechanisms interact."
    )
    return FigureResult(NAME, paths, caption, table, figure=fig)


main = cli(plot, __doc__.splitlines()[0])

if __name__ == "__main__":
    sys.exit(main())
