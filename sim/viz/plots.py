"""Live plots of one run, drawn from the model's DataCollector on a fresh figure per frame.

Colours come from the project's one palette (``sim.palette``, Okabe & Ito).
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.model import LeanModel
from sim.palette import OKABE_ITO
from sim.viz import internals

MIN_WEEKS_SHOWN = 26  # the x axis starts half a year wide and grows with the run


def series_frame(lean: LeanModel) -> pd.DataFrame:
    """The model's weekly series with a ``week`` column (week 0 = as built)."""
    return internals.series(lean)


def _weeks_axis(ax: Axes, df: pd.DataFrame) -> None:
    last = int(df["week"].iloc[-1]) if len(df) else 0
    ax.set_xlim(0, max(MIN_WEEKS_SHOWN, last))
    ax.grid(True, color="#e6e6e6", linewidth=0.7)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9)


def _legend_above(ax: Axes, ncols: int = 2) -> None:
    """A legend in the space above the axes, where it never hides a line."""
    ax.legend(
        fontsize=9, loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False, ncols=ncols,
        borderaxespad=0.2, handlelength=1.8, columnspacing=1.2,
    )  # fmt: skip


def _line(ax: Axes, df: pd.DataFrame, column: str, label: str, color: str, **kw) -> None:
    ax.plot(df["week"], df[column], label=label, color=color, linewidth=1.8, **kw)


def draw_adoption(fig: Figure, df: pd.DataFrame) -> None:
    """Adoption, own adoption and ownership (shares), and performance against baseline."""
    top, bottom = fig.subplots(
        2, 1, sharex=True, gridspec_kw={"height_ratios": [1.6, 1.0], "hspace": 0.42}
    )
    fig.subplots_adjust(left=0.14, right=0.97, top=0.86, bottom=0.13)
    _line(top, df, "adoption", "adoption (incl. pilot help)", OKABE_ITO["blue"])
    _line(top, df, "own_adoption", "own adoption", OKABE_ITO["bluish_green"])
    _line(top, df, "ownership", "ownership", OKABE_ITO["orange"], linestyle="--")
    top.set_ylim(-0.02, 1.02)
    top.set_ylabel("share of teams", fontsize=10)
    _legend_above(top, ncols=2)
    _line(bottom, df, "performance", "performance against own baseline", OKABE_ITO["black"])
    bottom.axhline(1.0, color="#888888", linewidth=0.8, linestyle=":")
    bottom.set_ylabel("performance", fontsize=10)
    bottom.set_xlabel("week", fontsize=10)
    _legend_above(bottom, ncols=1)
    low, high = float(df["performance"].min()), float(df["performance"].max())
    pad = max(0.02, 0.1 * (high - low))
    bottom.set_ylim(min(low, 1.0) - pad, max(high, 1.0) + pad)
    for ax in (top, bottom):
        _weeks_axis(ax, df)


def draw_pmo(fig: Figure, df: pd.DataFrame, has_pmo: bool) -> None:
    """The PMO: headcount and pilots running; staff morale, executives' legitimacy, blame."""
    top, bottom = fig.subplots(
        2, 1, sharex=True, gridspec_kw={"height_ratios": [1.0, 1.3], "hspace": 0.45}
    )
    fig.subplots_adjust(left=0.14, right=0.97, top=0.88, bottom=0.12)
    for ax in (top, bottom):
        _weeks_axis(ax, df)
    bottom.set_xlabel("week", fontsize=10)
    if not has_pmo:
        for ax in (top, bottom):
            ax.set_yticks([])
        top.text(
            0.5, 0.0, "This strategy runs no central office.\nChoose centralized, hybrid or "
            "product to see one.", ha="center", va="center", transform=top.transAxes,
            fontsize=10, color="#555555",
        )  # fmt: skip
        return
    _line(top, df, "pmo_headcount", "staff (FTE)", OKABE_ITO["reddish_purple"])
    _line(top, df, "pilots_running", "pilots running", OKABE_ITO["sky_blue"], linestyle="--")
    top.set_ylim(bottom=0)
    top.set_ylabel("count", fontsize=10)
    _legend_above(top, ncols=2)
    _line(bottom, df, "pmo_morale", "staff morale", OKABE_ITO["bluish_green"])
    _line(bottom, df, "pmo_legitimacy", "legitimacy", OKABE_ITO["blue"])
    _line(bottom, df, "pmo_blame", "blame", OKABE_ITO["vermillion"], linestyle="--")
    bottom.set_ylim(-0.02, 1.02)
    bottom.set_ylabel("level, 0 to 1", fontsize=10)
    _legend_above(bottom, ncols=3)
