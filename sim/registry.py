"""The mechanism registry: every causal mechanism of the model, numbered, named and switchable.

One entry per mechanism of the model brief (1-10) and of "A fair fight" (11-14: coaching skill
fades; the failure modes of a duty that every programme can meet). Each entry
says what the mechanism is (``label``, ``source``), which parameters set its strength, and what
"off" means, as the parameter values that remove exactly that causal path. The switch is a
boolean ``Params`` field of the same name, and it is applied in one place only:
:func:`switched_off_values`, which ``Params.effective()`` uses. The model reads the effective
values and never tests a switch itself, so "off" and "strength 0" are the same run.

The ODD (``docs/ODD.md``), the browser app, the ablation experiment and the tests all read this
table; adding a mechanism means adding an entry here, its parameters in ``sim.params`` and its
arithmetic in ``sim.mechanisms``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mechanism:
    """One causal mechanism.

    number: its number in the brief (1-10) or in "A fair fight" (11-14).
    name: the switch (a bool field of ``sim.Params``), as a modeller names the mechanism.
    label: a short human label for figures and the app.
    source: where the hypothesis comes from.
    parameters: the strengths and rates that say how much it acts (documented in Params).
    off: the values that switch it off: the strengths at which the causal path vanishes.
    """

    number: int
    name: str
    label: str
    source: str
    parameters: tuple[str, ...]
    off: Mapping[str, Any]


REGISTRY: tuple[Mechanism, ...] = (
    Mechanism(
        1,
        "escape_hatch",
        "escape hatch",
        "the essay ('mental escape hatch': improvement is the specialists' job; blame them)",
        ("escape_hatch_strength", "blame_share"),
        {"escape_hatch_strength": 0.0, "blame_share": 0.0},
    ),
    Mechanism(
        2,
        "prestige_threat",
        "prestige threat",
        "the essay; Emiliani's 'classical management' (Lean threatens seniority-based prestige)",
        ("prestige_weight",),
        {"prestige_weight": 0.0},
    ),
    Mechanism(
        3,
        "power_distance_effect",
        "power distance",
        "Hofstede (teams follow their manager; no line authority without a sponsor)",
        ("power_distance",),
        # Off is culture-neutral, not zero: every culture acts as the midpoint 0.5.
        {"power_distance": 0.5},
    ),
    Mechanism(
        4,
        "peer_diffusion",
        "peer diffusion",
        "Bass (1969); Rogers (2003); Abrahamson & Rosenkopf (1993) bandwagons",
        ("imitation_rate", "bandwagon_weight"),
        {"imitation_rate": 0.0, "bandwagon_weight": 0.0},
    ),
    Mechanism(
        5,
        "capability_decay",
        "capability decay",
        "routines erode without practice; borrowed capability fades once helpers leave",
        ("decay_rate", "borrowed_decay_rate"),
        {"decay_rate": 0.0, "borrowed_decay_rate": 0.0},
    ),
    Mechanism(
        6,
        "capability_trap",
        "capability trap",
        "Repenning & Sterman (2001, 2002): under pressure, improvement time is cut",
        ("pressure_cut",),
        {"pressure_cut": 0.0},
    ),
    Mechanism(
        7,
        "commitment_threshold",
        "commitment threshold",
        "Repenning (2002): results above a bar reinforce commitment, below it effort reverts",
        ("commitment_feedback",),
        {"commitment_feedback": 0.0},
    ),
    Mechanism(
        8,
        "staff_morale",
        "specialist morale",
        "the essay (disillusionment); every specialist, office or line",
        ("morale_rate", "attrition_low_morale"),
        {"morale_rate": 0.0, "attrition_low_morale": 0.0},
    ),
    Mechanism(
        9,
        "career_trap",
        "career trap",
        "the essay (who wants to work for a department that deprecates itself?)",
        ("career_decay",),
        {"career_decay": 0.0},
    ),
    Mechanism(
        10,
        "legitimacy",
        "legitimacy and review",
        "executive review of every programme: cut or close when legitimacy collapses",
        ("cut_threshold", "close_threshold"),
        {"cut_threshold": 0.0, "close_threshold": 0.0},
    ),
    Mechanism(
        11,
        "coaching_decay",
        "coaching skill decay",
        "coaching skill fades without use (Rother's Kata needs practice)",
        ("coaching_decay_rate",),
        {"coaching_decay_rate": 0.0},
    ),
    Mechanism(
        12,
        "going_through_motions",
        "going through the motions",
        "mandated practice without a skilled coach is ritual (Rother 2009; Spear & Bowen 1999)",
        ("motions_penalty",),
        {"motions_penalty": 0.0},
    ),
    Mechanism(
        13,
        "initiative_fatigue",
        "initiative fatigue",
        "effort without visible results breeds cynicism (Abrahamson 2004; Reichers et al. 1997)",
        ("cynicism_weight",),
        {"cynicism_weight": 0.0},
    ),
    Mechanism(
        14,
        "manager_overload",
        "manager overload",
        "duties, sponsorship and coaching take managers' time; under pressure they push back",
        ("overload_weight",),
        {"overload_weight": 0.0},
    ),
)

#: The switch names, in order (each is a bool field of ``sim.Params``).
MECHANISMS: tuple[str, ...] = tuple(m.name for m in REGISTRY)
BY_NAME: dict[str, Mechanism] = {m.name: m for m in REGISTRY}


def switched_off_values(switches: Mapping[str, bool]) -> dict[str, Any]:
    """The parameter values that switch off every mechanism whose switch is False.

    This is the one place where a switch takes effect; ``Params.effective()`` applies it.
    """
    values: dict[str, Any] = {}
    for mechanism in REGISTRY:
        if not switches.get(mechanism.name, True):
            values.update(mechanism.off)
    return values
