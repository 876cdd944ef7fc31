"""The arithmetic of each mechanism, value by value (sim.mechanisms).

test_mechanisms.py checks directions; these pin the numbers: each case isolates one term of a
function with inputs simple enough to compute by hand (the expected values are the docstring's
formula worked through), so an operator flipped, a constant moved or an argument dropped is
caught, not only a sign.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.sparse import issparse

from sim import mechanisms as mech

pytestmark = pytest.mark.mutation


def a(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)


# --- the tree, clipping, smoothing -----------------------------------------------------------
def test_subtree_operator_is_the_mean_over_each_managers_part_of_a_deep_tree():
    # exec 0 -> managers 1, 2; manager 1 -> manager 3; teams: 0, 1 under 3; 2, 3, 4 under 2
    ancestors = np.array([[0, 0, 0, 0, 0], [1, 1, 2, 2, 2], [3, 3, 2, 2, 2]])
    op = mech.subtree_operator(ancestors, 4)
    values = a(1, 3, 5, 7, 9)
    assert_allclose(op @ values, [5.0, 2.0, 7.0, 2.0])
    assert_allclose(op @ np.column_stack((values, 2 * values)), [[5, 10], [2, 4], [7, 14], [2, 4]])
    assert op.shape == (4, 5) and op.dtype == float


def test_subtree_operator_is_dense_when_small_and_sparse_when_large():
    small = mech.subtree_operator(np.array([[0, 0, 0]]), 1)
    assert isinstance(small, np.ndarray)
    n_teams, n_managers = 600, 500  # 300,000 cells: sparse
    ancestors = np.vstack([np.zeros(n_teams, int), np.arange(n_teams) % (n_managers - 1) + 1])
    large = mech.subtree_operator(ancestors, n_managers)
    assert issparse(large) and large.shape == (n_managers, n_teams)
    assert_allclose(large @ np.ones(n_teams), np.ones(n_managers))


def test_unit_clips_to_zero_and_one():
    assert_allclose(mech.unit(a(-0.5, 0.0, 0.3, 1.0, 1.7)), [0.0, 0.0, 0.3, 1.0, 1.0])


def test_ema_moves_a_share_one_over_weeks_of_the_gap():
    assert mech.ema(0.2, 1.0, 4.0) == pytest.approx(0.4)
    assert_allclose(mech.ema(a(1.0, 0.0), a(0.0, 0.5), 2.0), [0.5, 0.25])


# --- stance --------------------------------------------------------------------------------
def test_opposition_is_resistance_plus_prestige_times_power_distance():
    assert_allclose(mech.manager_opposition(a(0.3), a(0.8), 0.9, 0.5), [0.3 + 0.5 * 0.8 * 0.9])
    assert_allclose(mech.manager_opposition(a(0.3), a(0.4), 0.5, 2.0), [0.3 + 2.0 * 0.4 * 0.5])


ZERO_STANCE = dict(
    results=a(0.0),
    peer_adoption=a(0.0),
    parent_support=a(0.0),
    coaching_skill=a(0.0),
    opposition=a(0.0),
    duty=0.0,
    escape_hatch=0.0,
    overload=0.0,
    power_distance=0.5,
    openness=0.0,
    evidence_weight=0.5,
    bandwagon_weight=0.4,
    follow_weight=0.8,
    duty_weight=0.3,
    coaching_weight=0.6,
    overload_weight=0.7,
    result_scale=0.05,
)


def stance(**kw) -> float:
    return float(mech.stance_target(**{**ZERO_STANCE, **kw})[0])


@pytest.mark.parametrize(
    ("inputs", "drive"),
    [
        ({}, 0.0),
        ({"openness": 0.2}, 0.2),
        ({"results": a(0.05)}, 0.5 * np.tanh(1.0)),
        ({"results": a(-0.1)}, 0.5 * np.tanh(-2.0)),
        ({"peer_adoption": a(0.5)}, 0.4 * 0.5),
        ({"duty": 0.5}, 0.3 * 0.5),
        ({"coaching_skill": a(0.5)}, 0.6 * 0.5),
        ({"parent_support": a(0.5)}, 0.8 * 0.5 * 0.5),
        ({"escape_hatch": 0.2}, -0.2),
        ({"overload": 0.2}, -0.7 * 0.2),
    ],
)
def test_stance_target_is_tanh_of_twice_the_drive_one_term_at_a_time(inputs, drive):
    assert stance(**inputs) == pytest.approx(np.tanh(2.0 * drive))


def test_opposition_lowers_the_drive_and_discounts_every_favourable_signal():
    favourable = dict(
        results=a(0.05), peer_adoption=a(0.5), duty=0.5, coaching_skill=a(0.5), openness=0.1
    )
    signals = 0.5 * np.tanh(1.0) + 0.4 * 0.5 + 0.3 * 0.5 + 0.6 * 0.5
    for opposition, share in ((0.25, 0.25), (1.5, 1.0), (-0.5, 0.0)):
        expected = np.tanh(2.0 * (0.1 + (1 - share) * signals - opposition))
        assert stance(opposition=a(opposition), **favourable) == pytest.approx(expected)


def test_manager_load_adds_duty_pilots_and_coaching():
    load = mech.manager_load(0.5, a(0.25, 0.0), a(0.0, 1.0), 0.4, 0.6, 0.2)
    assert_allclose(load, [0.4 * 0.5 + 0.6 * 0.25, 0.4 * 0.5 + 0.2])
    assert_allclose(mech.overload(a(0.5, 0.8), a(0.5, 0.25)), [0.25, 0.2])


def test_acceptance_refuses_only_strictly_below_the_refusal_stance():
    gate = a(-0.5, -0.3, -0.29, 0.5)
    sponsor = a(0.5, 0.5, -0.2, 0.5)
    # engaged = (1 - pd) + pd * max(sponsor, 0)
    assert_allclose(mech.acceptance(gate, sponsor, 0.4, -0.3), [0.0, 0.8, 0.6, 0.8])


# --- capability trap -----------------------------------------------------------------------
def test_pressure_target_rises_with_the_shortfall_only():
    assert_allclose(mech.pressure_target(a(-0.1, 0.0, 0.1, 0.5), 0.2, 5.0), [0.2, 0.2, 0.7, 1.0])
    assert_allclose(mech.pressure_target(a(-1.0), -0.5, 1.0), [0.0])


TIME = dict(
    commitment=a(0.5),
    manager_support=a(0.0),
    pressure=a(0.0),
    funded=a(0.0),
    pilot=a(0.0),
    duty=0.0,
    compliance=1.0,
    base_time=0.02,
    extra_time=0.1,
    max_time=0.3,
    block_strength=0.5,
    pressure_cut=0.5,
)


def kinds(**kw) -> list[float]:
    """(pilot, funded, own, induced) of one team."""
    return [float(x[0]) for x in mech.improvement_time(**{**TIME, **kw})]


def test_own_time_is_base_plus_commitment_blocked_and_cut():
    assert kinds() == pytest.approx([0.0, 0.0, 0.07, 0.0])  # 0.02 + 0.1 x 0.5
    blocked = kinds(manager_support=a(-0.8))  # x (1 - 0.5 x 0.8)
    assert blocked == pytest.approx([0.0, 0.0, 0.07 * 0.6, 0.0])
    assert kinds(manager_support=a(0.8)) == pytest.approx([0.0, 0.0, 0.07, 0.0])  # no block
    cut = kinds(pressure=a(0.4))  # x (1 - 0.5 x 0.4)
    assert cut == pytest.approx([0.0, 0.0, 0.07 * 0.8, 0.0])


def test_a_duty_asks_the_rest_of_its_time_cut_like_own_time():
    assert kinds(commitment=a(0.0), duty=0.05) == pytest.approx([0, 0, 0.02, 0.03])
    # asked = duty x compliance x block x cut; the own drive counts towards it
    got = kinds(commitment=a(0.0), duty=0.2, compliance=0.5, manager_support=a(-1.0))
    assert got == pytest.approx([0, 0, 0.01, 0.2 * 0.5 * 0.5 - 0.01])
    got = kinds(commitment=a(0.0), duty=0.1, pressure=a(1.0))
    assert got == pytest.approx([0, 0, 0.01, 0.1 * 0.5 - 0.01])


def test_protected_time_is_not_cut_and_fills_the_cap_first():
    got = kinds(pilot=a(0.1), funded=a(0.05), pressure=a(1.0), manager_support=a(-1.0))
    assert got == pytest.approx([0.1, 0.05, 0.07 * 0.5 * 0.5, 0.0])
    # the cap: pilot, then funded, then own, then induced, each within what is left
    got = kinds(pilot=a(0.2), funded=a(0.05), duty=0.3, max_time=0.3)
    assert got == pytest.approx([0.2, 0.05, 0.05, 0.0])
    got = kinds(pilot=a(0.1), funded=a(0.05), duty=0.2, max_time=0.3)
    assert got == pytest.approx([0.1, 0.05, 0.07, 0.08])
    got = kinds(pilot=a(0.1), commitment=a(0.0), duty=0.3, max_time=0.3)
    assert got == pytest.approx([0.1, 0.0, 0.02, 0.18])


def test_improvement_time_works_team_by_team():
    got = mech.improvement_time(
        **{**TIME, "commitment": a(0.0, 1.0), "pilot": a(0.3, 0.0), "duty": 0.1}
    )
    assert_allclose(np.array(got), [[0.3, 0.0], [0.0, 0.0], [0.0, 0.12], [0.0, 0.0]])


def test_enacted_duty_counts_own_and_induced_time_up_to_the_duty_asked():
    own, induced = a(0.02, 0.02, 0.2, 0.0), a(0.01, 0.0, 0.0, 0.0)
    assert_allclose(mech.enacted_duty(0.05, own, induced, 0.1), [0.3, 0.2, 0.5, 0.0])
    assert_allclose(mech.enacted_duty(0.3, own, induced, 0.1), [0.3, 0.2, 1.0, 0.0])
    none = mech.enacted_duty(0.0, own, induced, 0.1)
    assert none.shape == own.shape and (none == 0).all()


def test_output_is_time_left_times_productivity():
    assert_allclose(mech.output(a(0.1, 0.0), a(0.4, 1.0), 0.5), [0.9 * 1.2, 1.5])


# --- capability ------------------------------------------------------------------------------
def test_practice_quality_and_practice_level():
    assert_allclose(mech.practice_quality(a(0.0, 0.5, 1.0, 1.5, -1.0), 0.4), [0.6, 0.8, 1, 1, 0.6])
    assert_allclose(mech.practice(a(0.05, 0.1, 0.3), 0.1), [0.5, 1.0, 1.0])


def test_learning_and_decay_values():
    assert_allclose(mech.learning(a(0.5), a(0.4), a(0.3), 0.02, 1.5), [0.02 * 0.5 * 1.6 * 0.7])
    assert_allclose(mech.decay(a(0.25), a(0.4), 0.1), [0.1 * 0.75 * 0.4])


def test_steady_capability_balances_learning_and_decay():
    level = mech.steady_capability(0.2, 0.01, 0.05)
    assert level == pytest.approx(0.002 / (0.002 + 0.04))
    gained = mech.learning(a(0.2), a(0.0), a(level), 0.01, 1.0)
    assert_allclose(gained, mech.decay(a(0.2), a(level), 0.05))
    assert mech.steady_capability(1.0, 0.0, 0.05) == 0.0  # neither learning nor loss
    assert mech.steady_capability(0.0, 0.01, 0.0) == 0.0


def test_internalization_values():
    got = mech.internalization(a(0.5, 0.5), a(0.8, 0.4), a(0.5, -1.0), 0.1)
    assert_allclose(got, [0.1 * 0.8 * 0.75 * 0.5, 0.1 * 0.4 * 0.5 * 0.5])


def test_a_pilot_lends_what_it_does_and_teaches_what_it_hands_over():
    borrowed, taught = mech.pilot_transfer(
        skill=a(0.8, 0.5),
        borrowed=a(0.2, 0.6),
        own=a(0.5, 0.5),
        ownership=a(0.5, 1.0),
        acceptance_=a(0.5, 1.0),
        handover=a(0.25, 0.5),
        rate=0.2,
    )
    assert_allclose(borrowed, [0.1 * 0.75 * 0.6, 0.0])  # nothing above the specialist's skill
    assert_allclose(taught, [0.1 * 0.25 * 0.8 * 0.5 * 0.5, 0.2 * 0.5 * 0.5 * 1.0 * 0.5])


# --- diffusion and commitment --------------------------------------------------------------
def test_peer_signal_without_cross_ties_and_for_a_lone_team():
    success = np.array([True, True, False, True])
    managers = np.array([0, 0, 0, 1])
    no_ties = np.zeros((4, 0), int)
    assert_allclose(mech.peer_signal(success, managers, no_ties, 2), [0.5, 0.5, 1.0, 0.0])
    ties = np.array([[3, 2], [2, 3], [0, 1], [0, 2]])
    # (siblings + ties) / (siblings + 2): team 3 has no siblings, its ties are 0 and 2
    assert_allclose(mech.peer_signal(success, managers, ties, 2), [2 / 4, 2 / 4, 4 / 4, 1 / 2])


def test_trial_probability_values():
    p = mech.trial_probability(a(0.5, 1.0), a(0.5, 0.0), 0.5, 0.52, 5.2)
    assert_allclose(p, [0.01 * 1.0 + 0.1 * 0.5 * 0.5, 0.01 * 0.5 + 0.1 * 0.5])
    assert_allclose(mech.trial_probability(a(1.0), a(1.0), 1.0, 52.0, 52.0), [1.0])


def test_commitment_feedback_values():
    c = a(0.5, 0.5, 0.2, 1.0)
    result = a(0.02, -0.08, 0.02, -0.08)
    signal_up, signal_down = np.tanh(1.0), np.tanh(-1.0)
    got = mech.commitment_feedback(c, result, -0.03, 0.05, 0.1)
    expected = [0.1 * signal_up * 0.25, 0.1 * signal_down * 0.5, 0.1 * signal_up * 0.16, -0.076]
    assert_allclose(got, expected, atol=1e-3)
    assert mech.commitment_feedback(a(0.5), a(-0.03), -0.03, 0.05, 0.1)[0] == 0.0  # at the bar


def test_top_down_push_values():
    push = mech.top_down_push(a(0.25, 0.25, 0.5), a(0.5, -0.5, 0.0), 0.8, 0.1)
    assert_allclose(push, [0.1 * 0.8 * 0.5 * 0.75, -0.1 * 0.8 * 0.5 * 0.25, 0.0])


# --- fatigue, ownership, hatch, blame --------------------------------------------------------
def test_cynicism_target_values():
    got = mech.cynicism_target(a(0.05, 0.2, 0.05), 0.1, a(0.02, 0.02, 0.07), 0.02, 0.05)
    assert_allclose(got, [0.25, 0.5, 0.5 * 0.5 * (1 - np.tanh(1.0))])


def test_ownership_target_values():
    got = mech.ownership_target(
        a(0.3, 0.3, 0.9), a(0.5, 0.0, 1.0), a(0.5, 0.0, 1.0), 0.1, a(0.2, 1.0, 0.0), 0.4, 0.2, 0.5
    )
    assert_allclose(got, [0.3 + 0.2 + 0.1 - 0.1 - 0.1, 0.0, 1.0])


def test_takeover_and_escape_hatch_values():
    assert mech.takeover(0.25, 0.5) == 0.5 and mech.takeover(1.0, 0.0) == 0.0
    assert mech.takeover(0.0, -1.0) == 0.0
    assert mech.escape_hatch(0.5, 0.5, 0.8, 0.25) == pytest.approx(0.05)


def test_blame_target_value():
    assert mech.blame_target(0.4, 0.25) == pytest.approx(0.1)


# --- specialists, careers, legitimacy --------------------------------------------------------
def test_morale_target_values():
    got = mech.morale_target(0.6, a(0.2, 0.0, 0.0), a(0.1, 0.8, 2.0), 0.2, 0.5, 0.4, 0.25)
    assert_allclose(got, [0.6 + 0.1 - 0.04 - 0.05, 0.6 - 0.32 - 0.05, 0.0])


def test_quit_probability_values():
    got = mech.quit_probability(a(0.5, 0.0, 1.0), a(1.0, 0.5, 1.0), 0.01, 0.2)
    assert_allclose(got, [0.01 + 0.2 * 0.25, (0.01 + 0.2) * 0.5, 0.01])


def test_career_values():
    assert_allclose(mech.career_prospects(a(26.0, 104.0), 0.2), np.exp([-0.1, -0.4]))
    assert_allclose(mech.kept_handover(a(0.5), a(0.4)), [0.2])
    assert mech.hiring_delay(10, 0.8) == pytest.approx(12.0)
    assert mech.sunset_delay(0.25, 100) == pytest.approx(25.0)


def test_legitimacy_target_values():
    args = dict(base=0.2, claim_w=0.5, blame_w=1.0, sponsor_w=0.4)
    assert mech.legitimacy_target(0.4, 0.1, 0.5, **args) == pytest.approx(0.2 + 0.2 + 0.2 - 0.1)
    assert mech.legitimacy_target(0.4, 0.1, -0.5, **args) == pytest.approx(0.3)  # no backing
    assert mech.legitimacy_target(0.0, 0.9, 0.0, **args) == 0.0
    assert mech.legitimacy_target(1.0, 0.0, 1.0, **args) == 1.0
    assert isinstance(mech.legitimacy_target(0.4, 0.1, np.float64(0.5), **args), float)


def test_office_staff_fte_pays_its_pilots_team_time():
    # per staff FTE: 1 + 3 pilots x (1 - 0.5) x 0.2 x 5 people = 2.5 FTE of budget
    assert mech.office_staff_fte(5.0, 3, 0.5, 0.2, 5) == pytest.approx(2.0)


def test_a_team_with_a_single_peer_sees_all_of_its_success():
    success = np.array([True, False, True])
    managers = np.array([0, 0, 1])  # team 2 alone under manager 1, no ties
    assert_allclose(mech.peer_signal(success, managers, np.zeros((3, 0), int), 2), [0, 1, 0])
