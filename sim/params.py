"""Typed, validated parameters of one run.

Every number the model uses lives here, with its meaning, default and allowed range, so that
Hydra, tests, notebooks and the browser app all fill the same object and a bad value is
rejected (naming the field, the value and what is allowed) before any work starts.

Strategies are *compositions of policy settings* (see :class:`Policy`): a strategy name picks a
preset, and any policy field set explicitly on :class:`Params` overrides the preset, so users
can build variants (``Params(strategy="hybrid", sunset="none")``).

Each mechanism of the model brief has a boolean switch (``escape_hatch``, ``prestige_threat``,
...). Switching one off removes exactly that causal path, so a report can show what it
contributes; the docstring of each switch says what "off" means.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.registry import MECHANISMS, switched_off_values

Strategy = Literal["none", "centralized", "embedded", "hybrid", "product"]
STRATEGIES: tuple[str, ...] = ("none", "centralized", "embedded", "hybrid", "product")
PilotMode = Literal["push", "pull"]
PilotSelection = Literal["supportive", "random", "struggling"]
Sunset = Literal["none", "adoption", "deadline"]
SuccessMetric = Literal["delivered", "sustained"]


class ParamsError(ValueError):
    """A parameter value is not allowed; the message names field, value and what is allowed."""


@dataclass(frozen=True)
class Policy:
    """How an improvement programme is organised: the levers a strategy is composed of.

    pmo_share: share of the improvement budget that funds a central office (PMO) and its staff;
        the rest goes to the line (manager coaching and protected team improvement time).
    line_duty: how strongly improvement is written into every team's and manager's job
        (0 = "the PMO does Lean", 1 = improvement is everyone's daily work).
    pilot_mode: "push" (the office chooses pilot teams) or "pull" (teams ask for help).
    pilot_selection: how a pushing office picks teams: most supportive managers first,
        at random, or the worst performers first.
    coach_share: share of office staff time spent coaching line managers instead of running
        pilots.
    line_coaching_share: share of the line's budget that pays designated line coaches (who coach
        line managers); the rest protects every team's improvement time.
    rotate_staff: staff go back into the line after ``rotation_weeks`` (alumni carry skill).
    sunset: the office's rule for closing itself: never, at a target own adoption, or a deadline.
    adaptive_offer: staff adapt how much of a pilot goes into handing skill over, by what they
        observed to sustain in their own past pilots (a learning rule on observations only).
    budget_to_line_after_pmo: once the office is closed, its budget goes to the line (else it
        is returned to operations and shows as unspent in the ledger).
    success_metric: what a programme reports to executives as success: results "delivered" in
        the teams it works with now, or the share of the teams it touched a year or more ago
        observed still "sustained" (the product manager's measure).

    Every lever is paid from the one budget (``budget_fte_per_100_teams``) or, for the duty, in
    line time; none acts before week 1. See docs/ODD.md ("A fair fight").
    """

    pmo_share: float
    line_duty: float
    pilot_mode: str
    pilot_selection: str
    coach_share: float
    rotate_staff: bool
    sunset: str
    adaptive_offer: bool
    budget_to_line_after_pmo: bool
    success_metric: str
    line_coaching_share: float = 0.3
    active: bool = True  # False only for "none": the budget is not allocated to improvement


#: Strategy presets. These are *inputs*, not outcomes: nothing here says which strategy wins.
_COMMON = dict(pilot_selection="supportive", success_metric="delivered", adaptive_offer=False)
STRATEGY_POLICIES: dict[str, Policy] = {
    # No programme: the budget is not allocated to improvement (booked as unspent).
    "none": Policy(
        pmo_share=0.0, line_duty=0.0, pilot_mode="push", coach_share=0.0, rotate_staff=False,
        sunset="none", budget_to_line_after_pmo=False, active=False, **_COMMON,
    ),
    # A Lean PMO runs pilots ("surgical strikes"); the line has no improvement duty.
    "centralized": Policy(
        pmo_share=1.0, line_duty=0.0, pilot_mode="push", coach_share=0.0, rotate_staff=False,
        sunset="none", budget_to_line_after_pmo=False, **_COMMON,
    ),
    # No PMO: the budget coaches line managers and protects team time; improvement is a duty.
    "embedded": Policy(
        pmo_share=0.0, line_duty=1.0, pilot_mode="push", coach_share=0.0, rotate_staff=False,
        sunset="none", budget_to_line_after_pmo=True, **_COMMON,
    ),
    # A PMO that coaches line managers, rotates staff back, and sunsets by a deadline.
    "hybrid": Policy(
        pmo_share=1.0, line_duty=0.5, pilot_mode="push", coach_share=0.5, rotate_staff=True,
        sunset="deadline", budget_to_line_after_pmo=True, **_COMMON,
    ),
    # Staff as product managers: teams pull help, success = sustained use, offer adapts.
    "product": Policy(
        pmo_share=1.0, line_duty=0.5, pilot_mode="pull", coach_share=0.0, rotate_staff=False,
        sunset="none", budget_to_line_after_pmo=False, pilot_selection="supportive",
        success_metric="sustained", adaptive_offer=True,
    ),
}  # fmt: skip

#: The policy levers a strategy is composed of; each is also a Params field that overrides the
#: strategy's preset when set (None = the preset's value). The one list of them.
POLICY_FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Policy) if f.name != "active"
)

unit = dict(ge=0.0, le=1.0)


class Params(BaseModel):
    """All inputs of one run. Units: one step is one week; shares and levels are in [0, 1].

    Fields are declared by kind at the end of this module (world, assumption, treatment,
    observation); docs/ODD.md gives every field's meaning, source and plausible range.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    # --- what is compared -------------------------------------------------------------------
    strategy: Strategy = Field("none", description="Improvement strategy (a policy preset).")

    # --- scale and structure -----------------------------------------------------------------
    n_teams: int = Field(200, ge=2, le=100_000, description="Teams (leaves of the tree).")
    weeks: int = Field(520, ge=1, le=5_200, description="Horizon in weeks (one step = 1 week).")
    span_teams: int = Field(8, ge=2, le=100, description="Teams per line manager.")
    span_managers: int = Field(6, ge=2, le=100, description="Managers per manager above them.")
    cross_links: int = Field(2, ge=0, le=20, description="Lateral ties per team across units.")
    lateral_topology: Literal["random", "ring", "small_world"] = Field(
        "random", description="Lateral ties: random cross-unit, ring, or small world."
    )
    rewire_probability: float = Field(0.1, **unit, description="Small-world rewiring chance.")
    update_order: Literal["synchronous", "random_sequential"] = Field(
        "synchronous", description="Managers react to last week's stances, or take turns."
    )
    team_size: int = Field(8, ge=1, le=100, description="People per team (FTE).")

    # --- culture and people ------------------------------------------------------------------
    power_distance: float = Field(0.4, **unit, description="Hofstede PDI / 100, clipped to 1.")
    resistance: float = Field(0.5, **unit, description="Mean manager resistance to change.")
    resistance_spread: float = Field(
        0.15, ge=0.0, le=0.5, description="Std. dev. of individual resistance (Beta)."
    )
    initial_capability: float | None = Field(
        None, **unit, description="Mean starting capability; None = organic equilibrium."
    )
    initial_ownership: float = Field(0.3, **unit, description="Mean starting ownership.")

    # --- budget (equal for every strategy) ---------------------------------------------------
    budget_fte_per_100_teams: float = Field(
        10.0, ge=0.0, le=200.0, description="Improvement budget in FTE per 100 teams (every week)."
    )

    # --- policy overrides (None = the strategy's preset) -------------------------------------
    pmo_share: float | None = Field(None, **unit, description="Budget share funding an office.")
    line_duty: float | None = Field(None, **unit, description="Improvement in every line job.")
    pilot_mode: PilotMode | None = Field(None, description="push (office picks) or pull.")
    pilot_selection: PilotSelection | None = Field(None, description="How push picks teams.")
    coach_share: float | None = Field(None, **unit, description="Office time coaching managers.")
    line_coaching_share: float | None = Field(
        None, **unit, description="Line budget paying designated line coaches."
    )
    rotate_staff: bool | None = Field(None, description="Specialists rotate back into the line.")
    sunset: Sunset | None = Field(None, description="Office closes itself: none/adoption/deadline.")
    adaptive_offer: bool | None = Field(None, description="Office adapts its offer to results.")
    budget_to_line_after_pmo: bool | None = Field(
        None, description="Budget of a closed office goes to the line (else returned)."
    )
    success_metric: SuccessMetric | None = Field(None, description="What programmes report.")

    # --- mechanism switches (sim.registry: brief 1-10, fair fight 11-14) -----------------------
    escape_hatch: bool = Field(True, description="1: visible specialists take ownership, blame.")
    prestige_threat: bool = Field(True, description="2: prestige stake adds to resistance.")
    power_distance_effect: bool = Field(
        True, description="3: culture matters; off = culture-neutral (power distance 0.5)."
    )
    peer_diffusion: bool = Field(True, description="4: teams/managers imitate visible success.")
    capability_decay: bool = Field(True, description="5: unpractised/borrowed capability decays.")
    capability_trap: bool = Field(True, description="6: pressure cuts improvement time.")
    commitment_threshold: bool = Field(True, description="7: results feed back on commitment.")
    staff_morale: bool = Field(True, description="8: specialists' morale and attrition.")
    career_trap: bool = Field(True, description="9: specialist tenure lowers career prospects.")
    legitimacy: bool = Field(True, description="10: executives cut/close discredited programmes.")
    coaching_decay: bool = Field(True, description="11: managers' coaching skill fades.")
    going_through_motions: bool = Field(
        True, description="12: unguided mandated practice builds little capability."
    )
    initiative_fatigue: bool = Field(
        True, description="13: effort without results breeds cynicism."
    )
    manager_overload: bool = Field(True, description="14: programme load under pressure.")

    # --- 2 prestige threat and manager stance ------------------------------------------------
    prestige_weight: float = Field(0.5, ge=0.0, le=5.0, description="Resistance per prestige x PD.")
    seniority_weight: float = Field(0.5, **unit, description="Seniority's share of prestige.")
    openness: float = Field(0.4, ge=-1.0, le=1.0, description="Stance before any evidence.")
    coaching_weight: float = Field(0.5, ge=0.0, le=5.0, description="Stance from coaching skill.")
    support_rate: float = Field(0.05, gt=0.0, le=1.0, description="Weekly stance adjustment.")
    evidence_weight: float = Field(0.5, ge=0.0, le=5.0, description="Stance from clear results.")
    duty_weight: float = Field(0.4, ge=0.0, le=5.0, description="Stance from a line duty.")
    block_strength: float = Field(0.8, **unit, description="Improvement blocked by an opponent.")
    refusal_stance: float = Field(
        -1.0 / 3.0, ge=-1.0, le=0.0, description="Stance below which a manager refuses help."
    )

    # --- 3 power distance --------------------------------------------------------------------
    follow_weight: float = Field(0.8, ge=0.0, le=5.0, description="Follow superior x PD.")
    top_down_rate: float = Field(0.01, ge=0.0, le=1.0, description="Commitment from stance x PD.")

    # --- 4 peer diffusion (Bass 1969; meta-analytic p=0.03, q=0.38 per year) -----------------
    innovation_rate: float = Field(0.03, ge=0.0, le=5.0, description="Bass p, per year.")
    imitation_rate: float = Field(0.38, ge=0.0, le=20.0, description="Bass q, per year.")
    bandwagon_weight: float = Field(0.5, ge=0.0, le=10.0, description="Stance per peer adoption.")
    trial_commitment: float = Field(0.6, **unit, description="Commitment of a team that tries.")

    # --- 5 capability build, decay and sustainment -------------------------------------------
    learn_rate: float = Field(0.01, ge=0.0, le=1.0, description="Weekly learning at full practice.")
    # The sustainment rates below are calibrated (sim/data/presets/calibrated.yaml,
    # results/calibration/); tests/model/test_calibrated_defaults.py keeps them equal.
    decay_rate: float = Field(0.08247, ge=0.0, le=1.0, description="Weekly decay unpractised.")
    practice_full_time: float = Field(0.1, gt=0.0, le=1.0, description="Time share = practice.")
    coaching_boost: float = Field(1.0, ge=0.0, le=10.0, description="Learning x manager coaching.")
    borrowed_decay_rate: float = Field(0.2178, ge=0.0, le=1.0, description="Borrowed, per week.")
    internalization_rate: float = Field(0.00677, ge=0.0, le=1.0, description="Borrowed to own.")
    adoption_threshold: float = Field(0.5, gt=0.0, le=1.0, description="Capability = practising.")

    # --- 6 capability trap (Repenning & Sterman 2001) ----------------------------------------
    productivity_gain: float = Field(0.5, ge=0.0, le=5.0, description="Output gain at full cap.")
    base_improvement_time: float = Field(
        0.02, ge=0.0, lt=1.0, description="Organic improvement time (below 1: teams produce)."
    )
    extra_improvement_time: float = Field(0.1, **unit, description="Added at full commitment.")
    max_improvement_time: float = Field(0.3, **unit, description="Cap on improvement time.")
    base_pressure: float = Field(0.2, **unit, description="Standing performance pressure.")
    pressure_sensitivity: float = Field(5.0, ge=0.0, le=100.0, description="Pressure/shortfall.")
    pressure_cut: float = Field(0.8, **unit, description="Time cut at full pressure.")
    pressure_weeks: float = Field(8.0, ge=1.0, le=520.0, description="Pressure adjustment time.")

    # --- 7 commitment threshold (Repenning 2002) ---------------------------------------------
    commitment_bar: float = Field(-0.03, ge=-1.0, le=1.0, description="Result that sustains.")
    commitment_feedback: float = Field(0.05, ge=0.0, le=1.0, description="Weekly feedback rate.")
    result_scale: float = Field(0.03, gt=0.0, le=1.0, description="Result noticed as clear.")
    result_weeks: float = Field(13.0, ge=1.0, le=520.0, description="Result perception time.")
    baseline_margin: float = Field(0.028, ge=0.0, le=1.0, description="Above baseline by margin.")

    # --- ownership ---------------------------------------------------------------------------
    ownership_rate: float = Field(0.02, ge=0.0, le=1.0, description="Weekly ownership change.")
    ownership_duty_weight: float = Field(0.4, **unit, description="Ownership from a line duty.")
    ownership_practice_weight: float = Field(0.4, **unit, description="Ownership from capability.")

    # --- line duty: what a mandate asks of the line ------------------------------------------
    duty_time: float = Field(0.05, **unit, description="Team time a full duty asks (unfunded).")

    # --- 12 going through the motions --------------------------------------------------------
    motions_penalty: float = Field(
        0.5, **unit, description="Share of unguided mandated practice that builds nothing."
    )

    # --- 13 initiative fatigue ---------------------------------------------------------------
    cynicism_weight: float = Field(0.3, ge=0.0, le=2.0, description="Ownership lost per cynicism.")
    fatigue_weeks: float = Field(26.0, ge=1.0, le=520.0, description="Cynicism memory (weeks).")

    # --- 14 manager overload -----------------------------------------------------------------
    overload_weight: float = Field(0.5, ge=0.0, le=5.0, description="Stance lost per load x press.")
    duty_manager_load: float = Field(0.5, **unit, description="Manager load of a full duty.")
    pilot_manager_load: float = Field(0.5, **unit, description="Load of pilots in all own teams.")
    coaching_manager_load: float = Field(0.2, **unit, description="Load of being coached.")

    # --- specialists: coaching, skill, hiring (office staff and line coaches alike) ----------
    coaching_rate: float = Field(0.05, ge=0.0, le=1.0, description="Skill per coaching FTE-week.")
    coaching_decay_rate: float = Field(
        0.005, ge=0.0, le=1.0, description="Coaching skill lost per week unused."
    )
    managers_per_coach: int = Field(4, ge=1, le=100, description="Managers one coach FTE serves.")
    initial_staff_skill: float = Field(0.7, **unit, description="Skill of founding specialists.")
    replacement_skill: float = Field(0.3, **unit, description="Skill of a replacement hire.")
    staff_learning: float = Field(0.01, ge=0.0, le=1.0, description="Weekly skill growth.")
    hiring_weeks: int = Field(12, ge=0, le=520, description="Weeks to fill a vacancy.")
    success_learning: float = Field(
        0.3, **unit, description="Weight of one observed result in a specialist's estimate."
    )

    # --- office: pilots ("surgical strikes") -------------------------------------------------
    pilots_per_staff: int = Field(2, ge=1, le=20, description="Concurrent pilots per staff FTE.")
    pilot_weeks: int = Field(26, ge=1, le=520, description="Length of a pilot.")
    repilot_weeks: int = Field(
        104, ge=1, le=5_200, description="Weeks after a pilot before a team can get another."
    )
    pilot_time: float = Field(
        0.1, **unit, description="Protected team time in a pilot (paid by the office)."
    )
    pilot_transfer: float = Field(0.08, ge=0.0, le=1.0, description="Weekly capability from staff.")
    handover_focus: float = Field(0.3, **unit, description="Pilot effort spent teaching the team.")
    pull_commitment: float = Field(0.3, **unit, description="Commitment at which a team pulls.")
    offer_learning_rate: float = Field(0.2, **unit, description="Adaptive offer step.")
    offer_trial_step: float = Field(0.1, **unit, description="Offer tried above and below.")

    # --- 1 escape hatch ----------------------------------------------------------------------
    escape_hatch_strength: float = Field(
        0.4, **unit, description="Ownership ceded to specialists who do all the work."
    )
    directed_time_weight: float = Field(
        1.0, **unit, description="Paid team time counted as work a programme takes over."
    )
    office_visibility: float = Field(1.0, **unit, description="Visibility of a central office.")
    coach_visibility: float = Field(0.5, **unit, description="Visibility of line coaches.")
    blame_share: float = Field(0.5, **unit, description="Touched teams' setbacks blamed.")
    blame_weeks: float = Field(26.0, ge=1.0, le=520.0, description="Memory of blame and touch.")
    presence_weeks: float = Field(26.0, ge=1.0, le=520.0, description="Visibility memory.")

    # --- 8 specialist morale and attrition ---------------------------------------------------
    initial_morale: float = Field(0.8, **unit, description="Morale of a new specialist.")
    morale_rate: float = Field(0.02, ge=0.0, le=1.0, description="Weekly morale adjustment.")
    morale_resistance_hit: float = Field(0.5, ge=0.0, le=5.0, description="Morale per opposed.")
    morale_blame_hit: float = Field(0.5, ge=0.0, le=5.0, description="Morale per blame.")
    morale_success_gain: float = Field(0.5, ge=0.0, le=5.0, description="Morale per success.")
    attrition_base: float = Field(0.002, **unit, description="Weekly quit probability at morale 1.")
    attrition_low_morale: float = Field(0.02, **unit, description="Added weekly at morale 0.")

    # --- 9 career trap -----------------------------------------------------------------------
    career_decay: float = Field(
        0.15, ge=0.0, le=5.0, description="Prospects lost per year in a specialist role."
    )
    attachment_delay_weeks: int = Field(156, ge=0, le=5_200, description="Max sunset delay.")
    rotation_weeks: int = Field(104, ge=1, le=5_200, description="Tenure before rotating back.")
    alumni_transfer: float = Field(0.5, **unit, description="Skill an alumnus gives a team.")
    sunset_week: int = Field(260, ge=1, le=5_200, description="Deadline sunset (week).")
    sunset_adoption: float = Field(0.5, **unit, description="Own adoption that sunsets.")

    # --- 10 legitimacy and executive review (every programme) --------------------------------
    initial_legitimacy: float = Field(0.7, **unit, description="Executives' initial trust.")
    legitimacy_weeks: float = Field(26.0, ge=1.0, le=520.0, description="Legitimacy memory.")
    legitimacy_base: float = Field(0.3, **unit, description="Legitimacy with no claims/blame.")
    claim_weight: float = Field(0.5, ge=0.0, le=5.0, description="Legitimacy per claimed success.")
    sponsor_weight: float = Field(0.2, ge=0.0, le=5.0, description="Legitimacy from exec support.")
    blame_weight: float = Field(1.0, ge=0.0, le=10.0, description="Legitimacy lost per blame.")
    review_weeks: int = Field(26, ge=1, le=520, description="Executive review interval.")
    cut_threshold: float = Field(0.35, **unit, description="Legitimacy below which it is cut.")
    close_threshold: float = Field(0.15, **unit, description="Legitimacy below which it closes.")
    cut_fraction: float = Field(0.3, **unit, description="Share of a programme cut at a review.")

    @model_validator(mode="after")
    def _check_relations(self) -> Params:
        if self.close_threshold > self.cut_threshold:
            raise ValueError(
                f"close_threshold={self.close_threshold} must not exceed "
                f"cut_threshold={self.cut_threshold}"
            )
        if self.base_improvement_time > self.max_improvement_time:
            raise ValueError(
                f"base_improvement_time={self.base_improvement_time} must not exceed "
                f"max_improvement_time={self.max_improvement_time}"
            )
        return self

    # ---------------------------------------------------------------------------------------
    @property
    def policy(self) -> Policy:
        """The strategy's preset with every explicitly set policy field applied on top."""
        preset = STRATEGY_POLICIES[self.strategy]
        overrides = {f: getattr(self, f) for f in POLICY_FIELDS if getattr(self, f) is not None}
        return Policy(**{**preset.__dict__, **overrides})

    @property
    def starting_capability(self) -> float:
        """Mean capability at week 0: as set, or (None) the level at which organic practice
        just offsets decay, so an organization without a programme or pressure starts in its
        own steady state rather than drifting. Pressure is left out on purpose: what it does
        to that steady state is the capability trap (mechanism 6), which starts at week 1."""
        if self.initial_capability is not None:
            return self.initial_capability
        from sim.mechanisms import steady_capability

        practice = self.base_improvement_time
        return steady_capability(
            min(1.0, practice / self.practice_full_time),
            self.learn_rate,
            self.decay_rate,  # the same organization whether or not decay is switched on
        )

    @property
    def budget_fte(self) -> float:
        """Improvement FTE available every week; the same for every strategy."""
        return self.budget_fte_per_100_teams * self.n_teams / 100.0

    def effective(self) -> Params:
        """These parameters as the mechanisms see them: every switched-off mechanism's strengths
        replaced by its "off" values (``sim.registry``). The one place a switch is applied."""
        off = switched_off_values({name: getattr(self, name) for name in MECHANISMS})
        return self.model_copy(update=off) if off else self

    @classmethod
    def create(cls, **values) -> Params:
        """Build Params, turning pydantic's error into a :class:`ParamsError` message."""
        try:
            return cls(**values)
        except ValidationError as err:
            raise ParamsError(format_validation_error(err)) from None


def format_validation_error(err: ValidationError) -> str:
    """One line per bad field: the field, the value given, and what is allowed."""
    lines = []
    for e in err.errors():
        field = ".".join(str(p) for p in e["loc"]) or "Params"
        value = e.get("input")
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown parameter (see `lean-sim --help` or sim.Params.model_fields)"
        lines.append(f"{field}={value!r}: {msg}")
    return "invalid parameters:\n  " + "\n  ".join(lines)


# --- world, assumptions and treatment ----------------------------------------------------------
# Every field is one of three kinds (as the EMA Workbench declares uncertainties apart from
# levers), plus the horizon:
# * world: what the organization *is* (size, shape, culture, resistance and its spread, the
#   pressure it works under). Seeds derive from the world only (sim.seeds), so every strategy and
#   every assumption value meets the same organization.
# * assumption: how the world works: mechanism strengths and rates (what a sensitivity analysis
#   varies and a calibration may fit).
# * treatment: what the organization *does*: the strategy, the budget, every policy lever, the
#   design of pilots and coaching, and the mechanism switches (what a comparison varies).
# * observation: how long the run is watched (``weeks``); a shorter run is the start of a longer
#   one with the same seed.

WORLD_FIELDS: tuple[str, ...] = (
    "n_teams",
    "span_teams",
    "span_managers",
    "cross_links",
    "lateral_topology",
    "rewire_probability",
    "team_size",
    "power_distance",
    "resistance",
    "resistance_spread",
    "initial_capability",
    "initial_ownership",
    "base_pressure",
)
OBSERVATION_FIELDS: tuple[str, ...] = ("weeks",)
#: Levers besides the policy fields: how big the programme is and how its work is designed.
DESIGN_FIELDS: tuple[str, ...] = (
    "budget_fte_per_100_teams",
    "duty_time",
    "pilots_per_staff",
    "pilot_weeks",
    "repilot_weeks",
    "pilot_time",
    "handover_focus",
    "managers_per_coach",
    "rotation_weeks",
    "sunset_week",
    "sunset_adoption",
)
TREATMENT_FIELDS: tuple[str, ...] = ("strategy", *POLICY_FIELDS, *DESIGN_FIELDS, *MECHANISMS)
ASSUMPTION_FIELDS: tuple[str, ...] = tuple(
    name
    for name in Params.model_fields
    if name not in {*WORLD_FIELDS, *OBSERVATION_FIELDS, *TREATMENT_FIELDS}
)


def field_kind(name: str) -> str:
    """'world', 'assumption', 'treatment' or 'observation' for a Params field."""
    for kind, names in (
        ("world", WORLD_FIELDS),
        ("observation", OBSERVATION_FIELDS),
        ("treatment", TREATMENT_FIELDS),
        ("assumption", ASSUMPTION_FIELDS),
    ):
        if name in names:
            return kind
    raise KeyError(f"{name!r} is not a Params field")


def _check_kinds() -> None:
    declared = [*WORLD_FIELDS, *OBSERVATION_FIELDS, *TREATMENT_FIELDS]
    unknown = sorted(set(declared) - set(Params.model_fields))
    twice = sorted({n for n in declared if declared.count(n) > 1})
    if unknown or twice:
        raise RuntimeError(f"field kinds: unknown {unknown}, declared twice {twice}")


_check_kinds()
