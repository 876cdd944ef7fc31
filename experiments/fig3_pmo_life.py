"""Figure 3: the life of a PMO: headcount, staff morale, blame, legitimacy, attrition, closure.

Drawn from the per-week mean/CI table at the reference condition, for every strategy that
runs an office. Morale and legitimacy exist only while an office is open (and staffed), so their
means after closures are over the runs whose office is still open; the last panel shows that
share (a survival curve: sunsets, cuts to zero and closures by executives).
"""

from __future__ import annotations

import sys

from experiments import style
from experiments.figure import FigureResult, band, cli, stats_note, weeks_axis
from experiments.results import Results, SkipFigure, describe_condition

NAME = "fig3_pmo_life"
PANELS = (
    "pmo_headcount",
    "pmo_morale",
    "pmo_blame",
    "pmo_legitimacy",
    "pmo_attrition",
    "pmo_active",
)
TITLES = {
    "pmo_headcount": "headcount",
    "pmo_morale": "staff morale (open, staffed offices)",
    "pmo_blame": "blame",
    "pmo_legitimacy": "legitimacy (open offices)",
    "pmo_attrition": "attrition",
    "pmo_active": "still open: sunset and closure",
}


def offices(results: Results) -> list[str]:
    """Strategies whose runs had an office (pmo_* summaries are NaN without one)."""
    runs = results.runs
    if "pmo_lifetime_weeks" in runs.columns:
        had = runs.groupby("strategy")["pmo_lifetime_weeks"].apply(lambda s: s.notna().any())
        return [s for s in results.strategies if had.get(s, False)]
    if "policy_pmo_share" in runs.columns:
        share = runs.groupby("strategy")["policy_pmo_share"].max()
        return [s for s in results.strategies if share.get(s, 0) > 0]
    raise SkipFigure("runs.parquet has neither pmo_lifetime_weeks nor policy_pmo_share")


def plot(results: Results) -> FigureResult:
    strategies = offices(results)
    if not strategies:
        raise SkipFigure("no strategy in this experiment runs a PMO")
    ref_runs = results.reference_runs()
    ref_runs = ref_runs[ref_runs["strategy"].isin(strategies)]
    condition = results.reference_condition()
    cells = results.cells_for(ref_runs)
    summary = results.series_summary
    data = summary[summary["cell_id"].isin(cells["cell_id"])]
    panels = [p for p in PANELS if p in set(data["measure"])]
    if data.empty or not panels:
        raise SkipFigure(f"no per-week PMO measures at {describe_condition(condition)}")

    fig = style.new_figure(12, 7.4)
    axes = fig.subplots(2, 3, sharex=True).ravel()
    weeks = int(data["week"].max())
    for ax, measure in zip(axes, panels, strict=False):
        for strategy in strategies:
            cell = cells.loc[cells["strategy"] == strategy, "cell_id"]
            m = data[data["cell_id"].isin(cell) & (data["measure"] == measure)]
            if m.empty:
                continue
            band(ax, m["week"], m["mean"], m["lo"], m["hi"], strategy, label=strategy)
        if measure == "pmo_legitimacy":
            _thresholds(ax, ref_runs)
        if measure in ("pmo_morale", "pmo_legitimacy", "pmo_active"):
            ax.set_ylim(-0.02, 1.02)
        else:
            ax.set_ylim(bottom=0)
        ax.set_title(TITLES[measure], fontsize=10.5, loc="left")
        ax.set_ylabel(style.label(measure))
        style.style_axes(ax)
        weeks_axis(ax, weeks)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    for ax in axes[:3]:
        ax.set_xlabel("")
    style.title_and_legend(
        fig, f"{results.name}: the life of a PMO ({describe_condition(condition)})"
    )
    n = results.replicates(ref_runs)
    style.footnote(
        fig,
        stats_note(n) + ". Morale and legitimacy: mean over runs whose office is open that week.",
    )
    paths = style.save(fig, results.figures_dir, NAME)
    caption = (
        f"The PMO's life at {describe_condition(condition)} for {', '.join(strategies)}: "
        f"headcount, staff morale, blame, legitimacy (dotted: executives' cut and close "
        f"thresholds), staff who quit, and the share of runs whose office is still open (mean "
        f"and 95% CI over n = {n} replicates)."
    )
    return FigureResult(NAME, paths, caption, figure=fig)


def _thresholds(ax, runs) -> None:
    """The executives' cut and close thresholds as dotted lines (if constant in these runs)."""
    for col, text in (("cut_threshold", "cut below"), ("close_threshold", "closed below")):
        if col in runs.columns and runs[col].nunique() == 1:
            level = float(runs[col].iloc[0])
            ax.axhline(level, color="#555555", linestyle=":", linewidth=0.9)
            ax.annotate(
                f"{text} {level:g}", (0, level), xytext=(3, 2), textcoords="offset points",
                ha="left", va="bottom", fontsize=7.5, color="#555555",
            )  # fmt: skip


main = cli(plot, __doc__.splitlines()[0])

if __name__ == "__main__":
    sys.exit(main())
