"""Improvement programmes: what every programme has, and the one the line owns.

A programme is funded from the one improvement budget, employs specialists
(``sim.specialists``), touches teams, and answers to executives. Everything that the fair-fight
rules say applies to *every* programme lives in :class:`Programme`, so the central office
(``sim.office``) and the line's own programme (:class:`LineProgramme`) meet the same rules:

* **visibility and the escape hatch**: a staffed specialist function is visible; the hatch it
  opens grows with its visibility and with the share of the improvement work it takes over;
* **blame**: setbacks in the teams a programme touched are pointed at it, never at one that did
  not touch them;
* **claims and executive review**: executives weigh what a programme claims (results delivered
  now, or sustained a year on) against its blame, and cut or close it when trust collapses;
* **specialists**: skill, morale, attrition, careers, hiring, rotation back into the line;
* **coaching**: coaches reach the line managers who accept them, least skilled first.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim import mechanisms as mech
from sim.line import FUNCTIONS, NEVER
from sim.specialists import Specialists

if TYPE_CHECKING:
    from sim.model import LeanModel

#: How often specialists look at the results of the managers they coach (weeks); pilots are
#: followed up at the ages in sim.outcomes.FOLLOW_UPS.
OBSERVE_WEEKS = 13


class Programme(mesa.Agent):
    """A funded improvement programme with specialists (see the module doc).

    Subclasses say what their specialists do each week (:meth:`work`), how visible they are,
    and how much effort they direct; this class does the rest.
    """

    function = "programme"  # the row of sim.line.FUNCTIONS this programme touches

    def __init__(self, model: LeanModel, quit_rng: np.random.Generator):
        super().__init__(model)
        p = model.p
        self.staff = Specialists(p, quit_rng)
        self.legitimacy = p.initial_legitimacy
        self.blame = 0.0
        self.presence = 0.0
        self.budget_share = 1.0  # what executives' cuts left of the allotted budget
        self.active = self.exists()
        self.started = False
        self.closed_week: int | None = None
        self.closed_reason = ""
        self.opposed_by_slot = np.zeros(0)
        #: the week's budget as it stood when the specialists worked (what the ledger books)
        self.week_budget = {"allotted": 0.0, "granted": 0.0, "positions": 0.0, "working": 0.0}

    # --- what a subclass says ---------------------------------------------------------------
    def exists(self) -> bool:
        """Whether the strategy gives this programme anything to do (budget or a duty)."""
        raise NotImplementedError

    @property
    def visibility(self) -> float:
        raise NotImplementedError

    def allotted_budget(self) -> float:
        """Weekly FTE the strategy allots to this programme (before executives' cuts)."""
        raise NotImplementedError

    def positions_fte(self) -> float:
        """Specialist FTE its (remaining) budget pays for."""
        raise NotImplementedError

    def granted(self) -> float:
        """Weekly FTE it may spend: the allotted budget less executives' cuts (0 once closed)."""
        return self.allotted_budget() * self.budget_share if self.active else 0.0

    def running(self) -> bool:
        """Active and doing something: executives review only a programme that runs."""
        return self.active

    def work(self, week: int) -> None:
        """What its specialists do this week (pilots, coaching, funded time, a duty)."""
        raise NotImplementedError

    def directed_effort(self, ledger: dict[str, float]) -> float:
        """FTE of improvement effort this programme's specialists directed (in last week's
        ledger): their own time plus the team time they run. The escape hatch's "work taken
        over"."""
        raise NotImplementedError

    def claimed_success(self, week: int, touched: np.ndarray) -> float:
        """What it reports to executives: results delivered in the teams it works with now
        (``touched``: recently), or the share of the teams it touched a year ago or more that
        are still above baseline."""
        line, p = self.model.line, self.model.p
        if self.model.policy.success_metric == "sustained":
            row = FUNCTIONS.index(self.function)
            first = line.first_touched[row]
            old = (first != NEVER) & (first <= week - mech.WEEKS_PER_YEAR)  # touched, long ago
            held = line.kpi(old) > line.before[row, old] + p.baseline_margin
            return (float(held.sum()) + 1.0) / (float(old.sum()) + 2.0)  # Laplace: 1/2 at first
        n = np.count_nonzero(touched)
        return np.count_nonzero(line.above_baseline() & touched) / n if n else 0.0

    # --- the week ---------------------------------------------------------------------------
    def act(self) -> None:
        """Before the line works: positions, hiring, rotation, then the specialists' work."""
        if not self.active:
            self.week_budget = dict.fromkeys(self.week_budget, 0.0)
            return
        week = self.model.steps
        positions = self.positions_fte()
        if abs(positions - self.staff.positions_fte) > 1e-9:
            ready = week if not self.started else self.staff.ready_week(week)  # founders at once
            for slot in self.staff.set_positions(positions, ready):
                self.to_line(slot, week)
        self.staff.hire(week, founding=not self.started)
        self.started = True
        if self.model.policy.rotate_staff:
            due = self.staff.filled & (self.staff.tenure >= self.model.p.rotation_weeks)
            for slot in np.flatnonzero(due):
                self.staff.rotations += 1
                self.to_line(int(slot), week)
        self.opposed_by_slot = np.zeros(len(self.staff.fte))
        self.week_budget = {
            "allotted": self.allotted_budget(),
            "granted": self.granted(),
            "positions": self.positions_fte(),  # what the budget pays for (vacant or not)
            "working": self.staff.headcount,
        }
        self.work(week)

    def reflect(self) -> None:
        """After the line has worked: visibility, blame, specialists, legitimacy and review."""
        if not self.started:
            return  # it never ran: nothing to see, blame or review
        model, p = self.model, self.model.p
        week = model.steps
        staffed = self.active and self.staff.headcount > 0
        self.presence = mech.ema(self.presence, 1.0 if staffed else 0.0, p.presence_weeks)
        touched = model.line.touched_since(self.function, week - p.blame_weeks)
        n = np.count_nonzero(touched)
        setbacks = np.count_nonzero(model.line.setback() & touched) / n if n else 0.0
        self.blame = mech.ema(self.blame, mech.blame_target(setbacks, p.blame_share), p.blame_weeks)
        self.follow_up(week)
        if not self.running():
            return
        self.staff.grow()
        self.observe(week)
        self.staff.update_morale(self.opposed_by_slot, self.blame)
        for slot in self.staff.quitters():
            self.staff.attrition += 1
            self.staff.leave(int(slot), week)
        target = mech.legitimacy_target(
            self.claimed_success(week, touched),
            self.blame,
            model.line.support[0],
            p.legitimacy_base,
            p.claim_weight,
            p.blame_weight,
            p.sponsor_weight,
        )
        self.legitimacy = mech.ema(self.legitimacy, target, p.legitimacy_weeks)
        if week % p.review_weeks == 0:
            self.review(week)

    def follow_up(self, week: int) -> None:
        """Record outcomes of past engagements (measurement: it goes on after a programme
        closes, so late pilots are followed up too). Subclasses with engagements add it."""

    def observe(self, week: int) -> None:
        """Specialists learn from the results they can see (subclasses add their follow-ups)."""
        if week % OBSERVE_WEEKS == 0 and len(self.coach_of):
            line = self.model.line
            above = np.bincount(
                line.org.team_manager, line.above_baseline(), minlength=line.org.n_managers
            ) / np.maximum(line.span, 1.0)
            managers, slots = self.coach_of[:, 0], self.coach_of[:, 1]
            self.staff.observe(slots, above[managers])

    def review(self, week: int) -> None:
        """Executives' review: cut a programme with low legitimacy, close a discredited one."""
        p = self.model.p
        if self.legitimacy < p.close_threshold:
            self.close("closed by executives", week)
        elif self.legitimacy < p.cut_threshold:
            self.budget_share *= 1.0 - p.cut_fraction
            for slot in self.staff.set_positions(self.positions_fte(), week):
                self.to_line(slot, week)  # a cut takes effect at the review (it only shrinks)

    def close(self, reason: str, week: int) -> None:
        """Dissolve the programme: its specialists go back into the line."""
        for slot in np.flatnonzero(self.staff.filled):
            self.to_line(int(slot), week)
        self.staff.set_positions(0.0, week)
        self.active = False
        self.closed_week = week
        self.closed_reason = reason

    def to_line(self, slot: int, week: int) -> None:
        """A specialist goes back into the line and brings skill into a team (mechanism 9)."""
        skill = self.staff.leave(slot, week)
        team = int(self.model.streams["alumni"].integers(self.model.line.n_teams))
        self.model.line.receive_alumnus(team, skill)

    # --- coaching, the same for every programme ------------------------------------------------
    #: (manager, slot) rows: who coached whom this week
    coach_of: np.ndarray = np.zeros((0, 2), int)

    def coach_line_managers(self, time_by_slot: np.ndarray, week: int) -> None:
        """Coaches visit line managers who accept them, least coaching skill first.

        ``time_by_slot`` is each specialist's coaching time (FTE). One FTE serves
        ``managers_per_coach`` managers; a manager who refuses (mechanism 3's acceptance rule,
        the same as for pilots) gets none, and the resistance coaches meet wears their morale.
        """
        line, p = self.model.line, self.model.p
        self.coach_of = np.zeros((0, 2), int)
        total = float(time_by_slot.sum())
        if total <= 1e-12:
            return
        managers = line.line_managers
        accept = line.acceptance(managers)
        willing = managers[accept > 0.0]
        n = min(len(willing), math.ceil(total * p.managers_per_coach - 1e-9))
        # the refusal coaches meet, weighted by the share of each one's time spent coaching
        share = np.divide(
            time_by_slot, self.staff.fte, out=np.zeros_like(time_by_slot), where=self.staff.fte > 0
        )
        refusal = 1.0 - float(accept.mean())
        self.opposed_by_slot = (1.0 - share) * self.opposed_by_slot + share * refusal
        if n == 0:
            return
        reached = willing[np.argsort(line.coaching[willing], kind="stable")[:n]]
        # each reached manager is coached by one specialist, in proportion to their time
        cumulative = np.cumsum(time_by_slot)
        points = (np.arange(n) + 0.5) / n * total
        slot_of = np.searchsorted(cumulative, points)
        quality = self.staff.skill * mech.kept_handover(1.0, self.staff.prospects)
        acceptance = line.acceptance(reached)
        line.coach(reached, total / n * quality[slot_of] * acceptance)
        line.touch(self.function, line.teams_of(reached), week)
        self.coach_of = np.column_stack((reached, slot_of))


class LineProgramme(Programme):
    """The line's own programme: designated line coaches, protected team time, and a duty.

    Paid from the line's share of the budget (``1 - pmo_share``, plus a closed office's budget
    where the strategy hands it over): ``line_coaching_share`` of it pays designated coaches who
    coach line managers, the rest protects every team's improvement time. The duty
    (``line_duty``) costs no budget but asks line time, paid in output. It touches every team
    while it funds time or imposes a duty, so blame and claims cover the whole line.
    """

    function = "line"

    def __init__(self, model: LeanModel, quit_rng: np.random.Generator):
        self.funded = 0.0  # protected improvement time per team this week (share of its time)
        self.duty = 0.0  # the duty in force this week
        super().__init__(model, quit_rng)

    def exists(self) -> bool:
        policy = self.model.policy
        handover = policy.pmo_share > 0 and policy.budget_to_line_after_pmo
        budget = (1.0 - policy.pmo_share) * self.model.budget > 0 or handover
        return policy.active and (budget or policy.line_duty > 0)

    @property
    def visibility(self) -> float:
        return self.model.p.coach_visibility

    def allotted_budget(self) -> float:
        policy, budget = self.model.policy, self.model.budget
        line = (1.0 - policy.pmo_share) * budget
        office = self.model.office
        if office is not None and not office.active and policy.budget_to_line_after_pmo:
            line += policy.pmo_share * budget
        return line

    def directed_effort(self, ledger: dict[str, float]) -> float:
        weight = self.model.p.directed_time_weight
        return ledger["effort_line_coaches"] + weight * ledger["effort_funded_team_time"]

    def running(self) -> bool:
        return self.active and (self.granted() > 0 or self.model.policy.line_duty > 0)

    def positions_fte(self) -> float:
        return self.model.policy.line_coaching_share * self.granted()

    def funded_budget(self) -> float:
        return (1.0 - self.model.policy.line_coaching_share) * self.granted()

    def work(self, week: int) -> None:
        line, p = self.model.line, self.model.p
        self.duty = self.model.policy.line_duty
        self.funded = self.funded_budget() / (line.n_teams * p.team_size)
        time = np.where(self.staff.filled, self.staff.fte, 0.0)
        self.coach_line_managers(time, week)
        if self.duty > 0 or self.funded > 0:
            line.touch(self.function, None, week)

    def close(self, reason: str, week: int) -> None:
        super().close(reason, week)
        self.duty = 0.0
        self.funded = 0.0
