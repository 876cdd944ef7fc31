"""Figure 1: adoption, capability, ownership and performance over time, per strategy.

Drawn from the per-week mean/CI table (series_summary.parquet), at the experiment's reference
condition. Adoption and capability appear twice: as practised (capability borrowed from PMO
staff during a pilot included) and as the teams' *own*; the difference between the two panels
of a row is what pilots lend and may take away again.
"""

from __future__ import annotations

import sys

from experiments import style
from experiments.figure import FigureResult, band, cli, stats_note, weeks_axis
from experiments.results import Results, SkipFigure, describe_condition

NAME = "fig1_over_time"
#: Two rows of three panels; panels in one row pair share their y axis.
PANELS: tuple[str, ...] = (
    "adoption",
    "own_adoption",
    "ownership",
    "capability",
    "own_capability",
    "performance",
)
TITLES = {
    "adoption": "adoption (borrowed capability included)",
    "own_adoption": "own adoption",
    "ownership": "ownership",
    "capability": "capability (borrowed included)",
    "own_capability": "own capability",
    "performance": "performance",
}
SHARED_Y = (("adoption", "own_adoption"), ("capability", "own_capability"))


def plot(results: Results) -> FigureResult:
    summary = results.series_summary
    ref_runs = results.reference_runs()
    condition = results.reference_condition()
    cells = results.cells_for(ref_runs)
    data = summary[summary["cell_id"].isin(cells["cell_id"])]
    measures = set(data["measure"])
    if data.empty or not measures & set(PANELS):
        raise SkipFigure(f"no per-week {list(PANELS)} at {describe_condition(condition)}")

    fig = style.new_figure(13, 7.4)
    axes = dict(zip(PANELS, fig.subplots(2, 3, sharex=True).ravel(), strict=True))
    weeks = int(data["week"].max())
    for measure, ax in axes.items():
        if measure not in measures:
            ax.set_visible(False)
            continue
        for strategy in results.strategies:
            cell = cells.loc[cells["strategy"] == strategy, "cell_id"]
            m = data[data["cell_id"].isin(cell) & (data["measure"] == measure)]
            if not m.empty:
                band(ax, m["week"], m["mean"], m["lo"], m["hi"], strategy, label=strategy)
        if measure == "performance":
            ax.axhline(1.0, color="#555555", linewidth=0.8, linestyle=":")
            ax.annotate(
                "baseline", (weeks, 1.0), xytext=(-4, 3), textcoords="offset points",
                ha="right", fontsize=8, color="#555555",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
            )  # fmt: skip
        else:
            ax.set_ylim(0, 1.05)
        ax.set_ylabel(style.label(measure))
        ax.set_title(TITLES[measure], fontsize=10.5, loc="left")
        style.style_axes(ax)
        weeks_axis(ax, weeks)
    for pair in SHARED_Y:
        if all(p in measures for p in pair):
            axes[pair[1]].sharey(axes[pair[0]])
    for measure in PANELS[:3]:
        axes[measure].set_xlabel("")
    style.title_and_legend(
        fig,
        f"{results.name}: what each strategy achieves over time ({describe_condition(condition)})",
    )
    n = results.replicates(ref_runs)
    style.footnote(
        fig,
        stats_note(n) + ". Own: the teams' own capability, without what PMO staff lend in a pilot.",
    )
    paths = style.save(fig, results.figures_dir, NAME)
    caption = (
        f"Adoption, capability (both as practised and the teams' own), ownership and "
        f"performance per week for each strategy at {describe_condition(condition)} (mean and "
        f"95% CI over n = {n} replicates)."
    )
    return FigureResult(NAME, paths, caption, figure=fig)


main = cli(plot, __doc__.splitlines()[0])

if __name__ == "__main__":
    sys.exit(main())
