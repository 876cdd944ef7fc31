"""Figures of the discovery, drawn from the analysis (or the files it wrote) on plain Figures.

* ``verdicts``: how often each verdict holds across the design (pairs and the best strategy);
* ``peeling_<measure>``: PRIM's peeling trajectory of every verdict with a box: coverage
  against density, coloured by the number of restricted parameters, the chosen box ringed;
* ``boxes_<measure>``: each box's limits on the design's range of every restricted parameter;
* ``feature_scores``: which world parameters each verdict depends on;
* ``robust``: regret (mean and 90th percentile) and satisficing shares per strategy.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from experiments.discovery.analysis import Analysis
from experiments.discovery.outcomes import MEASURES
from experiments.style import color, footnote, new_figure, save, style_axes
from sim.compare import describe_conditions, dimension_name
from sim.palette import NEUTRAL

TIE = "#d9d9d9"


def wrapped_title(fig, text: str, fontsize: float = 10.5) -> None:
    """A figure title wrapped to the figure's width (about 0.55 em per character)."""
    width = max(30, int(fig.get_figwidth() * 72 / (0.55 * fontsize)) - 4)
    fig.suptitle(textwrap.fill(text, width), fontsize=fontsize)


def _verdict_label(entry: dict) -> str:
    if entry["kind"] == "pair":
        return f"{entry['strategy']} ahead of {entry['versus']}"
    if entry["strategy"] == "tie":
        return "no clear best"
    return f"{entry['strategy']} best"


def verdicts_figure(analysis: Analysis, out: Path, note: str) -> list[Path]:
    """Stacked bars: for each pair, the share of worlds where each is ahead, and ties."""
    shares = analysis.shares
    fig = new_figure(11.0, 6.2)
    axes = fig.subplots(1, len(MEASURES), sharey=True)
    for ax, (name, measure) in zip(np.atleast_1d(axes), MEASURES.items(), strict=True):
        rows = shares[(shares["measure"] == name) & shares["comparison"].str.contains(" vs ")]
        labels = list(rows["comparison"])
        y = np.arange(len(rows))[::-1]
        for yi, (_, row) in zip(y, rows.iterrows(), strict=True):
            a, b = row["comparison"].split(" vs ")
            left = 0.0
            for width, fill in ((row["first_ahead"], color(a)), (row["tie"], TIE)):
                ax.barh(yi, width, left=left, color=fill, edgecolor="white", height=0.7)
                left += width
            ax.barh(
                yi, row["second_ahead"], left=left, color=color(b), edgecolor="white", height=0.7
            )
            if row["tie"] > 0.08:
                ax.text(row["first_ahead"] + row["tie"] / 2, yi, f"tie {row['tie']:.0%}",
                        ha="center", va="center", fontsize=8, color="#333333")  # fmt: skip
        best = shares[(shares["measure"] == name) & shares["comparison"].str.startswith("best")]
        yb = -1.5
        left = 0.0
        for _, row in best.iterrows():
            strategy = row["comparison"].removeprefix("best: ")
            fill = TIE if strategy == "tie" else color(strategy)
            ax.barh(yb, row["share"], left=left, color=fill, edgecolor="white", height=0.7)
            if row["share"] > 0.08:
                ax.text(left + row["share"] / 2, yb, f"{row['share']:.0%}", ha="center",
                        va="center", fontsize=8,
                        color="white" if fill != TIE else "#333333")  # fmt: skip
            left += row["share"]
        ax.set_yticks([*y, yb], [*labels, "best strategy"])
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of worlds")
        ax.set_title(f"{measure.label} (margin {measure.margin:g} {measure.unit})", fontsize=10)
        style_axes(ax)
        ax.grid(False, axis="y")
    handles = [Patch(color=color(s), label=s) for s in analysis.worlds.strategies]
    handles.append(Patch(color=TIE, label="tie (within the margin)"))
    fig.legend(handles=handles, loc="outside upper center", ncols=len(handles), frameon=False,
               title="Which strategy is ahead, world by world (left bar colour: the first named)",
               title_fontsize=11, fontsize=9)  # fmt: skip
    footnote(fig, note)
    return save(fig, out, "verdicts")


def peeling_figure(analysis: Analysis, measure: str, out: Path, note: str) -> list[Path] | None:
    """Peeling trajectories of every world verdict of ``measure`` that has a box."""
    entries = [v for v in analysis.verdicts if v["measure"] == measure and v["status"] == "box"]
    if not entries:
        return None
    cols = min(4, len(entries))
    rows = math.ceil(len(entries) / cols)
    fig = new_figure(3.0 * cols + 1.2, 2.8 * rows + 1.2)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    top = max(int(f.trajectory["res_dim"].max()) for v in entries for f in analysis.found[v["id"]])
    shades = mpl.colormaps["viridis"](np.linspace(0.0, 0.9, max(top + 1, 2)))[: top + 1]
    cmap = ListedColormap(shades, name="restricted")
    norm = BoundaryNorm(np.arange(-0.5, top + 1.5), cmap.N)
    density = analysis.settings.density
    for ax, entry in zip(axes, entries, strict=False):
        for box in analysis.found[entry["id"]]:
            t = box.trajectory
            ax.plot(t["coverage"], t["density"], color="#bbbbbb", linewidth=0.8, zorder=1)
            ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap=cmap, norm=norm,
                       s=14, zorder=2, linewidths=0)  # fmt: skip
            chosen = t.loc[box.chosen]
            point = (chosen["kept_coverage"], chosen["kept_density"])
            ax.scatter(*point, s=110, facecolors="none", edgecolors="black", linewidths=1.4,
                       zorder=3)  # fmt: skip
            ax.annotate(f"box {box.number}", point, xytext=(6, -12), textcoords="offset points",
                        fontsize=8)  # fmt: skip
        ax.axhline(density, color=NEUTRAL, linestyle="--", linewidth=0.8)
        ax.set_xlim(0, 1.03)
        ax.set_ylim(0, 1.03)
        ax.set_title(_verdict_label(entry), fontsize=9.5, color=color(entry["strategy"])
                     if entry["strategy"] != "tie" else "#333333")  # fmt: skip
        ax.set_xlabel("coverage", fontsize=9)
        ax.set_ylabel("density", fontsize=9)
        style_axes(ax)
    for ax in axes[len(entries) :]:
        ax.set_visible(False)
    bar = fig.colorbar(
        ScalarMappable(norm=norm, cmap=cmap),
        ax=list(axes[: len(entries)]),
        ticks=range(top + 1),
        shrink=0.8,
    )
    bar.set_label("restricted parameters", fontsize=9)
    m = MEASURES[measure]
    wrapped_title(
        fig,
        f"PRIM peeling trajectories, {m.label}: each dot a box, from the whole design "
        f"(coverage 1) to ever smaller, denser boxes. Ringed: the box reported, the widest "
        f"with density ≥ {density:g} (dashed) once restrictions that only trim noise are dropped",
    )
    footnote(fig, note)
    return save(fig, out, f"peeling_{measure}")


def boxes_figure(
    analysis: Analysis, measure: str, ranges: dict[str, tuple[float, float]], out: Path, note: str
) -> list[Path] | None:
    """Each box of ``measure`` as bars over the design's range of its restricted parameters."""
    entries = [b for b in analysis.boxes if b["measure"] == measure]
    if not entries:
        return None
    rows: list[tuple[str, str, float, float, str, str]] = []
    for entry in entries:
        title = (
            f"{_verdict_label(entry)} (box {entry['number']}: density {entry['density']:.0%}, "
            f"coverage {entry['coverage']:.0%})"
        )
        for name, (lo, hi) in entry["limits"].items():
            low, high = ranges[name]
            a = 0.0 if lo is None else (lo - low) / (high - low)
            b = 1.0 if hi is None else (hi - low) / (high - low)
            design = f"{_number(name, low)}-{_number(name, high)}"
            text = f"{_limits_text(name, lo, hi)}   (design {design})"
            rows.append((title, dimension_name(name), a, b, text, entry["strategy"]))
    fig = new_figure(11.0, 0.32 * len(rows) + 0.5 * len(entries) + 1.6)
    ax = fig.subplots()
    y = 0.0
    ticks, labels = [], []
    previous = None
    for title, dim, a, b, text, strategy in rows:
        if title != previous:
            y -= 0.6
            ax.text(-0.01, y, title, ha="right", va="center", fontsize=9, fontweight="bold",
                    color=color(strategy) if strategy != "tie" else "#333333",
                    transform=ax.get_yaxis_transform())  # fmt: skip
            y -= 0.8
            previous = title
        ax.plot([0, 1], [y, y], color="#e5e5e5", linewidth=6, solid_capstyle="butt")
        fill = color(strategy) if strategy != "tie" else NEUTRAL
        ax.plot([a, b], [y, y], color=fill, linewidth=6, solid_capstyle="butt")
        ax.text(1.02, y, text, va="center", fontsize=8.5, clip_on=False)
        ticks.append(y)
        labels.append(dim)
        y -= 0.8
    ax.set_yticks(ticks, labels, fontsize=8.5)
    ax.set_ylim(y, 0)
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 0.5, 1], ["design minimum", "middle", "design maximum"])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    m = MEASURES[measure]
    wrapped_title(fig, f"The boxes of {m.label}: restricted parameters over the design's range")
    footnote(fig, note)
    return save(fig, out, f"boxes_{measure}")


def _limits_text(name: str, lo, hi) -> str:
    """ "≤ 0.49", "≥ 0.50" or "0.20-0.49" (the restricted sides of one parameter)."""
    words = describe_conditions({name: (lo, hi)}).replace(dimension_name(name), "")
    return " ".join(words.split()).replace("≤ ≤", "to")


def _number(name: str, value: float) -> str:
    return describe_conditions({name: (None, value)}).split("≤ ")[-1]


def scores_figure(analysis: Analysis, out: Path, note: str) -> list[Path] | None:
    """Heatmap: parameters (rows) by verdict (columns), extra-trees feature scores."""
    scores = analysis.scores
    if scores is None or scores.empty:
        return None
    fig = new_figure(max(8.0, 0.45 * scores.shape[1] + 3.5), 0.42 * scores.shape[0] + 3.2)
    ax = fig.subplots()
    image = ax.imshow(scores.to_numpy(), cmap="Blues", vmin=0, aspect="auto")
    ax.set_yticks(range(len(scores)), [dimension_name(p) for p in scores.index], fontsize=9)
    columns = [c.replace("sustained_adoption: ", "adoption: ") for c in scores.columns]
    columns = [c.replace("net_value_per_team_year: ", "net value: ") for c in columns]
    ax.set_xticks(range(len(columns)), columns, rotation=60, ha="right", fontsize=8)
    for i in range(scores.shape[0]):
        for j in range(scores.shape[1]):
            value = scores.iat[i, j]
            dark = value > 0.5 * scores.to_numpy().max()
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if dark else "#222222")  # fmt: skip
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.set_label("feature score (column sums to 1)", fontsize=9)
    wrapped_title(
        fig,
        "Which world parameters the verdicts depend on (extra trees: pair differences as "
        "regressions, the best strategy as a classification)",
    )
    footnote(fig, note)
    return save(fig, out, "feature_scores", palette=False)


def robust_figure(analysis: Analysis, out: Path, note: str) -> list[Path]:
    """Per strategy: regret on each measure (bar: mean; tick: 90th percentile) and the share
    of worlds where it reaches each satisficing level, and both."""
    table = analysis.robust
    strategies = list(table.index)
    fig = new_figure(12.5, 0.5 * len(strategies) + 2.6)
    axes = fig.subplots(1, len(MEASURES) + 1, sharey=True)
    y = np.arange(len(strategies))[::-1]
    colors = [color(s) for s in strategies]
    for ax, (name, measure) in zip(axes, MEASURES.items(), strict=False):
        mean, p90 = table[f"{name}_regret_mean"], table[f"{name}_regret_p90"]
        ax.barh(y, mean, color=colors, height=0.6)
        ax.scatter(p90, y, marker="|", s=260, color="black", linewidths=2, zorder=3)
        digits = 2 if measure.unit.startswith("share") else 1
        for yi, m_, q in zip(y, mean, p90, strict=True):
            ax.text(max(q, m_), yi, f"  {m_:.{digits}f} / {q:.{digits}f}", va="center", fontsize=8)
        ax.set_xlim(0, max(p90.max(), 1e-9) * 1.45)
        ax.set_xlabel(f"regret ({measure.unit})")
        ax.set_title(f"Regret: {measure.label}", fontsize=10)
        style_axes(ax)
    ax = axes[-1]
    columns = [f"{name}_satisficing" for name in MEASURES] + ["both_satisficing"]
    labels = [f"{m.label} ≥ {m.satisficing:g}" for m in MEASURES.values()] + ["both"]
    hatches = ["", "..", "//"]
    height = 0.8 / len(columns)
    for k, (column, label, hatch) in enumerate(zip(columns, labels, hatches, strict=True)):
        ax.barh(y + (1 - k) * height, table[column], height=height, color=colors,
                hatch=hatch, edgecolor="white", alpha=1.0 - 0.25 * k, label=label)  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of worlds")
    ax.set_title("Satisficing: reaches the level", fontsize=10)
    ax.set_yticks(y, strategies)
    style_axes(ax)
    legend = [Patch(facecolor="#888888", label="mean regret")]
    legend.append(Line2D([], [], marker="|", ls="none", color="black", ms=12, mew=2,
                         label="90th percentile (numbers: mean / 90th)"))  # fmt: skip
    legend += [
        Patch(facecolor="#888888", hatch=h, edgecolor="white", alpha=1.0 - 0.25 * k, label=lab)
        for k, (lab, h) in enumerate(zip(labels, hatches, strict=True))
    ]
    fig.legend(handles=legend, loc="outside upper center", ncols=len(legend), frameon=False,
               fontsize=9, title="Robust choice across the design: regret is the distance from "
               "the best strategy of each world", title_fontsize=11)  # fmt: skip
    levels = "; ".join(f"{m.label}: {m.why_satisficing}" for m in MEASURES.values())
    footnote(fig, f"{note} Satisficing levels: {levels}.")
    return save(fig, out, "robust")


def all_figures(
    analysis: Analysis, out: Path, ranges: dict[str, tuple[float, float]], note: str
) -> list[Path]:
    """Every figure; returns the PNG paths written."""
    paths = verdicts_figure(analysis, out, note)
    for measure in MEASURES:
        paths += peeling_figure(analysis, measure, out, note) or []
        paths += boxes_figure(analysis, measure, ranges, out, note) or []
    paths += scores_figure(analysis, out, note) or []
    paths += robust_figure(analysis, out, note)
    return [p for p in paths if p.suffix == ".png"]
