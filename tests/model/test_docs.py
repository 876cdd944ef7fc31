"""docs/ODD.md stays true to the code.

The parameter, kind, strategy and mechanism tables are generated from ``sim.Params``,
``sim.params``, ``sim.params.STRATEGY_POLICIES`` and ``sim.registry.REGISTRY``; these tests fail
when they are stale, and when a parameter, a mechanism function, a mechanism of the registry
(switch, strength parameters, off values), a strategy, a policy lever, a random stream or an
outcome is not described in the hand-written prose (the generated tables do not count, or the
check could not fail), or when the table of remaining asymmetries names a parameter that does
not exist.
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
from sim.model import STREAMS
from sim.outcomes import PILOT_COLUMNS
from sim.params import STRATEGY_POLICIES, field_kind
from sim.registry import REGISTRY, Mechanism

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


def code_names(text: str) -> list[str]:
    """The identifiers that open each code span of ``text`` (`name`, `name = 0` -> name)."""
    return [m[1] for m in re.finditer(r"`([A-Za-z_]\w*)[^`]*`", text)]


def subsections(text: str) -> list[tuple[str, str]]:
    """(heading, body) for every Markdown heading of ``text``, outside code fences."""
    out: list[tuple[str, str]] = []
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and re.match(r"^#{1,6} ", line):
            out.append((line.lstrip("#").strip(), ""))
        elif out:
            out[-1] = (out[-1][0], out[-1][1] + line + "\n")
    return out


def mechanism_section(mechanism: Mechanism, text: str) -> str | None:
    """The body of the subsection headed 'Mechanism <number>: <label ...>', if there is one."""
    heading = re.compile(rf"\bMechanism {mechanism.number}:\s*{re.escape(mechanism.label)}", re.I)
    bodies = [body for title, body in subsections(text) if heading.search(title)]
    return bodies[0] if len(bodies) == 1 else None


def off_value(value) -> str:
    """How the prose writes an off value: `name = 0`, `name = 0.5`, `name = false`."""
    return str(value).lower() if isinstance(value, bool) else f"{value:g}"


def markdown_table(text: str, after_heading: str) -> list[dict[str, str]]:
    """The rows of the first Markdown table under the heading that contains ``after_heading``,
    as dicts keyed by the header cells."""
    bodies = [body for title, body in subsections(text) if after_heading in title]
    assert bodies, f"no heading containing {after_heading!r}"
    lines = [ln for ln in bodies[0].splitlines() if ln.startswith("|")]
    assert len(lines) > 2, f"no table under {after_heading!r}"

    def cells(line: str) -> list[str]:
        return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]

    header = cells(lines[0])
    return [dict(zip(header, cells(line), strict=True)) for line in lines[2:]]


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
        # ledger totals are defined as families (`total_budget_*`, `total_effort_*`), each
        # member by its weekly column
        family = next((f for f in ("total_budget_", "total_effort_") if column.startswith(f)), "")
        return (
            bool(family)
            and named_in_code_font(family + "*", prose)
            and named_in_code_font(column.removeprefix("total_"), prose)
        )

    columns = [*SERIES_COLUMNS, *result.summary.columns, *PILOT_COLUMNS]
    missing = [c for c in columns if not defined(c)]
    assert not missing, f"outcomes not defined in docs/ODD.md: {missing}"


def test_every_random_stream_is_described(prose: str) -> None:
    missing = [name for name in STREAMS if not named_in_code_font(name, prose)]
    assert not missing, f"random streams of sim.model.STREAMS not described: {missing}"


# --- (c) the mechanism registry and the fair-fight asymmetries ----------------------------------


@pytest.mark.parametrize("mechanism", REGISTRY, ids=lambda m: m.name)
def test_every_mechanism_has_a_subsection_with_its_switch_parameters_and_off_values(
    mechanism: Mechanism, prose: str
) -> None:
    body = mechanism_section(mechanism, prose)
    assert body is not None, (
        f"docs/ODD.md needs exactly one subsection headed "
        f"'Mechanism {mechanism.number}: {mechanism.label}'"
    )
    missing = [
        n for n in (mechanism.name, *mechanism.parameters) if not named_in_code_font(n, body)
    ]
    assert not missing, f"mechanism {mechanism.number}: subsection does not name {missing}"
    flat = re.sub(r"\s+", " ", body)  # a code span may wrap across lines
    offs = [
        f"{name} = {off_value(value)}"
        for name, value in mechanism.off.items()
        if f"`{name} = {off_value(value)}`" not in flat
    ]
    assert not offs, (
        f"mechanism {mechanism.number}: off values not stated as `name = value`: {offs}"
    )


def test_a_renamed_mechanism_loses_its_subsection(prose: str) -> None:
    renamed = dataclasses.replace(REGISTRY[0], label="exit door")
    assert mechanism_section(REGISTRY[0], prose) is not None
    assert mechanism_section(renamed, prose) is None


def test_the_mechanism_table_renders_switch_parameters_and_off_values() -> None:
    toy = Mechanism(7, "toy_switch", "toy | label", "a source", ("a_rate",), {"a_rate": 0.0})
    table = mpt.render_mechanism_table((toy,))
    assert "| 7 | `toy_switch` | toy \\| label | `a_rate` | `a_rate = 0` | a source |" in table


def test_the_kinds_table_lists_every_field_once() -> None:
    listed = re.findall(r"`(\w+)`", mpt.render_kinds_table())
    assert sorted(listed) == sorted(Params.model_fields)
    for name, _, fields in mpt.KINDS:
        assert all(field_kind(f) == name for f in fields)


@pytest.fixture(scope="module")
def asymmetries(prose: str) -> list[dict[str, str]]:
    return markdown_table(prose, "Remaining asymmetries")


def test_the_asymmetries_table_has_a_source_a_parameter_and_a_range_per_row(asymmetries) -> None:
    assert len(asymmetries) >= 8, "the asymmetries table lost rows"
    for row in asymmetries:
        for column in ("Asymmetry", "Source", "Parameter", "Plausible range", "Symmetric at"):
            assert row.get(column), f"asymmetry {row.get('#')}: empty {column!r}"


def test_every_asymmetry_names_parameters_that_exist(asymmetries) -> None:
    for row in asymmetries:
        names = code_names(row["Parameter"])
        assert names, f"asymmetry {row['#']}: no parameter in code font"
        unknown = [n for n in names if n not in Params.model_fields]
        assert not unknown, f"asymmetry {row['#']}: not sim.Params fields: {unknown}"


def test_an_unknown_parameter_in_the_asymmetries_table_is_caught(prose: str) -> None:
    broken = prose.replace("| `office_visibility`, `coach_visibility` |", "| `office_glare` |")
    assert broken != prose
    rows = markdown_table(broken, "Remaining asymmetries")
    assert any(n not in Params.model_fields for r in rows for n in code_names(r["Parameter"]))
