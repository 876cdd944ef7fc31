"""The model: builds the organization, wires the agents, and runs the weekly schedule.

Weekly order (one step = one week):
 1. managers update their stance, pressure and coaching skill (mechanisms 2, 3, 4, 6);
 2. the PMO, if any, acts: hires, rotates staff, ends and starts pilots, coaches managers;
 3. the line budget is allocated (manager coaching, protected team time);
 4. teams spend time improving, learn or forget, perform, and update ownership and commitment
    (mechanisms 1, 3-7);
 5. the PMO reflects: follow-ups, blame, staff morale and careers, legitimacy, reviews, sunset
    (mechanisms 1, 8-10);
 6. the budget ledger is booked and the outcomes are collected.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim import mechanisms as mech
from sim.agents import PMO, Manager, Team
from sim.organization import OrgStructure, build_organization
from sim.params import Params

#: Columns of the per-week series, in order. See docs/ODD.md ("Observation") for definitions.
SERIES_COLUMNS: tuple[str, ...] = (
    "adoption",
    "own_adoption",
    "capability",
    "own_capability",
    "borrowed_capability",
    "ownership",
    "commitment",
    "improvement_time",
    "performance",
    "pressure",
    "champions",
    "neutral",
    "resisting",
    "net_value",
    "cumulative_net_value",
    "pmo_active",
    "pmo_headcount",
    "pmo_morale",
    "pmo_legitimacy",
    "pmo_blame",
    "pmo_attrition",
    "pmo_presence",
    "pmo_staff_prospects",
    "pilots_running",
    "budget_available",
    "budget_pmo_staff",
    "budget_line_coaching",
    "budget_team_time",
    "budget_unspent_vacant",
    "budget_unspent_cut",
    "budget_unspent_unused",
    "budget_unspent_unallocated",
)


@dataclass
class TeamArrays:
    """Per-team state, one entry per team (index = Team.index)."""

    own: np.ndarray
    borrowed: np.ndarray
    ownership: np.ndarray
    ownership_base: np.ndarray
    commitment: np.ndarray
    improvement: np.ndarray
    funded: np.ndarray
    funded_used: np.ndarray
    output: np.ndarray
    baseline: np.ndarray
    performance: np.ndarray
    judged: np.ndarray  # performance as the line judges it: protected time not counted
    result: np.ndarray  # perceived result: smoothed judged performance - 1
    in_pilot: np.ndarray
    piloted: np.ndarray
    pilot_ended: np.ndarray  # week the team's last pilot ended (-inf: never)
    pilot_staff: np.ndarray
    pilot_handover: np.ndarray

    @property
    def effective(self) -> np.ndarray:
        return np.minimum(1.0, self.own + self.borrowed)


@dataclass
class ManagerArrays:
    """Per-manager state (index = Manager.index; 0 is the top executive)."""

    support: np.ndarray
    coaching: np.ndarray
    pressure: np.ndarray
    coaching_input: np.ndarray


class LeanModel(mesa.Model):
    """Lean adoption in one organization under one improvement strategy.

    Two random streams derive from the seed: one builds the organization (so every strategy
    with the same seed meets the same organization), one drives the dynamics.
    """

    def __init__(self, params: Params | None = None, seed: int = 0):
        params = params or Params()
        org_seq, dyn_seq = np.random.SeedSequence(seed).spawn(2)
        super().__init__(rng=np.random.default_rng(dyn_seq))
        self.params = params  # as given (what results are labelled with)
        self.p = params.effective()  # as the mechanisms see them: switches applied
        self.policy = params.policy
        self.seed = seed
        self.pd = self.p.power_distance
        self.org: OrgStructure = build_organization(params, np.random.default_rng(org_seq))
        org, n = self.org, params.n_teams
        self.line_managers = np.unique(org.team_manager)
        self._parent = np.where(org.manager_parent >= 0, org.manager_parent, 0)
        self._opposition = mech.manager_opposition(
            org.resistance,
            org.prestige,
            self.pd,
            self.p.prestige_weight,
        )

        # --- agents ------------------------------------------------------------------------
        self.manager_agents: list[Manager] = []
        for i in range(org.n_managers):
            parent = org.manager_parent[i]
            self.manager_agents.append(
                Manager(
                    self,
                    i,
                    int(org.manager_level[i]),
                    self.manager_agents[parent] if parent >= 0 else None,
                )
            )
        self.team_agents = [
            Team(self, i, self.manager_agents[org.team_manager[i]]) for i in range(n)
        ]

        # --- state -------------------------------------------------------------------------
        improvement0 = np.full(n, params.base_improvement_time)
        baseline = mech.output(improvement0, org.capability, params.productivity_gain)
        self.teams = TeamArrays(
            own=org.capability.copy(),
            borrowed=np.zeros(n),
            ownership=org.ownership.copy(),
            ownership_base=org.ownership.copy(),
            commitment=np.zeros(n),
            improvement=improvement0,
            funded=np.zeros(n),
            funded_used=np.zeros(n),
            output=baseline.copy(),
            baseline=baseline,
            performance=np.ones(n),
            judged=np.ones(n),
            result=np.zeros(n),
            in_pilot=np.zeros(n, bool),
            piloted=np.zeros(n, bool),
            pilot_ended=np.full(n, -np.inf),
            pilot_staff=np.full(n, -1),
            pilot_handover=np.zeros(n),
        )
        m = org.n_managers
        self.managers = ManagerArrays(
            support=np.zeros(m),
            coaching=np.zeros(m),
            pressure=np.full(m, params.base_pressure),
            coaching_input=np.zeros(m),
        )
        self.pmo: PMO | None = None
        self.managers.support = self._stance_target()  # stance before any programme

        # The office cannot spend more than its share: whole FTE only, the rest is unspent.
        self.pmo_fte = self.policy.pmo_share * params.budget_fte if self.policy.active else 0.0
        headcount = int(np.floor(self.pmo_fte + 1e-9))
        if headcount > 0:
            self.pmo = PMO(self, headcount)
        self.ledger = dict.fromkeys((c for c in SERIES_COLUMNS if c.startswith("budget_")), 0.0)
        self.cumulative_net_value = 0.0
        self.measures: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={c: _reporter(c) for c in SERIES_COLUMNS}
        )
        self._measure()

    # --- helpers agents call -----------------------------------------------------------------
    def sponsor_support(self) -> np.ndarray:
        """Per team: the backing a pilot gets from the line (line manager and top executive)."""
        s = self.managers.support
        return 0.5 * s[self.org.team_manager] + 0.5 * s[0]

    def pilot_acceptance(self) -> np.ndarray:
        return mech.pilot_acceptance(self.sponsor_support(), self.pd)

    def receive_alumnus(self, team: int, skill: float) -> None:
        """A staff member back in the line brings skill into a team (mechanism 9)."""
        t = self.teams
        t.own[team] += self.p.alumni_transfer * skill * (1.0 - t.own[team])

    @property
    def own_adoption(self) -> float:
        return float(np.mean(self.teams.own >= self.p.adoption_threshold))

    @property
    def line_duty(self) -> float:
        return self.policy.line_duty if self.policy.active else 0.0

    # --- the week ----------------------------------------------------------------------------
    def step(self) -> None:
        self._update_managers()
        self.managers.coaching_input[:] = 0.0
        if self.pmo is not None:
            self.pmo.act()
        self._allocate_budget()
        self._update_teams()
        if self.pmo is not None:
            self.pmo.reflect()
        self._book_team_time()
        self._measure()
        self.datacollector.collect(self)

    def _escape_hatch(self) -> float:
        if self.pmo is None:
            return 0.0
        return mech.escape_hatch(self.pmo.presence, self.line_duty, self.p.escape_hatch_strength)

    def _stance_inputs(self) -> dict:
        """What each manager weighs this week (mech.stance_target's arguments)."""
        p, org, t, m = self.p, self.org, self.teams, self.managers
        adopted = (t.effective >= p.adoption_threshold).astype(float)
        adoption_m = mech.subtree_mean(adopted, org.team_ancestors, org.n_managers)
        results_m = mech.subtree_mean(t.result, org.team_ancestors, org.n_managers)
        peers = adoption_m[self._parent]
        parent_support = np.where(org.manager_parent >= 0, m.support[self._parent], 0.0)
        return dict(
            results=results_m,
            peer_adoption=peers,
            parent_support=parent_support,
            coaching_skill=m.coaching,
            opposition=self._opposition,
            line_duty=self.line_duty,
            escape_hatch=self._escape_hatch(),
            power_distance=self.pd,
            openness=p.openness,
            evidence_weight=p.evidence_weight,
            bandwagon_weight=p.bandwagon_weight,
            follow_weight=p.follow_weight,
            duty_weight=p.duty_weight,
            coaching_weight=p.coaching_weight,
            result_scale=p.result_scale,
        )

    def _stance_target(self) -> np.ndarray:
        return mech.stance_target(**self._stance_inputs())

    def _update_stances(self) -> None:
        """Managers move towards their target stance.

        ``synchronous``: everyone reacts to last week's stances. ``random_sequential``: managers
        take turns in an order drawn each week, and each sees the stance its superior took
        this week if the superior went first (activation order as a structural assumption).
        """
        p, m = self.p, self.managers
        inputs = self._stance_inputs()
        if p.update_order == "synchronous":
            m.support += p.support_rate * (mech.stance_target(**inputs) - m.support)
            return
        parents = self.org.manager_parent
        one = {k: v for k, v in inputs.items() if not isinstance(v, np.ndarray)}
        for i in self.rng.permutation(self.org.n_managers):
            each = {k: v[i : i + 1] for k, v in inputs.items() if isinstance(v, np.ndarray)}
            each["parent_support"] = np.array([m.support[parents[i]] if parents[i] >= 0 else 0.0])
            target = mech.stance_target(**each, **one)[0]
            m.support[i] += p.support_rate * (target - m.support[i])

    def _update_managers(self) -> None:
        p, org, m = self.p, self.org, self.managers
        self._update_stances()
        judged = mech.subtree_mean(self.teams.judged, org.team_ancestors, org.n_managers)
        target = mech.pressure_target(1.0 - judged, p.base_pressure, p.pressure_sensitivity)
        m.pressure = mech.ema(m.pressure, target, p.pressure_weeks)
        m.coaching += p.coaching_rate * m.coaching_input * (1.0 - m.coaching)
        m.coaching -= p.coaching_decay_rate * m.coaching
        np.clip(m.coaching, 0.0, 1.0, out=m.coaching)

    def _line_fte(self) -> float:
        """Improvement FTE the line itself receives this week."""
        if not self.policy.active:
            return 0.0
        line = (1.0 - self.policy.pmo_share) * self.p.budget_fte
        if self.pmo is not None and not self.pmo.active and self.policy.budget_to_line_after_pmo:
            line += self.policy.pmo_share * self.p.budget_fte
        return line

    def _allocate_budget(self) -> None:
        """Book the week's budget: the office's part as staffed this week, and the line's part
        as manager coaching plus protected team time (its use is booked after the teams work).
        """
        p, policy, pmo = self.p, self.policy, self.pmo
        budget = p.budget_fte
        led = dict.fromkeys(self.ledger, 0.0)
        led["budget_available"] = budget
        if not policy.active:
            led["budget_unspent_unallocated"] = budget
        pmo_fte = self.pmo_fte
        if pmo is not None and pmo.active:
            led["budget_pmo_staff"] = float(pmo.headcount)
            led["budget_unspent_vacant"] = float(pmo.vacancies)
            # positions cut by executives, and the remainder below one whole FTE
            led["budget_unspent_cut"] = pmo_fte - pmo.headcount - pmo.vacancies
        elif pmo is None or not policy.budget_to_line_after_pmo:
            led["budget_unspent_cut"] = pmo_fte  # no office, or a closed one's budget returned

        line_fte = self._line_fte()
        coaching_fte = p.line_coaching_share * line_fte
        self.managers.coaching_input[self.line_managers] += (
            coaching_fte * p.initial_staff_skill / len(self.line_managers)
        )
        self.teams.funded[:] = (line_fte - coaching_fte) / (p.n_teams * p.team_size)
        led["budget_line_coaching"] = coaching_fte
        self.ledger = led

    def _book_team_time(self) -> None:
        """Protected team time: used for improvement, or taken back for production."""
        t, size = self.teams, self.p.team_size
        self.ledger["budget_team_time"] = float(t.funded_used.sum() * size)
        self.ledger["budget_unspent_unused"] = float((t.funded - t.funded_used).sum() * size)

    def _update_teams(self) -> None:
        p, org, t, m, pd = self.p, self.org, self.teams, self.managers, self.pd
        support = m.support[org.team_manager]
        coaching = m.coaching[org.team_manager]
        acceptance = self.pilot_acceptance()
        pilot_time = np.where(t.in_pilot, p.pilot_time * acceptance, 0.0)

        # 6 capability trap: time for improvement under pressure
        t.improvement, t.funded_used = mech.improvement_time(
            commitment=t.commitment,
            manager_support=support,
            pressure=m.pressure[org.team_manager],
            funded=t.funded,
            pilot=pilot_time,
            base_time=p.base_improvement_time,
            extra_time=p.extra_improvement_time,
            max_time=p.max_improvement_time,
            block_strength=p.block_strength,
            pressure_cut=p.pressure_cut,
        )

        # 5 capability: practice, coaching, pilots, internalization, decay
        practice = mech.practice(t.improvement, p.practice_full_time)
        gained = mech.learning(practice, coaching, t.own, p.learn_rate, p.coaching_boost)
        lost = mech.decay(practice, t.own, p.decay_rate)
        internal = mech.internalization(t.borrowed, t.ownership, support, p.internalization_rate)
        taught = np.zeros(p.n_teams)
        if t.in_pilot.any() and self.pmo is not None:
            idx = np.flatnonzero(t.in_pilot)
            skill = self.pmo.staff.skill[t.pilot_staff[idx]]
            push = p.pilot_transfer * acceptance[idx]
            h = t.pilot_handover[idx]
            t.borrowed[idx] += push * (1.0 - h) * np.maximum(skill - t.borrowed[idx], 0.0)
            # Teams learn from staff only as far as they own the work ("done with", not "to").
            taught[idx] = push * h * skill * t.ownership[idx] * (1.0 - t.own[idx])
        t.borrowed -= np.where(t.in_pilot, 0.0, p.borrowed_decay_rate * t.borrowed)
        t.own = np.clip(t.own + gained + taught + internal - lost, 0.0, 1.0)
        t.borrowed = np.clip(t.borrowed - internal, 0.0, 1.0)

        # performance, and the result the line perceives
        effective = t.effective
        t.output = mech.output(t.improvement, effective, p.productivity_gain)
        t.performance = t.output / t.baseline
        protected = t.funded_used + pilot_time
        t.judged = (
            mech.output(t.improvement - protected, effective, p.productivity_gain) / t.baseline
        )
        t.result = mech.ema(t.result, t.judged - 1.0, p.result_weeks)

        # 1 escape hatch and line duty: ownership
        hatch = np.where(t.in_pilot, 0.0, self._escape_hatch())
        target = mech.ownership_target(
            t.ownership_base,
            t.own,
            self.line_duty,
            hatch,
            p.ownership_duty_weight,
            p.ownership_practice_weight,
        )
        t.ownership += p.ownership_rate * (target - t.ownership)

        # 4 peer diffusion, 3 top-down push, 7 commitment threshold
        visible = (effective >= p.adoption_threshold) & (t.result > p.baseline_margin)
        peers = mech.peer_signal(visible, org.team_manager, org.cross_ties, org.n_managers)
        trial_p = mech.trial_probability(
            peers, t.ownership, 1.0 - pd, p.innovation_rate, p.imitation_rate
        )
        tries = self.rng.random(p.n_teams) < trial_p
        c = np.where(tries, np.maximum(t.commitment, p.trial_commitment), t.commitment)
        c = c + mech.top_down_push(c, support, pd, p.top_down_rate)
        c = c + mech.commitment_feedback(
            c, t.result, p.commitment_bar, p.result_scale, p.commitment_feedback
        )
        t.commitment = np.clip(c, 0.0, 1.0)

    # --- bookkeeping -------------------------------------------------------------------------
    def _measure(self) -> None:
        p, t, m, pmo = self.p, self.teams, self.managers, self.pmo
        effective = t.effective
        line = self.line_managers
        gain = float(((t.output - t.baseline) * p.team_size).sum())
        cost = self.ledger["budget_pmo_staff"] + self.ledger["budget_line_coaching"]
        net = gain - cost if self.steps > 0 else 0.0
        self.cumulative_net_value += net
        staffed = pmo is not None and pmo.active and pmo.headcount > 0
        on = pmo.staff.filled if pmo is not None else None
        self.measures = {
            "adoption": float(np.mean(effective >= p.adoption_threshold)),
            "own_adoption": self.own_adoption,
            "capability": float(effective.mean()),
            "own_capability": float(t.own.mean()),
            "borrowed_capability": float(t.borrowed.mean()),
            "ownership": float(t.ownership.mean()),
            "commitment": float(t.commitment.mean()),
            "improvement_time": float(t.improvement.mean()),
            "performance": float(t.performance.mean()),
            "pressure": float(m.pressure[line].mean()),
            "champions": float(np.mean(m.support > 1.0 / 3.0)),
            "neutral": float(np.mean(np.abs(m.support) <= 1.0 / 3.0)),
            "resisting": float(np.mean(m.support < -1.0 / 3.0)),
            "net_value": net,
            "cumulative_net_value": self.cumulative_net_value,
            "pmo_active": float(pmo is not None and pmo.active),
            "pmo_headcount": float(pmo.headcount) if pmo is not None else 0.0,
            # NaN where the measure does not apply: no office, or an office with no staff.
            "pmo_morale": float(pmo.staff.morale[on].mean()) if staffed else np.nan,
            "pmo_legitimacy": float(pmo.legitimacy) if pmo is not None and pmo.active else np.nan,
            "pmo_blame": float(pmo.blame) if pmo is not None else 0.0,
            "pmo_attrition": float(pmo.attrition) if pmo is not None else 0.0,
            "pmo_presence": float(pmo.presence) if pmo is not None else 0.0,
            "pmo_staff_prospects": float(pmo.staff.prospects[on].mean()) if staffed else np.nan,
            "pilots_running": float(t.in_pilot.sum()),
            **{k: self.ledger[k] for k in SERIES_COLUMNS if k.startswith("budget_")},
        }


def _reporter(name: str):
    """A DataCollector model reporter reading one measure of the week."""

    def report(model: LeanModel) -> float:
        return model.measures[name]

    report.__name__ = name
    return report
