"""The agents: what each knows and what it decides.

Teams, managers and PMO staff are Mesa agents with an identity and relations (a team's line
manager, a manager's superior, a staff member's pilots). Their numeric state lives in arrays
the model owns, so the weekly arithmetic of thousands of teams runs vectorized
(``sim.mechanisms``); each agent reads and writes its own entries through properties, which is
what the browser app, tests and notebooks use. The PMO is a single agent whose weekly
decisions (whom to pilot, whom to hire, whether to sunset) are plain Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim import mechanisms as mech
from sim.outcomes import FOLLOW_UPS

if TYPE_CHECKING:
    from sim.model import LeanModel


class Team(mesa.Agent):
    """A team (a leaf of the management tree) doing the work.

    Knows: its own capability and the capability borrowed from pilot staff, its ownership of
    improvement, its commitment, the share of its time spent improving, its performance
    against its own baseline, and whether it is in a PMO pilot.
    """

    def __init__(self, model: LeanModel, index: int, manager: Manager):
        super().__init__(model)
        self.index = index
        self.manager = manager

    @property
    def own_capability(self) -> float:
        return float(self.model.teams.own[self.index])

    @property
    def borrowed_capability(self) -> float:
        return float(self.model.teams.borrowed[self.index])

    @property
    def capability(self) -> float:
        """Effective capability: own plus borrowed while a pilot's help lasts."""
        return min(1.0, self.own_capability + self.borrowed_capability)

    @property
    def ownership(self) -> float:
        return float(self.model.teams.ownership[self.index])

    @property
    def commitment(self) -> float:
        return float(self.model.teams.commitment[self.index])

    @property
    def improvement_time(self) -> float:
        return float(self.model.teams.improvement[self.index])

    @property
    def performance(self) -> float:
        """Output relative to the team's own starting baseline (1.0 = baseline)."""
        return float(self.model.teams.performance[self.index])

    @property
    def in_pilot(self) -> bool:
        return bool(self.model.teams.in_pilot[self.index])


class Manager(mesa.Agent):
    """A manager at some level of the tree (0 = top executive).

    Knows: level, seniority, prestige stake, individual resistance, stance on Lean (support,
    -1 active opponent .. +1 champion), coaching skill, and the pressure put on their teams.
    """

    def __init__(self, model: LeanModel, index: int, level: int, parent: Manager | None):
        super().__init__(model)
        self.index = index
        self.level = level
        self.parent = parent

    @property
    def seniority(self) -> float:
        return float(self.model.org.seniority[self.index])

    @property
    def prestige(self) -> float:
        return float(self.model.org.prestige[self.index])

    @property
    def resistance(self) -> float:
        return float(self.model.org.resistance[self.index])

    @property
    def support(self) -> float:
        return float(self.model.managers.support[self.index])

    @property
    def coaching_skill(self) -> float:
        return float(self.model.managers.coaching[self.index])

    @property
    def pressure(self) -> float:
        return float(self.model.managers.pressure[self.index])

    @property
    def stance(self) -> str:
        """champion / neutral / resisting, by thirds of the support scale."""
        return stance_label(self.support)


def stance_label(support: float) -> str:
    if support > 1.0 / 3.0:
        return "champion"
    if support < -1.0 / 3.0:
        return "resisting"
    return "neutral"


class PMOStaff(mesa.Agent):
    """A member of the Lean office.

    Knows: skill, morale, tenure, career prospects against line peers, the share of effort
    their pilots put into handing skill over, and what they observed of their pilots' fate.
    """

    def __init__(self, model: LeanModel, office: PMO, slot: int):
        super().__init__(model)
        self.office = office
        self.slot = slot

    @property
    def skill(self) -> float:
        return float(self.office.staff.skill[self.slot])

    @property
    def morale(self) -> float:
        return float(self.office.staff.morale[self.slot])

    @property
    def tenure_weeks(self) -> int:
        return int(self.office.staff.tenure[self.slot])

    @property
    def career_prospects(self) -> float:
        return float(self.office.staff.prospects[self.slot])


@dataclass
class StaffRoster:
    """Staff state by position (slot); a slot is filled, vacant (hire pending) or cut."""

    filled: np.ndarray
    cut: np.ndarray
    hire_week: np.ndarray
    skill: np.ndarray
    morale: np.ndarray
    tenure: np.ndarray
    prospects: np.ndarray
    handover: np.ndarray
    success: np.ndarray
    opposed: np.ndarray
    agents: list = field(default_factory=list)

    @classmethod
    def empty(cls, n: int) -> StaffRoster:
        z = np.zeros(n)
        return cls(
            filled=np.zeros(n, bool),
            cut=np.zeros(n, bool),
            hire_week=np.zeros(n, int),
            skill=z.copy(),
            morale=z.copy(),
            tenure=z.copy(),
            prospects=np.ones(n),
            handover=z.copy(),
            success=np.full(n, 0.5),
            opposed=z.copy(),
            agents=[None] * n,
        )


class PMO(mesa.Agent):
    """The central Lean office ("PMO").

    Knows: its headcount target and staff, legitimacy with executives, the blame it has
    collected, its visibility to the line (presence), its pilots, and its sunset rule.
    Decides each week: which teams get pilots (push) or whose requests it serves (pull), which
    managers its coaches visit, whom to hire; it reports success to executives, who review and
    may cut or close it; it carries out its sunset rule against its staff's attachment.
    """

    def __init__(self, model: LeanModel, headcount: int):
        super().__init__(model)
        p = model.p
        self.active = headcount > 0
        self.positions = headcount
        self.staff = StaffRoster.empty(headcount)
        self.legitimacy = p.initial_legitimacy
        self.blame = 0.0
        self.presence = 1.0 if self.active else 0.0
        self.attrition = 0
        self.rotations = 0
        self.observed = 0  # pilots whose fate a year on the staff have seen
        self.sustained = 0  # of those, how many were still above their baseline
        self.sunset_trigger_week: int | None = None
        self.closed_week: int | None = None
        self.closed_reason = ""
        self.pilots: list[dict] = []  # one record per pilot (see sim.outcomes.PILOT_COLUMNS)
        self._by_start: dict[int, list[dict]] = {}  # start week -> records, for follow-ups
        self._open: dict[int, dict] = {}  # team index -> running pilot record
        self.staff_load = np.zeros(headcount, int)  # running pilots per slot
        for slot in range(headcount):
            self._hire(slot, skill=p.initial_staff_skill)

    # --- roster -----------------------------------------------------------------------------
    @property
    def headcount(self) -> int:
        return int(self.staff.filled.sum())

    @property
    def vacancies(self) -> int:
        return int((~self.staff.filled & ~self.staff.cut).sum()) if self.active else 0

    def _hire(self, slot: int, skill: float) -> None:
        p, s = self.model.p, self.staff
        s.filled[slot] = True
        s.skill[slot] = skill
        s.morale[slot] = p.initial_morale
        s.tenure[slot] = 0
        s.prospects[slot] = 1.0
        s.handover[slot] = p.handover_focus
        s.success[slot] = 0.5
        s.opposed[slot] = 0.0
        s.agents[slot] = PMOStaff(self.model, self, slot)

    def _leave(self, slot: int, to_line: bool) -> None:
        """A staff member leaves: back into the line (carrying skill) or out of the firm."""
        s, model = self.staff, self.model
        for team, rec in list(self._open.items()):
            if rec["staff"] == slot:
                self._end_pilot(team, early=True)
        if to_line:
            team = int(model.rng.integers(model.p.n_teams))
            model.receive_alumnus(team, s.skill[slot])
        s.filled[slot] = False
        s.hire_week[slot] = model.steps + model.p.hiring_weeks
        s.agents[slot].remove()
        s.agents[slot] = None

    # --- weekly decisions ---------------------------------------------------------------------
    def act(self) -> None:
        """Before the line works: staff changes, pilots ending and starting, coaching."""
        if not self.active:
            return
        p, s, week = self.model.p, self.staff, self.model.steps
        for slot in np.flatnonzero(~s.filled & ~s.cut & (s.hire_week <= week)):
            self._hire(int(slot), skill=p.replacement_skill)
        if self.model.policy.rotate_staff:
            for slot in np.flatnonzero(s.filled & (s.tenure >= p.rotation_weeks)):
                self.rotations += 1
                self._leave(int(slot), to_line=True)
        for team, rec in list(self._open.items()):
            if week - rec["start"] >= p.pilot_weeks:
                self._end_pilot(team, early=False)
        self._start_pilots()
        self._coach_managers()

    def _pilot_capacity(self) -> np.ndarray:
        """Pilots each filled slot can run at once (coaching time is not pilot time)."""
        policy, p = self.model.policy, self.model.p
        per_staff = int(np.floor(p.pilots_per_staff * (1.0 - policy.coach_share) + 1e-9))
        return np.where(self.staff.filled, per_staff, 0)

    def _start_pilots(self) -> None:
        model, policy, p = self.model, self.model.policy, self.model.p
        free = self._pilot_capacity() - self.staff_load
        n_free = int(np.maximum(free, 0).sum())
        if n_free == 0:
            return
        teams = model.teams
        # Teams never piloted, or whose last pilot ended long enough ago for another wave.
        week = model.steps
        rested = week - teams.pilot_ended >= p.repilot_weeks
        candidates = np.flatnonzero(~teams.in_pilot & (~teams.piloted | rested))
        if policy.pilot_mode == "pull":
            candidates = candidates[teams.commitment[candidates] >= p.pull_commitment]
        if len(candidates) == 0:
            return
        candidates = model.rng.permutation(candidates)  # random order breaks ties
        if policy.pilot_mode == "pull":
            order = np.argsort(-teams.commitment[candidates], kind="stable")
        elif policy.pilot_selection == "supportive":
            sponsor = model.sponsor_support()[candidates]
            order = np.argsort(-sponsor, kind="stable")
        elif policy.pilot_selection == "struggling":
            order = np.argsort(teams.result[candidates], kind="stable")
        else:
            order = np.arange(len(candidates))
        chosen = candidates[order[:n_free]]
        slots = np.repeat(np.arange(len(free)), np.maximum(free, 0))
        for team, slot in zip(chosen, slots, strict=False):
            self._start_pilot(int(team), int(slot))

    def _start_pilot(self, team: int, slot: int) -> None:
        teams, week = self.model.teams, self.model.steps
        teams.in_pilot[team] = True
        teams.piloted[team] = True
        teams.pilot_staff[team] = slot
        teams.pilot_handover[team] = self.staff.handover[slot]
        self.staff_load[slot] += 1
        rec = {
            "team": team,
            "staff": slot,
            "start": week,
            "end": np.nan,
            "ended_early": False,
            "performance_before": 1.0 + float(teams.result[team]),
            "own_capability_before": float(teams.own[team]),
            "handover": float(self.staff.handover[slot]),
            **{f"performance_{tag}": np.nan for tag in FOLLOW_UPS},
            **{f"own_capability_{tag}": np.nan for tag in FOLLOW_UPS},
        }
        self._open[team] = rec
        self.pilots.append(rec)
        self._by_start.setdefault(week, []).append(rec)

    def _end_pilot(self, team: int, early: bool) -> None:
        teams = self.model.teams
        rec = self._open.pop(team)
        rec["end"] = self.model.steps
        rec["ended_early"] = early
        teams.in_pilot[team] = False
        teams.pilot_ended[team] = self.model.steps
        teams.pilot_staff[team] = -1
        self.staff_load[rec["staff"]] -= 1

    def _coach_managers(self) -> None:
        """Coaches visit the line managers with the least coaching skill (hybrid strategy)."""
        model, policy, p = self.model, self.model.policy, self.model.p
        if policy.coach_share <= 0.0 or self.headcount == 0:
            return
        coach_fte = policy.coach_share * self.staff.skill[self.staff.filled].sum()
        line = model.line_managers
        n_reached = min(len(line), self.headcount * p.managers_per_coach)
        if n_reached == 0:
            return
        reached = line[np.argsort(model.managers.coaching[line], kind="stable")[:n_reached]]
        model.managers.coaching_input[reached] += coach_fte / n_reached

    # --- after the line has worked -------------------------------------------------------------
    def reflect(self) -> None:
        """Follow-ups, blame, staff morale and careers, legitimacy, reviews and sunset."""
        model, p, policy, week = self.model, self.model.p, self.model.policy, self.model.steps
        self._follow_up(week)
        visible = 1.0 if (self.active and self.headcount > 0) else 0.0
        self.presence = mech.ema(self.presence, visible, p.presence_weeks)
        # Who points at the office: teams with a setback, and teams whose manager opposes
        # Lean (classical managers voice their resistance as complaints about the PMO).
        setback = model.teams.result < -p.baseline_margin
        opposed = model.managers.support[model.org.team_manager] < -1.0 / 3.0
        target = mech.blame_target(float(np.mean(setback | opposed)), self.presence, p.blame_share)
        self.blame = mech.ema(self.blame, target, p.blame_weeks)
        if not self.active:
            return
        self._update_staff()
        target = mech.legitimacy_target(
            self._claimed_success(),
            self.blame,
            model.managers.support[0],
            p.legitimacy_base,
            p.claim_weight,
            p.blame_weight,
            p.sponsor_weight,
        )
        self.legitimacy = mech.ema(self.legitimacy, target, p.legitimacy_weeks)
        if week % p.review_weeks == 0:
            self._review()
        if self.active and policy.sunset != "none":
            self._sunset(week)

    def _follow_up(self, week: int) -> None:
        """Record how each pilot's team performs at fixed ages after the pilot started."""
        teams, p = self.model.teams, self.model.p
        for tag, age in FOLLOW_UPS.items():
            for rec in self._by_start.get(week - age, ()):
                perf = 1.0 + float(teams.result[rec["team"]])
                rec[f"performance_{tag}"] = perf
                rec[f"own_capability_{tag}"] = float(teams.own[rec["team"]])
                if tag == "1y":
                    self._observe(rec, perf > rec["performance_before"] + p.baseline_margin)

    def _observe(self, rec: dict, sustained: bool) -> None:
        """Staff see how their pilot fared a year on; it moves morale and (product) the offer."""
        s, p = self.staff, self.model.p
        self.observed += 1
        self.sustained += int(sustained)
        slot = rec["staff"]
        if not s.filled[slot] or s.tenure[slot] < self.model.steps - rec["start"]:
            return  # whoever ran it has left
        s.success[slot] += 0.3 * (float(sustained) - s.success[slot])
        if self.model.policy.adaptive_offer and not sustained:
            s.handover[slot] += p.offer_learning_rate * (1.0 - s.handover[slot])

    def _update_staff(self) -> None:
        model, p, s = self.model, self.model.p, self.staff
        on = s.filled
        s.tenure[on] += 1
        s.skill[on] += p.staff_learning * (1.0 - s.skill[on])
        s.prospects[on] = mech.career_prospects(s.tenure[on], p.career_decay)
        acceptance = model.pilot_acceptance()
        opposed = np.zeros(len(on))
        load = np.maximum(self.staff_load, 1)
        pilot_staff = model.teams.pilot_staff
        running = pilot_staff >= 0
        np.add.at(opposed, pilot_staff[running], 1.0 - acceptance[running])
        s.opposed[on] = mech.ema(s.opposed[on], (opposed / load)[on], 4.0)
        target = mech.morale_target(
            p.initial_morale,
            s.success[on] - 0.5,
            s.opposed[on],
            self.blame,
            p.morale_success_gain,
            p.morale_resistance_hit,
            p.morale_blame_hit,
        )
        s.morale[on] += p.morale_rate * (target - s.morale[on])
        quit_p = mech.quit_probability(s.morale[on], p.attrition_base, p.attrition_low_morale)
        leaving = np.flatnonzero(on)[model.rng.random(int(on.sum())) < quit_p]
        for slot in leaving:
            self.attrition += 1
            self._leave(int(slot), to_line=False)

    def _claimed_success(self) -> float:
        """What the office reports: pilots under way against plan, or observed sustainment."""
        if self.model.policy.success_metric == "sustained":
            return (self.sustained + 1.0) / (self.observed + 2.0)  # Laplace: 1/2 before any
        capacity = max(int(self._pilot_capacity().sum()), 1)
        return min(1.0, len(self._open) / capacity)

    def _review(self) -> None:
        """Executives' review: cut an office with low legitimacy, close a discredited one."""
        p, s = self.model.p, self.staff
        if self.legitimacy < p.close_threshold:
            self.close("closed by executives")
        elif self.legitimacy < p.cut_threshold:
            open_slots = np.flatnonzero(~s.cut)
            n_cut = int(np.ceil(p.cut_fraction * len(open_slots)))
            # Executives cut the least experienced positions first.
            victims = open_slots[np.argsort(s.tenure[open_slots], kind="stable")[:n_cut]]
            for slot in victims:
                if s.filled[slot]:
                    self._leave(int(slot), to_line=True)
                s.cut[slot] = True
            if s.cut.all():
                self.close("cut to nothing")

    def _sunset(self, week: int) -> None:
        """The office's own closing rule, carried out only against its staff's attachment."""
        p, policy, s = self.model.p, self.model.policy, self.staff
        if self.sunset_trigger_week is None:
            due = (policy.sunset == "deadline" and week >= p.sunset_week) or (
                policy.sunset == "adoption" and self.model.own_adoption >= p.sunset_adoption
            )
            if not due:
                return
            self.sunset_trigger_week = week
        attachment = float(np.mean(1.0 - s.prospects[s.filled])) if s.filled.any() else 0.0
        delay = mech.sunset_delay(attachment, p.attachment_delay_weeks)
        if week - self.sunset_trigger_week >= delay:
            self.close("sunset")

    def close(self, reason: str) -> None:
        """Dissolve the office: running pilots end, staff go back into the line."""
        for slot in np.flatnonzero(self.staff.filled):
            self._leave(int(slot), to_line=True)
        self.active = False
        self.closed_week = self.model.steps
        self.closed_reason = reason
