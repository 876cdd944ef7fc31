"""What every programme does (sim.programme): positions, hiring and rotation, coaching,
visibility, blame, claims, legitimacy, executive review and closing; and the line's own
programme (designated coaches, funded time, a duty).

Small organizations (32 teams: an executive over four line managers, eight teams each) with the
state that matters set by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from support import set_kpi

from sim import LeanModel, Params
from sim import mechanisms as mech
from sim.programme import OBSERVE_WEEKS

pytestmark = pytest.mark.mutation

LINE_MANAGERS = [1, 2, 3, 4]


def model_of(strategy: str = "embedded", seed: int = 0, **kw) -> LeanModel:
    return LeanModel(Params(**{"strategy": strategy, "n_teams": 32, **kw}), seed=seed)


def staffed(programme, fte: float, week: int = 0):
    programme.staff.set_positions(fte, week)
    programme.staff.hire(week, founding=True)
    programme.started = True
    programme.opposed_by_slot = np.zeros(len(programme.staff.fte))
    return programme


# --- act: positions, hiring, rotation ----------------------------------------------------------
def test_an_inactive_programme_does_nothing_and_books_nothing():
    model = model_of("centralized", budget_fte_per_100_teams=0.0)
    office = model.office
    office.week_budget = {"allotted": 9.0, "granted": 9.0, "positions": 9.0, "working": 9.0}
    office.act()
    assert office.week_budget == dict.fromkeys(office.week_budget, 0.0)
    assert not office.started and len(office.staff.fte) == 0


def test_founders_start_at_once_later_positions_wait_for_a_hire():
    model = model_of(line_coaching_share=0.5, budget_fte_per_100_teams=25.0, hiring_weeks=6)
    lp = model.line_programme
    model.steps = 1
    lp.act()
    assert lp.started and lp.staff.headcount == pytest.approx(4.0)  # 0.5 x 8 FTE, at once
    assert lp.week_budget == {"allotted": 8.0, "granted": 8.0, "positions": 4.0, "working": 4.0}
    assert_allclose(lp.opposed_by_slot.shape, [4])
    lp.staff.prospects[:] = 0.5
    model.budget = 12.0  # the programme grows by two positions
    model.steps = 2
    lp.act()
    assert lp.staff.positions_fte == pytest.approx(6.0) and lp.staff.headcount == 4.0
    assert_allclose(lp.staff.hire_week[4:], [2 + 6 * 1.5] * 2)
    assert lp.week_budget["positions"] == 6.0 and lp.week_budget["working"] == 4.0


def test_specialists_rotate_back_into_the_line_after_rotation_weeks():
    model = model_of("hybrid", rotation_weeks=10, alumni_transfer=1.0)
    office = staffed(model.office, 2.0)
    office.staff.tenure[:] = [10.0, 9.0]
    office.staff.skill[:] = [1.0, 1.0]
    before = model.line.own.copy()
    model.steps = 3
    office.act()
    assert office.staff.rotations == 1 and office.staff.filled.tolist()[:2] == [False, True]
    gained = np.flatnonzero(model.line.own > before)
    assert len(gained) == 1  # the alumnus brings full skill into one team: own becomes 1
    assert model.line.own[gained[0]] == pytest.approx(1.0)
    model = model_of("centralized", rotation_weeks=10)  # no rotation in this strategy
    office = staffed(model.office, 2.0)
    office.staff.tenure[:] = [50.0, 50.0]
    office.act()
    assert office.staff.rotations == 0 and office.staff.filled[:2].all()


# --- coaching ---------------------------------------------------------------------------------
def test_coaches_reach_the_least_skilled_willing_managers_in_proportion_to_their_time():
    model = model_of(power_distance=1.0, managers_per_coach=4)
    lp = staffed(model.line_programme, 0.5)
    line = model.line
    line.support[:] = [0.6, 0.6, -0.5, 0.2, 0.2]  # manager 2 refuses
    line.stances_changed()
    line.coaching[:] = [0.0, 0.9, 0.0, 0.1, 0.3]
    lp.staff.skill[0], lp.staff.prospects[0] = 0.8, 0.5
    lp.coach_line_managers(np.array([0.5]), week=4)
    # two managers (0.5 FTE x 4): 3 then 4 (least skilled); each gets half the time x quality
    # x acceptance (= sponsor backing at power distance 1: 0.5 x 0.2 + 0.5 x 0.6 = 0.4)
    assert_allclose(line.coaching_input, [0, 0, 0, 0.25 * 0.4 * 0.4, 0.25 * 0.4 * 0.4])
    assert lp.coach_of.tolist() == [[3, 0], [4, 0]]
    touched = np.flatnonzero(line.touched[1] == 4)
    assert set(touched) == set(range(16, 32))
    # refusal met: 1 - mean acceptance over the line managers, for the whole of this FTE
    accept = line.acceptance(np.array(LINE_MANAGERS))
    assert_allclose(lp.opposed_by_slot, [1.0 - accept.mean()])


def test_coaching_time_is_shared_between_specialists_by_their_time():
    model = model_of(power_distance=0.0, managers_per_coach=2)
    lp = staffed(model.line_programme, 2.0)
    model.line.support[:] = 0.0
    model.line.stances_changed()
    model.line.coaching[:] = [0.0, 0.1, 0.2, 0.3, 0.4]
    lp.staff.skill[:] = [1.0, 0.5]
    lp.opposed_by_slot[:] = [0.2, 0.2]
    lp.coach_line_managers(np.array([1.5, 0.5]), week=1)
    # four managers, one FTE each: points 0.25, 0.75, 1.25, 1.75 of the 2 FTE -> 0, 0, 0, 1
    assert lp.coach_of.tolist() == [[1, 0], [2, 0], [3, 0], [4, 1]]
    assert_allclose(model.line.coaching_input, [0, 0.5, 0.5, 0.5, 0.25])
    # share of each one's FTE spent coaching: 1.5 of 1 is capped by the time given: (1-s) x 0.2
    assert_allclose(lp.opposed_by_slot, [(1 - 1.5) * 0.2, 0.5 * 0.2])


def test_no_coaching_time_or_no_willing_manager_means_no_coaching():
    model = model_of(power_distance=0.0)
    lp = staffed(model.line_programme, 1.0)
    lp.coach_line_managers(np.array([0.0]), week=1)
    assert lp.coach_of.shape == (0, 2) and not model.line.coaching_input.any()
    model.line.support[:] = -0.9  # everyone refuses
    model.line.stances_changed()
    lp.opposed_by_slot[:] = 0.0
    lp.coach_line_managers(np.array([1.0]), week=1)
    assert not model.line.coaching_input.any() and lp.coach_of.shape == (0, 2)
    assert_allclose(lp.opposed_by_slot, [1.0])  # met refusal everywhere
    assert (model.line.touched[1] == -1_000_000).all()


# --- reflect: presence, blame, legitimacy, review ---------------------------------------------
def reflecting(model: LeanModel, programme, week: int) -> None:
    model.steps = week
    programme.reflect()


def test_a_programme_that_never_started_is_neither_seen_nor_blamed():
    model = model_of()
    lp = model.line_programme
    model.line.result[:] = -1.0
    lp.touch = None
    model.line.touched[1] = 1
    reflecting(model, lp, 2)
    assert lp.presence == 0.0 and lp.blame == 0.0 and lp.legitimacy == model.p.initial_legitimacy


def test_presence_follows_staff_in_post_and_blame_follows_setbacks_in_touched_teams():
    model = model_of(presence_weeks=4.0, blame_weeks=4.0, blame_share=0.5, review_weeks=100)
    lp = staffed(model.line_programme, 1.0)
    line = model.line
    line.result[:] = 0.0
    line.result[[0, 1, 20]] = -0.5  # setbacks; team 20 was not touched
    line.touched[1, :8] = 5  # the programme touched manager 1's teams in week 5
    reflecting(model, lp, 6)
    assert lp.presence == pytest.approx(0.25)
    assert lp.blame == pytest.approx(0.5 * (2 / 8) / 4.0)
    lp.staff.leave(0, week=6)
    reflecting(model, lp, 7)
    assert lp.presence == pytest.approx(0.25 * 0.75)
    line.touched[1, :8] = 1  # too long ago (week 1 < 8 - 4)
    before = lp.blame
    reflecting(model, lp, 8)
    assert lp.blame == pytest.approx(before * 0.75)


def test_legitimacy_weighs_claims_sponsor_and_blame():
    kw = dict(legitimacy_base=0.1, claim_weight=0.5, sponsor_weight=0.4, blame_weight=1.0)
    model = model_of(legitimacy_weeks=2.0, review_weeks=100, **kw)
    lp = staffed(model.line_programme, 1.0)
    line = model.line
    line.support[0] = 0.5
    line.stances_changed()
    line.result[:] = 0.0
    line.result[:4] = 0.1  # above baseline
    line.touched[1, :8] = 3
    lp.legitimacy = 0.6
    reflecting(model, lp, 4)
    target = mech.legitimacy_target(0.5, lp.blame, 0.5, 0.1, 0.5, 1.0, 0.4)
    assert lp.legitimacy == pytest.approx(0.6 + (target - 0.6) / 2.0)


def test_reflect_grows_the_staff_and_lets_the_unhappy_quit():
    model = model_of(attrition_base=1.0, review_weeks=100)
    lp = staffed(model.line_programme, 2.0)
    reflecting(model, lp, 3)
    assert lp.staff.attrition == 2 and not lp.staff.filled.any()
    model = model_of(attrition_base=0.0, attrition_low_morale=0.0, review_weeks=100)
    lp = staffed(model.line_programme, 2.0)
    reflecting(model, lp, 3)
    assert lp.staff.attrition == 0 and list(lp.staff.tenure) == [1.0, 1.0]


def test_a_programme_that_does_nothing_is_not_reviewed_or_grown():
    model = model_of(line_duty=0.0, budget_fte_per_100_teams=0.0)
    lp = model.line_programme
    assert not lp.active and not lp.running()
    model = model_of(review_weeks=1, close_threshold=0.9, cut_threshold=0.9)
    lp = staffed(model.line_programme, 1.0)
    lp.active = False
    reflecting(model, lp, 2)
    assert lp.closed_week is None and list(lp.staff.tenure) == [0.0]


def test_executives_cut_a_programme_below_the_cut_threshold_at_a_review():
    model = model_of(review_weeks=13, cut_threshold=0.5, close_threshold=0.2, cut_fraction=0.25)
    lp = staffed(model.line_programme, model.line_programme.positions_fte())
    positions = lp.staff.positions_fte
    lp.legitimacy = 0.3
    lp.review(13)
    assert lp.budget_share == pytest.approx(0.75) and lp.active
    assert lp.staff.positions_fte == pytest.approx(0.75 * positions)
    lp.legitimacy = 0.5
    lp.review(26)
    assert lp.budget_share == pytest.approx(0.75)


def test_executives_close_a_discredited_programme_and_its_people_go_back():
    model = model_of(close_threshold=0.2, cut_threshold=0.5, alumni_transfer=1.0)
    lp = staffed(model.line_programme, 2.0)
    lp.staff.skill[:] = 1.0
    lp.duty, lp.funded = 1.0, 0.1
    lp.legitimacy = 0.19
    lp.review(26)
    assert not lp.active and lp.closed_week == 26
    assert lp.closed_reason == "closed by executives"
    assert lp.staff.headcount == 0.0 and lp.staff.positions_fte == 0.0
    assert lp.duty == 0.0 and lp.funded == 0.0 and lp.granted() == 0.0
    assert np.count_nonzero(model.line.own == 1.0) >= 1


def test_reviews_happen_only_every_review_weeks():
    model = model_of(review_weeks=13, close_threshold=0.3, cut_threshold=0.5)
    lp = staffed(model.line_programme, 1.0)
    lp.legitimacy = 0.0
    model.p = model.p.model_copy(update={"legitimacy_base": 0.0, "claim_weight": 0.0})
    reflecting(model, lp, 12)
    assert lp.active
    reflecting(model, lp, 13)
    assert not lp.active and lp.closed_week == 13


# --- claims ----------------------------------------------------------------------------------
def test_a_programme_claims_results_delivered_where_it_works_now():
    model = model_of(baseline_margin=0.02)
    lp, line = model.line_programme, model.line
    line.result[:] = 0.0
    line.result[[0, 1, 2]] = [0.05, 0.021, 0.02]
    touched = np.zeros(32, bool)
    touched[:8] = True
    assert lp.claimed_success(10, touched) == pytest.approx(2 / 8)
    assert lp.claimed_success(10, np.zeros(32, bool)) == 0.0


def test_a_product_office_claims_what_is_still_sustained_a_year_on():
    model = model_of("product", baseline_margin=0.02)
    office, line = model.office, model.line
    line.first_touched[0, :] = 9  # touched less than a year before week 60
    assert office.claimed_success(60, np.zeros(32, bool)) == 0.5  # nothing to show yet
    line.first_touched[0, :4] = 8  # a year and more before week 60
    line.before[0, :] = 1.0
    set_kpi(line, 1.0)
    set_kpi(line, 1.05, [0, 1, 4, 5])
    assert office.claimed_success(60, np.zeros(32, bool)) == pytest.approx((2 + 1) / (4 + 2))
    line.before[0, 1] = 1.04  # it was already doing well when first touched
    assert office.claimed_success(60, np.zeros(32, bool)) == pytest.approx((1 + 1) / (4 + 2))


def test_a_sustained_claim_counts_only_teams_the_programme_touched():
    model = model_of("product", baseline_margin=0.02)
    office, line = model.office, model.line
    set_kpi(line, 1.05)  # every team above its baseline; the office touched none of them
    assert office.claimed_success(60, np.zeros(32, bool)) == 0.5  # nothing to claim yet


def test_coaches_learn_every_observe_weeks_from_the_teams_of_the_managers_they_coach():
    model = model_of()
    lp = staffed(model.line_programme, 2.0)
    line = model.line
    line.result[:] = 0.0
    line.result[:6] = 0.1  # manager 1: 6 of 8 teams above baseline
    lp.coach_of = np.array([[1, 0], [2, 1]])
    lp.observe(OBSERVE_WEEKS + 1)
    assert_allclose(lp.staff.success, [0.5, 0.5])
    lp.observe(OBSERVE_WEEKS)
    rate = model.p.success_learning
    assert_allclose(lp.staff.success, [0.5 + rate * (0.75 - 0.5), 0.5 - rate * 0.5])


# --- the line's own programme ------------------------------------------------------------------
def test_the_line_programme_exists_with_a_budget_a_duty_or_an_office_to_inherit():
    assert model_of("embedded").line_programme.active
    assert model_of("embedded", budget_fte_per_100_teams=0.0).line_programme.active  # duty
    assert not model_of("embedded", budget_fte_per_100_teams=0, line_duty=0).line_programme.active
    assert not model_of("centralized").line_programme.active
    assert model_of("centralized", budget_to_line_after_pmo=True).line_programme.active
    assert not model_of("none").programmes


def test_the_line_programme_inherits_a_closed_office_budget_only_when_the_policy_says():
    model = model_of("hybrid", pmo_share=0.75, budget_fte_per_100_teams=25.0)
    lp, office = model.line_programme, model.office
    assert lp.allotted_budget() == pytest.approx(0.25 * 8.0)
    office.close("sunset", 5)
    assert lp.allotted_budget() == pytest.approx(8.0)
    model = model_of("product", pmo_share=0.75, budget_fte_per_100_teams=25.0)
    model.office.close("sunset", 5)
    assert model.line_programme.allotted_budget() == pytest.approx(0.25 * 8.0)


def test_the_line_programme_pays_coaches_and_protects_every_teams_time():
    kw = dict(line_coaching_share=0.25, budget_fte_per_100_teams=50.0, team_size=4)
    model = model_of(directed_time_weight=0.5, **kw)
    lp = model.line_programme
    model.line.support[:] = 0.0  # every manager accepts coaching
    model.line.stances_changed()
    assert lp.visibility == model.p.coach_visibility and lp.running()
    assert lp.positions_fte() == pytest.approx(4.0) and lp.funded_budget() == pytest.approx(12.0)
    ledger = {"effort_line_coaches": 2.0, "effort_funded_team_time": 4.0}
    assert lp.directed_effort(ledger) == pytest.approx(4.0)
    model.steps = 1
    lp.act()
    assert lp.duty == 1.0 and lp.funded == pytest.approx(12.0 / (32 * 4))
    assert (model.line.touched[1] == 1).all()
    assert lp.coach_of.shape[0] == min(4, math.ceil(4.0 * model.p.managers_per_coach))


def test_a_duty_alone_touches_the_line_and_a_programme_with_neither_does_not():
    model = model_of(budget_fte_per_100_teams=0.0, line_duty=0.5)
    model.steps = 1
    model.line_programme.act()
    assert model.line_programme.duty == 0.5 and model.line_programme.funded == 0.0
    assert (model.line.touched[1] == 1).all()
    model = model_of("centralized", budget_to_line_after_pmo=True, line_duty=0.0)
    lp = model.line_programme
    assert lp.active and not lp.running()  # nothing to spend while the office runs
    model.steps = 1
    lp.act()
    assert lp.funded == 0.0 and (model.line.touched[1] == -1_000_000).all()


# --- edges: small budgets, vacancies, repeated cuts, ties -------------------------------------
def test_a_line_budget_below_one_fte_still_makes_and_runs_a_programme():
    model = model_of(line_duty=0.0, budget_fte_per_100_teams=1.0)  # 0.32 FTE
    lp = model.line_programme
    assert lp.active and lp.running() and lp.granted() == pytest.approx(0.32)
    model.steps = 1
    lp.act()
    assert (model.line.touched[1] == 1).all()  # funded time alone touches every team
    duty = model_of(line_duty=0.5, budget_fte_per_100_teams=0.0).line_programme
    assert duty.running()  # a duty alone, below 1


def test_a_vacant_coach_position_coaches_nobody():
    model = model_of(power_distance=0.0, managers_per_coach=1)
    lp = staffed(model.line_programme, 2.0)
    model.line.support[:] = 0.0
    model.line.stances_changed()
    lp.staff.leave(0, week=0)
    model.steps = 1
    lp.work(1)
    assert lp.coach_of[:, 1].tolist() == [1]  # one manager, by the one coach in post
    assert np.count_nonzero(model.line.coaching_input) == 1


def test_founders_are_experienced_later_hires_are_not():
    model = model_of(line_coaching_share=0.5, hiring_weeks=0, initial_staff_skill=0.7)
    lp = model.line_programme
    model.steps = 1
    lp.act()
    assert_allclose(lp.staff.skill, 0.7)
    lp.staff.leave(0, week=1)
    model.steps = 2
    lp.act()
    assert lp.staff.skill[0] == model.p.replacement_skill and lp.staff.skill[1] == 0.7


def test_every_rotation_is_counted():
    model = model_of("hybrid", rotation_weeks=10)
    office = staffed(model.office, 3.0)
    office.staff.tenure[:] = [10.0, 12.0, 3.0]
    model.steps = 3
    office.act()
    assert office.staff.rotations == 2


def test_a_programme_whose_budget_shrinks_sends_those_it_cannot_pay_back_into_the_line():
    model = model_of(line_coaching_share=1.0, budget_fte_per_100_teams=12.5, alumni_transfer=1.0)
    lp = model.line_programme
    model.steps = 1
    lp.act()
    lp.staff.tenure[:] = [5.0, 1.0, 9.0, 7.0]
    lp.staff.skill[:] = 1.0
    model.budget = 2.0  # two positions left: the two least experienced go
    model.steps = 2
    lp.act()
    assert lp.staff.filled.tolist() == [False, False, True, True]
    assert np.count_nonzero(model.line.own == 1.0) >= 1  # alumni brought their skill


def test_a_claim_needs_results_strictly_above_the_level_the_team_started_from():
    model = model_of("product", baseline_margin=0.02)
    office, line = model.office, model.line
    line.first_touched[0, :] = 0
    line.before[0, :] = 1.0
    line.result[:] = 0.02  # exactly at the margin: not held
    assert office.claimed_success(60, np.zeros(32, bool)) == pytest.approx(1 / 34)


def test_among_equally_unskilled_managers_coaches_go_in_manager_order():
    model = LeanModel(Params(strategy="embedded", n_teams=160, power_distance=0.0), seed=0)
    lp = staffed(model.line_programme, 0.75)  # three managers
    line = model.line
    line.support[:] = 0.0
    line.stances_changed()
    managers = line.line_managers
    assert len(managers) == 20
    line.coaching[managers] = [0.1, 0.0] * 10
    lp.coach_line_managers(np.array([0.75]), week=1)
    assert lp.coach_of[:, 0].tolist() == managers[[1, 3, 5]].tolist()


def test_coaches_see_the_share_of_each_coached_managers_teams_above_baseline():
    model = model_of(n_teams=33)  # manager 5 has one team
    lp = staffed(model.line_programme, 3.0)
    line = model.line
    line.result[:] = 0.0
    line.result[[8, 9, 32]] = 0.1  # manager 2: 2 of 8; manager 5: its one team
    lp.coach_of = np.array([[2, 0], [5, 1], [3, 2]])
    lp.observe(OBSERVE_WEEKS)
    rate = model.p.success_learning
    assert_allclose(lp.staff.success, 0.5 + rate * (np.array([0.25, 1.0, 0.0]) - 0.5))


def test_cuts_compound_and_a_cut_can_cost_whole_positions():
    kw = dict(review_weeks=13, cut_threshold=0.5, close_threshold=0.2, cut_fraction=0.5)
    model = model_of(line_coaching_share=1.0, budget_fte_per_100_teams=12.5, **kw)
    lp = model.line_programme
    model.steps = 1
    lp.act()
    lp.staff.tenure[:] = [5.0, 1.0, 9.0, 7.0]
    lp.legitimacy = 0.2  # at the close threshold: cut, not closed
    lp.review(13)
    assert lp.active and lp.budget_share == 0.5
    assert lp.staff.filled.tolist() == [False, False, True, True]
    assert lp.staff.rotations == 0 and lp.staff.headcount == 2.0
    lp.review(26)
    assert lp.budget_share == 0.25 and lp.staff.headcount == 1.0
