"""From the page's control values to a model, or to a message a person can act on.

Browser controls deliver strings (the seed and size boxes) and numbers in whatever state the
user left them. Everything is checked here, before any model is built, and every problem is
reported at once, one line per control, naming the value and what is allowed. ``VizModel`` is
what Mesa's Reset button constructs: it never raises, it carries the message instead, so a bad
value shows in the page and the server keeps running.
"""

from __future__ import annotations

from typing import Any

import mesa
from pydantic import ValidationError

from sim.model import LeanModel
from sim.params import MECHANISMS, STRATEGIES, Params, ParamsError
from sim.viz.orgchart import OrgLayout, tree_layout

#: Hofstede's power-distance index (PDI) by country, from his published table as of
#: 2015-08-16 (geerthofstede.com). The model's power distance is PDI / 100, clipped to 1.
#: The sweep configs keep a YAML copy of the same numbers for Hydra.
HOFSTEDE_PDI: dict[str, int] = {
    "Austria": 11,
    "Denmark": 18,
    "Germany": 35,
    "Great Britain": 35,
    "USA": 40,
    "Japan": 54,
    "France": 68,
    "India": 77,
    "China": 80,
    "Malaysia": 104,
}

#: The culture choice that leaves power distance to its slider.
CULTURE_CUSTOM = "custom"

#: Largest organization the page builds. The model itself takes up to 100,000 teams, but the
#: org chart stops being something a person can read, and Play stops being smooth, beyond this.
VIZ_MAX_TEAMS = 5_000

#: Largest seed accepted (numpy seeds are non-negative integers; 2**63 - 1 keeps them in int64).
MAX_SEED = 2**63 - 1


class ControlError(ValueError):
    """One or more control values cannot build a model; one line per bad control."""


def culture_label(country: str) -> str:
    """The text of a culture choice: the country and its Hofstede PDI."""
    return f"{country} (PDI {HOFSTEDE_PDI[country]})"


def culture_options() -> list[str]:
    """Choices of the culture control, "custom" first, then countries by rising PDI."""
    return [CULTURE_CUSTOM, *(culture_label(c) for c in HOFSTEDE_PDI)]


def culture_power_distance(choice: str) -> float | None:
    """Power distance of a culture choice (PDI / 100, clipped to 1); None for "custom"."""
    if choice == CULTURE_CUSTOM:
        return None
    for country, pdi in HOFSTEDE_PDI.items():
        if choice in (country, culture_label(country)):
            return min(pdi / 100.0, 1.0)
    raise ControlError(f"culture={choice!r}: not a known preset; choose one of {culture_options()}")


def _whole_number(text: Any, control: str, low: int, high: int, hint: str) -> int:
    """An integer typed into a text box, within [low, high], or a ControlError naming both."""
    raw = str(text).strip().replace(",", "").replace("_", "")
    try:
        value = int(raw)
    except ValueError:
        raise ControlError(f"{control}={text!r}: not a whole number; {hint}") from None
    if not low <= value <= high:
        raise ControlError(f"{control}={text!r}: out of range; {hint}")
    return value


def parse_seed(text: Any) -> int:
    """The seed box: any whole number from 0 (the same seed gives the same run)."""
    return _whole_number(text, "seed", 0, MAX_SEED, "type a whole number from 0, e.g. 7")


def parse_teams(text: Any) -> int:
    """The size box: teams in the organization, as many as the page can show."""
    low = _lower_bound("n_teams")
    hint = (
        f"type a number of teams from {low} to {VIZ_MAX_TEAMS:,} (the browser's limit; "
        "run larger organizations with sim.run or a sweep)"
    )
    return _whole_number(text, "teams", low, VIZ_MAX_TEAMS, hint)


def _lower_bound(field: str) -> int:
    """The ``ge`` bound pydantic enforces on a Params field (so the page never disagrees)."""
    for rule in Params.model_fields[field].metadata:
        if hasattr(rule, "ge"):
            return int(rule.ge)
    return 0


def params_from_controls(
    *,
    strategy: str,
    culture: str,
    power_distance: float,
    resistance: float,
    n_teams: Any,
    budget_fte_per_100_teams: float,
    mechanisms: dict[str, bool] | None = None,
) -> Params:
    """Params for the page's control values; every bad value is reported in one ControlError.

    A culture preset other than "custom" sets power distance and overrides the slider.
    """
    problems: list[str] = []
    teams: int | None = None
    preset: float | None = None
    try:
        teams = parse_teams(n_teams)
    except ControlError as err:
        problems.append(str(err))
    try:
        preset = culture_power_distance(culture)
    except ControlError as err:
        problems.append(str(err))
    switches = dict(mechanisms or {})
    unknown = sorted(set(switches) - set(MECHANISMS))
    if unknown:
        problems.append(f"mechanisms {unknown}: unknown; known switches are {list(MECHANISMS)}")
    if problems:
        raise ControlError("\n".join(problems))
    values = {
        "strategy": strategy,
        "power_distance": power_distance if preset is None else preset,
        "resistance": resistance,
        "n_teams": teams,
        "budget_fte_per_100_teams": budget_fte_per_100_teams,
        **{name: bool(on) for name, on in switches.items()},
    }
    try:
        return Params.create(**values)
    except ParamsError as err:
        raise ControlError(str(err).removeprefix("invalid parameters:\n").strip()) from None


def default(field: str) -> Any:
    """The model's default for a Params field (the page starts where the model does)."""
    return Params.model_fields[field].default


def _or_default(value: Any, field: str) -> Any:
    return default(field) if value is None else value


class VizModel(mesa.Model):
    """What the page's Reset button builds: a LeanModel from the control values, or a message.

    Mesa's SolaraViz constructs ``type(model)(**control_values)`` and does not catch errors,
    so this wrapper never raises for bad input: it keeps ``error`` (one line per bad control),
    builds no model, and sets ``running = False`` so Step and Play do nothing.

    ``lean`` is the LeanModel (None after an error); its DataCollector has week 0 collected,
    as ``sim.run`` does. ``layout`` is the org chart's tree layout, computed once per model.
    A control left at None takes the model's default (``Params``).
    """

    def __init__(
        self,
        strategy: str = "centralized",
        culture: str = CULTURE_CUSTOM,
        power_distance: float | None = None,
        resistance: float | None = None,
        n_teams: Any = None,
        budget_fte_per_100_teams: float | None = None,
        seed: Any = "7",
        scenario: Any = None,  # Mesa's Reset passes one; randomness comes from `seed` only
        **mechanisms: bool,
    ):
        super().__init__(rng=0)  # the wrapper draws nothing; LeanModel has its own streams
        self.culture = culture
        self.error: str | None = None
        self.lean: LeanModel | None = None
        self.layout: OrgLayout | None = None
        self.params: Params | None = None
        self.seed_value: int | None = None
        problems: list[str] = []
        try:
            self.seed_value = parse_seed(seed)
        except ControlError as err:
            problems.append(str(err))
        if strategy not in STRATEGIES:
            problems.append(f"strategy={strategy!r}: not known; choose one of {list(STRATEGIES)}")
        else:
            try:
                self.params = params_from_controls(
                    strategy=strategy,
                    culture=culture,
                    power_distance=_or_default(power_distance, "power_distance"),
                    resistance=_or_default(resistance, "resistance"),
                    n_teams=_or_default(n_teams, "n_teams"),
                    budget_fte_per_100_teams=_or_default(
                        budget_fte_per_100_teams, "budget_fte_per_100_teams"
                    ),
                    mechanisms=mechanisms,
                )
            except (ControlError, ValidationError, ValueError) as err:
                problems.append(str(err))
        if problems:
            self.error = "\n".join(problems)
            self.params = None
            self.running = False
            return
        self.lean = LeanModel(self.params, seed=self.seed_value)
        self.lean.datacollector.collect(self.lean)  # week 0: the organization as built
        self.layout = tree_layout(self.lean.org.manager_parent, self.lean.org.team_manager)

    @property
    def week(self) -> int:
        """Weeks simulated so far (0 before the first Step)."""
        return self.lean.steps if self.lean is not None else 0

    @property
    def horizon(self) -> int:
        """The run's horizon in weeks; Play stops there."""
        return self.params.weeks if self.params is not None else 0

    def step(self) -> None:
        """One week of the organization; stops at the horizon (or at once after an error)."""
        if self.lean is None or self.lean.steps >= self.horizon:
            self.running = False
            return
        self.lean.step()
        self.running = self.lean.steps < self.horizon
