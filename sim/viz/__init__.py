"""Helpers of the browser app (``sim.app``): controls, org-chart layout and drawing, plots.

Nothing here imports solara, so every piece can be tested and reused (in a notebook, or for a
static figure) without a browser. ``sim.app`` only wires these into Mesa's SolaraViz page.
"""

from sim.viz.controls import (
    CULTURE_CUSTOM,
    VIZ_MAX_TEAMS,
    ControlError,
    VizModel,
    culture_name,
    culture_options,
    culture_power_distance,
    mechanism_label,
    params_from_controls,
    parse_power_distance,
    parse_seed,
    parse_teams,
)
from sim.viz.orgchart import OrgLayout, draw_org_chart, tree_layout
from sim.viz.plots import draw_adoption, draw_pmo, series_frame

__all__ = [
    "CULTURE_CUSTOM",
    "VIZ_MAX_TEAMS",
    "ControlError",
    "OrgLayout",
    "VizModel",
    "culture_name",
    "culture_options",
    "culture_power_distance",
    "draw_adoption",
    "draw_org_chart",
    "draw_pmo",
    "mechanism_label",
    "params_from_controls",
    "parse_power_distance",
    "parse_seed",
    "parse_teams",
    "series_frame",
    "tree_layout",
]
