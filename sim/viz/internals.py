"""Everything the browser app reads from inside a running model, in one place.

The app shows what no end-of-run summary holds: each team's capability and ownership, each
manager's stance, which teams are in a pilot, whether an office exists, the tree, the weekly
series so far. Those live in the model's internals (``LeanModel.line``: team and manager
arrays; ``.office``; ``.org``; ``.series()``), which the model's authors may move. Every such
access of ``sim.app`` and ``sim.viz`` goes through the small functions here, so a move is
adapted in this one file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model import LeanModel

#: The team measures the org chart can colour cells by (keys of ``TEAM_MEASURES``).
CAPABILITY, OWN_CAPABILITY, OWNERSHIP = "capability", "own capability", "ownership"


def team_values(lean: LeanModel, measure: str) -> np.ndarray:
    """Per team, in [0, 1]: effective capability (own plus borrowed), own capability, or
    ownership of improvement."""
    line = lean.line
    if measure == OWN_CAPABILITY:
        return line.own
    if measure == OWNERSHIP:
        return line.ownership
    if measure == CAPABILITY:
        return line.effective
    raise ValueError(
        f"measure={measure!r}: one of {CAPABILITY!r}, {OWN_CAPABILITY!r}, {OWNERSHIP!r}"
    )


def own_capability(lean: LeanModel) -> np.ndarray:
    """Per team: own capability (writable view; tests set it to check the drawing)."""
    return lean.line.own


def manager_support(lean: LeanModel) -> np.ndarray:
    """Per manager (0 = the top executive): stance on Lean, -1 opposes to +1 champions."""
    return lean.line.support


def in_pilot(lean: LeanModel) -> np.ndarray:
    """Per team: whether it is in a pilot now (writable view)."""
    return lean.line.in_pilot


def has_office(lean: LeanModel) -> bool:
    """Whether the strategy runs a central office (open or closed by now)."""
    return lean.office is not None and lean.office.exists()


def tree(lean: LeanModel) -> tuple[np.ndarray, np.ndarray]:
    """(each manager's superior, -1 for the top; each team's line manager)."""
    return lean.org.manager_parent, lean.org.team_manager


def n_managers(lean: LeanModel) -> int:
    return int(lean.org.n_managers)


def n_line_managers(lean: LeanModel) -> int:
    """Managers with teams of their own (the leaves of the management tree)."""
    return len(lean.line.line_managers)


def week(lean: LeanModel) -> int:
    """Weeks simulated so far."""
    return int(lean.steps)


def measures(lean: LeanModel) -> dict[str, float]:
    """This week's organization-wide measures (adoption, ownership, office headcount, ...)."""
    return lean.measures


def series(lean: LeanModel) -> pd.DataFrame:
    """The weekly measures so far (week 0, as built, first), with a ``week`` column."""
    frame = lean.series().reset_index(drop=True)
    frame.insert(0, "week", np.arange(len(frame)))
    return frame
