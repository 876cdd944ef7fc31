"""Figure 1: adoption, capability, ownership and performance over time, per strategy.

Drawn from the per-week mean/CI table (series_summary.parquet), at the experiment's reference
condition. Dashed companions show the *own* part (without capability borrowed from PMO staff):
the gap between the solid and the dashed line is what a pilot lends and may take away again.
"""

from __future__ import annotations

import sys

from experiments import style
from experiments.figure import FigureResult, band, cli, stats_note, weeks_axis
from experiments.results import Results, SkipFigure, describe_condition

NAME = "fig1_over_time"
PANELS: tuple[tuple[str, str | None], ...] = (
    ("adoption", "own_adoption"),
    ("capability", "own_capability"),
    ("ownership", None),
    ("performance", None),
)


def plot(results: Results) -> FigureResult:
    summary = results.series_summary
    ref_runs = results.reference_runs()
    condition = results.reference_condition()
    cells = results.cells_for(ref_runs)
    data = summary[summary["cell_id"].isin(cells["cell_id"])]
    present = [p for p in PANELS if p[0] in set(data["measure"])]
    if data.empty or not present:
        raise SkipFigure(f"no per-week {[p[0] for p in PANELS]} at {describe_condition(condition)}")

    fig = style.new_figure(11, 7.2)
    axes = fig.subplots(2, 2, sharex=True).ravel()
    weeks = int(data["week"].max())
    for ax, (measure, own) in zip(axes, present, strict=False):
        for strategy in results.strategies:
            cell = cells.loc[cells["strategy"] == strategy, "cell_id"]
            rows = data[data["cell_id"].isin(cell)]
            m = rows[rows["measure"] == measure]
            if m.empty:
                continue
            band(ax, m["week"], m["mean"], m["lo"], m["hi"], strategy, label=strategy)
            if own is not None:
                o = rows[rows["measure"] == own]
                ax.plot(
                    o["week"], o["mean"], color=style.color(strategy), linestyle=(0, (2, 2)),
                    linewidth=1.1, alpha=0.9,
                )  # fmt: skip
        ax.set_ylabel(style.label(measure))
        title = measure if own is None else f"{measure} (solid) and own {measure} (dashed)"
        ax.set_title(title, fontsize=10.5, loc="left")
        if measure == "performance":
            ax.axhline(1.0, color="#555555", linewidth=0.8, linestyle=":")
            ax.annotate(
                "baseline", (weeks, 1.0), xytext=(-4, 3), textcoords="offset points",
                ha="right", fontsize=8, color="#555555",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
            )  # fmt: skip
        elif measure != "performance":
            ax.set_ylim(bottom=0)
        style.style_axes(ax)
        weeks_axis(ax, weeks)
    for ax in axes[len(present) :]:
        ax.set_visible(False)
    for ax in axes[:2]:
        ax.set_xlabel("")
    style.title_and_legend(
        fig,
        f"{results.name}: what each strategy achieves over time ({describe_condition(condition)})",
    )
    n = results.replicates(ref_runs)
    style.footnote(fig, stats_note(n) + ". Dashed: own part, without borrowed capability.")
    paths = style.save(fig, results.figures_dir, NAME)
    caption = (
        f"Adoption, capability, ownership and performance per week for each strategy at "
        f"{describe_condition(condition)} (mean and 95% CI over n = {n} replicates; dashed: the "
        "teams' own part, without capability borrowed from PMO staff)."
    )
    return FigureResult(NAME, paths, caption)


main = cli(plot, __doc__.splitlines()[0])

if __name__ == "__main__":
    sys.exit(main())
