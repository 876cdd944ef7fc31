"""The browser page, rendered with ``solara.render`` (no browser): controls, steps, messages.

The page runs inside solara's AppLayout, as under ``solara run``, so Mesa's sidebar (which
SolaraViz puts in a sidebar portal) is rendered too.
"""

from __future__ import annotations

import ipyvuetify as v
import ipywidgets as widgets
import pytest
import solara

from sim import MECHANISMS, STRATEGIES
from sim.app import MODEL_PARAMS, Page
from sim.viz import HOFSTEDE_PDI, VIZ_MAX_TEAMS, culture_options


@solara.component
def InAppLayout():
    with solara.AppLayout():
        Page()


@pytest.fixture
def page():
    """A freshly rendered page (its own model) and its render context."""
    _, rc = solara.render(InAppLayout(), handle_error=False)
    return rc


def texts(rc) -> str:
    """All text the page shows: text in any widget, and the HTML of rendered Markdown."""
    parts: list[str] = []

    def walk(widget) -> None:
        if isinstance(widget, str):
            parts.append(widget)
            return
        if isinstance(widget, v.VuetifyTemplate):
            parts.append(widget.template)
        for child in getattr(widget, "children", None) or ():
            walk(child)

    walk(rc.find(v.Main).widget)
    return "\n".join(parts)


def image(rc, css_class: str) -> bytes:
    """The PNG bytes of one of the page's figures, found by its CSS class."""
    found = [i.widget for i in rc.find(widgets.Image) if css_class in i.widget._dom_classes]
    assert len(found) == 1, f"expected one image with class {css_class}, found {len(found)}"
    return bytes(found[0].value)


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def type_into(rc, label: str, text: str) -> None:
    """Type into a text box and press Enter (solara commits text boxes on Enter or blur)."""
    box = rc.find(v.TextField, label=label).widget
    box.v_model = text
    box.fire_event("keyup.enter", None)


def choose(rc, label: str, value) -> None:
    rc.find(v.Select, label=label).widget.v_model = value


def test_page_offers_every_control_with_the_models_choices(page):
    strategy = page.find(v.Select, label=MODEL_PARAMS["strategy"]["label"]).widget
    assert strategy.items == list(STRATEGIES)
    culture = page.find(v.Select, label=MODEL_PARAMS["culture"]["label"]).widget
    assert culture.items == culture_options()
    assert culture.v_model == "custom"
    sliders = {s.widget.label: s.widget for s in page.find(v.Slider)}
    for key in ("power_distance", "resistance", "budget_fte_per_100_teams"):
        assert MODEL_PARAMS[key]["label"] in sliders
    assert sliders[MODEL_PARAMS["power_distance"]["label"]].max == 1.0
    boxes = {t.widget.label for t in page.find(v.TextField)}
    assert {MODEL_PARAMS["seed"]["label"], MODEL_PARAMS["n_teams"]["label"]} <= boxes
    switches = {c.widget.label: c.widget.v_model for c in page.find(v.Checkbox)}
    for i, name in enumerate(MECHANISMS, start=1):
        assert switches[f"{i}. {name.replace('_', ' ')}"] is True


def test_culture_choices_are_hofstedes_countries_with_custom_first():
    assert culture_options()[0] == "custom"
    assert len(culture_options()) == 1 + len(HOFSTEDE_PDI)
    assert "Malaysia (PDI 104)" in culture_options()


def test_page_shows_org_chart_plots_and_guide(page):
    for css in ("lean-org-chart", "lean-plot-adoption", "lean-plot-pmo"):
        assert image(page, css).startswith(b"\x89PNG")
    shown = texts(page)
    assert "What to notice" in shown and "Things to try" in shown
    assert "0 of 520" in shown


def test_step_advances_the_week_and_redraws_chart_and_plots(page):
    before = {css: image(page, css) for css in ("lean-org-chart", "lean-plot-adoption")}
    for _ in range(3):
        click(page, "Step")
    assert "3 of 520" in texts(page)
    for css, png in before.items():
        assert image(page, css) != png, f"{css} did not change after three steps"


def test_org_chart_switches_between_team_measures(page):
    capability = image(page, "lean-org-chart")
    page.find(v.BtnToggle).widget.v_model = "ownership"  # what a click on "ownership" does
    assert image(page, "lean-org-chart") != capability


def test_reset_builds_a_model_from_the_controls(page):
    click(page, "Step")
    choose(page, MODEL_PARAMS["strategy"]["label"], "embedded")
    type_into(page, MODEL_PARAMS["n_teams"]["label"], "48")
    click(page, "Reset")
    shown = texts(page)
    assert "0 of 520" in shown
    assert "<strong>embedded</strong>" in shown and "<strong>48</strong> teams" in shown
    assert "This strategy runs no central office" not in shown  # the plot says it, as an image
    assert "PMO staff" not in shown  # no office, no office headline


def test_culture_preset_sets_power_distance(page):
    choose(page, MODEL_PARAMS["culture"]["label"], "Japan (PDI 54)")
    click(page, "Reset")
    assert "<strong>0.54 (Japan)</strong>" in texts(page)


def test_power_distance_slider_counts_when_culture_is_custom(page):
    page.find(v.Slider, label=MODEL_PARAMS["power_distance"]["label"]).widget.v_model = 0.9
    click(page, "Reset")
    assert "<strong>0.90</strong>" in texts(page)


@pytest.mark.parametrize(
    ("label_key", "text", "message"),
    [
        ("seed", "abc", "seed='abc': not a whole number"),
        ("seed", "-3", "seed='-3': out of range"),
        ("n_teams", str(VIZ_MAX_TEAMS + 1), "out of range"),
        ("n_teams", "1", "out of range"),
        ("n_teams", "lots", "not a whole number"),
    ],
)
def test_bad_text_gives_a_message_and_no_model(page, label_key, text, message):
    type_into(page, MODEL_PARAMS[label_key]["label"], text)
    click(page, "Reset")
    shown = texts(page)
    assert "The model was not built" in shown
    assert message in shown
    assert not page.find(widgets.Image, _dom_classes=("solara-image", "lean-org-chart"))
    click(page, "Step")  # does nothing, and does not fail
    assert "The model was not built" in texts(page)


def test_fixing_the_value_and_resetting_clears_the_message(page):
    type_into(page, MODEL_PARAMS["seed"]["label"], "abc")
    click(page, "Reset")
    type_into(page, MODEL_PARAMS["seed"]["label"], "11")
    click(page, "Reset")
    shown = texts(page)
    assert "The model was not built" not in shown
    assert "seed <strong>11</strong>" in shown


def test_switching_a_mechanism_off_is_reported(page):
    page.find(v.Checkbox, label="1. escape hatch").widget.v_model = False
    click(page, "Reset")
    assert "switched off: escape hatch" in texts(page)
