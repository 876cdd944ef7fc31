"""The browser app: watch and steer one organization live (Mesa SolaraViz).

Start it with ``lean-sim-viz`` (or ``make viz``) and open http://127.0.0.1:8765. The sidebar is
Mesa's SolaraViz (Reset / Play / Step and the model parameters); Reset builds a new
:class:`sim.viz.VizModel` from the controls, which carries a message instead of raising when a
control holds a bad value. The main area shows the org chart, the live plots and a short guide.

Only wiring lives here; layout, drawing and control parsing are plain functions in
``sim.viz``, tested without a browser.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.params import MECHANISMS, STRATEGIES
from sim.viz import (
    CULTURE_CUSTOM,
    VIZ_MAX_TEAMS,
    VizModel,
    culture_options,
    culture_power_distance,
    draw_adoption,
    draw_org_chart,
    draw_pmo,
    series_frame,
)
from sim.viz.controls import default
from sim.viz.orgchart import TEAM_MEASURES

TITLE = "Lean adoption: watch one organization"

# Figure sizes in inches at 100 dpi, close to the pixels they get on a 1600 px wide window,
# so that text is drawn at about the size it is read.
ORG_CHART_SIZE = (7.4, 5.0)
ADOPTION_SIZE = (4.9, 3.4)
PMO_SIZE = (4.9, 3.4)
PMO_SUBTITLE = "Staff, pilots; morale, legitimacy, blame"

#: Vuetify gives each checkbox room for a hint line; ten switches then fill two screens.
SIDEBAR_CSS = """
.v-checkbox .v-input__details { display: none; }
.v-checkbox .v-selection-control { min-height: 30px; }
.lean-info h4 { margin-top: 0.6em; }
"""


def _mechanism_label(index: int, name: str) -> str:
    return f"{index}. {name.replace('_', ' ')}"


#: The controls, in Mesa's model_params format; keys are VizModel's keyword arguments.
MODEL_PARAMS: dict[str, dict] = {
    "strategy": {
        "type": "Select",
        "value": "centralized",
        "values": list(STRATEGIES),
        "label": "Strategy",
    },
    "culture": {
        "type": "Select",
        "value": CULTURE_CUSTOM,
        "values": culture_options(),
        "label": "Culture preset (Hofstede PDI)",
    },
    "power_distance": {
        "type": "SliderFloat",
        "value": default("power_distance"),
        "min": 0.0,
        "max": 1.0,
        "step": 0.01,
        "label": "Power distance",
    },
    "resistance": {
        "type": "SliderFloat",
        "value": default("resistance"),
        "min": 0.0,
        "max": 1.0,
        "step": 0.01,
        "label": "Resistance",
    },
    "n_teams": {
        "type": "InputText",
        "value": str(default("n_teams")),
        "label": f"Teams (2 to {VIZ_MAX_TEAMS:,})",
    },
    "budget_fte_per_100_teams": {
        "type": "SliderFloat",
        "value": default("budget_fte_per_100_teams"),
        "min": 0.0,
        "max": max(50.0, 2 * default("budget_fte_per_100_teams")),
        "step": 0.5,
        "label": "Budget, FTE/100 teams",
    },
    "seed": {"type": "InputText", "value": "7", "label": "Seed (a whole number)"},
    **{
        name: {
            "type": "Checkbox",
            "value": bool(default(name)),
            "label": _mechanism_label(i, name),
        }
        for i, name in enumerate(MECHANISMS, start=1)
    },
}

INFO_MARKDOWN = """
#### What to notice
- **Colours.** Team cells run from pale (no Lean capability) to dark green (practising);
  manager nodes from orange (opposes Lean) through white to purple (champions).
  A **black outline** marks a team in a PMO pilot (a ▲ under the column in big organizations).
- **Borrowed versus own.** Switch the chart to *own capability*: pilot teams look green under
  *capability* while the office's staff are there. Does it stay when they leave?
  The gap between *adoption* and *own adoption* in the plot is the same thing for the whole
  organization.
- **Who owns improvement.** *Ownership* is the teams' sense that improvement is their job.
  Watch it while a visible central office is doing Lean *for* them.
- **The office's fate.** Headcount drops at executive reviews when legitimacy has fallen;
  blame collects setbacks elsewhere in the organization.

#### Things to try
- Keep the seed, Reset with **centralized**, then **embedded**: the organization is the same
  (same seed, same people), only the strategy differs.
- Pick a **culture preset**: Denmark (low power distance) against Malaysia (high). Who follows
  whom: peers, or the boss? A preset sets power distance to Hofstede's index / 100; the
  slider counts only while the preset is *custom*.
- Switch a **mechanism** off (e.g. *escape hatch*, *capability decay*) and Reset: what it
  contributes is the difference.
- Try **2,000 teams**: one column per line manager, one cell per team; line managers
  become a strip of cells. Play draws about two frames a second: raise *Render Interval* to
  move faster.
- A bad value (a seed of `abc`, 5,001 teams) gives a message, not a crash.
"""


def figure_png(draw: Callable[[Figure], None], size: tuple[float, float]) -> bytes:
    """Draw on a fresh figure (never pyplot: no global state, nothing to close) and encode it."""
    fig = Figure(figsize=size, dpi=100)
    draw(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def team_values(model: VizModel, measure: str) -> np.ndarray:
    """The team measure the org chart colours cells by."""
    teams = model.lean.teams
    if measure == "own capability":
        return teams.own
    if measure == "ownership":
        return teams.ownership
    return teams.effective


def run_description(model: VizModel) -> str:
    """One line saying what this run is (what a screenshot needs to be understood)."""
    p = model.params
    culture = culture_power_distance(model.culture)
    pd_text = f"{p.power_distance:.2f}" + (
        f" ({model.culture.split(' (')[0]})" if culture is not None else ""
    )
    off = [m.replace("_", " ") for m in MECHANISMS if not getattr(p, m)]
    text = (
        f"Strategy **{p.strategy}** · power distance **{pd_text}** · resistance "
        f"**{p.resistance:.2f}** · **{p.n_teams:,}** teams · budget "
        f"**{p.budget_fte_per_100_teams:g}** FTE per 100 teams · seed **{model.seed_value}**"
    )
    if off:
        text += " · switched off: " + ", ".join(off)
    return text


@solara.component
def Headline(label: str, value: str):
    """One number of the week, large, with its label."""
    with solara.Column(gap="0px", style={"min-width": "120px"}):
        solara.Text(value, style={"font-size": "1.5em", "font-weight": "600"})
        solara.Text(label, style={"font-size": "0.8em", "color": "#666"})


@solara.component
def RunStatus(model: VizModel):
    """What is running and where it stands; or, after a bad Reset, what to fix."""
    update_counter.get()
    if model.error is not None:
        lines = "\n".join(f"- `{line.strip()}`" for line in model.error.splitlines())
        with solara.Error(icon="mdi-alert-circle", classes=["lean-error"]):
            solara.Text("The model was not built. Fix these controls and press Reset:")
            solara.Markdown(lines, style={"margin-top": "8px"})
        return
    m = model.lean.measures
    week = model.week
    with solara.Column(classes=["lean-run"]):
        solara.Markdown(run_description(model), style={"font-size": "0.9em"})
    with solara.Row(gap="24px", style={"flex-wrap": "wrap"}, classes=["lean-status"]):
        Headline("week", f"{week} of {model.horizon}")
        Headline("adoption", f"{m['adoption']:.0%}")
        Headline("own adoption", f"{m['own_adoption']:.0%}")
        Headline("ownership", f"{m['ownership']:.2f}")
        Headline("performance vs baseline", f"{m['performance']:.3f}")
        if model.lean.pmo is not None:
            staff = f"{m['pmo_headcount']:.0f}" if m["pmo_active"] else "closed"
            Headline("PMO staff", staff)
            Headline("pilots running", f"{m['pilots_running']:.0f}")


@solara.component
def OrgChart(model: VizModel):
    """The org chart, with a switch for the team measure that colours the cells (needs a model)."""
    update_counter.get()
    measure, set_measure = solara.use_state("capability")
    lean, week = model.lean, model.week

    def draw(fig: Figure) -> None:
        draw_org_chart(
            fig,
            model.layout,
            team_values(model, measure),
            lean.managers.support,
            lean.teams.in_pilot,
            measure=measure,
        )

    png = solara.use_memo(lambda: figure_png(draw, ORG_CHART_SIZE), [id(model), week, measure])
    pilots = int(lean.teams.in_pilot.sum())
    subtitle = (
        f"Week {week} · {lean.p.n_teams:,} teams under {len(lean.line_managers):,} line "
        f"managers · {lean.org.n_managers:,} managers · {pilots} teams in PMO pilots"
    )
    with solara.Card("Organization", subtitle=subtitle, margin=0):
        solara.ToggleButtonsSingle(
            value=measure, values=list(TEAM_MEASURES), on_value=set_measure, dense=True
        )
        solara.Image(png, width="100%", classes=["lean-org-chart"])


@solara.component
def LivePlots(model: VizModel):
    """Adoption and performance; the PMO's headcount, morale, legitimacy and blame."""
    update_counter.get()
    df = series_frame(model.lean)
    has_pmo = model.lean.pmo is not None
    key = [id(model), model.week]
    adoption = solara.use_memo(
        lambda: figure_png(lambda fig: draw_adoption(fig, df), ADOPTION_SIZE), key
    )
    office = solara.use_memo(
        lambda: figure_png(lambda fig: draw_pmo(fig, df, has_pmo), PMO_SIZE), key
    )
    with solara.Column(gap="16px"):
        with solara.Card("Adoption and performance", margin=0):
            solara.Image(adoption, width="100%", classes=["lean-plot-adoption"])
        with solara.Card("The Lean office (PMO)", subtitle=PMO_SUBTITLE, margin=0):
            solara.Image(office, width="100%", classes=["lean-plot-pmo"])


@solara.component
def Info():
    """NetLogo-style guide: what to look at, and what to try."""
    with solara.Card("About this view", margin=0, classes=["lean-info"]):
        solara.Markdown(INFO_MARKDOWN)


@solara.component
def Dashboard(model: VizModel):
    """The main area: status; org chart and guide on the left, the plots on the right."""
    with solara.Column(style={"padding": "12px 20px", "gap": "16px"}):
        RunStatus(model)
        with solara.Columns([3, 2], gutters_dense=True):
            with solara.Column(gap="16px"):
                if model.lean is not None:
                    OrgChart(model)
                Info()
            if model.lean is not None:
                LivePlots(model)


@solara.component
def Page():
    """One browser session: its own model, Mesa's sidebar, and the dashboard."""
    first = solara.use_memo(VizModel, [])
    model = solara.use_reactive(first)
    with solara.Column(gap="0px"):  # SolaraViz adds empty elements here; no gaps around them
        solara.Style(SIDEBAR_CSS)
        SolaraViz(model, components=[], model_params=MODEL_PARAMS, name=TITLE)
        Dashboard(model.value)
