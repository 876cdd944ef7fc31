"""The browser page, rendered with ``solara.render`` (no browser): controls, steps, messages.

The page runs inside solara's AppLayout, as under ``solara run``, so Mesa's sidebar (which
SolaraViz puts in a sidebar portal) is rendered too.
"""

from __future__ import annotations

import json
import time

import ipyvuetify as v
import ipywidgets as widgets
import pytest
import solara

from sim import STRATEGIES, cultures
from sim.app import COMPARE_TITLE, MODEL_PARAMS, Page
from sim.registry import REGISTRY
from sim.viz import VIZ_MAX_TEAMS, culture_options, mechanism_label


@solara.component
def InAppLayout():
    with solara.AppLayout():
        Page()


@pytest.fixture
def page(tmp_path, monkeypatch):
    """A freshly rendered page (its own model) and its render context, started in an empty
    folder (no committed discovery, no calibration posterior), as a fresh checkout would be."""
    monkeypatch.chdir(tmp_path)
    _, rc = solara.render(InAppLayout(), handle_error=False)
    return rc


def write_box_file(folder, limits: dict) -> None:
    """A box file with one box (embedded ahead of centralized) over ``limits``."""
    box = {
        "kind": "pair", "measure": "sustained_adoption", "outcome": "sustained_adoption",
        "outcome_label": "sustained adoption (share of teams)", "margin": 0.05,
        "strategy": "embedded", "versus": "centralized", "limits": limits,
        "density": 0.9, "coverage": 0.6, "number": 1,
    }  # fmt: skip
    content = {
        "worlds": 50, "boxes": [box],
        "dimensions": {"resistance": [0.2, 0.8], "n_teams": [20, 400]},
    }  # fmt: skip
    (folder / "results" / "discovery").mkdir(parents=True)
    (folder / "results" / "discovery" / "boxes.json").write_text(json.dumps(content))


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
    for key in ("resistance", "budget_fte_per_100_teams"):
        assert MODEL_PARAMS[key]["label"] in sliders
    boxes = {t.widget.label: t.widget for t in page.find(v.TextField)}
    for key in ("seed", "n_teams", "power_distance"):
        assert MODEL_PARAMS[key]["label"] in boxes
    assert boxes[MODEL_PARAMS["power_distance"]["label"]].v_model == ""  # the preset's
    switches = {c.widget.label: c.widget.v_model for c in page.find(v.Checkbox)}
    assert len([k for k in switches if k[0].isdigit()]) == len(REGISTRY)  # + Mesa's own
    for mechanism in REGISTRY:  # numbered and labelled as sim.registry says
        assert switches[f"{mechanism.number}. {mechanism.label}"] is True


def test_culture_choices_are_the_culture_table_with_custom_first():
    table = cultures.cultures()
    assert culture_options()[0] == "custom"
    assert len(culture_options()) == 1 + len(table)
    assert "Malaysia (PDI 104)" in culture_options()
    assert mechanism_label(REGISTRY[0]) == "1. escape hatch"


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


def test_power_distance_box_counts_when_culture_is_custom(page):
    type_into(page, MODEL_PARAMS["power_distance"]["label"], "0.9")
    click(page, "Reset")
    assert "<strong>0.90</strong>" in texts(page)


def test_a_country_and_a_conflicting_power_distance_is_an_error_in_the_page(page):
    choose(page, MODEL_PARAMS["culture"]["label"], "Japan (PDI 54)")
    type_into(page, MODEL_PARAMS["power_distance"]["label"], "0.3")
    click(page, "Reset")
    shown = texts(page)
    assert "The model was not built" in shown
    assert "power_distance=0.3 conflicts with culture=japan" in shown  # sim.cultures' rule
    assert "empty the power-distance box" in shown
    type_into(page, MODEL_PARAMS["power_distance"]["label"], "0.54")  # agrees: accepted
    click(page, "Reset")
    assert "<strong>0.54 (Japan)</strong>" in texts(page)


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


# --- the panel "Compare strategies for this organization" ----------------------------------------
def _wait_for(rc, text: str, timeout_s: float = 120.0) -> str:
    """The page's text once it shows ``text`` (the comparison runs in a thread)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        shown = texts(rc)
        if text in shown:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} did not appear within {timeout_s} s")


def test_compare_panel_states_its_estimate_cap_and_the_missing_box_file(page):
    shown = texts(page)
    assert COMPARE_TITLE in shown
    assert "Estimated run time: 5 strategies × 8 organizations = 40 runs" in shown
    assert "(cap 120 s)" in shown
    assert "No scenario discovery found" in shown  # results/discovery/boxes.json is absent


@pytest.mark.parametrize(
    ("limits", "said"),
    [
        ({"resistance": [None, 0.6]}, "lies in:"),  # the default world, resistance 0.5
        ({"resistance": [0.6, None]}, "lies in none of the 1 boxes"),
    ],
)
def test_compare_panel_places_the_organization_in_the_discovery_boxes(
    tmp_path, monkeypatch, limits, said
):
    write_box_file(tmp_path, limits)
    monkeypatch.chdir(tmp_path)
    _, rc = solara.render(InAppLayout(), handle_error=False)
    shown = texts(rc)
    assert said in shown
    sentence = "embedded ahead of centralized on sustained adoption"
    assert (sentence in shown) == (said == "lies in:")


def test_compare_panel_says_when_the_organization_is_outside_the_design(tmp_path, monkeypatch):
    write_box_file(tmp_path, {"resistance": [None, 0.6]})
    monkeypatch.chdir(tmp_path)
    _, rc = solara.render(InAppLayout(), handle_error=False)
    type_into(rc, MODEL_PARAMS["n_teams"]["label"], "1000")
    click(rc, "Reset")
    assert "outside the discovery's design" in texts(rc)


def test_compare_panel_runs_every_strategy_on_the_organization_on_screen(page):
    type_into(page, MODEL_PARAMS["n_teams"]["label"], "24")
    click(page, "Reset")
    page.find(v.Slider, label="Organizations per strategy").widget.v_model = 2
    click(page, "Compare")
    shown = _wait_for(page, "P(best)")
    for strategy in STRATEGIES:
        assert f"<td>{strategy}</td>" in shown
    assert "2 organizations of 24 teams" in shown
    assert "calibrated rates: not used" in shown.lower()
    assert image(page, "lean-compare-plot").startswith(b"\x89PNG")
