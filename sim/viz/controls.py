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

from sim import cultures
from sim.model import LeanModel
from sim.params import MECHANISMS, STRATEGIES, Params, ParamsError
from sim.registry import Mechanism
from sim.viz import internals
from sim.viz.orgchart import OrgLayout, tree_layout

#: The culture choice that leaves power distance to its box (or the model's default).
CULTURE_CUSTOM = cultures.CUSTOM

#: Largest organization the page builds. The model itself takes up to 100,000 teams, but the
#: org chart stops being something a person can read, and Play stops being smooth, beyond this.
VIZ_MAX_TEAMS = 5_000

#: Largest seed accepted (numpy seeds are non-negative integers; 2**63 - 1 keeps them in int64).
MAX_SEED = 2**63 - 1


class ControlError(ValueError):
    """One or more control values cannot build a model; one line per bad control."""


def culture_label(culture: cultures.Culture) -> str:
    """The text of a culture choice: the country and its Hofstede PDI."""
    return f"{culture.label} (PDI {culture.hofstede_pdi})"


def culture_options() -> list[str]:
    """Choices of the culture control, "custom" first, then countries by rising PDI
    (``sim.cultures``, the project's one culture table)."""
    return [CULTURE_CUSTOM, *(culture_label(c) for c in cultures.cultures().values())]


def culture_name(choice: str) -> str:
    """The ``sim.cultures`` name of a culture choice (its text, the country or the name)."""
    if choice == CULTURE_CUSTOM:
        return CULTURE_CUSTOM
    for culture in cultures.cultures().values():
        if choice in (culture_label(culture), culture.label, culture.name):
            return culture.name
    raise ControlError(f"culture={choice!r}: not a known preset; choose one of {culture_options()}")


def culture_power_distance(choice: str) -> float | None:
    """Power distance of a culture choice (PDI / 100, clipped to 1); None for "custom"."""
    name = culture_name(choice)
    return None if name == CULTURE_CUSTOM else cultures.get(name).power_distance


def mechanism_label(mechanism: Mechanism) -> str:
    """ "1. escape hatch": the mechanism's number and label from ``sim.registry``."""
    return f"{mechanism.number}. {mechanism.label}"


def parse_power_distance(text: Any) -> float | None:
    """The power-distance box: a number from 0 to 1, or empty (None: the preset's, or the
    model's default under "custom")."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        raise ControlError(
            f"power distance={text!r}: not a number; type one from 0 to 1, or leave the box "
            "empty to use the culture preset's"
        ) from None
    if not 0.0 <= value <= 1.0:
        raise ControlError(f"power distance={text!r}: out of range; type a number from 0 to 1")
    return value


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
    power_distance: Any,
    resistance: float,
    n_teams: Any,
    budget_fte_per_100_teams: float,
    mechanisms: dict[str, bool] | None = None,
) -> Params:
    """Params for the page's control values; every bad value is reported in one ControlError.

    A culture preset sets power distance (``sim.cultures.apply_culture``, the rule the sweep
    uses too): with a preset, leave the power-distance box empty; a number there that differs
    from the preset's is an error, never silently overridden.
    """
    problems: list[str] = []
    teams = name = given = None
    try:
        teams = parse_teams(n_teams)
    except ControlError as err:
        problems.append(str(err))
    try:
        name = culture_name(culture)
    except ControlError as err:
        problems.append(str(err))
    try:
        given = parse_power_distance(power_distance)
    except ControlError as err:
        problems.append(str(err))
    switches = dict(mechanisms or {})
    unknown = sorted(set(switches) - set(MECHANISMS))
    if unknown:
        problems.append(f"mechanisms {unknown}: unknown; known switches are {list(MECHANISMS)}")
    values: dict[str, Any] = {} if given is None else {"power_distance": given}
    if name is not None:
        try:
            values = cultures.apply_culture(name, values)
        except ParamsError as err:
            problems.append(
                f"{err}. In this page: empty the power-distance box to use the preset's, "
                "or choose the culture custom"
            )
    if problems:
        raise ControlError("\n".join(problems))
    values = {
        "strategy": strategy,
        "resistance": resistance,
        "n_teams": teams,
        "budget_fte_per_100_teams": budget_fte_per_100_teams,
        **values,
        **{key: bool(on) for key, on in switches.items()},
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

    ``lean`` is the LeanModel (None after an error); its series holds week 0 (as built).
    ``layout`` is the org chart's tree layout, computed once per model.
    A control left at None takes the model's default (``Params``).
    """

    def __init__(
        self,
        strategy: str = "centralized",
        culture: str = CULTURE_CUSTOM,
        power_distance: Any = None,
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
                    power_distance=power_distance,  # empty: the preset's, or the default
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
        self.lean = LeanModel(self.params, seed=self.seed_value)  # records week 0 as built
        self.layout = tree_layout(*internals.tree(self.lean))

    @property
    def week(self) -> int:
        """Weeks simulated so far (0 before the first Step)."""
        return internals.week(self.lean) if self.lean is not None else 0

    @property
    def horizon(self) -> int:
        """The run's horizon in weeks; Play stops there."""
        return self.params.weeks if self.params is not None else 0

    def step(self) -> None:
        """One week of the organization; stops at the horizon (or at once after an error)."""
        if self.lean is None or self.week >= self.horizon:
            self.running = False
            return
        self.lean.step()
        self.running = self.week < self.horizon
