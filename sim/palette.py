"""The one palette of the project: a fixed, colour-blind-safe colour per strategy.

Used by the report, validation, sensitivity, discovery and the browser app, so a strategy has
the same colour everywhere. Colours are the Okabe-Ito palette (Okabe & Ito 2008),
distinguishable with the common forms of colour blindness; each strategy also has its own line
style and marker, so figures survive grey print. Plain data: no plotting library is imported.
"""

from __future__ import annotations

OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: "none" (no programme) is the neutral grey everywhere.
NEUTRAL = "#777777"

STRATEGY_COLORS: dict[str, str] = {
    "none": NEUTRAL,
    "centralized": OKABE_ITO["vermillion"],
    "embedded": OKABE_ITO["blue"],
    "hybrid": OKABE_ITO["bluish_green"],
    "product": OKABE_ITO["reddish_purple"],
}
STRATEGY_LINESTYLES: dict[str, object] = {
    "none": (0, (1, 1.5)),
    "centralized": "-",
    "embedded": "-",
    "hybrid": (0, (5, 2)),
    "product": (0, (3, 1.5, 1, 1.5)),
}
STRATEGY_MARKERS: dict[str, str] = {
    "none": "o",
    "centralized": "s",
    "embedded": "D",
    "hybrid": "^",
    "product": "v",
}
#: Colours for anything that is not one of the five presets (custom compositions, series).
SPARE: tuple[str, ...] = tuple(OKABE_ITO[k] for k in ("orange", "sky_blue", "yellow", "black"))
#: Diverging colour map for signed differences (colour-blind-safe, centred at zero by the caller).
DIVERGING_CMAP = "PuOr_r"


def strategy_color(name: str, index: int = 0) -> str:
    """The colour of a strategy; a custom composition gets a spare colour by its index."""
    return STRATEGY_COLORS.get(name, SPARE[index % len(SPARE)])
