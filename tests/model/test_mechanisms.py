"""Each mechanism's arithmetic alone (sim.mechanisms): the direction the brief describes."""

from __future__ import annotations

import numpy as np
import pytest

from sim import mechanisms as mech

pytestmark = pytest.mark.mutation


def test_subtree_mean_averages_over_every_team_below_a_manager():
    # exec 0 -> managers 1, 2; teams 0, 1 under 1 and team 2 under 2
    ancestors = np.array([[0, 0, 0], [1, 1, 2]])
    values = np.array([1.0, 3.0, 8.0])
    assert (mech.subtree_operator(ancestors, 3) @ values).tolist() == [4.0, 2.0, 8.0]


def test_prestige_threat_weighs_more_in_high_power_distance():
    low = mech.manager_opposition(np.array([0.3]), np.array([0.8]), 0.1, 0.5)
    high = mech.manager_opposition(np.array([0.3]), np.array([0.8]), 0.9, 0.5)
    off = mech.manager_opposition(np.array([0.3]), np.array([0.8]), 0.9, 0.0)
    assert off[0] == 0.3 < low[0] < high[0]


def _stance(**kw):
    base = dict(
        results=np.zeros(1),
        peer_adoption=np.zeros(1),
        parent_support=np.zeros(1),
        coaching_skill=np.zeros(1),
        opposition=np.array([0.4]),
        duty=0.0,
        escape_hatch=0.0,
        overload=0.0,
        power_distance=0.5,
        openness=0.4,
        evidence_weight=0.5,
        bandwagon_weight=0.5,
        follow_weight=0.8,
        duty_weight=0.4,
        coaching_weight=0.5,
        overload_weight=0.5,
        result_scale=0.03,
    )
    base.update(kw)
    return float(mech.stance_target(**base)[0])


def test_stance_rises_with_results_peers_and_duty_and_falls_with_the_escape_hatch():
    neutral = _stance()
    assert _stance(results=np.array([0.05])) > neutral
    assert _stance(peer_adoption=np.array([0.8])) > neutral
    assert _stance(duty=1.0) > neutral
    assert _stance(escape_hatch=0.3) < neutral
    assert _stance(overload=0.5) < neutral == _stance(overload=0.5, overload_weight=0.0)
    assert -1.0 <= _stance(opposition=np.array([3.0])) < neutral


def test_high_power_distance_makes_managers_follow_their_superior():
    follow_low = _stance(parent_support=np.array([1.0]), power_distance=0.1) - _stance(
        power_distance=0.1
    )
    follow_high = _stance(parent_support=np.array([1.0]), power_distance=0.9) - _stance(
        power_distance=0.9
    )
    assert follow_high > follow_low > 0


def test_resisting_managers_discount_good_news():
    gain_open = _stance(results=np.array([0.1]), opposition=np.array([0.1])) - _stance(
        opposition=np.array([0.1])
    )
    gain_resisting = _stance(results=np.array([0.1]), opposition=np.array([0.9])) - _stance(
        opposition=np.array([0.9])
    )
    assert gain_open > gain_resisting > 0


def _time(**kw):
    """(pilot, funded, own, induced) for one team."""
    base = dict(
        commitment=np.array([1.0]),
        manager_support=np.array([0.0]),
        pressure=np.array([0.0]),
        funded=np.array([0.0]),
        pilot=np.array([0.0]),
        duty=0.0,
        compliance=1.0,
        base_time=0.02,
        extra_time=0.1,
        max_time=0.3,
        block_strength=0.8,
        pressure_cut=0.8,
    )
    base.update(kw)
    return [float(x[0]) for x in mech.improvement_time(**base)]


def test_pressure_cuts_own_and_duty_time_but_not_protected_time():
    _, _, calm, _ = _time()
    _, _, pressed, _ = _time(pressure=np.array([1.0]))
    assert pressed < calm
    idle = dict(commitment=np.array([0.0]), base_time=0.0)
    _, funded_calm, _, duty_calm = _time(**idle, funded=np.array([0.05]), duty=0.05)
    _, funded_pressed, _, duty_pressed = _time(
        **idle, funded=np.array([0.05]), duty=0.05, pressure=np.array([1.0])
    )
    assert funded_calm == funded_pressed == pytest.approx(0.05)
    assert duty_pressed == pytest.approx(0.2 * duty_calm) and duty_calm == pytest.approx(0.05)


def test_an_opposing_manager_blocks_own_and_duty_time():
    _, _, own_free, induced_free = _time(commitment=np.array([0.0]), duty=0.1)
    _, _, own_blocked, induced_blocked = _time(
        commitment=np.array([0.0]), duty=0.1, manager_support=np.array([-1.0])
    )
    assert own_blocked < own_free and induced_blocked < induced_free


def test_cynical_teams_comply_less_with_a_duty():
    _, _, _, full = _time(commitment=np.array([0.0]), duty=0.05)
    _, _, _, half = _time(commitment=np.array([0.0]), duty=0.05, compliance=0.5)
    assert half < full


def test_a_duty_is_as_real_as_the_time_it_gets():
    own, induced = np.array([0.02, 0.02, 0.12]), np.array([0.03, 0.0, 0.0])
    enacted = mech.enacted_duty(0.05, own, induced, 0.1)
    assert enacted.tolist() == pytest.approx([0.5, 0.2, 0.5])  # full, cut, covered by own drive
    assert (mech.enacted_duty(0.0, own, induced, 0.1) == 0).all()  # asks nothing: changes nothing


def test_a_duty_asks_only_for_what_the_team_does_not_already_do():
    _, _, own, induced = _time(commitment=np.array([0.0]), duty=0.05)
    assert own == pytest.approx(0.02) and induced == pytest.approx(0.03)
    _, _, own, induced = _time(commitment=np.array([1.0]), duty=0.05)
    assert own == pytest.approx(0.12) and induced == 0.0


def test_time_beyond_the_cap_is_not_spent_protected_time_first():
    pilot, funded, own, induced = _time(
        pilot=np.array([0.2]), funded=np.array([0.2]), duty=0.3, max_time=0.3
    )
    assert pilot == pytest.approx(0.2) and funded == pytest.approx(0.1)
    assert own == 0.0 and induced == 0.0


def test_improvement_is_worse_before_better():
    """Time spent improving lowers output now; the capability it builds raises it later."""
    before = mech.output(np.array([0.02]), np.array([0.15]), 0.5)
    push_now = mech.output(np.array([0.12]), np.array([0.15]), 0.5)
    push_later = mech.output(np.array([0.12]), np.array([0.6]), 0.5)
    assert push_now < before < push_later


def test_capability_builds_with_practice_and_decays_without():
    own = np.array([0.4])
    assert mech.learning(np.array([1.0]), np.zeros(1), own, 0.01, 1.0) > mech.learning(
        np.array([0.2]), np.zeros(1), own, 0.01, 1.0
    )
    assert mech.learning(np.array([1.0]), np.ones(1), own, 0.01, 1.0) > mech.learning(
        np.array([1.0]), np.zeros(1), own, 0.01, 1.0
    )
    assert mech.decay(np.array([1.0]), own, 0.01)[0] == 0.0 < mech.decay(np.zeros(1), own, 0.01)[0]


def test_internalization_needs_ownership_and_support():
    b = np.array([0.5])
    none = mech.internalization(b, np.array([0.0]), np.array([1.0]), 0.03)
    weak = mech.internalization(b, np.array([0.8]), np.array([-1.0]), 0.03)
    strong = mech.internalization(b, np.array([0.8]), np.array([1.0]), 0.03)
    assert none[0] == 0.0 < weak[0] < strong[0]


def test_specialists_without_line_authority_need_a_sponsor_in_high_power_distance():
    gate, sponsor = np.array([0.0, 1.0]), np.array([0.0, 1.0])
    assert mech.acceptance(gate, sponsor, 0.0, -1.0 / 3.0).tolist() == [1.0, 1.0]
    high = mech.acceptance(gate, sponsor, 0.9, -1.0 / 3.0)
    assert high[0] < 0.2 and high[1] == pytest.approx(1.0)


def test_a_gatekeeper_below_the_refusal_stance_refuses():
    gate = np.array([-0.5, -0.2])
    sponsor = np.array([0.5, 0.5])
    assert mech.acceptance(gate, sponsor, 0.2, -1.0 / 3.0).tolist() == [0.0, pytest.approx(0.9)]
    assert (mech.acceptance(gate, sponsor, 0.2, -1.0) > 0).all()  # -1: nobody refuses


def test_peer_signal_counts_siblings_and_cross_ties_but_not_the_team_itself():
    success = np.array([True, False, False, True])
    team_manager = np.array([0, 0, 1, 1])
    ties = np.array([[2], [3], [0], [1]])
    peers = mech.peer_signal(success, team_manager, ties, 2)
    assert peers.tolist() == [0.0, 1.0, 1.0, 0.0]


def test_trial_probability_follows_bass_innovation_and_imitation():
    p0 = mech.trial_probability(np.array([0.0]), np.array([0.5]), 1.0, 0.03, 0.38)
    p1 = mech.trial_probability(np.array([1.0]), np.array([0.5]), 1.0, 0.03, 0.38)
    closed = mech.trial_probability(np.array([1.0]), np.array([0.5]), 0.0, 0.03, 0.38)
    assert p0[0] == pytest.approx(0.03 / 52) and closed[0] == p0[0] < p1[0]


def test_commitment_reinforces_above_the_bar_and_reverts_below():
    c = np.array([0.5])
    up = mech.commitment_feedback(c, np.array([0.05]), -0.03, 0.03, 0.05)
    down = mech.commitment_feedback(c, np.array([-0.1]), -0.03, 0.03, 0.05)
    zero = mech.commitment_feedback(np.array([0.0]), np.array([0.05]), -0.03, 0.03, 0.05)
    assert up[0] > 0 > down[0] and zero[0] == 0


def test_the_escape_hatch_grows_with_visibility_presence_and_work_taken_over():
    assert mech.escape_hatch(0.4, 1.0, 1.0, 1.0) == pytest.approx(0.4)
    assert mech.escape_hatch(0.4, 0.5, 1.0, 1.0) == pytest.approx(0.2)
    assert mech.escape_hatch(0.4, 1.0, 1.0, 0.25) == pytest.approx(0.1)
    assert mech.escape_hatch(0.4, 1.0, 0.0, 1.0) == 0.0
    assert mech.takeover(5.0, 20.0) == 0.25 and mech.takeover(0.0, 0.0) == 0.0


def test_blame_is_a_share_of_setbacks_in_touched_teams():
    assert mech.blame_target(0.3, 0.5) == pytest.approx(0.15)
    assert mech.blame_target(0.0, 0.5) == 0.0


def test_unguided_mandated_practice_counts_less():
    assert mech.practice_quality(np.array([0.0, 1.0]), 0.5).tolist() == [0.5, 1.0]
    assert mech.practice_quality(np.array([0.0]), 0.0)[0] == 1.0


def test_effort_without_results_breeds_cynicism():
    effort = np.array([0.05, 0.05, 0.0])
    result = np.array([-0.05, 0.2, -0.05])
    c = mech.cynicism_target(effort, 0.1, result, 0.02, 0.03)
    assert c[0] > 0.4 and c[1] < 0.01 and c[2] == 0.0


def test_a_programme_loads_managers_through_duty_pilots_and_coaching():
    load = mech.manager_load(1.0, np.array([0.5]), np.array([1.0]), 0.5, 0.5, 0.2)
    assert load[0] == pytest.approx(0.5 + 0.25 + 0.2)
    assert mech.overload(load, np.array([0.0]))[0] == 0.0


def test_an_office_pays_its_pilots_team_time_from_its_budget():
    # one staff FTE runs 2 pilots of 0.15 of an 8-person team: it costs 1 + 2.4 FTE
    assert mech.office_staff_fte(3.4, 2, 0.0, 0.15, 8) == pytest.approx(1.0)
    assert mech.office_staff_fte(3.4, 2, 1.0, 0.15, 8) == pytest.approx(3.4)


def test_morale_quits_careers_and_legitimacy_move_the_right_way():
    assert mech.morale_target(0.8, np.array([0.3]), np.zeros(1), 0.0, 0.5, 0.5, 0.5)[0] > 0.8
    assert mech.morale_target(0.8, np.zeros(1), np.array([0.6]), 0.2, 0.5, 0.5, 0.5)[0] < 0.8
    q = mech.quit_probability(np.array([1.0, 0.2]), np.ones(2), 0.002, 0.02)
    assert q[0] < q[1]
    trapped = mech.quit_probability(np.array([0.2]), np.array([0.5]), 0.002, 0.02)
    assert trapped[0] == pytest.approx(0.5 * q[1])
    prospects = mech.career_prospects(np.array([0.0, 52.0, 260.0]), 0.15)
    assert prospects[0] == 1.0 and prospects[0] > prospects[1] > prospects[2]
    assert mech.kept_handover(0.3, np.array([0.5]))[0] == pytest.approx(0.15)
    assert mech.hiring_delay(12, 1.0) == 12 and mech.hiring_delay(12, 0.5) == 18
    assert mech.sunset_delay(0.5, 156) == 78
    args = dict(base=0.3, claim_w=0.5, blame_w=1.5, sponsor_w=0.2)
    assert mech.legitimacy_target(0.8, 0.0, 0.5, **args) > mech.legitimacy_target(
        0.8, 0.3, 0.5, **args
    )
