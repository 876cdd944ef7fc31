"""A fair fight: one budget pays for every lever, no lever is free, mechanisms respond to
structures (never to strategy names), and strategies share the draws of what they share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import STRATEGIES, LeanModel, Params, run
from sim.model import EFFORT, LEDGER, SERIES_COLUMNS

UNSPENT = [h for h in LEDGER if h.startswith("budget_unspent")]
FUNDED = ["effort_office_staff", "effort_line_coaches", "effort_funded_team_time"]
FUNDED += ["effort_pilot_team_time"]


# --- one budget, all effort booked -------------------------------------------------------------
#: A known bug (test_ledger.py::test_after_a_cut_the_office_spends_no_more_than_its_granted_budget,
#: xfail): once executives cut an office, pilots its remaining staff can no longer pay for run on
#: and "budget_unspent_unused" goes negative. Tolerated here, and only there, so the other checks
#: still run in those states; set to False when the bug is fixed (the xfail will then XPASS).
TOLERATE_PILOTS_OVERSPENT_AFTER_A_CUT = True


def check_week(model: LeanModel) -> None:
    """Every heading of this week's ledger against what the model's state says was spent."""
    led, line, size = model.ledger, model.line, model.p.team_size
    negative = {k: v for k, v in led.items() if v < -1e-9}
    office_cut = model.office is not None and model.office.budget_share < 1.0
    if TOLERATE_PILOTS_OVERSPENT_AFTER_A_CUT and office_cut:
        negative.pop("budget_unspent_unused", None)
    assert not negative, led
    np.testing.assert_allclose(led["effort_funded_team_time"], line.funded_used.sum() * size)
    np.testing.assert_allclose(led["effort_pilot_team_time"], line.pilot_time.sum() * size)
    np.testing.assert_allclose(led["effort_duty_time"], line.induced.sum() * size)
    office, lp = model.office, model.line_programme
    # the specialists who worked this week (before any quit or cut at this week's review)
    staff = office.week_budget["working"] if office is not None else 0.0
    coaches = lp.week_budget["working"] if lp is not None else 0.0
    np.testing.assert_allclose(led["effort_office_staff"], staff)
    np.testing.assert_allclose(led["effort_line_coaches"], coaches)
    # the budget identity: spent plus every unspent heading is what was available
    booked = sum(led[h] for h in FUNDED) + sum(led[h] for h in UNSPENT)
    np.testing.assert_allclose(booked, led["budget_available"], atol=1e-9)
    # the office never spends more than its share; nobody improves beyond the cap
    share = model.policy.pmo_share * model.budget
    assert led["effort_office_staff"] + led["effort_pilot_team_time"] <= share + 1e-9
    assert (line.improvement <= model.p.max_improvement_time + 1e-12).all()
    np.testing.assert_allclose(
        line.improvement, line.pilot_time + line.funded_used + line.own_time + line.induced
    )


unit = st.floats(0.0, 1.0)
random_params = st.fixed_dictionaries(
    {
        "strategy": st.sampled_from(STRATEGIES),
        "n_teams": st.integers(2, 60),
        "weeks": st.integers(1, 60),
        "team_size": st.integers(1, 12),
        "budget_fte_per_100_teams": st.floats(0.0, 200.0),
        "pmo_share": st.none() | unit,
        "line_duty": st.none() | unit,
        "coach_share": st.none() | unit,
        "line_coaching_share": st.none() | unit,
        "pilots_per_staff": st.integers(1, 6),
        "pilot_time": unit,
        "max_improvement_time": st.floats(0.05, 1.0),
        "resistance": unit,
        "power_distance": unit,
        "review_weeks": st.integers(1, 30),
        "hiring_weeks": st.integers(0, 20),
        "budget_to_line_after_pmo": st.none() | st.booleans(),
        "sunset": st.sampled_from([None, "none", "adoption", "deadline"]),
        "sunset_week": st.integers(1, 60),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_params, st.integers(0, 2**31 - 1))
def test_booked_effort_is_the_time_actually_spent(kw, seed):
    model = LeanModel(Params(**kw), seed=seed)
    for _ in range(model.params.weeks):
        model.step()
        check_week(model)


@pytest.mark.mutation
def test_funded_time_beyond_the_cap_is_neither_booked_nor_counted():
    """One-person teams and a huge budget: the line cannot use it all; what it cannot use is
    returned, never booked as effort, and performance counts only the time really spent."""
    p = Params(strategy="embedded", n_teams=24, weeks=20, team_size=1, budget_fte_per_100_teams=50)
    model = LeanModel(p, seed=1)
    for _ in range(p.weeks):
        model.step()
        check_week(model)
    assert model.ledger["budget_unspent_unused"] > 0
    assert model.ledger["effort_funded_team_time"] < model.line_programme.funded_budget()


# --- no lever is free, none acts before week 1 ----------------------------------------------
@pytest.mark.mutation
def test_with_no_budget_and_no_duty_every_strategy_is_none():
    zero = dict(n_teams=60, weeks=104, budget_fte_per_100_teams=0.0, line_duty=0.0)
    reference = run(Params(strategy="none", **zero), seed=3).series
    for strategy in STRATEGIES:
        series = run(Params(strategy=strategy, **zero), seed=3).series
        pd.testing.assert_frame_equal(series, reference, obj=strategy)


@pytest.mark.mutation
def test_a_duty_without_budget_costs_line_time_booked_and_paid_in_output():
    kw = dict(n_teams=60, weeks=104, budget_fte_per_100_teams=0.0)
    none = run(Params(strategy="none", **kw), seed=3)
    duty = run(Params(strategy="embedded", **kw), seed=3)
    assert duty.summary_dict["total_effort_duty_time"] > 100  # FTE-weeks of line time
    assert duty.summary_dict["total_budget_spent"] == 0.0
    # the first weeks: the induced time is lost output before any capability can pay it back
    early = slice(1, 9)
    lost = (none.series["performance"] - duty.series["performance"]).iloc[early]
    assert (lost > 0).all()
    assert duty.series["cumulative_net_value"].iloc[8] < none.series["cumulative_net_value"].iloc[8]


@pytest.mark.mutation
def test_no_lever_acts_before_week_1_the_week_0_state_is_the_same_for_every_strategy():
    week0 = {
        s: run(Params(strategy=s, n_teams=60, weeks=1, line_duty=1.0), seed=5).series.iloc[0]
        for s in STRATEGIES
    }
    for name, row in week0.items():
        pd.testing.assert_series_equal(row, week0["none"], obj=name)
    models = {s: LeanModel(Params(strategy=s, n_teams=60), seed=5) for s in STRATEGIES}
    for name in ("support", "own", "ownership", "commitment", "coaching", "pressure"):
        for strategy, model in models.items():
            np.testing.assert_array_equal(
                getattr(model.line, name), getattr(models["none"].line, name), err_msg=strategy
            )


# --- structures, not names -------------------------------------------------------------------
@pytest.mark.mutation
def test_blame_is_zero_for_teams_nobody_touched():
    model = LeanModel(Params(strategy="centralized", n_teams=100, productivity_gain=0.0), seed=2)
    for _ in range(60):
        model.step()
    week = model.steps
    touched = (model.line.touched >= week - model.p.blame_weeks).any(axis=0)
    assert touched.any() and (~touched).any()
    model.line.result[:] = -1.0  # every team has a setback
    blame = model.line.blame_by_team(week)
    assert (blame[~touched] == 0).all() and (blame[touched] == 1).all()


@pytest.mark.mutation
def test_a_programme_is_blamed_for_setbacks_in_its_teams_only():
    model = LeanModel(Params(strategy="centralized", n_teams=100), seed=2)
    for _ in range(30):
        model.step()
    office, line = model.office, model.line
    touched = line.touched_since("office", model.steps - model.p.blame_weeks)
    line.result[:] = 0.0
    line.result[~touched] = -1.0  # setbacks only where the office never was
    before = office.blame
    office.reflect()
    assert office.blame <= before  # nothing new to blame it for
    line.result[touched] = -1.0
    office.reflect()
    assert office.blame > before


@pytest.mark.mutation
def test_a_manager_who_refuses_coaching_gets_none():
    """Checked every week right after the line programme has coached (model.step runs the
    week, so the week counter, reviews and closures run as in any run)."""
    p = Params(strategy="embedded", n_teams=96, refusal_stance=-0.2)
    model = LeanModel(p, seed=4)
    programme, original_act = model.line_programme, model.line_programme.act
    refused = []

    def act():
        support_before = model.line.support.copy()
        original_act()
        managers = model.line.line_managers
        refuses = managers[support_before[managers] < p.refusal_stance]
        refused.append(len(refuses))
        assert (model.line.coaching_input[refuses] == 0).all()

    programme.act = act
    for _ in range(40):
        model.step()
    assert len(refused) == 40 and max(refused) > 0
    assert programme.coach_of.size > 0  # and somebody was coached


@pytest.mark.mutation
def test_pilots_need_the_same_acceptance_as_coaching():
    model = LeanModel(Params(strategy="centralized", n_teams=96, refusal_stance=-0.2), seed=4)
    for _ in range(60):
        support = model.line.support.copy()
        was = model.line.in_pilot.copy()
        model.step()
        started = model.line.in_pilot & ~was
        gatekeeper = model.org.team_manager[started]
        assert (support[gatekeeper] >= model.p.refusal_stance).all()


# --- common random numbers -------------------------------------------------------------------
@pytest.mark.mutation
def test_an_office_only_lever_leaves_the_team_trial_stream_alone():
    """pilot_selection changes which teams get pilots, never the teams' own trial draws."""
    models = [
        LeanModel(Params(strategy="centralized", n_teams=60, pilot_selection=s), seed=9)
        for s in ("supportive", "struggling")
    ]
    diverged = False
    for _ in range(80):
        states = []
        for model in models:
            states.append(model.streams["trials"].bit_generator.state["state"]["state"])
            model.step()
        assert states[0] == states[1]
        diverged |= not np.array_equal(models[0].line.in_pilot, models[1].line.in_pilot)
    assert diverged  # the lever did change something


@pytest.mark.mutation
def test_streams_are_separate_per_process():
    model = LeanModel(Params(n_teams=24), seed=1)
    states = [g.bit_generator.state["state"]["state"] for g in model.streams.values()]
    assert len(set(states)) == len(states)


# --- capacity --------------------------------------------------------------------------------
@pytest.mark.parametrize("coach_share", [0.0, 0.25, 0.5, 0.8])
@pytest.mark.mutation
def test_no_office_time_is_lost_to_rounding(coach_share):
    """Whole pilots plus coaching time account for every filled staff FTE."""
    p = Params(strategy="centralized", n_teams=100, coach_share=coach_share)
    model = LeanModel(p, seed=1)
    for _ in range(3):
        model.step()
    office = model.office
    capacity, coaching = office._capacity()
    used = capacity / p.pilots_per_staff + coaching
    np.testing.assert_allclose(used.sum(), office.staff.headcount)
    assert office.staff.headcount == pytest.approx(office.positions_fte())


@pytest.mark.mutation
def test_the_series_has_every_ledger_heading():
    assert set(LEDGER) <= set(SERIES_COLUMNS) and set(EFFORT) <= set(LEDGER)
