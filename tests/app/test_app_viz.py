"""The browser app's plain helpers: control parsing, VizModel, the org-chart layout, drawing."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.collections import PatchCollection, PathCollection, QuadMesh
from matplotlib.figure import Figure

from sim import MECHANISMS, Params, cultures
from sim.organization import build_tree
from sim.viz import (
    VIZ_MAX_TEAMS,
    ControlError,
    VizModel,
    culture_power_distance,
    draw_adoption,
    draw_org_chart,
    draw_pmo,
    internals,
    params_from_controls,
    parse_power_distance,
    parse_seed,
    parse_teams,
    series_frame,
    tree_layout,
)

CONTROLS = dict(
    strategy="centralized",
    culture="custom",
    power_distance=0.3,
    resistance=0.5,
    n_teams="24",
    budget_fte_per_100_teams=10.0,
)


# --- controls --------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "value"), [("7", 7), (" 42 ", 42), ("1,000", 1000), (0, 0)])
def test_seed_box_accepts_whole_numbers(text, value):
    assert parse_seed(text) == value


@pytest.mark.parametrize("text", ["abc", "", "7.5", "-1", "1e3"])
def test_seed_box_rejects_anything_else_naming_the_value(text):
    with pytest.raises(ControlError, match=r"seed=.*(not a whole number|out of range)"):
        parse_seed(text)


def test_size_box_allows_what_params_allows_up_to_the_browser_limit():
    assert parse_teams("2") == 2
    assert parse_teams(str(VIZ_MAX_TEAMS)) == VIZ_MAX_TEAMS
    for bad in ("1", str(VIZ_MAX_TEAMS + 1), "100000", "many"):
        with pytest.raises(ControlError, match=f"teams='{bad}'.*from 2 to 5,000"):
            parse_teams(bad)


def test_culture_presets_are_hofstede_pdi_over_100_clipped_to_one():
    assert culture_power_distance("custom") is None
    assert culture_power_distance("Germany (PDI 35)") == pytest.approx(0.35)
    assert culture_power_distance("Denmark") == pytest.approx(0.18)
    assert culture_power_distance("Malaysia (PDI 104)") == 1.0
    for culture in cultures.cultures().values():  # the one table, read by the page
        assert culture_power_distance(culture.label) == culture.power_distance
    with pytest.raises(ControlError, match="culture='Atlantis'"):
        culture_power_distance("Atlantis")


@pytest.mark.parametrize(("text", "value"), [("", None), (" ", None), (None, None), ("0.3", 0.3)])
def test_power_distance_box_is_a_number_or_empty(text, value):
    assert parse_power_distance(text) == value


@pytest.mark.parametrize("text", ["abc", "1.5", "-0.1"])
def test_power_distance_box_rejects_anything_else_naming_the_value(text):
    with pytest.raises(ControlError, match=r"power distance=.*(not a number|out of range)"):
        parse_power_distance(text)


def test_a_preset_sets_power_distance_and_custom_takes_the_box():
    assert params_from_controls(**CONTROLS).power_distance == 0.3
    assert params_from_controls(**{**CONTROLS, "power_distance": ""}).power_distance == 0.4
    japan = params_from_controls(**{**CONTROLS, "culture": "Japan (PDI 54)", "power_distance": ""})
    assert japan.power_distance == pytest.approx(0.54)


def test_a_preset_and_a_conflicting_power_distance_are_rejected_as_the_sweep_does():
    with pytest.raises(ControlError) as err:
        params_from_controls(**{**CONTROLS, "culture": "Japan (PDI 54)", "power_distance": "0.3"})
    assert "power_distance=0.3 conflicts with culture=japan" in str(err.value)
    same = params_from_controls(**{**CONTROLS, "culture": "Japan", "power_distance": "0.54"})
    assert same.power_distance == pytest.approx(0.54)  # agreeing values are no conflict


def test_every_bad_control_is_reported_at_once():
    with pytest.raises(ControlError) as err:
        params_from_controls(**{**CONTROLS, "n_teams": "x", "culture": "Atlantis"})
    lines = str(err.value).splitlines()
    assert len(lines) == 2 and "teams='x'" in lines[0] and "culture='Atlantis'" in lines[1]


def test_out_of_range_sliders_are_reported_by_params_with_the_field_name():
    with pytest.raises(ControlError, match=r"resistance=1\.5"):
        params_from_controls(**{**CONTROLS, "resistance": 1.5})


def test_mechanism_switches_reach_params():
    off = {name: name == "escape_hatch" for name in MECHANISMS}
    p = params_from_controls(**CONTROLS, mechanisms={k: not v for k, v in off.items()})
    assert p.escape_hatch is False and p.peer_diffusion is True
    with pytest.raises(ControlError, match="unknown"):
        params_from_controls(**CONTROLS, mechanisms={"telepathy": True})


# --- VizModel --------------------------------------------------------------------------------
def test_viz_model_starts_where_the_model_does():
    m = VizModel(n_teams="24")
    defaults = Params()
    assert m.error is None and m.week == 0
    assert m.params.resistance == defaults.resistance
    assert m.params.power_distance == defaults.power_distance
    assert len(series_frame(m.lean)) == 1  # week 0 is collected, as sim.run does


def test_viz_model_is_the_same_run_as_lean_model_with_the_same_seed():
    from sim import LeanModel

    m = VizModel(**CONTROLS, seed="5")
    direct = LeanModel(m.params, seed=5)
    for _ in range(10):
        m.step()
        direct.step()
    assert m.lean.measures == direct.measures


def test_viz_model_with_bad_values_carries_the_message_and_does_not_step():
    m = VizModel(**{**CONTROLS, "n_teams": "0"}, seed="x")
    assert m.lean is None and m.running is False
    assert "seed='x'" in m.error and "teams='0'" in m.error
    m.step()
    assert m.week == 0


def test_viz_model_rejects_an_unknown_strategy_with_the_choices():
    m = VizModel(strategy="magic")
    assert "strategy='magic'" in m.error and "centralized" in m.error


def test_viz_model_stops_at_the_horizon():
    m = VizModel(**CONTROLS)
    while m.running:
        m.step()
    assert m.week == m.horizon == Params().weeks
    m.step()
    assert m.week == m.horizon


# --- org-chart layout ------------------------------------------------------------------------
def _check_layout(parent: np.ndarray, team_manager: np.ndarray) -> None:
    lay = tree_layout(parent, team_manager)
    children = {i: np.flatnonzero(parent == i) for i in range(len(parent))}
    leaves = [i for i, c in children.items() if len(c) == 0]
    assert sorted(lay.x[leaves]) == list(range(len(leaves)))  # leaves fill the columns
    for node, kids in children.items():
        if len(kids):
            assert lay.x[kids].min() <= lay.x[node] <= lay.x[kids].max()  # over its subtree
            assert np.all(lay.level[kids] == lay.level[node] + 1)
    # each team has its own cell, under its own line manager
    cells = set(zip(lay.team_column.tolist(), lay.team_row.tolist(), strict=True))
    assert len(cells) == len(team_manager)
    assert np.array_equal(lay.team_column, lay.x[team_manager].astype(int))
    # subtrees occupy disjoint column ranges: no edge crosses another
    for kids in children.values():
        spans = sorted(_span(lay, children, k) for k in kids)
        for (_, hi), (lo, _) in itertools.pairwise(spans):
            assert hi < lo
    assert len(lay.segments) == 3 * (len(parent) - 1)


def _span(lay, children, node) -> tuple[float, float]:
    stack, xs = [node], []
    while stack:
        n = stack.pop()
        xs.append(lay.x[n])
        stack.extend(children[n].tolist())
    return min(xs), max(xs)


@settings(max_examples=30, deadline=None)
@given(n_teams=st.integers(2, 400), span_teams=st.integers(2, 12), span_managers=st.integers(2, 8))
def test_tree_layout_is_tidy_for_any_organization(n_teams, span_teams, span_managers):
    parent, _, team_manager = build_tree(n_teams, span_teams, span_managers)
    _check_layout(parent, team_manager)


def test_tree_layout_handles_uneven_trees():
    # 0 -> 1, 2; 1 -> 3, 4; 2 -> 5 ; teams under 3, 4, 5 (5 has three)
    parent = np.array([-1, 0, 0, 1, 1, 2])
    team_manager = np.array([3, 4, 5, 5, 5])
    _check_layout(parent, team_manager)
    lay = tree_layout(parent, team_manager)
    assert lay.n_columns == 3 and lay.n_rows == 3
    assert lay.x[1] == 0.5 and lay.x[2] == 2.0 and lay.x[0] == 1.25  # over first..last child


def test_tree_layout_refuses_what_is_not_a_tree():
    with pytest.raises(ValueError, match="exactly one top"):
        tree_layout(np.array([-1, -1]), np.array([0, 1]))
    with pytest.raises(ValueError, match="leaves"):
        tree_layout(np.array([-1, 0]), np.array([0, 1]))


# --- drawing ---------------------------------------------------------------------------------
def _frame(model: VizModel) -> tuple[Figure, bytes]:
    fig = Figure(figsize=(7.4, 5.0), dpi=100)
    lean = model.lean
    draw_org_chart(
        fig,
        model.layout,
        internals.team_values(lean, "capability"),
        internals.manager_support(lean),
        internals.in_pilot(lean),
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return fig, buf.getvalue()


def _with_pilots(n_teams: int) -> VizModel:
    m = VizModel(**{**CONTROLS, "n_teams": str(n_teams)})
    internals.in_pilot(m.lean)[:3] = True  # the chart's business is to show them, whoever they are
    return m


def test_small_org_outlines_each_pilot_team():
    fig, _ = _frame(_with_pilots(200))
    outlines = [c for c in fig.axes[0].collections if isinstance(c, PatchCollection)]
    assert len(outlines) == 1 and len(outlines[0].get_paths()) == 3
    assert fig.axes[0].get_legend().get_texts()[0].get_text() == "team in a PMO pilot"


def test_large_org_marks_units_with_pilots_under_their_column():
    fig, _ = _frame(_with_pilots(2000))
    assert not [c for c in fig.axes[0].collections if isinstance(c, PatchCollection)]
    legend = fig.axes[0].get_legend().get_texts()[0].get_text()
    assert legend == "unit with a team in a PMO pilot"


def test_large_org_shows_line_managers_as_a_strip_of_cells():
    small, large = _with_pilots(200), _with_pilots(2000)
    for model, strip in ((small, False), (large, True)):
        fig, _ = _frame(model)
        n_line = internals.n_line_managers(model.lean)
        nodes = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
        n_nodes = max(len(c.get_offsets()) for c in nodes)
        meshes = [c for c in fig.axes[0].collections if isinstance(c, QuadMesh)]
        assert n_nodes == internals.n_managers(model.lean) - (n_line if strip else 0)
        assert len(meshes) == (2 if strip else 1)  # teams, and line managers if a strip


def test_chart_colours_follow_the_team_values():
    m = VizModel(**CONTROLS)
    _, before = _frame(m)
    internals.own_capability(m.lean)[:] = 1.0
    _, after = _frame(m)
    assert before != after


def test_plots_draw_for_runs_with_and_without_an_office():
    for strategy in ("centralized", "embedded"):
        m = VizModel(**{**CONTROLS, "strategy": strategy})
        for _ in range(5):
            m.step()
        df = series_frame(m.lean)
        assert list(df["week"]) == list(range(6))
        fig = Figure()
        draw_adoption(fig, df)
        assert [len(ax.lines) for ax in fig.axes] == [3, 2]  # incl. the baseline at 1.0
        fig = Figure()
        has_office = internals.has_office(m.lean)
        draw_pmo(fig, df, has_pmo=has_office)
        text = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
        assert ("runs no central office" in text) == (not has_office)
