"""Planted bugs: deliberate faults the test suite must catch, one entry each.

A :class:`Plant` names the function it replaces (``"module:Attribute.path"``), how to build the
faulty function from the original (``fault``), and the tests that guard against it
(``catchers``: node ids from the repository root). ``tests/meta/test_planted_bugs.py`` runs the
catchers in a subprocess with ``LEAN_SIM_PLANT=<name>`` and expects each of them to fail on an
assertion; ``tests/conftest.py`` plants the bug for that whole session (:func:`install`). To
watch one by hand::

    LEAN_SIM_PLANT=office_overhires .venv/bin/pytest tests/model/test_ledger.py

To add a planted bug, add one entry to ``PLANTS`` (the faults below cover most cases: a
parameter scaled inside a function, a result shifted, negated or replaced), e.g.::

    "calibration_objective_sign": Plant(
        bug="the calibration maximises the misfit (objective's sign flipped)",
        target="sim.calibration:objective",
        fault=negated(),
        catchers=("tests/studies/test_calibration.py::test_the_fit_improves_on_its_start",),
    ),

and it is tested with the others. This module is test support: it imports nothing from the
project until a bug is planted.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

Fault = Callable[[Callable[..., Any]], Callable[..., Any]]


@dataclass(frozen=True)
class Plant:
    """One deliberate bug and the tests that must catch it."""

    bug: str
    target: str
    fault: Fault
    catchers: tuple[str, ...]


# --- faults --------------------------------------------------------------------------------------
def _argument_changed(parameter: str, change: Callable[[Any], Any]) -> Fault:
    """The function as it was, but with one of its arguments passed through ``change``
    (however the caller passes it: by position or by keyword)."""

    def fault(original):
        signature = inspect.signature(original)

        @functools.wraps(original)
        def faulty(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.arguments[parameter] = change(bound.arguments[parameter])
            return original(*bound.args, **bound.kwargs)

        return faulty

    return fault


def scaled(parameter: str, factor: float) -> Fault:
    """The function as it was, but with one of its arguments multiplied by ``factor``."""
    return _argument_changed(parameter, lambda value: value * factor)


def shifted(delta: float) -> Fault:
    """The function's result plus ``delta``."""

    def fault(original):
        @functools.wraps(original)
        def faulty(*args, **kwargs):
            return original(*args, **kwargs) + delta

        return faulty

    return fault


def negated() -> Fault:
    """The function's result with its sign flipped."""

    def fault(original):
        @functools.wraps(original)
        def faulty(*args, **kwargs):
            return -original(*args, **kwargs)

        return faulty

    return fault


def returns(value: Any) -> Fault:
    """The function always returns ``value`` (e.g. a verdict forced to "FAIL")."""

    def fault(original):
        @functools.wraps(original)
        def faulty(*args, **kwargs):
            return value

        return faulty

    return fault


def fixed(parameter: str, value: Any) -> Fault:
    """The function as it was, but with one of its arguments replaced by ``value``."""
    return _argument_changed(parameter, lambda _old: value)


def effect_flipped() -> Fault:
    """A paired effect (a dict of mean and interval) with its sign flipped."""

    def fault(original):
        @functools.wraps(original)
        def faulty(*args, **kwargs):
            effect = dict(original(*args, **kwargs))
            effect["mean"], effect["lo"], effect["hi"] = (
                -effect["mean"],
                -effect["hi"],
                -effect["lo"],
            )
            return effect

        return faulty

    return fault


# --- the planted bugs ----------------------------------------------------------------------------
SWITCHES = "tests/model/test_mechanism_switches.py"
PLANTS: dict[str, Plant] = {
    "office_overhires": Plant(
        bug="the office hires 3 more staff FTE than its budget pays",
        target="sim.office:Office.positions_fte",
        fault=shifted(3.0),
        catchers=(
            "tests/model/test_ledger.py::test_office_staff_and_their_pilots_cost_exactly_the_office_budget",
            "tests/model/test_ledger.py::test_every_heading_is_what_was_spent_week_by_week[centralized]",
            "tests/model/test_fair_fight.py::test_booked_effort_is_the_time_actually_spent",
        ),
    ),
    "weak_capability_trap": Plant(
        bug="the capability trap's pressure_cut x 0.01 (its effect almost vanishes)",
        target="sim.mechanisms:improvement_time",
        fault=scaled("pressure_cut", 0.01),
        catchers=(f"{SWITCHES}::test_capability_trap__cuts_improvement_time_under_pressure",),
    ),
    "weak_prestige_threat": Plant(
        bug="the prestige weight x 0.01 inside the mechanism",
        target="sim.mechanisms:manager_opposition",
        fault=scaled("prestige_weight", 0.01),
        catchers=(
            f"{SWITCHES}::test_prestige_threat__turns_managers_against_lean_in_high_power_distance",
        ),
    ),
    "calibration_objective_sign": Plant(
        bug="the calibration maximises the misfit (the ABC distance's sign flipped)",
        target="experiments.calibration.fit:distance",
        fault=negated(),
        catchers=(
            "tests/studies/test_calibration.py::"
            "test_distance_is_euclidean_over_the_two_targets_and_zero_only_on_target",
        ),
    ),
    "validation_always_fails": Plant(
        bug="every validation criterion is judged failed (each pattern's verdict is FAIL)",
        target="experiments.validation.design:criterion",
        fault=fixed("passed", False),
        catchers=("tests/studies/test_validation.py::test_quick_check_gives_the_pinned_verdicts",),
    ),
    "fig2_sign_flipped": Plant(
        bug="every cell of the figure-2 heatmap has its sign flipped",
        target="experiments.fig2_gap_heatmap:paired_effect",
        fault=effect_flipped(),
        catchers=(
            "tests/studies/test_experiments.py::"
            "test_heatmap_cells_are_the_paired_differences_of_the_runs",
        ),
    ),
    "weak_escape_hatch": Plant(
        bug="the escape-hatch strength x 0.01 inside the mechanism",
        target="sim.mechanisms:escape_hatch",
        fault=scaled("strength", 0.01),
        catchers=(
            f"{SWITCHES}::test_escape_hatch__an_office_lowers_ownership_of_teams_it_never_piloted",
            f"{SWITCHES}::test_escape_hatch__designated_line_coaches_open_it_too",
        ),
    ),
}


# --- planting --------------------------------------------------------------------------------
def resolve(target: str) -> tuple[Any, str]:
    """(the object that holds the target, the attribute's name) for ``"module:A.b"``."""
    module_name, _, path = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    getattr(owner, name)  # fails loudly on a target that does not exist
    return owner, name


class PlantPlugin:
    """Plants one bug for the whole session and records how each test fared on it."""

    def __init__(self, name: str, report_path: str | None):
        if name not in PLANTS:
            known = ", ".join(sorted(PLANTS))
            raise pytest.UsageError(f"LEAN_SIM_PLANT={name!r}: no such planted bug ({known})")
        self.name, self.plant, self.report_path = name, PLANTS[name], report_path
        self.calls = 0
        self.outcomes: dict[str, dict[str, str]] = {}
        owner, attribute = resolve(self.plant.target)
        faulty = self.plant.fault(getattr(owner, attribute))

        @functools.wraps(faulty)
        def counted(*args, **kwargs):
            self.calls += 1
            return faulty(*args, **kwargs)

        self.monkeypatch = pytest.MonkeyPatch()
        self.monkeypatch.setattr(owner, attribute, counted)

    def pytest_report_header(self) -> str:
        return f"planted bug {self.name}: {self.plant.bug} ({self.plant.target})"

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        if report.when == "call" or not report.passed:
            excinfo = call.excinfo
            self.outcomes[item.nodeid] = {
                "outcome": report.outcome,
                "when": report.when,
                "exception": excinfo.typename if excinfo is not None else "",
            }
        return report

    def pytest_unconfigure(self) -> None:
        self.monkeypatch.undo()
        if self.report_path:
            report = {"plant": self.name, "calls": self.calls, "tests": self.outcomes}
            Path(self.report_path).write_text(json.dumps(report, indent=1), encoding="utf-8")


def install(name: str, config: pytest.Config, report_path: str | None) -> None:
    """Plant bug ``name`` for this session (called from tests/conftest.py)."""
    config.pluginmanager.register(PlantPlugin(name, report_path), "lean-sim-planted-bug")
