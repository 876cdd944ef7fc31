"""Invariants over years, in the states short runs never reach (hypothesis, slow).

test_invariants.py and test_fair_fight.py draw at most 60-80 weeks, so sunsets, closures,
careers and cuts rarely happen there. Here each scenario is built to reach one such state
within six years (a deadline or an adoption sunset that staff attachment delays, executives
closing a discredited office or line programme, cuts and the hiring that follows them,
rotation, prospects well below 1, a line programme inheriting a closed office's budget);
hypothesis varies the organization, the culture, the budget and the timing around it. Every
week the invariants hold: the ledger is what was spent (test_fair_fight.check_week), shares
stay in [0, 1], no state is NaN, the rosters add up; and at the end the scenario's state was
reached (so the test cannot pass by missing it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_fair_fight import check_week
from test_invariants import SHARES, state_arrays

from sim import LeanModel, Params

pytestmark = pytest.mark.slow

#: Executives lose trust within months: cuts at the reviews, then closure.
DISTRUST = dict(
    legitimacy_base=0.0,
    claim_weight=0.0,
    sponsor_weight=0.0,
    legitimacy_weeks=26.0,
    cut_threshold=0.45,
    close_threshold=0.15,
    review_weeks=13,
)


@dataclass
class Trace:
    """What happened over the run, for the scenario's check."""

    weeks: int = 0
    min_prospects: float = 1.0
    cut_week: dict[str, int] = field(default_factory=dict)
    hires_after_cut: int = 0
    line_granted: list[float] = field(default_factory=list)


def invariants(model: LeanModel) -> None:
    check_week(model)
    m = model.measures
    for name in SHARES:
        assert np.isnan(m[name]) or 0.0 <= m[name] <= 1.0 + 1e-12, (name, m[name])
    for name, arr in state_arrays(model).items():
        values = np.asarray(arr, dtype=float)
        if name == "line.pilot_ended":  # -inf: never piloted
            values = values[values != -np.inf]
        assert np.isfinite(values).all(), name
    for programme in model.programmes:
        s = programme.staff
        assert not (s.filled & s.cut).any()
        assert s.headcount + s.vacant_fte == pytest.approx(s.positions_fte)
        assert (s.fte[~s.cut] > 0).all() and (s.fte <= 1.0 + 1e-12).all()
        assert ((s.prospects > 0) & (s.prospects <= 1.0)).all()
        assert 0.0 <= programme.budget_share <= 1.0
        assert programme.active or programme.staff.headcount == 0.0
    office = model.office
    if office is not None:
        assert office.staff_load.sum() == model.line.in_pilot.sum() == len(office._open)
        assert (office.staff_load >= 0).all()


def run_years(params: Params, seed: int) -> tuple[LeanModel, Trace]:
    model, trace = LeanModel(params, seed=seed), Trace()
    filled = {id(p): np.zeros(0, bool) for p in model.programmes}
    for _ in range(params.weeks):
        model.step()
        invariants(model)
        week = model.steps
        for programme in model.programmes:
            s = programme.staff
            if s.filled.any():
                trace.min_prospects = min(trace.min_prospects, float(s.prospects[s.filled].min()))
            if programme.budget_share < 1.0:
                trace.cut_week.setdefault(programme.function, week)
            before = np.append(filled[id(programme)], np.zeros(len(s.filled), bool))[
                : len(s.filled)
            ]
            if programme.function in trace.cut_week and trace.cut_week[programme.function] < week:
                trace.hires_after_cut += int((s.filled & ~before).sum())
            filled[id(programme)] = s.filled.copy()
        if model.line_programme is not None:
            trace.line_granted.append(model.line_programme.granted())
    trace.weeks = model.steps
    return model, trace


@dataclass(frozen=True)
class Scenario:
    """Parameters that lead to a state, and the check that the state was reached."""

    params: Callable[[st.DrawFn], dict]
    reached: Callable[[LeanModel, Trace], bool]


def world(draw: st.DrawFn) -> dict:
    """The organization and culture, varied in every scenario."""
    return dict(
        n_teams=draw(st.integers(24, 72)),
        team_size=draw(st.integers(2, 10)),
        resistance=draw(st.floats(0.1, 0.8)),
        power_distance=draw(st.floats(0.0, 1.0)),
        budget_fte_per_100_teams=draw(st.floats(6.0, 30.0)),
        hiring_weeks=draw(st.integers(0, 16)),
    )


def office_strategy(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(["centralized", "hybrid", "product"]))


SCENARIOS: dict[str, Scenario] = {
    "a deadline sunset delayed by staff attachment": Scenario(
        lambda draw: dict(
            strategy=office_strategy(draw),
            sunset="deadline",
            sunset_week=draw(st.integers(104, 156)),
            rotate_staff=False,
            career_decay=draw(st.floats(0.3, 1.0)),
            attachment_delay_weeks=draw(st.integers(52, 156)),
            weeks=312,
            legitimacy=False,
        ),
        lambda m, t: m.office.closed_reason == "sunset" and m.office.closed_week > m.p.sunset_week,
    ),
    "an adoption sunset": Scenario(
        lambda draw: dict(
            strategy=office_strategy(draw),
            sunset="adoption",
            sunset_adoption=draw(st.floats(0.1, 0.3)),
            initial_capability=draw(st.floats(0.5, 0.6)),
            weeks=260,
            legitimacy=False,
        ),
        lambda m, t: m.office.closed_reason == "sunset",
    ),
    "an office closed by executives, its budget to the line": Scenario(
        lambda draw: dict(
            strategy=office_strategy(draw),
            budget_to_line_after_pmo=True,
            line_duty=0.0,  # the line programme waits for the office's budget (not reviewed)
            sunset="none",
            **DISTRUST,
            weeks=208,
        ),
        lambda m, t: (
            m.office.closed_reason == "closed by executives"
            # from the week the office closed (index week - 1), the line is granted more
            and max(t.line_granted[m.office.closed_week - 1 :])
            > max(t.line_granted[: m.office.closed_week - 1], default=0.0)
        ),
    ),
    "a line programme cut and closed by executives": Scenario(
        lambda draw: dict(strategy="embedded", **DISTRUST, weeks=208),
        lambda m, t: (
            "line" in t.cut_week and m.line_programme.closed_reason == "closed by executives"
        ),
    ),
    "cuts, quits and the hiring after them": Scenario(
        lambda draw: dict(
            strategy=draw(st.sampled_from(["centralized", "embedded", "hybrid"])),
            **{**DISTRUST, "close_threshold": 0.0, "cut_fraction": draw(st.floats(0.1, 0.3))},
            attrition_base=draw(st.floats(0.02, 0.05)),
            sunset="none",
            weeks=260,
        ),
        lambda m, t: t.cut_week and t.hires_after_cut > 0,
    ),
    "rotation back into the line, careers well below 1": Scenario(
        lambda draw: dict(
            strategy="hybrid",
            sunset="none",
            rotation_weeks=draw(st.integers(52, 130)),
            career_decay=draw(st.floats(1.0, 2.0)),
            legitimacy=False,
            weeks=312,
        ),
        lambda m, t: m.office.staff.rotations > 0 and t.min_prospects < 0.5,
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
# no shrinking: each example runs years, and the failing one is reported as drawn
@settings(
    max_examples=3,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data(), seed=st.integers(0, 2**31 - 1))
def test_invariants_hold_for_years_through_sunsets_closures_cuts_and_careers(name, data, seed):
    scenario = SCENARIOS[name]
    kw = world(data.draw) | scenario.params(data.draw)
    model, trace = run_years(Params(**kw), seed)
    assert trace.weeks == kw["weeks"]
    assert scenario.reached(model, trace), f"{name}: not reached with {kw}, seed {seed}"
