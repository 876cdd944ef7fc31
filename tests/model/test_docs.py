"""docs/ODD.md stays true to the code.

The parameter and strategy tables are generated from ``sim.Params`` and
``sim.params.STRATEGY_POLICIES``; these tests fail when they are stale, and when a parameter, a
mechanism function, a strategy, a policy lever or an outcome is not described in the
hand-written prose (the generated tables do not count, or the check could not fail).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import re
import sys
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, Field

import sim
import sim.mechanisms
from sim import MECHANISMS, SERIES_COLUMNS, STRATEGIES, Params
from sim.outcomes import PILOT_COLUMNS
from sim.params import STRATEGY_POLICIES

ROOT = Path(__file__).resolve().parents[2]


def _load_table_script():
    """docs/ is not a package: load the script by path, once."""
    name = "make_param_table"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / "make_param_table.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


mpt = _load_table_script()


@pytest.fixture(scope="module")
def odd_text() -> str:
    return (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def prose(odd_text: str) -> str:
    """ODD.md without its generated blocks."""
    return mpt.strip_blocks(odd_text)


def named_in_code_font(name: str, text: str) -> bool:
    """`name` appears in code font: `name`, `name = ...`, `name(...)`, `name · x` ..."""
    return re.search(r"`" + re.escape(name) + r"(?![\w])[^`]*`", text) is not None


# --- (a) generated tables are current ----------------------------------------------------------


def test_generated_tables_match_the_code(odd_text: str) -> None:
    stale = mpt.stale_blocks(odd_text)
    assert not stale, f"docs/ODD.md tables {stale} differ from the code: {mpt.REFRESH_HINT}"


def test_a_changed_default_makes_the_params_table_stale(odd_text: str) -> None:
    row = re.compile(r"(\| `n_teams` \| )([^|]+)")
    assert row.search(mpt.read_block(odd_text, "params")), "n_teams row missing from the table"
    edited = row.sub(r"\1`-1` ", odd_text, count=1)
    assert mpt.stale_blocks(edited) == ["params"]


def test_write_restores_stale_tables(odd_text: str) -> None:
    broken = mpt.replace_block(odd_text, "policies", "| stale |\n")
    assert mpt.stale_blocks(broken) == ["policies"]
    assert mpt.stale_blocks(mpt.refresh(broken)) == []


def test_check_command_passes_on_the_committed_odd() -> None:
    assert mpt.main(["--check"]) == 0


def test_missing_markers_are_reported() -> None:
    with pytest.raises(ValueError, match="params:start"):
        mpt.replace_block("no markers here", "params", "x\n")


def test_every_params_field_appears_in_exactly_one_table_section() -> None:
    names = [n for _, fields in mpt.field_sections() for n in fields]
    assert sorted(names) == sorted(Params.model_fields)


# --- the renderer on a model of our own (independent of current defaults) ---------------------


class _Toy(BaseModel):
    # --- 3 first section -----------------------------------------------------------------
    rate: float = Field(0.25, gt=0.0, le=1.0, description="A rate | with a pipe.")
    count: int = Field(5, ge=1, description="Open above.")
    # --- second section ------------------------------------------------------------------
    mode: Literal["push", "pull"] | None = Field(None, description="A lever.")
    flag: bool = Field(True, description="A switch.")


def test_sections_follow_the_source_comments() -> None:
    assert mpt.field_sections(_Toy) == [
        ("3 first section", ["rate", "count"]),
        ("second section", ["mode", "flag"]),
    ]
    assert mpt.section_heading("3 first section") == "Mechanism 3: first section"
    assert mpt.section_heading("second section") == "Second section"


def test_allowed_values_come_from_the_field_constraints() -> None:
    f = _Toy.model_fields
    assert mpt.allowed(f["rate"]) == "real (0, 1]"
    assert mpt.allowed(f["count"]) == "integer ≥ 1"
    assert mpt.allowed(f["mode"]) == "`push`, `pull`; unset = preset"
    assert mpt.allowed(f["flag"]) == "`true`, `false`"
    assert [mpt.default(f[n]) for n in f] == ["`0.25`", "`5`", "preset", "`true`"]


def test_table_rows_escape_pipes() -> None:
    table = mpt.render_param_tables(_Toy)
    assert "| `rate` | `0.25` | real (0, 1] | A rate \\| with a pipe. |" in table
    assert "### Mechanism 3: first section" in table


# --- (b) the prose names everything the code has ------------------------------------------------


def test_every_parameter_is_described_in_the_prose(prose: str) -> None:
    missing = [n for n in Params.model_fields if not named_in_code_font(n, prose)]
    assert not missing, f"parameters not described in docs/ODD.md prose: {missing}"


def test_every_mechanism_function_is_cited(prose: str) -> None:
    functions = [
        name
        for name, fn in inspect.getmembers(sim.mechanisms, inspect.isfunction)
        if fn.__module__ == "sim.mechanisms"
    ]
    assert functions, "no functions found in sim.mechanisms"
    missing = [n for n in functions if not re.search(rf"\bmech\.{n}\b", prose)]
    assert not missing, f"sim/mechanisms.py functions not cited as mech.<name>: {missing}"


def test_strategies_switches_and_policy_levers_are_described(prose: str) -> None:
    levers = [f.name for f in dataclasses.fields(next(iter(STRATEGY_POLICIES.values())))]
    names = [*STRATEGIES, *MECHANISMS, *levers]
    missing = [n for n in names if not named_in_code_font(n, prose)]
    assert not missing, f"not described in docs/ODD.md prose: {missing}"


def test_every_outcome_is_defined(prose: str) -> None:
    result = sim.run(Params(strategy="centralized", n_teams=24, weeks=60), seed=1)

    def defined(column: str) -> bool:
        if named_in_code_font(column, prose):
            return True
        # ledger totals are defined as a family: `total_budget_*` plus the weekly column
        return (
            column.startswith("total_budget_")
            and named_in_code_font("total_budget_*", prose)
            and named_in_code_font(column.removeprefix("total_"), prose)
        )

    columns = [*SERIES_COLUMNS, *result.summary.columns, *PILOT_COLUMNS]
    missing = [c for c in columns if not defined(c)]
    assert not missing, f"outcomes not defined in docs/ODD.md: {missing}"
