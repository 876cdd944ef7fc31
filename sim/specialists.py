"""Improvement specialists: the people a programme pays, wherever they sit.

Office staff and designated line coaches are the same kind of person in the model (the brief's
"A fair fight": every coach, line or office, has skill, morale and attrition, and a career that
a specialist role can trap). A :class:`Specialists` roster holds one programme's positions and
the people in them, as arrays by position (slot):

* a position has a size (``fte``: whole positions plus one part-time remainder, so no budget is
  lost to rounding) and is filled, vacant (a hire is pending) or cut (its budget withdrawn);
* a person in it has skill, morale, tenure, career prospects against line peers, the share of
  their effort they hand over, what they have observed of their own results (``success``) and
  the resistance they meet (``opposed``).

The roster knows nothing of pilots or coaching; the programme that owns it decides what its
people do (``sim.office``, ``sim.programme``).
"""

from __future__ import annotations

import numpy as np

from sim import mechanisms as mech
from sim.params import Params

_ARRAYS = ("fte", "skill", "morale", "tenure", "prospects", "success", "opposed")


class Specialists:
    """One programme's positions and the people in them (see the module doc)."""

    def __init__(self, p: Params, quit_rng: np.random.Generator):
        self.p, self.quit_rng = p, quit_rng
        self.fte = np.zeros(0)
        self.filled = np.zeros(0, bool)
        self.cut = np.zeros(0, bool)
        self.hire_week = np.zeros(0)
        self.skill = np.zeros(0)
        self.morale = np.zeros(0)
        self.tenure = np.zeros(0)
        self.prospects = np.zeros(0)
        self.success = np.zeros(0)
        self.opposed = np.zeros(0)
        self.attrition = 0  # people who quit the firm
        self.rotations = 0  # people who went back into the line

    # --- the roster ---------------------------------------------------------------------------
    @property
    def open(self) -> np.ndarray:
        """Positions that still have a budget (filled or vacant)."""
        return ~self.cut

    @property
    def headcount(self) -> float:
        """Filled FTE."""
        return float(self.fte[self.filled].sum())

    @property
    def vacant_fte(self) -> float:
        return float(self.fte[~self.filled & ~self.cut].sum())

    @property
    def positions_fte(self) -> float:
        return float(self.fte[~self.cut].sum())

    def mean_prospects(self) -> float:
        return float(self.prospects[self.filled].mean()) if self.filled.any() else 1.0

    def set_positions(self, total_fte: float, ready_week: float) -> list[int]:
        """Make the open positions add up to ``total_fte``: whole positions plus one part-time
        remainder. Growing adds vacant positions, to be filled from ``ready_week`` (the caller
        says when: a founding team at once, later positions after the hiring delay); shrinking
        cuts the least experienced positions first. Returns the slots of people who lose their
        position (the caller sends them somewhere)."""
        total_fte = max(float(total_fte), 0.0)
        leaving: list[int] = []
        while self.positions_fte > total_fte + 1e-9:
            open_slots = np.flatnonzero(self.open)
            # the least experienced (vacant ones first: tenure 0) lose their position first
            slot = int(open_slots[np.argsort(self.tenure[open_slots], kind="stable")[0]])
            excess = self.positions_fte - total_fte
            if self.fte[slot] <= excess + 1e-9:
                self.cut[slot] = True
                if self.filled[slot]:
                    leaving.append(slot)
                    self.filled[slot] = False
            else:
                self.fte[slot] -= excess  # a part-time remainder
        missing = total_fte - self.positions_fte
        while missing > 1e-9:
            size = min(1.0, missing)
            self._add_position(size, ready_week)
            missing -= size
        return leaving

    def _add_position(self, size: float, ready_week: float) -> None:
        for name in _ARRAYS:
            setattr(self, name, np.append(getattr(self, name), 0.0))
        self.fte[-1] = size
        self.prospects[-1] = 1.0
        self.filled = np.append(self.filled, False)
        self.cut = np.append(self.cut, False)
        self.hire_week = np.append(self.hire_week, ready_week)

    def hire(self, week: int, founding: bool) -> None:
        """Fill vacant positions whose hire is due: founding specialists are experienced, later
        hires start with the replacement skill (a programme's skill decays with turnover)."""
        p = self.p
        due = np.flatnonzero(~self.filled & ~self.cut & (self.hire_week <= week))
        if len(due) == 0:
            return
        self.filled[due] = True
        self.skill[due] = p.initial_staff_skill if founding else p.replacement_skill
        self.morale[due] = p.initial_morale
        self.tenure[due] = 0.0
        self.prospects[due] = 1.0
        self.success[due] = 0.5
        self.opposed[due] = 0.0

    def ready_week(self, week: int) -> float:
        """When a vacancy opened now can be filled: after a hiring delay that grows when the
        role is known as a career trap (mechanism 9)."""
        return week + mech.hiring_delay(self.p.hiring_weeks, self.mean_prospects())

    def leave(self, slot: int, week: int) -> float:
        """Someone leaves their position (quits, rotates, is cut): the vacancy is refilled
        after a hiring delay that grows when the role is known as a career trap. Returns the
        leaver's skill."""
        skill = float(self.skill[slot])
        self.filled[slot] = False
        self.tenure[slot] = 0.0
        self.hire_week[slot] = self.ready_week(week)
        return skill

    # --- the week -------------------------------------------------------------------------------
    def grow(self) -> None:
        """A week in the role: tenure, skill from practice, and career prospects (mech. 9)."""
        p, on = self.p, self.filled
        self.tenure[on] += 1
        self.skill[on] += p.staff_learning * (1.0 - self.skill[on])
        self.prospects[on] = mech.career_prospects(self.tenure[on], p.career_decay)

    def observe(self, slots: np.ndarray, outcomes: np.ndarray) -> None:
        """Specialists update what they believe works from results they can see (1 = the team
        they worked with is above its baseline, 0 = it is not)."""
        rate = self.p.success_learning
        for slot, outcome in zip(slots, outcomes, strict=True):
            if self.filled[slot]:
                self.success[slot] += rate * (float(outcome) - self.success[slot])

    def update_morale(self, opposed: np.ndarray, blame: float) -> None:
        """Morale drifts with observed success, resistance met and the programme's blame
        (mechanism 8); ``opposed`` is, per slot, the refusal met this week (0..1)."""
        p, on = self.p, self.filled
        self.opposed[on] = mech.ema(self.opposed[on], opposed[on], 4.0)
        target = mech.morale_target(
            p.initial_morale,
            self.success[on] - 0.5,
            self.opposed[on],
            blame,
            p.morale_success_gain,
            p.morale_resistance_hit,
            p.morale_blame_hit,
        )
        self.morale[on] += p.morale_rate * (target - self.morale[on])

    def quitters(self) -> np.ndarray:
        """Slots whose holders quit the firm this week (one draw per position, every week, from
        the quits stream, so the stream stays aligned across strategies)."""
        draws = self.quit_rng.random(len(self.fte))
        quit_p = mech.quit_probability(
            self.morale, self.prospects, self.p.attrition_base, self.p.attrition_low_morale
        )
        return np.flatnonzero(self.filled & (draws < quit_p))
