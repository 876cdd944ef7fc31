"""One look for every figure: colour-blind-safe colours, a fixed colour per strategy, labels
with units, and a footnote that states n and the confidence level.

Colours are the Okabe-Ito palette (Okabe & Ito 2008), distinguishable with the common forms of
colour blindness; each strategy also has its own line style, so figures survive grey print.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from PIL import Image

from sim.palette import SPARE, STRATEGY_COLORS, STRATEGY_LINESTYLES, STRATEGY_MARKERS
from sim.registry import REGISTRY

#: Axis labels with units, by measure name (columns of runs.parquet and series.parquet).
LABELS = {
    "adoption": "adoption (share of teams)",
    "own_adoption": "own adoption (share of teams)",
    "sustained_adoption": "sustained own adoption\n(share of teams, mean of last year)",
    "adoption_2y": "adoption after 2 years (share of teams)",
    "own_adoption_2y": "own adoption after 2 years (share of teams)",
    "capability": "Lean capability (index 0-1)",
    "own_capability": "own capability (index 0-1)",
    "ownership": "ownership of improvement (index 0-1)",
    "performance": "performance (output / baseline)",
    "net_value": "net value (FTE-weeks)",
    "cumulative_net_value": "cumulative net value (FTE-weeks)",
    "time_to_50": "time to 50% adoption (weeks)",
    "pmo_active": "offices still open (share of runs)",
    "pmo_headcount": "PMO headcount (FTE)",
    "pmo_morale": "staff morale (index 0-1)",
    "pmo_legitimacy": "legitimacy with executives (index 0-1)",
    "pmo_blame": "blame on the PMO (index)",
    "pmo_attrition": "staff who quit (cumulative, persons)",
    "pmo_staff_prospects": "staff career prospects (index 0-1)",
    "pmo_lifetime_weeks": "PMO lifetime (weeks)",
    "pmo_closed": "PMO closed (share of runs)",
    "pilots": "pilots run (count)",
    "pilot_sustained_1y": "pilots sustained after 1 year (share)",
    "pilot_sustained_2y": "pilots sustained after 2 years (share)",
    "own_adoption_after_pmo": "own adoption 1 year after the PMO closed (share of teams)",
}

#: Units of differences between runs, by measure (for colour bars and effect tables).
UNITS = {
    "adoption": "share of teams",
    "own_adoption": "share of teams",
    "sustained_adoption": "share of teams",
    "adoption_2y": "share of teams",
    "own_adoption_2y": "share of teams",
    "own_adoption_after_pmo": "share of teams",
    "capability": "index",
    "own_capability": "index",
    "ownership": "index",
    "performance": "output / baseline",
    "net_value": "FTE-weeks",
    "time_to_50": "weeks",
    "pmo_lifetime_weeks": "weeks",
    "pmo_closed": "share of runs",
    "pilot_sustained_1y": "share of pilots",
    "pilot_sustained_2y": "share of pilots",
}

#: Short names for titles and table headers.
SHORT = {
    "sustained_adoption": "sustained adoption",
    "net_value": "net value",
    "own_adoption": "own adoption",
    "adoption_2y": "adoption at 2 y",
    "time_to_50": "time to 50% adoption",
    "pmo_lifetime_weeks": "PMO lifetime",
    "pmo_closed": "PMO closed",
    "pilot_sustained_1y": "pilots sustained after 1 y",
    "pilot_sustained_2y": "pilots sustained after 2 y",
    "own_adoption_after_pmo": "own adoption 1 y after closure",
}

#: "6 capability trap": the mechanism's number and label, from the registry (sim.registry).
MECHANISM_LABELS = {m.name: f"{m.number} {m.label}" for m in REGISTRY}


def color(strategy: str) -> str:
    """The strategy's fixed colour (unknown strategies get a spare colour by name)."""
    if strategy in STRATEGY_COLORS:
        return STRATEGY_COLORS[strategy]
    return SPARE[sum(map(ord, strategy)) % len(SPARE)]


def linestyle(strategy: str) -> str | tuple:
    return STRATEGY_LINESTYLES.get(strategy, "-")


def marker(strategy: str) -> str:
    return STRATEGY_MARKERS.get(strategy, "o")


def label(measure: str) -> str:
    return LABELS.get(measure, measure.replace("_", " "))


def unit(measure: str) -> str:
    return UNITS.get(measure, "units of the measure")


def short(measure: str) -> str:
    return SHORT.get(measure, measure.replace("_", " "))


def new_figure(width: float = 10.0, height: float = 6.0, **kw) -> Figure:
    """A figure with the house style (constrained layout leaves room for the footnote).

    A plain Figure, not pyplot: no global state and no display backend, so figures can be
    drawn from tests, scripts and worker processes alike."""
    fig = Figure(figsize=(width, height), layout="constrained", **kw)
    fig.get_layout_engine().set(h_pad=0.06, w_pad=0.06)
    return fig


def thousands(axis, nbins: int = 5) -> None:
    """Few tick labels with thousands separators (net values run into the hundreds of
    thousands, and their long labels would otherwise collide)."""
    axis.set_major_locator(MaxNLocator(nbins=nbins))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))


def style_axes(ax) -> None:
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9)
    ax.xaxis.label.set_size(10)
    ax.yaxis.label.set_size(10)


def title_and_legend(fig: Figure, title: str, handles=None, labels=None, ncols=None) -> None:
    """The figure title with the strategy legend under it, both above the panels.

    (A suptitle and an outside legend would overlap under constrained layout; a legend title
    does not.)"""
    if handles is None:
        handles, labels = [], []
        for ax in fig.axes:
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                if lab not in labels and not lab.startswith("_"):
                    handles.append(h)
                    labels.append(lab)
    fig.legend(
        handles, labels, loc="outside upper center", ncols=ncols or max(1, len(labels)),
        frameon=False, title=_wrap(fig, title, 12), title_fontsize=12, fontsize=10,
    )  # fmt: skip


def footnote(fig: Figure, text: str) -> None:
    """The statistics line every figure carries: replicate count n and the confidence level."""
    fig.supxlabel(_wrap(fig, text, 8.5), fontsize=8.5, color="#333333", x=0.01, ha="left")


def _wrap(fig: Figure, text: str, fontsize: float) -> str:
    """Wrap each line of ``text`` to the figure's width (about 0.55 em per character)."""
    width = max(20, int(fig.get_figwidth() * 72 / (0.55 * fontsize)) - 2)
    return "\n".join(textwrap.fill(line, width) for line in text.split("\n"))


def save(fig: Figure, out_dir: Path, name: str, palette: bool = True) -> list[Path]:
    """Write ``name``.png (150 dpi, for reports) and ``name``.pdf (vector, for papers).

    With ``palette`` the PNG is reduced to 256 colours (no dithering): line plots look the
    same at about a third of the size, which keeps committed figures and the self-contained
    HTML small. Continuous colour maps (heatmaps) would show bands, so they keep full colour."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{name}.png", out_dir / f"{name}.pdf"]
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150)
    image = Image.open(buffer).convert("RGB")
    if palette:
        image = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    image.save(paths[0], optimize=True)
    fig.savefig(paths[1], metadata={"CreationDate": None, "Creator": None, "Producer": None})
    return paths
