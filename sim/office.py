"""The central Lean office ("PMO"): a programme whose specialists sit apart from the line.

An :class:`Office` is a :class:`sim.programme.Programme` (so it meets every rule every programme
meets: visibility, blame, claims, review, specialists' morale and careers) that does three things
of its own:

* it runs **pilots** ("surgical strikes"): a specialist works with one team for ``pilot_weeks``,
  doing part of the work for the team (borrowed capability) and teaching part of it
  (``handover_focus``); the team's time in the pilot is protected and paid from the office's
  budget, so an office that runs more pilots can pay fewer staff;
* it **coaches** line managers with ``coach_share`` of its staff time, and with whatever pilot
  capacity a whole number of pilots leaves over or no willing team takes up (so no staff time
  is lost to rounding or idles);
* it may **close itself** by a sunset rule, which its staff's attachment delays (career trap).

Teams are chosen by the office (push: most supportive sponsors, random, or struggling first) or
ask for help themselves (pull). The product strategy's office adapts its offer (how much of a
pilot is teaching) to what it observes to sustain, trying a little more and a little less and
moving towards what works: a learning rule on its own observations only.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim import mechanisms as mech
from sim.outcomes import FOLLOW_UPS
from sim.programme import Programme

if TYPE_CHECKING:
    from sim.model import LeanModel


class Office(Programme):
    """The central office and its pilots (see the module doc)."""

    function = "office"

    def __init__(self, model: LeanModel, quit_rng: np.random.Generator):
        self.pilots: list[dict] = []  # one record per pilot (sim.outcomes.PILOT_COLUMNS)
        self._by_start: dict[int, list[dict]] = {}  # start week -> records, for follow-ups
        self._open: dict[int, dict] = {}  # team -> running pilot record
        self.staff_load = np.zeros(0, int)  # running pilots per slot
        self.offer = model.p.handover_focus  # the share of a pilot spent teaching
        self._arm = 1  # the product office tries its offer +/- a step, alternately
        self._trials = {1: [0.0, 0.0], -1: [0.0, 0.0]}  # arm -> [sustained, observed]
        self.sunset_trigger_week: int | None = None
        self._seen: list[tuple[dict, int, bool]] = []  # this week's follow-ups
        super().__init__(model, quit_rng)

    # --- what every programme says ------------------------------------------------------------
    def exists(self) -> bool:
        policy = self.model.policy
        return policy.active and policy.pmo_share > 0 and self.model.budget > 0

    @property
    def visibility(self) -> float:
        return self.model.p.office_visibility

    def allotted_budget(self) -> float:
        return self.model.policy.pmo_share * self.model.budget

    def cost_per_staff(self) -> float:
        """Budget FTE one staff FTE costs: their own time plus their pilots' team time."""
        return 1.0 / mech.office_staff_fte(1.0, *self._sizing())

    def _sizing(self) -> tuple[int, float, float, int]:
        p, policy = self.model.p, self.model.policy
        return (p.pilots_per_staff, policy.coach_share, p.pilot_time, p.team_size)

    def positions_fte(self) -> float:
        return mech.office_staff_fte(self.granted(), *self._sizing())

    def directed_effort(self, ledger: dict[str, float]) -> float:
        weight = self.model.p.directed_time_weight
        return ledger["effort_office_staff"] + weight * ledger["effort_pilot_team_time"]

    # --- the week ---------------------------------------------------------------------------
    def work(self, week: int) -> None:
        """End pilots that are over, start new ones in free capacity, coach with the rest."""
        p = self.model.p
        if len(self.staff_load) < len(self.staff.fte):
            self.staff_load = np.append(
                self.staff_load, np.zeros(len(self.staff.fte) - len(self.staff_load), int)
            )
        for team, rec in list(self._open.items()):
            if not self.staff.filled[rec["staff"]]:
                self._end_pilot(team, week, early=True)  # whoever ran it has left
            elif week - rec["start"] >= p.pilot_weeks:
                self._end_pilot(team, week, early=False)
        capacity, coaching_time = self._capacity()
        self._end_unpaid_pilots(capacity, week)
        self._start_pilots(capacity, week)
        # staff whose pilot capacity finds no team willing coach instead of idling
        idle = np.maximum(capacity - self.staff_load[: len(capacity)], 0)
        coaching_time = coaching_time + idle / self.model.p.pilots_per_staff
        running = np.flatnonzero(self.model.line.in_pilot)
        if len(running):
            self.model.line.touch(self.function, running, week)
            accept = self.model.line.pilot_acceptance[running]
            slots = np.array([self._open[t]["staff"] for t in running])
            opposed = np.bincount(slots, weights=1.0 - accept, minlength=len(self.staff.fte))
            load = np.maximum(np.bincount(slots, minlength=len(self.staff.fte)), 1)
            self.opposed_by_slot = opposed / load
        self.coach_line_managers(coaching_time, week)

    def _capacity(self) -> tuple[np.ndarray, np.ndarray]:
        """Whole pilots each filled slot can run at once, and each slot's coaching time (FTE).

        Pilot capacity is ``fte x (1 - coach_share) x pilots_per_staff``; the whole-number
        pilots are shared out by largest remainder, and the time a remainder leaves over is
        spent coaching, so no staff time idles because pilots come in whole numbers.
        """
        p, policy, s = self.model.p, self.model.policy, self.staff
        fte = np.where(s.filled, s.fte, 0.0)
        exact = fte * (1.0 - policy.coach_share) * p.pilots_per_staff
        whole = np.floor(exact + 1e-9).astype(int)
        spare = math.floor(exact.sum() + 1e-9) - int(whole.sum())
        room = np.flatnonzero(whole + 1 <= fte * p.pilots_per_staff + 1e-9)
        if spare > 0 and len(room):
            by_remainder = room[np.argsort(-(exact - whole)[room], kind="stable")]
            whole[by_remainder[:spare]] += 1
        coaching = np.maximum(fte - whole / p.pilots_per_staff, 0.0)
        return whole, coaching

    def _end_unpaid_pilots(self, capacity: np.ndarray, week: int) -> None:
        """A cut that shrinks a position shrinks the pilots it pays for: a slot running more
        pilots than its capacity ends its newest ones early, so the office never books team
        time beyond its granted budget."""
        for slot in np.flatnonzero(self.staff_load[: len(capacity)] > capacity):
            mine = [t for t, rec in self._open.items() if rec["staff"] == slot]
            newest = sorted(mine, key=lambda t: (-self._open[t]["start"], t))
            for team in newest[: self.staff_load[slot] - capacity[slot]]:
                self._end_pilot(team, week, early=True)

    def _start_pilots(self, capacity: np.ndarray, week: int) -> None:
        model, policy, p, line = self.model, self.model.policy, self.model.p, self.model.line
        free = np.maximum(capacity - self.staff_load[: len(capacity)], 0)
        if free.sum() == 0:
            return
        rested = week - line.pilot_ended >= p.repilot_weeks
        accept = line.team_acceptance()
        candidates = np.flatnonzero(
            ~line.in_pilot & (~np.isfinite(line.pilot_ended) | rested) & (accept > 0.0)
        )
        if policy.pilot_mode == "pull":
            candidates = candidates[line.commitment[candidates] >= p.pull_commitment]
        if len(candidates) == 0:
            return
        candidates = model.streams["pilots"].permutation(candidates)  # random order breaks ties
        if policy.pilot_mode == "pull":
            order = np.argsort(-line.commitment[candidates], kind="stable")
        elif policy.pilot_selection == "supportive":
            sponsor = line.sponsor_support(line.org.team_manager[candidates])
            order = np.argsort(-sponsor, kind="stable")
        elif policy.pilot_selection == "struggling":
            order = np.argsort(line.result[candidates], kind="stable")
        else:
            order = np.arange(len(candidates))
        slots = np.repeat(np.arange(len(free)), free)
        for team, slot in zip(candidates[order[: len(slots)]], slots, strict=False):
            self._start_pilot(int(team), int(slot), float(accept[team]), week)

    def _start_pilot(self, team: int, slot: int, acceptance: float, week: int) -> None:
        line, s = self.model.line, self.staff
        arm = 0
        offer = self.offer
        if self.model.policy.adaptive_offer:
            arm, self._arm = self._arm, -self._arm
            offer = float(np.clip(self.offer + arm * self.model.p.offer_trial_step, 0.0, 1.0))
        handover = float(mech.kept_handover(offer, s.prospects[slot]))
        line.start_pilot(team, float(s.skill[slot]), handover, acceptance, week)
        self.staff_load[slot] += 1
        rec = {
            "team": team,
            "staff": slot,
            "start": week,
            "end": np.nan,
            "ended_early": False,
            "performance_before": float(line.kpi(team)),
            "own_capability_before": float(line.own[team]),
            "handover": handover,
            "arm": arm,
            **{f"performance_{tag}": np.nan for tag in FOLLOW_UPS},
            **{f"own_capability_{tag}": np.nan for tag in FOLLOW_UPS},
        }
        self._open[team] = rec
        self.pilots.append(rec)
        self._by_start.setdefault(week, []).append(rec)

    def _end_pilot(self, team: int, week: int, early: bool) -> None:
        rec = self._open.pop(team)
        rec["end"] = week
        rec["ended_early"] = early
        self.model.line.end_pilot(team, week)
        self.staff_load[rec["staff"]] -= 1

    # --- after the line has worked ------------------------------------------------------------
    def follow_up(self, week: int) -> None:
        """Follow each pilot's team at fixed ages after the pilot started (also after the office
        has closed: the measure does not depend on who is left to see it)."""
        line, p = self.model.line, self.model.p
        self._seen = []
        for tag, age in FOLLOW_UPS.items():
            for rec in self._by_start.get(week - age, ()):
                perf = float(line.kpi(rec["team"]))
                rec[f"performance_{tag}"] = perf
                rec[f"own_capability_{tag}"] = float(line.own[rec["team"]])
                sustained = perf > rec["performance_before"] + p.baseline_margin
                self._seen.append((rec, age, sustained))

    def observe(self, week: int) -> None:
        """The staff who ran a pilot learn from every follow-up they are still there to see
        (and coaches from their units); the product office adapts its offer."""
        super().observe(week)
        for rec, age, sustained in self._seen:
            slot = rec["staff"]
            if self.staff.filled[slot] and self.staff.tenure[slot] >= age:
                self.staff.observe(np.array([slot]), np.array([float(sustained)]))
            if rec["arm"] and age >= FOLLOW_UPS["26w"]:
                self._trials[rec["arm"]][0] += float(sustained)
                self._trials[rec["arm"]][1] += 1.0
        if self.model.policy.adaptive_offer and week % self.model.p.review_weeks == 0:
            self._adapt_offer()

    def _adapt_offer(self) -> None:
        """Move the offer towards the arm that sustained more (Laplace-smoothed rates): up when
        teaching more worked better, down when it did not. Both directions are possible."""
        (s_up, n_up), (s_down, n_down) = self._trials[1], self._trials[-1]
        if n_up == 0 or n_down == 0:
            return
        gain = (s_up + 1.0) / (n_up + 2.0) - (s_down + 1.0) / (n_down + 2.0)
        step = self.model.p.offer_learning_rate * gain
        self.offer = float(np.clip(self.offer + step, 0.0, 1.0))
        self._trials = {1: [0.0, 0.0], -1: [0.0, 0.0]}

    def reflect(self) -> None:
        super().reflect()
        if self.active and self.model.policy.sunset != "none":
            self._sunset(self.model.steps)

    def _sunset(self, week: int) -> None:
        """The office's own closing rule, carried out only against its staff's attachment."""
        p, policy, s = self.model.p, self.model.policy, self.staff
        if self.sunset_trigger_week is None:
            due = (policy.sunset == "deadline" and week >= p.sunset_week) or (
                policy.sunset == "adoption" and self.model.line.own_adoption >= p.sunset_adoption
            )
            if not due:
                return
            self.sunset_trigger_week = week
        attachment = 1.0 - s.mean_prospects()
        if week - self.sunset_trigger_week >= mech.sunset_delay(
            attachment, p.attachment_delay_weeks
        ):
            self.close("sunset", week)

    def close(self, reason: str, week: int) -> None:
        """Dissolve the office: running pilots end, staff go back into the line."""
        for team in list(self._open):
            self._end_pilot(team, week, early=True)
        super().close(reason, week)
