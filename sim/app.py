"""The browser app: watch and steer one organization live (Mesa SolaraViz).

Start it with ``lean-sim-viz`` (or ``make viz``) and open http://127.0.0.1:8765. The sidebar is
Mesa's SolaraViz (Reset / Play / Step and the model parameters); Reset builds a new
:class:`sim.viz.VizModel` from the controls, which carries a message instead of raising when a
control holds a bad value. The main area shows the org chart, the live plots and a short guide.

A panel under them, "Compare strategies for this organization", runs every strategy on the
organization on screen (``sim.compare``) in a worker process watched by a background thread,
with a progress bar, an estimate before it starts and a cap on its run time.

Only wiring lives here; layout, drawing, control parsing and what the panel says are plain
functions in ``sim.viz``, tested without a browser.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable

import numpy as np
import solara
import solara.lab
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.compare import Cancelled, Comparison
from sim.params import STRATEGIES
from sim.registry import REGISTRY
from sim.viz import (
    CULTURE_CUSTOM,
    VIZ_MAX_TEAMS,
    VizModel,
    culture_options,
    culture_power_distance,
    draw_adoption,
    draw_org_chart,
    draw_pmo,
    internals,
    mechanism_label,
    series_frame,
)
from sim.viz import comparison as panel
from sim.viz.controls import default
from sim.viz.orgchart import TEAM_MEASURES

TITLE = "Lean adoption: watch one organization"

# Figure sizes in inches at 100 dpi, close to the pixels they get on a 1600 px wide window,
# so that text is drawn at about the size it is read.
ORG_CHART_SIZE = (7.4, 5.0)
ADOPTION_SIZE = (4.9, 3.4)
PMO_SIZE = (4.9, 3.4)
PMO_SUBTITLE = "Staff, pilots; morale, legitimacy, blame"
COMPARE_TITLE = "Compare strategies for this organization"

#: Vuetify gives each checkbox room for a hint line; ten switches then fill two screens.
SIDEBAR_CSS = """
.v-checkbox .v-input__details { display: none; }
.v-checkbox .v-selection-control { min-height: 30px; }
.lean-info h4 { margin-top: 0.6em; }
"""


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
        "type": "InputText",
        "value": "",
        "label": f"Power distance, 0-1 (empty: the preset's, else {default('power_distance')})",
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
        m.name: {"type": "Checkbox", "value": bool(default(m.name)), "label": mechanism_label(m)}
        for m in REGISTRY
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
  whom: peers, or the boss? A preset sets power distance to Hofstede's index / 100: leave the
  power-distance box empty. A number there that differs from the preset's is an error (as in
  `lean-sim`), not silently replaced: choose *custom* to use your own number.
- Switch a **mechanism** off (e.g. *escape hatch*, *capability decay*) and Reset: what it
  contributes is the difference.
- Try **2,000 teams**: one column per line manager, one cell per team; line managers
  become a strip of cells. Play draws about two frames a second: raise *Render Interval* to
  move faster.
- A bad value (a seed of `abc`, 5,001 teams) gives a message, not a crash.
- **Compare strategies** (the panel below): every strategy on the same organizations as the
  one on screen. Is the verdict of this one run the verdict of its world?
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
    return internals.team_values(model.lean, measure)


def run_description(model: VizModel) -> str:
    """One line saying what this run is (what a screenshot needs to be understood)."""
    p = model.params
    culture = culture_power_distance(model.culture)
    pd_text = f"{p.power_distance:.2f}" + (
        f" ({model.culture.split(' (')[0]})" if culture is not None else ""
    )
    off = [m.label for m in REGISTRY if not getattr(p, m.name)]
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
    m = internals.measures(model.lean)
    week = model.week
    with solara.Column(classes=["lean-run"]):
        solara.Markdown(run_description(model), style={"font-size": "0.9em"})
    with solara.Row(gap="24px", style={"flex-wrap": "wrap"}, classes=["lean-status"]):
        Headline("week", f"{week} of {model.horizon}")
        Headline("adoption", f"{m['adoption']:.0%}")
        Headline("own adoption", f"{m['own_adoption']:.0%}")
        Headline("ownership", f"{m['ownership']:.2f}")
        Headline("performance vs baseline", f"{m['performance']:.3f}")
        if internals.has_office(model.lean):
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
            internals.manager_support(lean),
            internals.in_pilot(lean),
            measure=measure,
        )

    png = solara.use_memo(lambda: figure_png(draw, ORG_CHART_SIZE), [id(model), week, measure])
    pilots = int(internals.in_pilot(lean).sum())
    subtitle = (
        f"Week {week} · {model.params.n_teams:,} teams under "
        f"{internals.n_line_managers(lean):,} line managers · {internals.n_managers(lean):,} "
        f"managers · {pilots} teams in PMO pilots"
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
    has_pmo = internals.has_office(model.lean)
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


def _compare_intro(model: VizModel) -> str:
    p = model.params
    return (
        f"Every strategy on the same organizations as the one on screen ({p.n_teams:,} teams, "
        f"resistance {p.resistance:.2f}, power distance {p.power_distance:.2f}, budget "
        f"{p.budget_fte_per_100_teams:g} FTE per 100 teams, its mechanism switches), seeds from "
        f"its world and the seed box ({model.seed_value}). Change the controls and press Reset "
        "to compare another organization."
    )


@solara.component
def CompareResult(result: Comparison):
    """The table, the distributions and where this organization lies in the discovery."""
    png = solara.use_memo(
        lambda: figure_png(
            lambda fig: panel.draw_distributions(fig, result), panel.DISTRIBUTION_SIZE
        ),
        [id(result)],
    )
    with solara.Column(gap="8px", classes=["lean-compare-result"]):
        with solara.Column(classes=["lean-compare-table"]):
            solara.Markdown(panel.result_markdown(result))
        solara.Text(panel.result_caption(result), style={"font-size": "0.85em", "color": "#555"})
        with solara.Column(style={"max-width": "860px"}):
            solara.Image(png, width="100%", classes=["lean-compare-plot"])


@solara.component
def ComparePanel(model: VizModel):
    """Compare every strategy on this organization, in the background, under a time cap."""
    replicates, set_replicates = solara.use_state(panel.DEFAULT_REPLICATES)
    progress = solara.use_reactive((0, 0))
    cancel = solara.use_memo(threading.Event, [])
    params = model.params
    world = panel.shared_settings(params) if params is not None else None
    per_run = solara.use_memo(
        lambda: panel.per_run_seconds(world) if world is not None else None,
        [json.dumps(world, sort_keys=True)],
    )

    def work() -> Comparison | str:
        started = time.perf_counter()

        def stop() -> bool:
            return cancel.is_set() or time.perf_counter() - started > panel.CAP_SECONDS

        try:
            return panel.compare_in_process(
                world=world,
                strategies=STRATEGIES,
                replicates=replicates,
                base_seed=model.seed_value,
                posterior="auto",
                progress=lambda done, total: progress.set((done, total)),
                cancel=stop,
            )
        except Cancelled as err:
            reason = (
                "cancelled"
                if cancel.is_set()
                else f"stopped at the cap of {panel.CAP_SECONDS:.0f} s"
            )
            return f"Comparison {reason}: {err}."

    task = solara.lab.use_task(work, dependencies=None, raise_error=False)

    def start() -> None:
        cancel.clear()
        progress.set((0, len(STRATEGIES) * replicates))
        task()

    with solara.Card(COMPARE_TITLE, margin=0, classes=["lean-compare"]):
        if params is None:
            solara.Text("Fix the controls and press Reset: there is no organization to compare.")
            return
        solara.Markdown(_compare_intro(model), style={"font-size": "0.9em"})
        running = task.pending
        text, allowed = panel.estimate_text(per_run, replicates)
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.SliderInt(
                "Organizations per strategy",
                value=replicates,
                min=panel.MIN_REPLICATES,
                max=panel.MAX_REPLICATES,
                on_value=set_replicates,
                disabled=running,
            )
            solara.Button(
                "Compare", on_click=start, disabled=running or not allowed, color="primary"
            )
            if running:
                solara.Button("Cancel", on_click=cancel.set)
        solara.Text(f"Estimated run time: {text}", classes=["lean-compare-estimate"])
        done, total = progress.value
        if running:
            solara.ProgressLinear(100.0 * done / max(total, 1))
            solara.Text(f"{done} of {total} runs", classes=["lean-compare-progress"])
        result = task.value if task.finished else None
        if task.error:
            solara.Error(f"The comparison failed: {task.exception}")
        elif isinstance(result, str):
            solara.Warning(result)
        elif result is not None:
            CompareResult(result)
        with solara.Column(classes=["lean-compare-boxes"]):
            solara.Markdown(panel.where_markdown(params), style={"font-size": "0.9em"})


@solara.component
def Dashboard(model: VizModel):
    """The main area: status; org chart and guide on the left, the plots on the right; the
    comparison of strategies below."""
    with solara.Column(style={"padding": "12px 20px", "gap": "16px"}):
        RunStatus(model)
        with solara.Columns([3, 2], gutters_dense=True):
            with solara.Column(gap="16px"):
                if model.lean is not None:
                    OrgChart(model)
                Info()
            if model.lean is not None:
                LivePlots(model)
        ComparePanel(model)


@solara.component
def Page():
    """One browser session: its own model, Mesa's sidebar, and the dashboard."""
    first = solara.use_memo(VizModel, [])
    model = solara.use_reactive(first)
    with solara.Column(gap="0px"):  # SolaraViz adds empty elements here; no gaps around them
        solara.Style(SIDEBAR_CSS)
        SolaraViz(model, components=[], model_params=MODEL_PARAMS, name=TITLE)
        Dashboard(model.value)
