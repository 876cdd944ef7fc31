"""The line (sim.line): teams and managers, what programmes read from it and do to it, and
its week.

A hand-made organization keeps every number checkable: an executive (manager 0) over two line
managers (1 and 2), two teams each (teams 0, 1 under manager 1; teams 2, 3 under manager 2),
one lateral tie per team. The week's tests set a varied state, run one step of the line, and
compare each result with the mechanism it should come from, applied to the right inputs (each
team's own manager's pressure, stance and coaching; protected time gated by acceptance; ...).
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from support import set_kpi

from sim import Params
from sim import mechanisms as mech
from sim.line import FUNCTIONS, NEVER, Line, WeekInputs
from sim.organization import OrgStructure, beta_from_quantiles

pytestmark = pytest.mark.mutation


def org(resistance=(0.2, 0.4, 0.6), seniority=(30.0, 15.0, 6.0), ties=True) -> OrgStructure:
    return OrgStructure(
        manager_parent=np.array([-1, 0, 0]),
        manager_level=np.array([0, 1, 1]),
        team_manager=np.array([1, 1, 2, 2]),
        team_ancestors=np.array([[0, 0, 0, 0], [1, 1, 2, 2]]),
        cross_ties=np.array([[2], [3], [0], [1]]) if ties else np.zeros((4, 0), int),
        seniority=np.array(seniority),
        rank=np.array([1.0, 0.0, 0.0]),
        resistance=np.array(resistance),
        capability_quantile=np.array([0.1, 0.4, 0.6, 0.9]),
        ownership=np.array([0.2, 0.3, 0.4, 0.5]),
    )


class Draws:
    """A trials stream with given draws."""

    def __init__(self, values):
        self.values = np.array(values, dtype=float)

    def random(self, n):
        assert n == len(self.values)
        return self.values


def line_of(p: Params | None = None, draws=(0.9, 0.9, 0.9, 0.9), **kw) -> Line:
    p = p or Params(**kw)
    return Line(org(), p, 0.3, Draws(draws))


# --- the line at week 0 ------------------------------------------------------------------------
def test_prestige_rests_on_rank_and_seniority_and_feeds_opposition():
    p = Params(seniority_weight=0.25, power_distance=0.8, prestige_weight=0.5)
    line = line_of(p)
    # executive: rank 1, seniority 30 (capped at 1); line managers: rank 0, 15 and 6 years
    assert_allclose(line.prestige, [1.0, 0.25 * 0.5, 0.25 * 0.2])
    assert_allclose(line.opposition, np.array([0.2, 0.4, 0.6]) + 0.5 * 0.8 * line.prestige)
    assert line.pd == 0.8


def test_the_line_starts_in_its_organic_steady_state_before_any_programme():
    p = Params(base_improvement_time=0.03, base_pressure=0.25, productivity_gain=0.5)
    line = line_of(p)
    assert_allclose(line.own, beta_from_quantiles(np.array([0.1, 0.4, 0.6, 0.9]), 0.3, 0.05))
    assert_allclose(line.ownership, [0.2, 0.3, 0.4, 0.5])
    assert_allclose(line.ownership_base, line.ownership)
    assert line.ownership_base is not line.ownership
    assert_allclose(line.own_time, 0.03) and assert_allclose(line.improvement, 0.03)
    assert_allclose(line.baseline, (1 - 0.03) * (1 + 0.5 * line.own))
    assert_allclose(line.output, line.baseline) and assert_allclose(line.performance, 1.0)
    assert_allclose(line.judged, 1.0) and assert_allclose(line.pressure, 0.25)
    for name in ("borrowed", "commitment", "cynicism", "enacted", "hatch", "pilot_time"):
        assert_allclose(getattr(line, name), 0.0, err_msg=name)
    for name in ("funded_used", "induced", "result", "pilot_skill", "pilot_handover"):
        assert_allclose(getattr(line, name), 0.0, err_msg=name)
    assert_allclose(np.vstack([line.coaching, line.coaching_input, line.coached, line.load]), 0)
    assert not line.in_pilot.any() and (line.pilot_ended == -np.inf).all()
    assert (line.touched == NEVER).all() and (line.first_touched == NEVER).all()
    assert line.touched.shape == (len(FUNCTIONS), 4) and (line.before == 1.0).all()
    assert line.n_teams == 4 and list(line.line_managers) == [1, 2]
    assert list(line.span) == [0.0, 2.0, 2.0]


def test_managers_start_at_the_stance_their_openness_and_opposition_give():
    p = Params(openness=0.3, prestige_weight=0.0, follow_weight=0.0)
    line = line_of(p)  # starting capability 0.3: nobody has adopted, no results yet
    assert_allclose(line.support, np.tanh(2.0 * (0.3 - np.array([0.2, 0.4, 0.6]))))


# --- what programmes read ---------------------------------------------------------------------
def test_capability_as_practised_and_own_adoption():
    line = line_of(adoption_threshold=0.5)
    line.own[:] = [0.2, 0.5, 0.7, 0.9]
    line.borrowed[:] = [0.4, 0.0, 0.5, 0.0]
    assert_allclose(line.effective, [0.6, 0.5, 1.0, 0.9])
    assert line.own_adoption == 0.75


def test_sponsors_and_acceptance():
    line = line_of(power_distance=1.0, refusal_stance=-0.3)
    line.support[:] = [0.6, 0.2, -0.3]
    line.stances_changed()
    assert_allclose(line.sponsor_support(np.array([1, 2])), [0.4, 0.15])
    assert_allclose(line.acceptance(np.array([1, 2])), [0.4, 0.15])  # -0.3 is not below
    line.support[2] = -0.31
    line.stances_changed()
    assert_allclose(line.team_acceptance(), [0.4, 0.4, 0.0, 0.0])


def test_setbacks_and_results_above_baseline_need_the_margin():
    line = line_of(baseline_margin=0.02)
    line.result[:] = [-0.03, -0.02, 0.02, 0.03]
    assert line.setback().tolist() == [True, False, False, False]
    assert line.above_baseline().tolist() == [False, False, False, True]


def test_touching_teams_remembers_when_and_from_which_level_they_were_judged():
    line = line_of()
    set_kpi(line, [1.1, 0.9, 1.0, 1.2])
    line.touch("office", np.array([1, 3]), week=5)
    assert line.touched[0].tolist() == [NEVER, 5, NEVER, 5]
    assert line.first_touched[0].tolist() == [NEVER, 5, NEVER, 5]
    assert_allclose(line.before[0], [1.0, 0.9, 1.0, 1.2])
    set_kpi(line, 1.5)
    line.touch("office", np.array([1, 2]), week=9)
    assert line.touched[0].tolist() == [NEVER, 9, 9, 5]
    assert line.first_touched[0].tolist() == [NEVER, 5, 9, 5]
    assert_allclose(line.before[0], [1.0, 0.9, 1.5, 1.2])
    assert (line.touched[1] == NEVER).all()
    assert line.touched_since("office", 9).tolist() == [False, True, True, False]
    assert line.touched_since("office", 5).tolist() == [False, True, True, True]


def test_touching_every_team_records_the_first_touch_once():
    line = line_of()
    set_kpi(line, [1.1, 0.9, 1.0, 1.2])
    line.touch("line", None, week=3)
    assert (line.touched[1] == 3).all() and (line.first_touched[1] == 3).all()
    assert_allclose(line.before[1], [1.1, 0.9, 1.0, 1.2])
    set_kpi(line, 1.0)
    line.touch("line", None, week=4)
    assert (line.touched[1] == 4).all() and (line.first_touched[1] == 3).all()
    assert_allclose(line.before[1], [1.1, 0.9, 1.0, 1.2])
    assert (line.touched[0] == NEVER).all()


def test_blame_points_at_recent_touches_only():
    line = line_of(blame_weeks=10.0, baseline_margin=0.02)
    line.result[:] = -0.5
    line.touched[0, 0], line.touched[1, 1], line.touched[0, 2] = 20, 10, 9
    assert line.blame_by_team(20).tolist() == [1.0, 1.0, 0.0, 0.0]


# --- what programmes do to the line ----------------------------------------------------------
def test_pilots_start_and_end_on_the_line():
    line = line_of()
    line.start_pilot(2, skill=0.6, handover=0.3, acceptance_=0.8, week=7)
    assert line.in_pilot.tolist() == [False, False, True, False]
    assert (line.pilot_skill[2], line.pilot_handover[2], line.pilot_acceptance[2]) == (
        0.6,
        0.3,
        0.8,
    )
    assert line.touched[0, 2] == 7 and line.touched[1, 2] == NEVER
    line.end_pilot(2, week=20)
    assert not line.in_pilot.any() and line.pilot_ended[2] == 20 and line.pilot_skill[2] == 0


def test_coaching_adds_up_and_alumni_bring_skill():
    line = line_of(alumni_transfer=0.5)
    line.coach(np.array([1, 2]), np.array([0.2, 0.1]))
    line.coach(np.array([1]), np.array([0.3]))
    assert_allclose(line.coaching_input, [0.0, 0.5, 0.1])
    line.own[:] = 0.2
    line.receive_alumnus(3, skill=0.8)
    assert_allclose(line.own, [0.2, 0.2, 0.2, 0.2 + 0.5 * 0.8 * 0.8])
    assert line.teams_of(np.array([2])).tolist() == [2, 3]
    assert line.teams_of(np.array([1, 2])).tolist() == [0, 1, 2, 3]


# --- managers ----------------------------------------------------------------------------------
def test_what_a_manager_weighs_comes_from_their_own_part_of_the_tree():
    line = line_of(adoption_threshold=0.5, power_distance=0.6)
    line.own[:] = [0.6, 0.1, 0.1, 0.1]
    line.result[:] = [0.1, 0.3, -0.2, 0.0]
    line.enacted[:] = [1.0, 0.0, 0.5, 0.5]
    line.support[:] = [0.5, -0.2, 0.3]
    line.stances_changed()
    line.load[:] = [0.0, 0.5, 1.0]
    line.pressure[:] = [0.2, 0.4, 0.5]
    line.coaching[:] = [0.0, 0.3, 0.1]
    got = line.stance_inputs(WeekInputs(hatch_manager=0.15))
    assert_allclose(got["results"], [0.05, 0.2, -0.1])
    assert_allclose(got["duty"], [0.5, 0.5, 0.5])
    assert_allclose(got["peer_adoption"], [0.25, 0.25, 0.25])  # their superior's subtree
    assert_allclose(got["parent_support"], [0.0, 0.5, 0.5])  # the executive has none
    assert_allclose(got["overload"], [0.0, 0.2, 0.5])
    assert got["escape_hatch"] == 0.15 and got["power_distance"] == 0.6
    assert_allclose(got["coaching_skill"], [0.0, 0.3, 0.1])
    assert_allclose(got["opposition"], line.opposition)
    p = line.p
    for name in ("openness", "evidence_weight", "bandwagon_weight", "follow_weight"):
        assert got[name] == getattr(p, name), name
    for name in ("duty_weight", "coaching_weight", "overload_weight", "result_scale"):
        assert got[name] == getattr(p, name), name
    assert_allclose(line.stance_target(WeekInputs()), mech.stance_target(**line.stance_inputs(
        WeekInputs()
    )))  # fmt: skip


def test_managers_move_their_stance_and_pressure_a_step_towards_their_targets():
    p = Params(support_rate=0.25, pressure_weeks=4.0, base_pressure=0.1, pressure_sensitivity=2.0)
    line = line_of(p)
    line.enacted[:] = [1.0, 1.0, 0.0, 0.0]
    line.in_pilot[:] = [True, False, False, False]
    line.coached[:] = [0.0, 0.0, 1.0]
    line.judged[:] = [0.9, 0.9, 1.1, 1.0]
    line.support[:] = [0.1, 0.2, -0.2]
    line.stances_changed()
    support, pressure = line.support.copy(), line.pressure.copy()
    week_in = WeekInputs(hatch_manager=0.1)
    line.update_managers(week_in, order_rng=None)
    assert_allclose(
        line.load,
        [
            p.duty_manager_load * 0.5,
            p.duty_manager_load * 1.0 + p.pilot_manager_load * 0.5,
            p.coaching_manager_load,
        ],
    )
    saved = line.support.copy(), line.pressure.copy()
    line.support[:], line.pressure[:] = support, pressure
    line.stances_changed()
    target = line.stance_target(week_in)  # with this week's load, last week's pressure
    line.support[:], line.pressure[:] = saved
    line.stances_changed()
    assert_allclose(line.support, support + 0.25 * (target - support))
    shortfall = 1.0 - np.array([0.975, 0.9, 1.05])
    pressure_target = np.clip(0.1 + 2.0 * np.maximum(shortfall, 0), 0, 1)
    assert_allclose(line.pressure, 0.1 + (pressure_target - 0.1) / 4.0)


class Order:
    def __init__(self, order):
        self.order = np.array(order)

    def permutation(self, n):
        assert n == len(self.order)
        return self.order


def test_in_random_sequential_order_a_manager_sees_the_stance_a_superior_took_first():
    kw = dict(update_order="random_sequential", support_rate=0.5, power_distance=0.8)
    after = {}
    for order in ([0, 1, 2], [2, 1, 0]):
        line = line_of(Params(**kw))
        line.support[:] = [0.9, 0.0, 0.0]
        line.stances_changed()
        line.result[:] = -0.1  # the executive's view sours
        line.update_managers(WeekInputs(), Order(order))
        after[tuple(order)] = line.support.copy()
    first, last = after[(0, 1, 2)], after[(2, 1, 0)]
    assert first[0] == pytest.approx(last[0])  # the executive follows nobody
    assert (first[1:] < last[1:]).all()  # saw the executive's lower stance
    # managers who go first react exactly as in the synchronous update
    sync = line_of(Params(**{**kw, "update_order": "synchronous"}))
    sync.support[:] = [0.9, 0.0, 0.0]
    sync.stances_changed()
    sync.result[:] = -0.1
    sync.update_managers(WeekInputs(), None)
    assert_allclose(last, sync.support)


def test_coaching_skill_grows_with_coaching_and_fades_unused():
    line = line_of(coaching_rate=0.5, coaching_decay_rate=0.1)
    line.coaching[:] = [0.0, 0.2, 0.5]
    line.coaching_input[:] = [0.0, 1.0, 0.0]
    line.learn_coaching()
    grown = 0.2 + 0.5 * 1.0 * 0.8
    assert_allclose(line.coaching, [0.0, 0.9 * grown, 0.9 * 0.5])
    assert line.coached.tolist() == [0.0, 1.0, 0.0]
    assert (line.coaching_input == 0).all()
    line.coaching_input[:] = [0.0, 9.0, 0.0]
    line.learn_coaching()
    assert line.coaching.max() <= 1.0


# --- the teams' week ---------------------------------------------------------------------------
P = Params(
    pilot_time=0.15,
    duty_time=0.08,
    cynicism_weight=0.5,
    motions_penalty=0.4,
    refusal_stance=-0.3,
    power_distance=0.5,
    block_strength=0.5,
    pressure_cut=0.6,
    productivity_gain=0.5,
    result_weeks=4.0,
    fatigue_weeks=5.0,
    ownership_rate=0.5,
    innovation_rate=2.6,
    imitation_rate=10.4,
    trial_commitment=0.6,
    top_down_rate=0.2,
    commitment_feedback=0.3,
    adoption_threshold=0.5,
    pilot_transfer=0.5,
    borrowed_decay_rate=0.2,
    internalization_rate=0.3,
)


def busy_line(draws=(0.9, 0.0, 0.9, 0.9), p: Params = P) -> Line:
    """A line in mid-programme: a pilot in team 1, cynicism, a refusing manager 2."""
    line = line_of(p, draws=draws)
    line.support[:] = [0.4, 0.3, -0.5]
    line.stances_changed()
    line.pressure[:] = [0.0, 0.5, 0.2]
    line.coaching[:] = [0.0, 0.5, 0.0]
    line.own[:] = [0.2, 0.3, 0.55, 0.6]
    line.borrowed[:] = [0.1, 0.2, 0.0, 0.3]
    line.commitment[:] = [0.0, 0.5, 1.0, 0.2]
    line.cynicism[:] = [0.4, 0.0, 0.2, 0.0]
    line.ownership[:] = [0.3, 0.5, 0.6, 0.2]
    line.result[:] = [0.05, 0.0, -0.04, 0.1]
    line.start_pilot(1, skill=0.8, handover=0.5, acceptance_=0.9, week=1)
    return line


def snapshot(line: Line) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in vars(line).items() if isinstance(v, np.ndarray)}


WEEK = WeekInputs(funded=0.04, duty=0.5, hatch_team=0.1, hatch_manager=0.2)


def test_time_by_kind_is_the_capability_trap_applied_to_each_teams_own_manager():
    line = busy_line()
    before = snapshot(line)
    line.work(WEEK)
    accept = np.array([0.675, 0.675, 0.0, 0.0])  # (1 - 0.5) + 0.5 x (0.5 x 0.3 + 0.5 x 0.4)
    pilot, funded, own, induced = mech.improvement_time(
        commitment=before["commitment"],
        manager_support=np.array([0.3, 0.3, -0.5, -0.5]),
        pressure=np.array([0.5, 0.5, 0.2, 0.2]),
        funded=0.04 * accept,
        pilot=np.array([0.0, 0.15 * 0.9, 0.0, 0.0]),
        duty=0.5 * 0.08,
        compliance=1.0 - 0.5 * before["cynicism"],
        base_time=P.base_improvement_time,
        extra_time=P.extra_improvement_time,
        max_time=P.max_improvement_time,
        block_strength=0.5,
        pressure_cut=0.6,
    )
    assert_allclose(line.pilot_time, pilot)
    assert_allclose(line.funded_used, funded)
    assert_allclose(line.own_time, own)
    assert_allclose(line.induced, induced)
    assert_allclose(line.improvement, pilot + funded + own + induced)
    assert_allclose(line.enacted, mech.enacted_duty(0.04, own, induced, P.practice_full_time))
    assert (funded[2:] == 0).all() and funded[0] > 0 and induced.any()


def test_no_funded_time_and_no_duty_means_no_programme_time():
    line = busy_line()
    line.work(WeekInputs())
    assert (line.funded_used == 0).all() and (line.induced == 0).all()
    assert (line.enacted == 0).all()


def test_capability_grows_with_guided_practice_and_pilots_and_decays_unpractised():
    line = busy_line()
    b = snapshot(line)
    line.work(WEEK)
    coaching = np.array([0.5, 0.5, 0.0, 0.0])
    guided = 1.0 - 0.4 * (1.0 - coaching)
    in_pilot = np.array([0.0, 1.0 - 0.4 * (1.0 - 0.8), 0.0, 0.0])
    practised = line.own_time + guided * (line.funded_used + line.induced)
    practised = practised + in_pilot * line.pilot_time
    practice = np.minimum(1.0, practised / P.practice_full_time)
    gained = P.learn_rate * practice * (1 + P.coaching_boost * coaching) * (1 - b["own"])
    lost = P.decay_rate * (1.0 - practice) * b["own"]
    support = np.array([0.3, 0.3, -0.5, -0.5])
    internal = 0.3 * b["ownership"] * (0.5 + 0.5 * np.maximum(support, 0)) * b["borrowed"]
    push = 0.5 * 0.9
    lent = push * 0.5 * max(0.8 - 0.2, 0)
    taught = np.array([0.0, push * 0.5 * 0.8 * 0.5 * (1 - 0.3), 0.0, 0.0])
    borrowed = b["borrowed"] + np.array([0.0, lent, 0.0, 0.0])
    borrowed = borrowed - np.where(line.in_pilot, 0.0, 0.2 * borrowed)
    assert_allclose(line.own, np.clip(b["own"] + gained + taught + internal - lost, 0, 1))
    assert_allclose(line.borrowed, np.clip(borrowed - internal, 0, 1))


def test_performance_counts_all_time_and_the_line_judges_without_protected_time():
    line = busy_line()
    b = snapshot(line)
    line.work(WEEK)
    effective = np.minimum(1.0, line.own + line.borrowed)
    output = (1.0 - line.improvement) * (1.0 + 0.5 * effective)
    assert_allclose(line.output, output)
    assert_allclose(line.performance, output / b["baseline"])
    unprotected = line.improvement - line.funded_used - line.pilot_time
    judged = (1.0 - unprotected) * (1.0 + 0.5 * effective) / b["baseline"]
    assert_allclose(line.judged, judged)
    assert_allclose(line.result, b["result"] + (judged - 1.0 - b["result"]) / 4.0)
    assert_allclose(line.baseline, b["baseline"])  # the baseline never moves


def test_programme_effort_without_results_breeds_cynicism():
    line = busy_line()
    b = snapshot(line)
    line.work(WEEK)
    effort = np.minimum(1.0, (line.pilot_time + line.funded_used + line.induced) / 0.1)
    disappointed = 0.5 * (1.0 - np.tanh((line.result - P.baseline_margin) / P.result_scale))
    target = effort * disappointed
    assert_allclose(line.cynicism, b["cynicism"] + (target - b["cynicism"]) / 5.0)


def test_ownership_drifts_with_duty_practice_hatch_and_cynicism():
    line = busy_line()
    b = snapshot(line)
    line.work(WEEK)
    hatch = np.array([0.1, 0.0, 0.1, 0.1])  # none inside a pilot
    assert_allclose(line.hatch, hatch)
    target = np.clip(
        b["ownership_base"]
        + P.ownership_duty_weight * line.enacted
        + P.ownership_practice_weight * line.own
        - hatch
        - 0.5 * line.cynicism,
        0,
        1,
    )
    assert_allclose(line.ownership, b["ownership"] + 0.5 * (target - b["ownership"]))


def test_teams_try_commit_follow_their_manager_and_feel_their_results():
    line = busy_line(draws=(0.9, 0.0, 0.9, 0.0))
    b = snapshot(line)
    line.work(WEEK)
    effective = np.minimum(1.0, line.own + line.borrowed)
    visible = (effective >= 0.5) & (line.result > P.baseline_margin)
    peers = mech.peer_signal(visible, np.array([1, 1, 2, 2]), np.array([[2], [3], [0], [1]]), 3)
    trial = np.clip(
        0.05 * (0.5 + line.ownership) + 0.2 * (1 - 0.5) * peers, 0, 1
    )  # Bass p, q per week
    compliance = 1.0 - 0.5 * line.cynicism
    tries = np.array([0.9, 0.0, 0.9, 0.0]) < trial * compliance
    assert tries[1] and not tries[0]
    c = np.where(tries, np.maximum(b["commitment"], 0.6), b["commitment"])
    support = np.array([0.3, 0.3, -0.5, -0.5])
    room = np.where(support > 0, 1 - c, c)
    c = c + 0.2 * 0.5 * support * room
    signal = np.tanh((line.result - P.commitment_bar) / P.result_scale)
    c = c + 0.3 * signal * np.where(signal > 0, c * (1 - c), c)
    assert_allclose(line.commitment, np.clip(c, 0, 1))


def test_a_week_without_a_pilot_lends_nothing_and_borrowed_capability_fades():
    line = line_of(P)
    line.borrowed[:] = [0.1, 0.2, 0.0, 0.3]
    line.ownership[:] = 0.0  # nothing is internalized
    line.work(WeekInputs())
    assert_allclose(line.borrowed, [0.08, 0.16, 0.0, 0.24])
    assert (line.pilot_time == 0).all()


# --- deeper trees, boundaries, trials -------------------------------------------------------
def deep_org() -> OrgStructure:
    """Executive 0 over middle managers 1 and 2; line managers 3, 4 under 1 and 5 under 2;
    teams 0, 1 under 3, teams 2, 3 under 4, teams 4, 5 under 5."""
    return OrgStructure(
        manager_parent=np.array([-1, 0, 0, 1, 1, 2]),
        manager_level=np.array([0, 1, 1, 2, 2, 2]),
        team_manager=np.array([3, 3, 4, 4, 5, 5]),
        team_ancestors=np.array([[0] * 6, [1, 1, 1, 1, 2, 2], [3, 3, 4, 4, 5, 5]]),
        cross_ties=np.zeros((6, 0), int),
        seniority=np.array([45.0, 20.0, 45.0, 9.0, 6.0, 3.0]),
        rank=np.array([1.0, 0.5, 0.5, 0.0, 0.0, 0.0]),
        resistance=np.full(6, 0.3),
        capability_quantile=np.linspace(0.1, 0.9, 6),
        ownership=np.full(6, 0.3),
    )


def test_in_a_deeper_tree_managers_look_to_their_own_superior_and_branch():
    p = Params(seniority_weight=0.25, adoption_threshold=0.5)
    line = Line(deep_org(), p, 0.3, Draws([0.9] * 6))
    # prestige: (1 - w) rank + w min(seniority / 30, 1)
    assert_allclose(line.prestige, [1.0, 0.375 + 0.25 * 20 / 30, 0.625, 0.075, 0.05, 0.025])
    line.own[:] = [0.5, 0.0, 0.0, 0.0, 0.6, 0.6]  # exactly at the threshold counts
    line.support[:] = [0.1, 0.2, 0.3, 0.0, 0.0, 0.0]
    line.stances_changed()
    got = line.stance_inputs(WeekInputs())
    assert_allclose(got["parent_support"], [0.0, 0.1, 0.1, 0.2, 0.2, 0.3])
    # peers: adoption in the superior's subtree (the executive's: all six teams)
    assert_allclose(got["peer_adoption"], [0.5, 0.5, 0.5, 0.25, 0.25, 1.0])


def test_a_manager_with_a_single_team_in_a_pilot_has_all_of_it_in_the_pilot():
    o = org()
    one = OrgStructure(
        **{
            **o.__dict__,
            "team_manager": np.array([1, 1, 1, 2]),
            "team_ancestors": np.array([[0, 0, 0, 0], [1, 1, 1, 2]]),
        }
    )
    line = Line(one, Params(pilot_manager_load=0.6, duty_manager_load=0.0), 0.3, Draws([0.9] * 4))
    line.in_pilot[:] = [True, False, False, True]
    line.update_managers(WeekInputs(), None)
    assert_allclose(line.load, [0.0, 0.6 / 3, 0.6])


FROZEN = Params(
    learn_rate=0.0,
    decay_rate=0.0,
    internalization_rate=0.0,
    borrowed_decay_rate=0.0,
    ownership_rate=0.0,
    result_weeks=1.0,
    pressure_cut=0.0,
    block_strength=0.0,
    baseline_margin=0.0,
    adoption_threshold=0.5,
    innovation_rate=0.0,
    imitation_rate=5.2,  # 0.1 a week x lateral openness x peers
    power_distance=0.5,
    cynicism_weight=1.0,
    trial_commitment=0.6,
    top_down_rate=0.0,
    commitment_feedback=0.0,
)


def test_teams_imitate_peers_whose_practice_visibly_pays_off():
    """A visible success is a team at or above the adoption threshold whose result is above
    its baseline by more than the margin; a team tries with probability q x lateral openness
    x share of visible peers (x compliance), when its draw falls below that."""
    line = line_of(FROZEN, draws=(0.02, 0.0, 0.0, 0.02))
    line.own[0] = 0.7  # practises, but no better than its (new) baseline: not a success
    line.baseline[:1] = mech.output(line.improvement[:1], line.own[:1], FROZEN.productivity_gain)
    line.own[1] = 0.5  # at the threshold and above its baseline: the one visible success
    line.own[2] = 0.45  # above its baseline, below the threshold: not a success
    line.cynicism[0] = 0.5  # complies half as much
    line.work(WeekInputs())
    assert line.result[0] == 0.0 and line.result[1] > 0 and line.result[2] > 0
    # peers: team 0 (sibling 1 visible, tie 2) 1/2; team 3 (sibling 2, tie 1 visible) 1/2;
    # chances 0.1 x 0.5 x 1/2 = 0.025, halved for team 0: only team 3's draw is below
    assert_allclose(line.commitment, [0.0, 0.0, 0.0, 0.6])


def test_touching_every_team_records_the_first_touch_of_teams_touched_for_the_first_time():
    line = line_of()
    line.touch("line", np.array([0, 1]), week=1)  # coaching reached manager 1's teams
    line.touch("line", None, week=1)  # the duty touches every team
    assert (line.first_touched[1] == 1).all()
