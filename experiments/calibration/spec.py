"""What is fitted, to what, under which assumptions: the one home of the calibration's choices.

**Targets** (Holweg, Staats & Upton 2018): of the projects of a programme run from head office,
about 58% were still above their baseline one year after they started and about 35% two years
after. In the model that is the pooled share of the programme's pilots with ``sustained_1y``
and ``sustained_2y``. Nothing else is fitted; every other published figure stays for validation.

**What may be fitted**: rates of capability dynamics only (:data:`PRIORS`), never a lever, a
switch, a world field or an office-only knob: those would decide the comparison of strategies
by construction (:func:`check_fittable` rejects them before any work starts).

**What is fitted** (:data:`FITTED`, the one list; a model that splits a rate adds the split rate
here): the decay of a team's own unpractised capability and the two rates of *borrowed*
capability (the capability an office lends a team during a pilot). The targets follow up piloted
teams only, so ideally they would set only the borrowed rates. But in this model most of what a
pilot leaves behind is the team's *own* capability (taught by the staff and built by practice in
the protected pilot time), so the follow-ups speak about how fast own capability fades too: with
the borrowed rates alone the one-year share stays at 0.86 or above for every pair of rates on
their priors (a 60-point search on the model, reported in the note), far from 0.58. So
``decay_rate`` is fitted as well, and that is a **stated choice**: it acts on every team's
unpractised capability under every strategy, so the calibration does set how fast every team
forgets (and the organization's organic starting level). ``learn_rate`` stays at its default
(it trades off against ``decay_rate`` and would move only the starting level). The sensitivity
analysis sweeps ``decay_rate`` over its prior range, and ``--params borrowed_decay_rate,
internalization_rate`` reruns the borrowed-only fit.

**The measure is fixed first**: ``baseline_margin`` is set before the fit from the noise of
teams with no programme (:mod:`experiments.calibration.margin`), never fitted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

from sim.params import Params, field_kind

#: The published figures: pooled share of projects above baseline at each follow-up.
TARGETS: dict[str, float] = {"sustained_1y": 0.58, "sustained_2y": 0.35}
TARGET_SOURCE = (
    "Holweg, M., Staats, B. R. & Upton, D. M. (2018). Making Process Improvements Stick. "
    "Harvard Business Review, 96(6), 104-111: of the projects of a programme run from head "
    "office with consultants (plus an in-house academy that trained local champions), about "
    "58% were still above their baseline one year after they started and about 35% two years "
    "after."
)
MEASURE = (
    "pooled share of the programme's pilots whose team performs above its own pre-pilot level "
    "by baseline_margin at the follow-up (RunResult.pilots, sustained_1y and sustained_2y)"
)

#: How the programme of the study is expressed as a strategy of the model (an assumption).
PROGRAMME: dict[str, Any] = {"strategy": "centralized", "coach_share": 0.25}
MAPPING_ASSUMPTION = (
    "The programme is mapped to `centralized` with `coach_share=0.25`. It was run from head "
    "office: a central team with consultants pushed projects into the line (pmo_share=1, "
    "pilot_mode=push), improvement was not written into line jobs (line_duty=0), and nothing "
    "suggests staff rotation or a sunset rule. The in-house academy that trained local "
    "champions is read as a quarter of the office's time spent coaching line managers "
    "(coach_share=0.25) rather than running projects; the figures are about projects, so "
    "coaching is the smaller share. The organization's world (size, culture, resistance) is the "
    "model's default: the study does not report it."
)
#: Other readings of the programme: checked against the posterior, never refitted.
ALTERNATIVE_MAPPINGS: dict[str, dict[str, Any]] = {
    "centralized, no academy (coach_share=0)": {"strategy": "centralized"},
    "centralized, larger academy (coach_share=0.5)": {
        "strategy": "centralized",
        "coach_share": 0.5,
    },
    "centralized, pilots at random teams": {
        "strategy": "centralized",
        "coach_share": 0.25,
        "pilot_selection": "random",
    },
    "hybrid without sunset or rotation": {
        "strategy": "hybrid",
        "sunset": "none",
        "rotate_staff": False,
    },
}


@dataclass(frozen=True)
class Prior:
    """A log-uniform prior on a weekly rate: we know its order of magnitude, not more.

    The fit samples ``log10(rate)`` uniformly on ``[log10(low), log10(high)]``; ``reason``
    says where the bounds come from (written into the record and the note).
    """

    low: float
    high: float
    reason: str

    def __post_init__(self) -> None:
        if not 0.0 < self.low < self.high <= 1.0:
            raise ValueError(f"prior bounds {self.low}..{self.high}: need 0 < low < high <= 1")

    @property
    def log10_bounds(self) -> tuple[float, float]:
        return math.log10(self.low), math.log10(self.high)


def _half_life(rate: float) -> str:
    """Weeks (or years) for a weekly rate to halve what it acts on, for the reasons below."""
    weeks = math.log(2.0) / rate
    if weeks < 10:
        return f"{weeks:.1f} weeks"
    return f"{weeks:.0f} weeks" if weeks < 104 else f"{weeks / 52:.1f} years"


#: Every rate that may be fitted, with its prior: the rates of capability dynamics.
PRIORS: dict[str, Prior] = {
    "borrowed_decay_rate": Prior(
        0.005,
        0.5,
        "Weekly decay of capability the office lent a team, once the pilot has left. The "
        f"study's own backsliding happens within months to two years; the bounds span a "
        f"half-life of {_half_life(0.5)} to {_half_life(0.005)}, so both 'gone at once' and "
        "'held for years' are allowed.",
    ),
    "internalization_rate": Prior(
        0.001,
        0.2,
        "Weekly share of borrowed capability that becomes the team's own (at full ownership "
        "and manager support). From about a tenth in two years (0.001) to most of it within "
        "weeks (0.2); the earlier fit found it barely identified, so the prior is wide.",
    ),
    "decay_rate": Prior(
        0.002,
        0.1,
        "Weekly decay of a team's own, unpractised capability: half-life from "
        f"{_half_life(0.1)} to {_half_life(0.002)}, the span of organizational forgetting "
        "from fast-turnover services to stable manufacturing. Fitted (a stated choice: it acts "
        "on every team).",
    ),
    "learn_rate": Prior(
        0.002,
        0.05,
        "Weekly gain of own capability at full practice: from years to about a quarter to "
        "build a team's routine. Not fitted by default (it acts on every team).",
    ),
}

#: The rates fitted by default (see the module docstring for why decay_rate is among them).
FITTED: tuple[str, ...] = ("decay_rate", "borrowed_decay_rate", "internalization_rate")
#: Why these, in the words the note uses (one home for the stated choice).
FITTED_REASON = (
    "The targets follow up piloted teams only. They speak about the capability an office "
    "lends (how fast it fades once the pilot leaves, how much of it becomes the team's own), "
    "and, since in this model most of what a pilot leaves behind is the team's *own* "
    "capability (taught, and built by practice in the protected pilot time), about how fast "
    "own capability fades too: with the borrowed rates alone the one-year share stays at 0.86 "
    "or above for every pair of rates on their priors. So `decay_rate` is fitted as well, a "
    "**stated choice**: it acts on every team's unpractised capability under every strategy, "
    "so the fit sets how fast every team forgets (and the organization's organic starting "
    "level); the sensitivity analysis sweeps it over its prior range, and `--params "
    "borrowed_decay_rate,internalization_rate` reruns the borrowed-only fit."
)


def check_fittable(names: tuple[str, ...]) -> None:
    """Fail early, naming the bad value, if a name is not an allowed rate of capability dynamics."""
    if not names:
        raise ValueError(f"params=(): choose one or more of {sorted(PRIORS)}")
    for name in names:
        if name in PRIORS:
            continue
        if name not in Params.model_fields:
            raise ValueError(f"params={name!r}: not a Params field; allowed: {sorted(PRIORS)}")
        kind = field_kind(name)
        what = {
            "treatment": "a lever or switch",
            "world": "a property of the organization",
            "observation": "the horizon",
        }.get(
            kind,
            "not a rate of capability dynamics (office-only knobs and mechanism "
            "strengths would decide the verdict)",
        )
        raise ValueError(
            f"params={name!r} must not be fitted: it is {what}; allowed: {sorted(PRIORS)}"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"params={list(names)}: a parameter is named twice")


@dataclass(frozen=True)
class Settings:
    """What one calibration does; every field is written into the record."""

    params: tuple[str, ...] = FITTED
    n_teams: int = 200  # the headline organization; shares do not depend on size (sizing.csv)
    weeks: int = 208  # pilots that start in the first two years reach their 2-year follow-up
    seeds_per_evaluation: int = 8  # runs pooled into one simulated pair of shares
    population_size: int = 100  # particles per ABC-SMC generation (3 rates: more generations pay)
    max_generations: int = 12
    max_simulations: int = 3000  # evaluations in all, a hard budget (bounds the runtime)
    min_acceptance_rate: float = 0.03  # stop when a generation accepts fewer
    margin_multiple: float = 2.0  # baseline_margin = this many within-team SDs of performance
    margin_seeds: int = 12  # no-programme runs that measure the noise
    predictive_draws: int = 100  # posterior draws for the predictive check (fresh seeds)
    alternative_draws: int = 30  # posterior draws per alternative programme mapping
    noise_blocks: int = 30  # repeated evaluations at the posterior median (sampling error)
    profile_multiples: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0, 4.0)  # margins, in SDs
    profile_seeds: int = 16
    sizing_teams: tuple[int, ...] = (50, 100, 200, 400)
    sizing_seeds: int = 24
    base_seed: int = 20_180_000
    jobs: int = 2  # worker processes for the runs of one evaluation (joblib)
    programme: dict[str, Any] = field(default_factory=lambda: dict(PROGRAMME))

    def __post_init__(self) -> None:
        check_fittable(tuple(self.params))
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "int" and (isinstance(value, bool) or value < 1):
                raise ValueError(f"{f.name}={value!r}: must be a whole number >= 1")
        if self.weeks < 105:
            raise ValueError(f"weeks={self.weeks}: pilots need 104 weeks to reach a 2-year check")
        if self.population_size < 10:
            raise ValueError(f"population_size={self.population_size}: must be at least 10")
        if self.max_simulations < 3 * self.population_size:
            # pyabc's calibration sample and the first generation need two populations' worth
            raise ValueError(
                f"max_simulations={self.max_simulations}: must be at least 3 x "
                f"population_size={self.population_size}"
            )
        if not 0.0 < self.min_acceptance_rate < 1.0:
            # > 0 bounds each generation: a fit whose targets no draw reaches still stops
            raise ValueError(f"min_acceptance_rate={self.min_acceptance_rate}: must be in (0, 1)")
        if self.margin_multiple < 0:
            raise ValueError(f"margin_multiple={self.margin_multiple}: must be >= 0")
        Params.create(**self.world())  # the programme must be a valid Params

    def world(self, **values: Any) -> dict[str, Any]:
        """Params fields of the programme's organization, with ``values`` applied on top."""
        return {**self.programme, "n_teams": self.n_teams, "weeks": self.weeks, **values}


#: A tiny calibration for tests and a first look (well under a minute on 2 cores). The
#: larger organization with a short horizon keeps enough pilots at 2 years per run.
QUICK = Settings(
    n_teams=800,
    weeks=106,
    seeds_per_evaluation=1,
    population_size=30,
    max_generations=3,
    max_simulations=300,
    margin_seeds=2,
    predictive_draws=12,
    alternative_draws=4,
    noise_blocks=6,
    profile_multiples=(0.0, 2.0, 4.0),
    profile_seeds=2,
    sizing_teams=(100, 200),
    sizing_seeds=2,
    jobs=1,
)
