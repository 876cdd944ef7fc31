"""Each mechanism's arithmetic alone (sim.mechanisms): the direction the brief describes."""

from __future__ import annotations

import numpy as np
import pytest

from sim import mechanisms as mech


def test_subtree_mean_averages_over_every_team_below_a_manager():
    # exec 0 -> managers 1, 2; teams 0, 1 under 1 and team 2 under 2
    ancestors = np.array([[0, 0, 0], [1, 1, 2]])
    values = np.array([1.0, 3.0, 8.0])
    assert mech.subtree_mean(values, ancestors, 3).tolist() == [4.0, 2.0, 8.0]


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
        line_duty=0.0,
        escape_hatch=0.0,
        power_distance=0.5,
        openness=0.4,
        evidence_weight=0.5,
        bandwagon_weight=0.5,
        follow_weight=0.8,
        duty_weight=0.4,
        coaching_weight=0.5,
        result_scale=0.03,
    )
    base.update(kw)
    return float(mech.stance_target(**base)[0])


def test_stance_rises_with_results_peers_and_duty_and_falls_with_the_escape_hatch():
    neutral = _stance()
    assert _stance(results=np.array([0.05])) > neutral
    assert _stance(peer_adoption=np.array([0.8])) > neutral
    assert _stance(line_duty=1.0) > neutral
    assert _stance(escape_hatch=0.3) < neutral
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
    base = dict(
        commitment=np.array([1.0]),
        manager_support=np.array([0.0]),
        pressure=np.array([0.0]),
        funded=np.array([0.0]),
        pilot=np.array([0.0]),
        base_time=0.02,
        extra_time=0.1,
        max_time=0.3,
        block_strength=0.8,
        pressure_cut=0.8,
    )
    base.update(kw)
    return mech.improvement_time(**base)


def test_pressure_cuts_own_improvement_time_but_not_funded_time():
    calm, _ = _time()
    pressed, _ = _time(pressure=np.array([1.0]))
    assert pressed[0] < calm[0]
    funded_calm, _ = _time(commitment=np.array([0.0]), base_time=0.0, funded=np.array([0.05]))
    funded_pressed, _ = _time(
        commitment=np.array([0.0]),
        base_time=0.0,
        funded=np.array([0.05]),
        pressure=np.array([1.0]),
    )
    assert funded_calm[0] == funded_pressed[0] == pytest.approx(0.05)


def test_an_opposing_manager_blocks_improvement_and_diverts_funded_time():
    free, used_free = _time(funded=np.array([0.05]))
    blocked, used_blocked = _time(funded=np.array([0.05]), manager_support=np.array([-1.0]))
    assert blocked[0] < free[0] and used_blocked[0] < used_free[0]


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


def test_pmo_without_line_authority_needs_a_sponsor_in_high_power_distance():
    sponsor = np.array([0.0, 1.0])
    assert mech.pilot_acceptance(sponsor, 0.0).tolist() == [1.0, 1.0]
    high = mech.pilot_acceptance(sponsor, 0.9)
    assert high[0] < 0.2 and high[1] == pytest.approx(1.0)


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


def test_the_escape_hatch_opens_with_a_visible_pmo_and_closes_with_a_line_duty():
    assert mech.escape_hatch(1.0, 0.0, 0.4) == pytest.approx(0.4)
    assert mech.escape_hatch(1.0, 1.0, 0.4) == 0.0
    assert mech.escape_hatch(0.0, 0.0, 0.4) == 0.0
    assert mech.blame_target(0.3, 1.0, 0.5) > mech.blame_target(0.3, 0.2, 0.5)


def test_morale_quits_careers_and_legitimacy_move_the_right_way():
    assert mech.morale_target(0.8, np.array([0.3]), np.zeros(1), 0.0, 0.5, 0.5, 0.5)[0] > 0.8
    assert mech.morale_target(0.8, np.zeros(1), np.array([0.6]), 0.2, 0.5, 0.5, 0.5)[0] < 0.8
    q = mech.quit_probability(np.array([1.0, 0.2]), 0.002, 0.02)
    assert q[0] < q[1]
    prospects = mech.career_prospects(np.array([0.0, 52.0, 260.0]), 0.15)
    assert prospects[0] == 1.0 and prospects[0] > prospects[1] > prospects[2]
    assert mech.sunset_delay(0.5, 156) == 78
    args = dict(base=0.3, claim_w=0.5, blame_w=1.5, sponsor_w=0.2)
    assert mech.legitimacy_target(0.8, 0.0, 0.5, **args) > mech.legitimacy_target(
        0.8, 0.3, 0.5, **args
    )
