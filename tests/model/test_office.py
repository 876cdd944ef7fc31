"""The central office (sim.office): capacity, which teams get pilots, follow-ups, the adaptive
offer, the sunset and closing.

Each test builds a small organization (32 teams: an executive over four line managers, eight
teams each), sets the state that matters by hand and calls the office's own steps.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from support import set_kpi

from sim import LeanModel, Params
from sim import mechanisms as mech
from sim.outcomes import FOLLOW_UPS

pytestmark = pytest.mark.mutation


def office_model(fte: float = 1.0, seed: int = 0, **kw) -> LeanModel:
    """A centralized office with ``fte`` staff in post (founders), before any week ran."""
    kw = {"strategy": "centralized", "n_teams": 32, "power_distance": 0.0, **kw}
    model = LeanModel(Params(**kw), seed=seed)
    staff = model.office.staff
    staff.set_positions(fte, 0)
    staff.hire(0, founding=True)
    model.office.started = True
    model.office.opposed_by_slot = np.zeros(len(staff.fte))
    return model


def set_stance(model: LeanModel, executive: float, line_managers: list[float]) -> None:
    model.line.support[:] = [executive, *line_managers]


def teams_of(manager: int) -> set[int]:
    return set(range(8 * (manager - 1), 8 * manager))


# --- what the office is ----------------------------------------------------------------------
def test_an_office_exists_only_with_a_share_of_a_budget():
    assert LeanModel(Params(strategy="centralized", n_teams=32), 0).office.active
    for kw in (dict(pmo_share=0.0), dict(budget_fte_per_100_teams=0.0)):
        model = LeanModel(Params(strategy="centralized", n_teams=32, **kw), 0)
        assert not model.office.active and model.office.granted() == 0.0
    assert LeanModel(Params(strategy="none", n_teams=32), 0).office is None


def test_the_office_budget_cost_and_directed_effort():
    p = dict(pmo_share=0.6, coach_share=0.5, pilot_time=0.25, team_size=4, pilots_per_staff=2)
    model = office_model(budget_fte_per_100_teams=50.0, directed_time_weight=0.5, **p)
    office = model.office
    assert office.allotted_budget() == pytest.approx(0.6 * 16.0)
    assert office.cost_per_staff() == pytest.approx(1.0 + 2 * 0.5 * 0.25 * 4)
    assert office.positions_fte() == pytest.approx(9.6 / 2.0)
    office.budget_share = 0.5
    assert office.granted() == pytest.approx(4.8) and office.positions_fte() == pytest.approx(2.4)
    ledger = {"effort_office_staff": 3.0, "effort_pilot_team_time": 2.0}
    assert office.directed_effort(ledger) == pytest.approx(3.0 + 0.5 * 2.0)
    assert office.visibility == model.p.office_visibility


# --- capacity ----------------------------------------------------------------------------------
def test_whole_pilots_go_by_largest_remainder_and_the_rest_of_the_time_coaches():
    office = office_model(2.5, coach_share=0.25, pilots_per_staff=2).office
    # exact pilots 1.5, 1.5, 0.75: floors 1, 1, 0; the one spare pilot goes to the 0.75
    capacity, coaching = office._capacity()
    assert list(capacity) == [1, 1, 1]
    assert_allclose(coaching, [0.5, 0.5, 0.0])
    office.staff.leave(1, week=0)  # a vacancy runs nothing
    capacity, coaching = office._capacity()
    assert list(capacity) == [1, 0, 1] and coaching[1] == 0.0


def test_a_part_time_slot_runs_only_the_pilots_its_time_allows():
    office = office_model(1.3, coach_share=0.0, pilots_per_staff=2).office
    capacity, coaching = office._capacity()  # exact 2 and 0.6: no spare whole pilot
    assert list(capacity) == [2, 0]
    assert_allclose(coaching, [0.0, 0.3])
    office = office_model(1.6, coach_share=0.0, pilots_per_staff=2).office
    capacity, coaching = office._capacity()  # exact 2 and 1.2: floors 2 and 1
    assert list(capacity) == [2, 1]
    assert_allclose(coaching, [0.0, 0.1])


# --- which teams get pilots --------------------------------------------------------------------
def started(model: LeanModel, week: int = 1) -> set[int]:
    before = model.line.in_pilot.copy()
    model.office.work(week)
    return set(np.flatnonzero(model.line.in_pilot & ~before))


def test_a_pushing_office_starts_with_the_most_supportive_sponsors():
    model = office_model(5.0, pilots_per_staff=2)  # ten pilots
    set_stance(model, 0.5, [0.8, -0.5, 0.2, 0.0])  # manager 2 refuses (below -1/3)
    new = started(model)
    assert len(new) == 10
    assert teams_of(1) <= new and len(new & teams_of(3)) == 2  # sponsor 0.65, then 0.35
    assert model.office.staff_load.tolist() == [2, 2, 2, 2, 2]


def test_a_struggling_first_office_starts_with_the_worst_results():
    model = office_model(1.0, pilot_selection="struggling")
    model.line.result[:] = 0.0
    model.line.result[[5, 20]] = [-0.3, -0.2]
    model.line.result[12] = -0.5
    set_stance(model, 0.0, [0.0, -0.5, 0.0, 0.0])  # team 12's manager refuses
    assert started(model) == {5, 20}


def test_a_random_office_picks_any_team_that_accepts():
    model = office_model(4.0, pilot_selection="random", seed=3)
    set_stance(model, 0.0, [-0.5, -0.5, -0.5, 0.0])
    assert started(model) == teams_of(4)  # only manager 4's eight teams accept


def test_a_pulling_office_serves_committed_teams_most_committed_first():
    model = office_model(1.0, pilot_mode="pull", pull_commitment=0.4)
    set_stance(model, 0.0, [0.0, 0.0, 0.0, 0.0])
    model.line.commitment[:] = 0.0
    model.line.commitment[[3, 9, 30]] = [0.4, 0.9, 0.7]
    assert started(model) == {9, 30}
    assert started(model, week=2) == set()  # capacity full
    model = office_model(1.0, pilot_mode="pull", pull_commitment=0.4)
    model.line.commitment[:] = 0.39
    assert started(model) == set()


def test_a_team_waits_repilot_weeks_before_another_pilot():
    model = office_model(1.0, pilots_per_staff=1, repilot_weeks=10, pilot_weeks=4)
    set_stance(model, 0.0, [0.0, -0.5, -0.5, -0.5])
    model.line.pilot_ended[1:8] = 0.0  # teams 1-7 had a pilot that ended at week 0
    assert started(model, week=9) == {0}
    model.office.close("test", 9)  # frees the capacity
    model = office_model(1.0, pilots_per_staff=1, repilot_weeks=10)
    set_stance(model, 0.0, [0.0, -0.5, -0.5, -0.5])
    model.line.pilot_ended[:8] = 0.0
    assert started(model, week=9) == set()
    assert len(started(model, week=10)) == 1


def test_a_pilot_records_what_it_starts_from():
    model = office_model(1.0, pilots_per_staff=1, handover_focus=0.4)
    set_stance(model, 0.0, [0.0, -0.5, -0.5, -0.5])
    set_kpi(model.line, 1.05, slice(0, 8))
    model.office.staff.skill[0], model.office.staff.prospects[0] = 0.6, 0.5
    (team,) = started(model, week=3)
    line, rec = model.line, model.office.pilots[0]
    assert rec["team"] == team and rec["staff"] == 0 and rec["start"] == 3
    assert np.isnan(rec["end"]) and rec["ended_early"] is False
    assert rec["performance_before"] == pytest.approx(1.05)
    assert rec["own_capability_before"] == line.own[team]
    assert rec["handover"] == pytest.approx(0.2) and rec["arm"] == 0  # kept: 0.4 x 0.5
    assert all(np.isnan(rec[f"performance_{tag}"]) for tag in FOLLOW_UPS)
    assert line.pilot_skill[team] == 0.6 and line.pilot_handover[team] == pytest.approx(0.2)
    assert line.pilot_acceptance[team] == 1.0
    assert line.touched[0, team] == 3 and line.first_touched[0, team] == 3
    assert model.office._by_start[3] == [rec] and model.office._open[team] is rec


# --- running pilots ----------------------------------------------------------------------------
def test_pilots_end_after_pilot_weeks_or_early_when_their_specialist_leaves():
    model = office_model(2.0, pilots_per_staff=1, pilot_weeks=5, repilot_weeks=100)
    set_stance(model, 0.0, [0.0, -0.5, -0.5, -0.5])
    office, line = model.office, model.line
    first = started(model, week=1)
    assert len(first) == 2
    office.work(5)
    assert line.in_pilot.sum() == 2
    by_slot = {rec["staff"]: rec["team"] for rec in office.pilots}
    office.staff.leave(1, week=5)
    office.work(6)  # slot 1's pilot ends early; slot 0's is over (6 - 1 >= 5)
    ended = {rec["team"]: rec for rec in office.pilots if not np.isnan(rec["end"])}
    assert set(ended) == first
    assert ended[by_slot[1]]["ended_early"] and not ended[by_slot[0]]["ended_early"]
    assert all(rec["end"] == 6 for rec in ended.values())
    assert line.pilot_ended[list(first)].tolist() == [6, 6]
    assert (line.pilot_skill[list(first)] == 0).all()
    # slot 0 starts a new pilot with a team that never had one; slot 1 is vacant
    assert line.in_pilot.sum() == 1 and office.staff_load.tolist() == [1, 0]


def test_staff_meet_the_resistance_of_their_pilot_teams():
    model = office_model(1.0, pilots_per_staff=2, power_distance=1.0)
    set_stance(model, 0.0, [0.6, -0.5, -0.5, -0.5])  # acceptance = sponsor = 0.3
    office = model.office
    office.work(1)
    assert model.line.in_pilot.sum() == 2
    assert_allclose(office.opposed_by_slot, [1.0 - 0.3])
    assert_allclose(model.line.pilot_acceptance[model.line.in_pilot], [0.3, 0.3])


def test_pilot_capacity_nobody_takes_up_is_spent_coaching():
    model = office_model(1.0, pilots_per_staff=2, managers_per_coach=4)
    set_stance(model, 0.0, [-0.5, -0.5, -0.5, 0.0])
    model.line.pilot_ended[24:31] = 0.0  # only team 31 may start a pilot
    model.office.work(1)
    assert model.line.in_pilot.sum() == 1
    # the idle pilot (half the FTE) coaches: the one willing manager, at the full half FTE
    assert_allclose(model.line.coaching_input, [0, 0, 0, 0, 0.5 * 0.7])


# --- follow-ups, learning, the adaptive offer -------------------------------------------------
def test_each_pilot_is_followed_up_at_each_age_even_after_the_office_closed():
    model = office_model(1.0, pilots_per_staff=1, baseline_margin=0.02)
    set_stance(model, 0.0, [0.0, -0.5, -0.5, -0.5])
    office, line = model.office, model.line
    line.result[:] = 0.0
    (team,) = started(model, week=10)
    rec = office.pilots[0]
    set_kpi(line, 1.03, team)
    line.own[team] = 0.6
    office.follow_up(10 + 13)
    assert rec["performance_13w"] == pytest.approx(1.03) and rec["own_capability_13w"] == 0.6
    assert office._seen == [(rec, 13, True)]
    office.close("test", 30)
    set_kpi(line, 1.01, team)
    office.follow_up(10 + 26)
    assert rec["performance_26w"] == pytest.approx(1.01) and office._seen == [(rec, 26, False)]
    office.follow_up(10 + 27)
    assert office._seen == [] and np.isnan(rec["performance_39w"])


def test_staff_learn_from_the_follow_ups_they_are_there_to_see():
    model = office_model(2.0, pilots_per_staff=1, success_learning=0.5)
    office, staff = model.office, model.office.staff
    rec0 = {"staff": 0, "arm": 0}
    rec1 = {"staff": 1, "arm": 0}
    staff.tenure[:] = [13.0, 12.0]  # slot 1's holder came after the pilot started
    office._seen = [(rec0, 13, True), (rec1, 13, True)]
    office.observe(week=5)
    assert_allclose(staff.success, [0.75, 0.5])


def test_the_adaptive_offer_tries_more_and_less_teaching_in_turn():
    model = office_model(4.0, adaptive_offer=True, handover_focus=0.3, offer_trial_step=0.1)
    set_stance(model, 0.0, [0.0, 0.0, 0.0, 0.0])
    started(model)
    arms = [rec["arm"] for rec in model.office.pilots]
    assert arms == [1, -1] * 4
    assert [rec["handover"] for rec in model.office.pilots[:2]] == pytest.approx([0.4, 0.2])


def test_the_offer_moves_towards_the_arm_that_sustained_more():
    model = office_model(1.0, adaptive_offer=True, offer_learning_rate=0.5, review_weeks=13)
    office = model.office
    office.offer = 0.5
    # arm +1 sustained 3 of 4, arm -1 1 of 4 (counted from 26 weeks on)
    seen = [(3, True), (3, True), (3, False), (3, True), (2, True)]
    office._seen = [({"staff": 0, "arm": 1}, 26, s) for _, s in seen[:4]]
    office._seen += [({"staff": 0, "arm": -1}, 52, s) for s in (True, False, False, False)]
    office._seen += [({"staff": 0, "arm": -1}, 13, True)]  # too early to count
    office.observe(week=13)
    gain = (3 + 1) / (4 + 2) - (1 + 1) / (4 + 2)
    assert office.offer == pytest.approx(0.5 + 0.5 * gain)
    assert office._trials == {1: [0.0, 0.0], -1: [0.0, 0.0]}  # a fresh comparison
    office._trials = {1: [0.0, 3.0], -1: [3.0, 3.0]}
    office._adapt_offer()
    assert office.offer == pytest.approx(0.5 + 0.5 * gain - 0.5 * 0.6)
    office._trials = {1: [2.0, 2.0], -1: [0.0, 0.0]}
    office._adapt_offer()  # one arm unobserved: no move
    assert office.offer == pytest.approx(0.5 + 0.5 * gain - 0.3)
    office.offer, office._trials = 0.95, {1: [9.0, 9.0], -1: [0.0, 9.0]}
    office._adapt_offer()
    assert office.offer == 1.0


def test_the_offer_adapts_only_at_reviews_and_only_when_adaptive():
    model = office_model(1.0, adaptive_offer=True, review_weeks=13)
    office = model.office
    office._trials = {1: [5.0, 5.0], -1: [0.0, 5.0]}
    office.observe(week=14)
    assert office.offer == model.p.handover_focus
    model = office_model(1.0, adaptive_offer=False, review_weeks=13)
    model.office._trials = {1: [5.0, 5.0], -1: [0.0, 5.0]}
    model.office.observe(week=13)
    assert model.office.offer == model.p.handover_focus


# --- sunset and closing ----------------------------------------------------------------------
def test_a_deadline_sunset_waits_for_staff_attachment():
    model = office_model(2.0, sunset="deadline", sunset_week=10, attachment_delay_weeks=40)
    office, staff = model.office, model.office.staff
    staff.prospects[:] = [0.5, 0.7]  # attachment 0.4: 16 weeks late
    office._sunset(9)
    assert office.sunset_trigger_week is None
    office._sunset(10)
    assert office.sunset_trigger_week == 10 and office.active
    office._sunset(25)
    assert office.active
    office._sunset(26)
    assert not office.active and office.closed_reason == "sunset" and office.closed_week == 26


def test_an_adoption_sunset_triggers_at_the_target_own_adoption():
    model = office_model(1.0, sunset="adoption", sunset_adoption=0.5, career_trap=False)
    office, line = model.office, model.line
    line.own[:] = 0.0
    line.own[:15] = 0.6
    office._sunset(7)
    assert office.sunset_trigger_week is None
    line.own[15] = model.p.adoption_threshold
    office._sunset(8)  # 16 of 32 teams: due, and no attachment (career trap off)
    assert not office.active and office.closed_week == 8


def test_reflect_sunsets_only_a_running_office_with_a_sunset_rule():
    for sunset, closes in (("none", False), ("deadline", True)):
        model = office_model(1.0, sunset=sunset, sunset_week=1, career_trap=False)
        model.steps = 5
        model.office.reflect()
        assert model.office.active is not closes


def test_closing_ends_every_pilot_and_sends_the_staff_into_the_line():
    model = office_model(2.0, pilots_per_staff=2)
    set_stance(model, 0.0, [0.0, 0.0, 0.0, 0.0])
    office, line = model.office, model.line
    office.work(1)
    own_before = line.own.copy()
    office.close("closed by executives", 7)
    assert not line.in_pilot.any() and office._open == {}
    assert all(rec["ended_early"] and rec["end"] == 7 for rec in office.pilots)
    assert office.staff.headcount == 0.0 and office.staff.positions_fte == 0.0
    assert (line.own >= own_before).all() and (line.own > own_before).any()  # alumni
    assert office.closed_reason == "closed by executives" and office.granted() == 0.0
    assert office.staff_load.tolist() == [0, 0]


def test_the_sunset_delay_is_the_attachment_of_the_staff_in_post():
    assert mech.sunset_delay(1.0 - 0.6, 40) == pytest.approx(16.0)


# --- edges: rounding, ties, boundaries ---------------------------------------------------------
def test_spare_whole_pilots_go_only_where_a_slot_has_room_and_add_to_what_it_runs():
    office = office_model(2.0, coach_share=0.25, pilots_per_staff=2).office
    # exact 1.5 each (room for 2): one spare pilot, to the first
    capacity, coaching = office._capacity()
    assert list(capacity) == [2, 1]
    assert_allclose(coaching, [0.0, 0.5])
    office.staff.fte[:] = [1.0, 0.45]  # exact 1.5, 0.675: no room for one in the second
    capacity, coaching = office._capacity()
    assert list(capacity) == [2, 0]
    assert_allclose(coaching, [0.0, 0.45])


def test_spare_pilots_go_by_largest_remainder_ties_in_slot_order():
    office = office_model(21.0, coach_share=0.5, pilots_per_staff=4).office
    office.staff.fte[:] = [0.625, 0.75] * 10 + [0.375]  # exact 1.25, 1.5 ... 0.75
    capacity, _ = office._capacity()
    # floors: 1 each and 0; spare floor(28.25) - 20 = 8: the 0.75 first, then 7 of the 0.5s
    assert list(capacity[:20]) == [1, 2] * 7 + [1, 1] * 3 and capacity[20] == 1


def test_a_budget_below_one_fte_still_makes_an_office():
    model = LeanModel(Params(strategy="centralized", n_teams=32, budget_fte_per_100_teams=2), 0)
    assert model.office.active and model.office.allotted_budget() == pytest.approx(0.64)


def test_the_tried_offers_stay_between_nothing_and_everything():
    model = office_model(4.0, adaptive_offer=True, offer_trial_step=0.2, career_trap=False)
    set_stance(model, 0.0, [0.0, 0.0, 0.0, 0.0])
    model.office.offer = 0.1
    started(model)
    assert [rec["handover"] for rec in model.office.pilots[:2]] == pytest.approx([0.3, 0.0])
    model = office_model(4.0, adaptive_offer=True, offer_trial_step=0.2, career_trap=False)
    set_stance(model, 0.0, [0.0, 0.0, 0.0, 0.0])
    model.office.offer = 0.9
    started(model)
    assert [rec["handover"] for rec in model.office.pilots[:2]] == pytest.approx([1.0, 0.7])


def test_the_offer_moves_after_one_trial_of_each_and_never_below_nothing():
    office = office_model(1.0, adaptive_offer=True, offer_learning_rate=1.0).office
    office.offer = 0.1
    office._trials = {1: [0.0, 1.0], -1: [5.0, 5.0]}
    office._adapt_offer()  # gain 1/3 - 6/7 < -0.1
    assert office.offer == 0.0


def test_a_team_may_have_another_pilot_repilot_weeks_after_its_last_ended():
    model = office_model(1.0, pilots_per_staff=1, repilot_weeks=10)
    set_stance(model, 0.0, [0.0, -0.5, -0.5, -0.5])
    model.line.pilot_ended[:8] = 5.0
    assert started(model, week=14) == set()
    assert len(started(model, week=15)) == 1


def test_a_team_exactly_at_the_pull_commitment_pulls():
    model = office_model(3.0, pilot_mode="pull", pull_commitment=0.4)
    set_stance(model, 0.0, [0.0, 0.0, 0.0, 0.0])
    model.line.commitment[:] = 0.0
    model.line.commitment[[3, 9]] = [0.4, 0.9]
    assert started(model) == {3, 9}


@pytest.mark.parametrize(
    ("kw", "key"),
    [
        (dict(pilot_selection="supportive"), "sponsor"),
        (dict(pilot_selection="struggling"), "result"),
        (dict(pilot_mode="pull", pull_commitment=0.1), "commitment"),
    ],
)
def test_ties_between_candidates_are_broken_by_the_pilots_stream(kw, key):
    """Candidates are shuffled from their own stream, then sorted stably: among equals, the
    shuffled order decides (common random numbers), not the sorting algorithm."""
    import copy

    model = LeanModel(Params(strategy="centralized", n_teams=160, power_distance=0.0, **kw), seed=4)
    office, line = model.office, model.line
    staffed = office.staff
    staffed.set_positions(5.0, 0)
    staffed.hire(0, founding=True)
    office.started = True
    line.support[:] = 0.0
    managers = line.line_managers
    line.support[managers] = [0.2, 0.1] * 10  # sponsors: two levels, many ties
    line.result[:] = np.where(np.arange(160) % 2, -0.1, 0.0)
    line.commitment[:] = np.where(np.arange(160) % 3, 0.5, 0.9)
    values = {
        "sponsor": line.sponsor_support(line.org.team_manager),
        "result": -line.result,
        "commitment": line.commitment,
    }[key]
    stream = copy.deepcopy(model.streams["pilots"])
    order = stream.permutation(np.arange(160))
    expected = [t for t in order if values[t] == values.max()][:10]
    assert set(started(model)) == set(expected)


def test_a_pilot_that_ran_its_course_did_not_end_early_and_a_slot_meets_its_teams_refusal():
    model = office_model(2.0, pilots_per_staff=1, pilot_weeks=2, power_distance=1.0)
    set_stance(model, 0.0, [0.6, -0.5, -0.5, -0.5])
    office = model.office
    office.work(1)
    assert_allclose(office.opposed_by_slot, [0.7, 0.7])  # one pilot each: 1 - 0.3
    office.work(3)
    assert [rec["ended_early"] for rec in office.pilots[:2]] == [False, False]
    assert all(rec["ended_early"] is False for rec in office.pilots[:2])


def test_running_pilot_counts_follow_the_positions_as_the_office_grows():
    model = office_model(2.0, pilots_per_staff=1)
    set_stance(model, 0.0, [0.0, 0.0, 0.0, 0.0])
    office = model.office
    office.work(1)
    office.staff.set_positions(4.0, 0)
    office.staff.hire(0, founding=False)
    office.work(2)
    assert len(office.staff_load) == 4 and office.staff_load.tolist() == [1, 1, 1, 1]


def test_a_follow_up_exactly_at_the_margin_is_not_sustained():
    model = office_model(1.0, pilots_per_staff=1, baseline_margin=0.02)
    set_stance(model, 0.0, [0.0, -0.5, -0.5, -0.5])
    model.line.result[:] = 0.0
    (team,) = started(model, week=1)
    model.line.result[team] = 0.02
    model.office.follow_up(14)
    assert model.office._seen[0][2] is False


def test_an_office_that_lasted_has_no_end_reason():
    from sim import run

    s = run(Params(strategy="centralized", n_teams=24, weeks=20), seed=1).summary_dict
    assert s["pmo_end_reason"] == "" and s["pmo_closed"] == 0.0
