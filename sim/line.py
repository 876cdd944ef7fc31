"""The line organization: teams and their managers, with their state and what they do.

``Line`` owns the per-team and per-manager arrays and the vectorized behaviour that updates
them, in the manner of Covasim's ``People``: one object, its arrays, and the methods that
change them. Programmes (``sim.office``, ``sim.programme``) change the line only through its
methods (``start_pilot``, ``coach``, ``receive_alumnus``, ``touch``), never by writing its
arrays, so every way a programme can act on the line is listed here.

What a team knows: its own capability and the capability borrowed from specialists during a
pilot, its ownership of improvement, its commitment, its cynicism, the share of its time spent
improving (by kind: pilot, funded, own drive, duty-induced), its performance against its own
baseline, and who touched it when. What a manager knows: level, prestige stake, individual
resistance, stance on Lean (support, -1 active opponent .. +1 champion), coaching skill, the
pressure they put on their teams and the load programmes put on them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import mechanisms as mech
from sim.organization import OrgStructure, beta_from_quantiles
from sim.params import Params

#: Weeks over which a team's performance is averaged when it is *measured* (a quarter's KPI):
#: pilot follow-ups and programmes' claims compare this, not the smoothed perception.
KPI_WEEKS = 13

#: The specialist functions that can touch the line, in a fixed order (array rows).
FUNCTIONS: tuple[str, ...] = ("office", "line")
NEVER = -1_000_000  # "touched at week NEVER": longer ago than any memory


@dataclass
class WeekInputs:
    """What the programmes give the line in one week (all zero without a programme)."""

    funded: float = 0.0  # protected improvement time per team (share of its time)
    duty: float = 0.0  # the line duty (0..1) in force this week
    hatch_team: float = 0.0  # escape hatch on teams outside a pilot
    hatch_manager: float = 0.0  # escape hatch on every manager


class Line:
    """Teams and managers: their arrays and their weekly behaviour (see the module doc)."""

    def __init__(
        self,
        org: OrgStructure,
        p: Params,
        starting_capability: float,
        trial_rng: np.random.Generator,
    ):
        """Build the line at week 0 in its organic steady state, before any programme acts.

        ``p`` are the effective parameters (switches applied); ``starting_capability`` is the
        mean capability of the organization as given (the same whether or not decay is switched
        on); ``trial_rng`` is the stream of the teams' weekly trials (Bass), shared by every
        strategy with the same seed.
        """
        self.org, self.p, self.trial_rng = org, p, trial_rng
        n, m = org.n_teams, org.n_managers
        self.pd = p.power_distance
        self.line_managers = np.unique(org.team_manager)
        self._parent = np.where(org.manager_parent >= 0, org.manager_parent, 0)
        self.span = np.bincount(org.team_manager, minlength=m).astype(float)
        self._subtree = mech.subtree_operator(org.team_ancestors, m)

        # managers: prestige rests on rank and seniority; opposition adds its threat (mech. 2)
        w = p.seniority_weight
        seniority = np.clip(org.seniority / 30.0, 0.0, 1.0)
        self.prestige = np.clip((1.0 - w) * org.rank + w * seniority, 0.0, 1.0)
        self.opposition = mech.manager_opposition(
            org.resistance, self.prestige, self.pd, p.prestige_weight
        )
        self.support = np.zeros(m)
        self.coaching = np.zeros(m)
        self.pressure = np.full(m, p.base_pressure)
        self.coaching_input = np.zeros(m)  # this week's coaching (skill-weighted FTE)
        self.coached = np.zeros(m)  # 1 where a manager was coached last week (it takes time)
        self.load = np.zeros(m)

        # teams: start in the organic steady state (no programme, no pressure)
        self.own = beta_from_quantiles(org.capability_quantile, starting_capability, 0.05)
        self.borrowed = np.zeros(n)
        self.ownership = org.ownership.copy()
        self.ownership_base = org.ownership.copy()
        self.commitment = np.zeros(n)
        self.cynicism = np.zeros(n)
        self.enacted = np.zeros(n)  # how much of a line duty is real in the team (0..1)
        self.hatch = np.zeros(n)
        self.pilot_time = np.zeros(n)
        self.funded_used = np.zeros(n)
        self.own_time = np.full(n, p.base_improvement_time)
        self.induced = np.zeros(n)
        self.improvement = self.own_time.copy()
        self.baseline = mech.output(self.improvement, self.own, p.productivity_gain)
        self.output = self.baseline.copy()
        self.performance = np.ones(n)
        self._recent = np.ones((KPI_WEEKS, n))  # the last quarter's performance, a ring
        self._recent_sum = self._recent.sum(axis=0)
        self._weeks_worked = 0
        self.judged = np.ones(n)  # performance as the line judges it: protected time not counted
        self.result = np.zeros(n)  # perceived result: smoothed judged performance - 1
        self.in_pilot = np.zeros(n, bool)
        self.pilot_ended = np.full(n, -np.inf)  # week the team's last pilot ended
        self.pilot_skill = np.zeros(n)  # skill of the specialist running the team's pilot
        self.pilot_handover = np.zeros(n)
        self.pilot_acceptance = np.zeros(n)
        # who touched each team, and when (rows: FUNCTIONS)
        self.touched = np.full((len(FUNCTIONS), n), NEVER)
        self.first_touched = np.full((len(FUNCTIONS), n), NEVER)
        self.before = np.ones((len(FUNCTIONS), n))  # performance when first touched
        self.support = self.stance_target(WeekInputs())  # stance before any programme
        self._accepting: np.ndarray | None = None  # acceptance by manager at current stances

    # --- what programmes read ---------------------------------------------------------------
    @property
    def n_teams(self) -> int:
        return len(self.own)

    @property
    def effective(self) -> np.ndarray:
        """Capability as practised: own plus borrowed while specialists' help lasts."""
        return np.minimum(1.0, self.own + self.borrowed)

    @property
    def own_adoption(self) -> float:
        return float(np.mean(self.own >= self.p.adoption_threshold))

    def sponsor_support(self, gatekeeper: np.ndarray) -> np.ndarray:
        """The backing specialists get: the gatekeeper's stance and the top executive's."""
        return 0.5 * self.support[gatekeeper] + 0.5 * self.support[0]

    def acceptance(self, gatekeeper: np.ndarray) -> np.ndarray:
        """How far each gatekeeper (a manager index) lets specialists in (0 = refuses), at the
        stances managers hold now."""
        if self._accepting is None:
            every = np.arange(len(self.support))
            self._accepting = mech.acceptance(
                self.support, self.sponsor_support(every), self.pd, self.p.refusal_stance
            )
        return self._accepting[gatekeeper]

    def stances_changed(self) -> None:
        """Acceptance is computed once per set of stances; whoever moves ``support`` says so."""
        self._accepting = None

    def team_acceptance(self) -> np.ndarray:
        """Per team: acceptance of specialists' help (a pilot, funded time), gated by the team's
        line manager."""
        return self.acceptance(self.org.team_manager)

    def setback(self) -> np.ndarray:
        """Teams whose perceived result is below their own baseline by more than the margin."""
        return self.result < -self.p.baseline_margin

    def above_baseline(self) -> np.ndarray:
        return self.result > self.p.baseline_margin

    def touched_since(self, function: str, week: float) -> np.ndarray:
        return self.touched[FUNCTIONS.index(function)] >= week

    def blame_by_team(self, week: int) -> np.ndarray:
        """Per team: the blame it directs at whoever touched it recently (1 = a setback under
        a programme); 0 for teams nobody touched, however badly they do."""
        recent = (self.touched >= week - self.p.blame_weeks).any(axis=0)
        return (self.setback() & recent).astype(float)

    # --- what programmes do to the line -------------------------------------------------------
    def touch(self, function: str, teams: np.ndarray | None, week: int) -> None:
        """Record that a programme works with these teams (None: every team) this week, for
        blame and claims."""
        row = FUNCTIONS.index(function)
        if teams is None:
            teams = np.arange(self.n_teams)
        first = teams[self.first_touched[row, teams] == NEVER]
        self.first_touched[row, first] = week
        self.before[row, first] = self.performance_before_touch(first)
        self.touched[row, teams] = week

    def performance_before_touch(self, teams: np.ndarray | slice) -> np.ndarray:
        """The level a team is judged against later: its measured performance now."""
        return self.kpi(teams)

    def kpi(self, teams: np.ndarray | slice | int) -> np.ndarray:
        """Measured performance: each team's mean performance over the last quarter
        (``KPI_WEEKS``), as a KPI report states it; unlike the perceived ``result`` it carries no
        memory of older weeks."""
        return self._recent_sum[teams] / KPI_WEEKS

    def start_pilot(
        self, team: int, skill: float, handover: float, acceptance_: float, week: int
    ) -> None:
        self.in_pilot[team] = True
        self.pilot_skill[team] = skill
        self.pilot_handover[team] = handover
        self.pilot_acceptance[team] = acceptance_
        self.touch("office", np.array([team]), week)

    def end_pilot(self, team: int, week: int) -> None:
        self.in_pilot[team] = False
        self.pilot_ended[team] = week
        self.pilot_skill[team] = 0.0

    def coach(self, managers: np.ndarray, amount: np.ndarray) -> None:
        """Specialists coach these managers this week (input in skill-weighted FTE)."""
        self.coaching_input[managers] += amount

    def receive_alumnus(self, team: int, skill: float) -> None:
        """A specialist back in the line brings skill into a team (mechanism 9)."""
        self.own[team] += self.p.alumni_transfer * skill * (1.0 - self.own[team])

    def teams_of(self, managers: np.ndarray) -> np.ndarray:
        """The teams whose line manager is one of ``managers``."""
        chosen = np.zeros(self.org.n_managers, bool)
        chosen[managers] = True
        return np.flatnonzero(chosen[self.org.team_manager])

    # --- the week: managers ----------------------------------------------------------------
    def stance_inputs(self, week_in: WeekInputs) -> dict:
        """What each manager weighs this week (mech.stance_target's arguments)."""
        p, org = self.p, self.org
        adopted = (self.effective >= p.adoption_threshold).astype(float)
        adoption_m, results_m, duty_m = (
            self._subtree @ np.column_stack((adopted, self.result, self.enacted))
        ).T
        parent_support = np.where(org.manager_parent >= 0, self.support[self._parent], 0.0)
        return dict(
            results=results_m,
            peer_adoption=adoption_m[self._parent],
            parent_support=parent_support,
            coaching_skill=self.coaching,
            opposition=self.opposition,
            duty=duty_m,
            escape_hatch=week_in.hatch_manager,
            overload=mech.overload(self.load, self.pressure),
            power_distance=self.pd,
            openness=p.openness,
            evidence_weight=p.evidence_weight,
            bandwagon_weight=p.bandwagon_weight,
            follow_weight=p.follow_weight,
            duty_weight=p.duty_weight,
            coaching_weight=p.coaching_weight,
            overload_weight=p.overload_weight,
            result_scale=p.result_scale,
        )

    def stance_target(self, week_in: WeekInputs) -> np.ndarray:
        return mech.stance_target(**self.stance_inputs(week_in))

    def update_managers(self, week_in: WeekInputs, order_rng: np.random.Generator) -> None:
        """Managers move their stance, pressure and coaching skill (mechanisms 2-4, 6, 11, 14).

        ``synchronous``: everyone reacts to last week's stances. ``random_sequential``: managers
        take turns in an order drawn each week (from ``order_rng``), and each sees the stance
        its superior took this week if the superior went first.
        """
        p, org = self.p, self.org
        pilot_share = np.bincount(
            org.team_manager, weights=self.in_pilot.astype(float), minlength=org.n_managers
        ) / np.maximum(self.span, 1.0)
        self.load = mech.manager_load(
            self._subtree @ self.enacted,
            pilot_share,
            self.coached,
            p.duty_manager_load,
            p.pilot_manager_load,
            p.coaching_manager_load,
        )
        inputs = self.stance_inputs(week_in)
        if p.update_order == "synchronous":
            self.support += p.support_rate * (mech.stance_target(**inputs) - self.support)
        else:
            parents = org.manager_parent
            one = {k: v for k, v in inputs.items() if not isinstance(v, np.ndarray)}
            for i in order_rng.permutation(org.n_managers):
                each = {k: v[i : i + 1] for k, v in inputs.items() if isinstance(v, np.ndarray)}
                parent = self.support[parents[i]] if parents[i] >= 0 else 0.0
                each["parent_support"] = np.array([parent])
                target = mech.stance_target(**each, **one)[0]
                self.support[i] += p.support_rate * (target - self.support[i])
        self.stances_changed()
        judged = self._subtree @ self.judged
        target = mech.pressure_target(1.0 - judged, p.base_pressure, p.pressure_sensitivity)
        self.pressure = mech.ema(self.pressure, target, p.pressure_weeks)

    def learn_coaching(self) -> None:
        """Managers' coaching skill grows with the coaching they got and fades unused."""
        p = self.p
        self.coaching += p.coaching_rate * self.coaching_input * (1.0 - self.coaching)
        self.coaching -= p.coaching_decay_rate * self.coaching
        self.coaching = mech.unit(self.coaching)
        self.coached = (self.coaching_input > 0.0).astype(float)
        self.coaching_input[:] = 0.0

    # --- the week: teams ---------------------------------------------------------------------
    def work(self, week_in: WeekInputs) -> None:
        """Teams spend time improving, learn or forget, perform, and update their ownership,
        cynicism and commitment (mechanisms 1, 3-7, 12, 13)."""
        p, org = self.p, self.org
        support = self.support[org.team_manager]
        coaching = self.coaching[org.team_manager]
        pilot_asked = np.where(self.in_pilot, p.pilot_time * self.pilot_acceptance, 0.0)
        # protected time of any kind goes only where the manager lets specialists' help in
        funded = week_in.funded * self.team_acceptance() if week_in.funded else 0.0
        compliance = mech.unit(1.0 - p.cynicism_weight * self.cynicism)
        duty_time = week_in.duty * p.duty_time

        # 6 capability trap: time for improvement, by kind, under pressure and blocking
        self.pilot_time, self.funded_used, self.own_time, self.induced = mech.improvement_time(
            commitment=self.commitment,
            manager_support=support,
            pressure=self.pressure[org.team_manager],
            funded=np.broadcast_to(funded, self.own.shape),
            pilot=pilot_asked,
            duty=duty_time,
            compliance=compliance,
            base_time=p.base_improvement_time,
            extra_time=p.extra_improvement_time,
            max_time=p.max_improvement_time,
            block_strength=p.block_strength,
            pressure_cut=p.pressure_cut,
        )
        self.improvement = self.pilot_time + self.funded_used + self.own_time + self.induced
        self.enacted = mech.enacted_duty(
            duty_time, self.own_time, self.induced, p.practice_full_time
        )

        # 5, 12: practice: own drive counts fully; bought or mandated time only as far as a
        # skilled guide (the manager's coaching skill; in a pilot, the specialist) makes it real
        guided = mech.practice_quality(coaching, p.motions_penalty)
        in_pilot_quality = mech.practice_quality(self.pilot_skill, p.motions_penalty)
        practised = (
            self.own_time + guided * (self.funded_used + self.induced)
        ) + in_pilot_quality * self.pilot_time
        practice = mech.practice(practised, p.practice_full_time)
        gained = mech.learning(practice, coaching, self.own, p.learn_rate, p.coaching_boost)
        lost = mech.decay(practice, self.own, p.decay_rate)
        internal = mech.internalization(
            self.borrowed, self.ownership, support, p.internalization_rate
        )
        taught = np.zeros(self.n_teams)
        if self.in_pilot.any():
            idx = np.flatnonzero(self.in_pilot)
            borrowed_gain, taught[idx] = mech.pilot_transfer(
                self.pilot_skill[idx],
                self.borrowed[idx],
                self.own[idx],
                self.ownership[idx],
                self.pilot_acceptance[idx],
                self.pilot_handover[idx],
                p.pilot_transfer,
            )
            self.borrowed[idx] += borrowed_gain
        self.borrowed -= np.where(self.in_pilot, 0.0, p.borrowed_decay_rate * self.borrowed)
        self.own = mech.unit(self.own + gained + taught + internal - lost)
        self.borrowed = mech.unit(self.borrowed - internal)

        # performance, and the result the line perceives (protected time is not held against it)
        effective = self.effective
        self.output = mech.output(self.improvement, effective, p.productivity_gain)
        self.performance = self.output / self.baseline
        slot = self._weeks_worked % KPI_WEEKS
        self._recent_sum += self.performance - self._recent[slot]
        self._recent[slot] = self.performance
        self._weeks_worked += 1
        protected = self.funded_used + self.pilot_time
        self.judged = (
            mech.output(self.improvement - protected, effective, p.productivity_gain)
            / self.baseline
        )
        self.result = mech.ema(self.result, self.judged - 1.0, p.result_weeks)

        # 13 initiative fatigue: programme effort without results
        programme_time = self.pilot_time + self.funded_used + self.induced
        target = mech.cynicism_target(
            programme_time, p.practice_full_time, self.result, p.baseline_margin, p.result_scale
        )
        self.cynicism = mech.ema(self.cynicism, target, p.fatigue_weeks)

        # 1 escape hatch, line duty, practice and cynicism: ownership
        self.hatch = np.where(self.in_pilot, 0.0, week_in.hatch_team)
        target = mech.ownership_target(
            self.ownership_base,
            self.own,
            self.enacted,
            self.hatch,
            self.cynicism,
            p.ownership_duty_weight,
            p.ownership_practice_weight,
            p.cynicism_weight,
        )
        self.ownership += p.ownership_rate * (target - self.ownership)

        # 4 peer diffusion, 3 top-down push, 7 commitment threshold
        visible = (effective >= p.adoption_threshold) & (self.result > p.baseline_margin)
        peers = mech.peer_signal(visible, org.team_manager, org.cross_ties, org.n_managers)
        trial_p = mech.trial_probability(
            peers, self.ownership, 1.0 - self.pd, p.innovation_rate, p.imitation_rate
        )
        tries = self.trial_rng.random(self.n_teams) < trial_p * compliance  # cynics try less
        c = np.where(tries, np.maximum(self.commitment, p.trial_commitment), self.commitment)
        c = c + mech.top_down_push(c, support, self.pd, p.top_down_rate)
        c = c + mech.commitment_feedback(
            c, self.result, p.commitment_bar, p.result_scale, p.commitment_feedback
        )
        self.commitment = mech.unit(c)
