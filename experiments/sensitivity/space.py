"""The parameter space of the global sensitivity analysis: which fields vary, over what range.

Screened: every float or integer field of :class:`sim.Params` except the treatment (the
strategy, its policy levers and the mechanism switches, which say what the organization *does*)
and the structure (size, horizon, tree spans, lateral ties, team size), which the structural
experiment covers. Ranges are read from the field definitions, so a parameter added to the
model is screened without a change here:

* by default the range is the model default +-50 % (:data:`RELATIVE_RANGE`), clipped to what
  the field allows; a wide, honest "we do not know it better than that" range;
* :data:`RANGES` states the exceptions and why (empirical ranges, pairs that must keep an
  order the model checks); if the model's default moves outside one, the range is widened to
  cover the default +-50 % and says so.

Integer fields (weeks, counts) are sampled on a grid of integers: their Morris levels fall
on integers exactly (the range is widened until ``high - low`` divides by ``levels - 1``), and
Sobol samples are rounded.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import annotated_types
import numpy as np
import pandas as pd

from sim.params import TREATMENT_FIELDS, Params, ParamsError

#: Default range: the model default times (1 - x, 1 + x), clipped to the field's bounds.
RELATIVE_RANGE = 0.5

#: Structural fields: covered by the structural experiment, never sampled here.
STRUCTURAL_FIELDS: tuple[str, ...] = ("span_teams", "span_managers", "cross_links")

#: Fields left out of the screening (besides the treatment), and why.
EXCLUDED: dict[str, str] = {
    "n_teams": "scale of the experiment, fixed by its config",
    "weeks": "horizon of the experiment, fixed by its config",
    "team_size": "structural; the budget per person it sets is budget_fte_per_100_teams's range",
    **dict.fromkeys(STRUCTURAL_FIELDS, "structure: the structural experiment varies it"),
}

#: Ranges that differ from the default rule: (low, high, why).
RANGES: dict[str, tuple[float, float, str]] = {
    "power_distance": (
        0.1,
        1.0,
        "Hofstede PDI of the countries in configs/culture (11 Austria .. 104 Malaysia, / 100)",
    ),
    "resistance": (0.2, 0.8, "supportive to hostile management"),
    "openness": (0.0, 0.8, "neutral to open managers before any evidence"),
    "commitment_bar": (-0.08, 0.02, "a result 8 % below to 2 % above baseline sustains"),
    "cut_threshold": (0.25, 0.45, "default +-0.1; stays above close_threshold"),
    "close_threshold": (0.05, 0.2, "default -0.1/+0.05; stays below cut_threshold"),
    # Every remaining asymmetry between strategies, over its plausible range *including 0*
    # (docs/ODD.md, "A fair fight", table "Remaining asymmetries"; the row number follows).
    **{
        name: (low, high, f"{why}; range incl. 0" + (f" (ODD asymmetry {row})" if row else ""))
        for row, name, low, high, why in (
            (1, "office_visibility", 0.0, 1.0, "how visible a central office is"),
            (1, "coach_visibility", 0.0, 1.0, "how visible designated line coaches are"),
            (2, "directed_time_weight", 0.0, 1.0, "paid team time counted as taken over"),
            (2, "escape_hatch_strength", 0.0, 0.6, "ownership ceded to specialists"),
            (3, "pilot_transfer", 0.0, 0.16, "weekly capability a pilot's staff pass on"),
            (4, "attachment_delay_weeks", 0.0, 260.0, "staff attachment delaying a sunset"),
            (5, "duty_weight", 0.0, 0.8, "stance from an enacted duty"),
            (5, "ownership_duty_weight", 0.0, 0.6, "ownership from an enacted duty"),
            (7, "refusal_stance", -1.0, 0.0, "stance below which help is refused"),
            (7, "block_strength", 0.0, 1.0, "improvement time an opponent blocks"),
            (8, "motions_penalty", 0.0, 0.8, "unguided mandated practice that builds nothing"),
            (12, "blame_share", 0.0, 1.0, "setbacks of touched teams blamed on the programme"),
            (12, "claim_weight", 0.0, 1.0, "legitimacy per claimed success"),
            (13, "duty_manager_load", 0.0, 1.0, "manager load of a full duty"),
            (13, "pilot_manager_load", 0.0, 1.0, "manager load of pilots"),
            (13, "coaching_manager_load", 0.0, 1.0, "manager load of being coached"),
            (13, "overload_weight", 0.0, 1.0, "stance lost per load under pressure"),
            (14, "replacement_skill", 0.0, 0.7, "skill of a replacement hire"),
            (15, "career_decay", 0.0, 0.3, "prospects lost per year in a specialist role"),
            (16, "success_learning", 0.0, 0.5, "weight of one observed result"),
            (16, "morale_success_gain", 0.0, 1.0, "morale per observed success"),
            (17, "offer_learning_rate", 0.0, 0.4, "step of the adaptive offer"),
            # the duty's third failure mode (not an asymmetry: row 0; it meets any programme)
            (0, "cynicism_weight", 0.0, 1.0, "ownership and compliance lost per cynicism"),
        )
    },
}


@dataclass(frozen=True)
class Factor:
    """One sampled parameter: its range, whether it is an integer, and why that range."""

    name: str
    low: float
    high: float
    default: float
    integer: bool
    why: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def field_bounds(name: str) -> tuple[float, float, bool, bool]:
    """(lowest, highest, low is open, high is open) that ``Params`` accepts for a field."""
    low, high, low_open, high_open = -math.inf, math.inf, False, False
    for item in Params.model_fields[name].metadata:
        if isinstance(item, annotated_types.Ge):
            low = float(item.ge)
        elif isinstance(item, annotated_types.Gt):
            low, low_open = float(item.gt), True
        elif isinstance(item, annotated_types.Le):
            high = float(item.le)
        elif isinstance(item, annotated_types.Lt):
            high, high_open = float(item.lt), True
    return low, high, low_open, high_open


def screened_names() -> list[str]:
    """Every numeric Params field that is neither treatment nor structure, in field order."""
    return [
        name
        for name, info in Params.model_fields.items()
        if info.annotation in (float, int) and name not in {*TREATMENT_FIELDS, *EXCLUDED}
    ]


def factor(name: str, levels: int = 4) -> Factor:
    """The range of one parameter (see the module docstring); raises ValueError if unusable."""
    if name not in Params.model_fields:
        raise ValueError(f"parameter {name!r}: not a sim.Params field")
    info = Params.model_fields[name]
    if info.annotation not in (float, int) or name in TREATMENT_FIELDS:
        raise ValueError(
            f"parameter {name!r}: only numeric, non-treatment fields can be sampled "
            f"(allowed: {', '.join(screened_names())})"
        )
    default = float(info.get_default(call_default_factory=True))
    integer = info.annotation is int
    lowest, highest, low_open, high_open = field_bounds(name)
    if name in RANGES:
        low, high, why = RANGES[name]
        if not low <= default <= high:  # the model's default moved: cover it, and say so
            low = min(low, default * (1 - RELATIVE_RANGE))
            high = max(high, default * (1 + RELATIVE_RANGE))
            why += f"; widened to cover the default {default:g} +-{RELATIVE_RANGE:.0%}"
    else:
        low, high = sorted((default * (1 - RELATIVE_RANGE), default * (1 + RELATIVE_RANGE)))
        why = f"default {default:g} +-{RELATIVE_RANGE:.0%}"
    if integer:
        low, high = _integer_grid(max(1.0, round(low)), high, levels)
        why += f", on a {levels}-level integer grid"
    if low < lowest or high > highest:
        low, high = max(low, lowest), min(high, highest)
        why += ", clipped to the allowed range"
    if low_open and low <= lowest:
        low = lowest + 0.1 * (high - lowest)
    if high_open and high >= highest:
        high = highest - 0.1 * (highest - low)
    if not low < high:
        raise ValueError(f"parameter {name!r}: empty range [{low}, {high}]")
    return Factor(name, float(low), float(high), default, integer, why)


def _integer_grid(low: float, high: float, levels: int) -> tuple[float, float]:
    """Widen ``high`` so that the ``levels`` Morris levels of [low, high] are integers."""
    steps = max(1, levels - 1)
    return low, low + steps * max(1, math.ceil((high - low) / steps))


def factors(names: list[str] | None = None, levels: int = 4) -> list[Factor]:
    """The factors of ``names`` (default: every screened parameter), checked together."""
    chosen = screened_names() if names is None else list(names)
    duplicates = sorted({n for n in chosen if chosen.count(n) > 1})
    if duplicates:
        raise ValueError(f"parameters {duplicates}: listed twice")
    if not chosen:
        raise ValueError("no parameters to sample")
    return [factor(name, levels) for name in chosen]


def check_points(points: pd.DataFrame) -> None:
    """Fail early, naming the first bad row, if a sampled point is not valid ``Params``.

    Each point is checked with the model defaults for everything it does not set; relations
    the model checks (``close_threshold <= cut_threshold`` ...) are enforced this way too.
    """
    for row, record in enumerate(points.to_dict("records")):
        try:
            Params.create(**{k: _plain(v) for k, v in record.items()})
        except ParamsError as err:
            raise ValueError(f"sample point {row} is not valid: {err}") from None


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def problem(chosen: list[Factor]) -> dict[str, Any]:
    """The SALib problem dictionary of the factors."""
    return {
        "num_vars": len(chosen),
        "names": [f.name for f in chosen],
        "bounds": [[f.low, f.high] for f in chosen],
    }


def as_values(chosen: list[Factor], sample: np.ndarray) -> pd.DataFrame:
    """A SALib sample (in parameter units) as a frame; integer parameters rounded."""
    frame = pd.DataFrame(sample, columns=[f.name for f in chosen])
    for f in chosen:
        if f.integer:
            frame[f.name] = np.rint(frame[f.name]).astype("int64")
    return frame
