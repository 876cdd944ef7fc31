"""A programme's specialists (sim.specialists): positions, hiring, careers, morale, quits.

The roster is tested alone, with parameters chosen so every number can be checked by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sim import Params
from sim.specialists import Specialists

pytestmark = pytest.mark.mutation

P = Params(
    hiring_weeks=10,
    initial_staff_skill=0.7,
    replacement_skill=0.3,
    initial_morale=0.8,
    staff_learning=0.1,
    career_decay=0.52,
    success_learning=0.5,
    morale_rate=0.5,
    morale_success_gain=0.5,
    morale_resistance_hit=0.4,
    morale_blame_hit=0.2,
    attrition_base=0.1,
    attrition_low_morale=0.4,
)


class Draws:
    """A quit stream with given draws (what ``Generator.random(n)`` returns)."""

    def __init__(self, *rows):
        self.rows = list(rows)
        self.asked: list[int] = []

    def random(self, n):
        self.asked.append(n)
        return np.array(self.rows.pop(0), dtype=float)


def roster(p: Params = P, draws=None) -> Specialists:
    return Specialists(p, draws if draws is not None else np.random.default_rng(0))


def test_an_empty_roster_has_nothing():
    s = roster()
    assert s.headcount == s.vacant_fte == s.positions_fte == 0.0
    assert s.mean_prospects() == 1.0 and s.attrition == s.rotations == 0
    assert len(s.quitters()) == 0


def test_positions_are_whole_plus_one_part_time_remainder_all_vacant_at_first():
    s = roster()
    assert s.set_positions(2.5, ready_week=3) == []
    assert_allclose(s.fte, [1.0, 1.0, 0.5])
    assert not s.filled.any() and not s.cut.any() and s.open.all()
    assert_allclose(s.hire_week, [3, 3, 3])
    assert_allclose(s.prospects, [1, 1, 1])
    assert_allclose(np.vstack([s.skill, s.morale, s.tenure, s.success, s.opposed]), 0.0)
    assert s.headcount == 0.0 and s.vacant_fte == s.positions_fte == 2.5
    assert s.set_positions(-1.0, 3) == [] and s.positions_fte == 0.0  # never below 0


def test_hiring_fills_due_vacancies_founders_experienced_replacements_green():
    s = roster()
    s.set_positions(2.0, ready_week=0)
    s.hire(week=0, founding=True)
    assert s.filled.all() and s.headcount == 2.0 and s.vacant_fte == 0.0
    assert_allclose(s.skill, [0.7, 0.7])
    assert_allclose(s.morale, [0.8, 0.8])
    assert_allclose(s.success, [0.5, 0.5])
    s.set_positions(3.0, ready_week=12)  # a new position, filled after the delay
    s.hire(week=11, founding=False)
    assert not s.filled[2] and s.vacant_fte == 1.0
    s.opposed[2], s.prospects[2], s.tenure[2] = 0.9, 0.1, 7.0  # left over from a predecessor
    s.hire(week=12, founding=False)
    assert s.filled[2] and s.skill[2] == pytest.approx(0.3) and s.morale[2] == 0.8
    assert s.opposed[2] == 0.0 and s.prospects[2] == 1.0 and s.tenure[2] == 0.0
    assert s.success[2] == 0.5 and s.headcount == 3.0


def test_a_cut_removes_the_least_experienced_positions_first():
    s = roster()
    s.set_positions(3.5, ready_week=0)
    s.hire(0, founding=True)
    s.tenure[:] = [30.0, 10.0, 20.0, 5.0]
    leaving = s.set_positions(1.8, ready_week=0)  # cut 1.7: slot 3 (0.5), slot 1, 0.2 of 2
    assert leaving == [3, 1]
    assert list(s.cut) == [False, True, False, True]
    assert_allclose(s.fte[~s.cut], [1.0, 0.8])
    assert s.positions_fte == pytest.approx(1.8) and s.headcount == pytest.approx(1.8)
    assert not (s.filled & s.cut).any()
    assert s.set_positions(1.8, 0) == []  # nothing to change


def test_vacant_positions_are_cut_before_anyone_loses_a_job():
    s = roster()
    s.set_positions(2.0, ready_week=0)
    s.hire(0, founding=True)
    s.tenure[:] = [1.0, 1.0]
    s.set_positions(3.0, ready_week=20)  # a vacancy (tenure 0)
    assert s.set_positions(2.0, ready_week=20) == []
    assert list(s.cut) == [False, False, True] and s.headcount == 2.0
    s.set_positions(2.5, ready_week=20)  # grows again: a new part-time position
    assert len(s.fte) == 4 and s.fte[3] == 0.5 and s.hire_week[3] == 20


def test_leaving_frees_the_slot_for_a_hire_after_a_delay_that_a_career_trap_lengthens():
    s = roster()
    s.set_positions(2.0, ready_week=0)
    s.hire(0, founding=True)
    s.skill[:] = [0.9, 0.4]
    s.tenure[:] = [50.0, 50.0]
    s.prospects[:] = [0.5, 0.6]
    assert s.ready_week(5) == pytest.approx(5 + 10 * (2 - 0.55))
    skill = s.leave(0, week=5)
    assert skill == 0.9 and not s.filled[0] and s.tenure[0] == 0.0
    # the leaver no longer counts: the one left has prospects 0.6
    assert s.hire_week[0] == pytest.approx(5 + 10 * 1.4)
    assert s.mean_prospects() == pytest.approx(0.6)
    s.hire(week=18, founding=False)
    assert not s.filled[0]
    s.hire(week=19, founding=False)
    assert s.filled[0] and s.skill[0] == 0.3


def test_a_week_in_the_role_grows_tenure_skill_and_shrinks_prospects():
    s = roster()
    s.set_positions(2.0, ready_week=0)
    s.hire(0, founding=True)
    s.leave(1, week=0)
    s.skill[1], s.prospects[1] = 0.2, 0.9  # vacant: untouched
    for _ in range(26):
        s.grow()
    assert list(s.tenure) == [26.0, 0.0]
    assert s.skill[0] == pytest.approx(1 - 0.3 * 0.9**26)
    assert s.prospects[0] == pytest.approx(np.exp(-0.52 * 0.5))
    assert s.skill[1] == 0.2 and s.prospects[1] == 0.9


def test_specialists_learn_from_what_they_observe_only_while_in_post():
    s = roster()
    s.set_positions(3.0, ready_week=0)
    s.hire(0, founding=True)
    s.leave(2, week=0)
    s.observe(np.array([0, 1, 2]), np.array([1.0, 0.0, 1.0]))
    assert_allclose(s.success, [0.75, 0.25, 0.5])
    s.observe(np.array([0, 0]), np.array([1.0, 1.0]))
    assert s.success[0] == pytest.approx(0.9375)


def test_morale_drifts_with_success_resistance_and_blame():
    s = roster()
    s.set_positions(3.0, ready_week=0)
    s.hire(0, founding=True)
    s.leave(2, week=0)
    s.success[:] = [0.9, 0.5, 0.9]
    s.update_morale(np.array([0.0, 1.0, 1.0]), blame=0.5)
    assert_allclose(s.opposed, [0.0, 0.25, 0.0])  # smoothed over 4 weeks; vacant untouched
    target = np.array([0.8 + 0.5 * 0.4 - 0.2 * 0.5, 0.8 - 0.4 * 0.25 - 0.2 * 0.5])
    assert_allclose(s.morale[:2], 0.8 + 0.5 * (target - 0.8))
    assert s.morale[2] == 0.8


def test_quitters_are_filled_slots_whose_draw_falls_below_their_quit_chance():
    draws = Draws([0.05, 0.05, 0.2, 0.0], [0.11, 0.09, 0.3, 0.0])
    s = roster(draws=draws)
    s.set_positions(4.0, ready_week=0)
    s.hire(0, founding=True)
    s.leave(3, week=0)
    s.morale[:] = [1.0, 1.0, 0.5, 0.5]
    s.prospects[:] = [1.0, 0.5, 1.0, 1.0]
    # quit chance: (0.1 + 0.4 (1 - morale)^2) x prospects = 0.1, 0.05, 0.2, (vacant)
    assert list(s.quitters()) == [0]
    assert list(s.quitters()) == []
    assert draws.asked == [4, 4]  # one draw per position, filled or not


def test_among_equally_green_positions_the_oldest_vacancy_is_cut_first():
    """Ties go by slot order (a stable sort), so a cut never depends on the sort algorithm."""
    s = roster()
    s.set_positions(10.0, ready_week=0)
    s.hire(0, founding=True)
    s.tenure[:] = 5.0
    s.set_positions(20.0, ready_week=30)  # ten vacancies, tenure 0
    assert s.set_positions(19.0, ready_week=30) == []
    assert np.flatnonzero(s.cut).tolist() == [10]
