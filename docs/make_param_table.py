"""Render the tables of docs/ODD.md that restate the code, so they cannot drift.

Four generated blocks:

* ``params``: one table per ``# --- section ---`` comment of ``sim/params.py``, read from
  ``sim.Params.model_fields`` (name, default, allowed range from the pydantic constraints,
  description) and ``sim.params.field_kind`` (world, assumption, treatment, observation);
* ``kinds``: the fields of each kind (what seeds, sweeps and comparisons rest on);
* ``policies``: the strategy presets, ``sim.params.STRATEGY_POLICIES``;
* ``mechanisms``: the mechanism registry, ``sim.registry.REGISTRY`` (number, switch, label,
  strength parameters, the values that switch it off, source).

The Markdown lives in ODD.md between marker comments (``<!-- params:start -->`` ...
``<!-- params:end -->``); everything outside the markers is hand-written prose.

Usage::

    python docs/make_param_table.py            # print the tables
    python docs/make_param_table.py --write    # refresh them in docs/ODD.md
    python docs/make_param_table.py --check    # exit 1 if docs/ODD.md is out of date
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import re
import sys
import types
import typing
from collections.abc import Callable
from pathlib import Path

from pydantic.fields import FieldInfo

import sim.params
from sim.params import (
    ASSUMPTION_FIELDS,
    OBSERVATION_FIELDS,
    STRATEGY_POLICIES,
    TREATMENT_FIELDS,
    WORLD_FIELDS,
    Params,
    field_kind,
)
from sim.registry import REGISTRY, Mechanism

ODD_PATH = Path(__file__).resolve().parent / "ODD.md"
REFRESH_HINT = "run python docs/make_param_table.py --write"
_SECTION = re.compile(r"^\s*# --- (?P<title>.+?) -+\s*$")


# --- reading the code ------------------------------------------------------------------------


def field_sections(model: type = Params) -> list[tuple[str, list[str]]]:
    """Params fields grouped by the ``# --- title ---`` comment above them, in source order.

    Read from the source with ``ast`` (fields) and the comment lines (titles), because the
    grouping is a reading aid that exists only in the source, not in pydantic's metadata.
    """
    source = inspect.getsource(inspect.getmodule(model) or sim.params)
    lines = source.splitlines()
    tree = ast.parse(source)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == model.__name__)
    titles = {i + 1: m["title"] for i, line in enumerate(lines) if (m := _SECTION.match(line))}
    sections: list[tuple[str, list[str]]] = []
    current = "Other"
    last_line = cls.lineno
    for node in cls.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        headers = [t for ln, t in titles.items() if last_line < ln < node.lineno]
        if headers:
            current = headers[-1]
        last_line = node.lineno
        if not sections or sections[-1][0] != current:
            sections.append((current, []))
        sections[-1][1].append(node.target.id)
    listed = {name for _, names in sections for name in names}
    missing = set(model.model_fields) - listed
    if missing:
        raise RuntimeError(f"fields not found in the source of {model.__name__}: {missing}")
    return sections


def section_heading(title: str) -> str:
    """'2 prestige threat and manager stance' -> 'Mechanism 2: prestige threat and ...'."""
    m = re.match(r"^(\d+)\s+(.*)$", title)
    if m:
        return f"Mechanism {m[1]}: {m[2]}"
    return title[0].upper() + title[1:]


def _number(value: float | int) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    return f"{value:g}"


def _interval(metadata: list) -> str:
    """Interval notation from annotated_types bounds: [a, b], (a, b], >= a, ..."""
    lo = hi = None
    lo_open = hi_open = False
    for c in metadata:  # annotated_types.Ge/Gt/Le/Lt, read by their attribute names
        if getattr(c, "ge", None) is not None:
            lo = c.ge
        elif getattr(c, "gt", None) is not None:
            lo, lo_open = c.gt, True
        elif getattr(c, "le", None) is not None:
            hi = c.le
        elif getattr(c, "lt", None) is not None:
            hi, hi_open = c.lt, True
    if lo is None and hi is None:
        return ""
    if hi is None:
        return f"{'>' if lo_open else '≥'} {_number(lo)}"
    if lo is None:
        return f"{'<' if hi_open else '≤'} {_number(hi)}"
    return f"{'(' if lo_open else '['}{_number(lo)}, {_number(hi)}{')' if hi_open else ']'}"


def allowed(field: FieldInfo) -> str:
    """What a field accepts, in words a modeller reads: type and interval, or the choices."""
    ann = field.annotation
    optional = False
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        optional = len(args) < len(typing.get_args(ann))
        ann = args[0] if len(args) == 1 else ann
    if typing.get_origin(ann) is typing.Literal:
        text = ", ".join(f"`{v}`" for v in typing.get_args(ann))
    elif ann is bool:
        text = "`true`, `false`"
    else:
        kind = {int: "integer", float: "real"}.get(ann, getattr(ann, "__name__", str(ann)))
        interval = _interval(field.metadata)
        text = f"{kind} {interval}".strip()
    return f"{text}; unset = preset" if optional else text


def default(field: FieldInfo) -> str:
    value = field.default
    if value is None:
        return "preset"
    if isinstance(value, str):
        return f"`{value}`"
    return f"`{_number(value)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# --- rendering ---------------------------------------------------------------------------------


def _kind_or_blank(name: str) -> str:
    try:
        return field_kind(name)
    except KeyError:  # a model other than sim.Params (the tests' toy)
        return ""


def render_param_tables(model: type = Params, kind: Callable[[str], str] = _kind_or_blank) -> str:
    """One Markdown table per source section: parameter, default, allowed values, meaning,
    and the field's kind (world, assumption, treatment, observation)."""
    out: list[str] = []
    for title, names in field_sections(model):
        out += [f"### {section_heading(title)}", ""]
        out += ["| Parameter | Default | Allowed | Meaning | Kind |", "|---|---|---|---|---|"]
        for name in names:
            f = model.model_fields[name]
            out.append(
                f"| `{name}` | {default(f)} | {_cell(allowed(f))} "
                f"| {_cell(f.description or '')} | {kind(name)} |"
            )
        out.append("")
    return "\n".join(out).rstrip() + "\n"


#: The kinds of field, in the order of docs/ODD.md, with what each one is.
KINDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("world", "what the organization is; seeds derive from these only", WORLD_FIELDS),
    ("assumption", "how the world works: mechanism strengths and rates", ASSUMPTION_FIELDS),
    (
        "treatment",
        "what the organization does: strategy, levers, design, switches",
        TREATMENT_FIELDS,
    ),
    ("observation", "how long the run is watched", OBSERVATION_FIELDS),
)


def render_kinds_table() -> str:
    """The fields of each kind (sim.params), one row per kind."""
    out = ["| Kind | What it is | Fields |", "|---|---|---|"]
    for name, meaning, fields in KINDS:
        out.append(f"| {name} | {meaning} | {', '.join(f'`{f}`' for f in fields)} |")
    return "\n".join(out) + "\n"


def _off(mechanism: Mechanism) -> str:
    return ", ".join(f"`{k} = {_number(v)}`" for k, v in mechanism.off.items())


def render_mechanism_table(registry: tuple[Mechanism, ...] = REGISTRY) -> str:
    """The mechanism registry (sim.registry.REGISTRY), one row per mechanism."""
    out = [
        "| # | Switch | Label | Strength parameters | Off | Source |",
        "|---|---|---|---|---|---|",
    ]
    for m in registry:
        params = ", ".join(f"`{p}`" for p in m.parameters)
        out.append(
            f"| {m.number} | `{m.name}` | {_cell(m.label)} | {params} | {_off(m)} "
            f"| {_cell(m.source)} |"
        )
    return "\n".join(out) + "\n"


def render_policy_table() -> str:
    """The strategy presets (sim.params.STRATEGY_POLICIES): one row per strategy."""
    names = [f.name for f in dataclasses.fields(next(iter(STRATEGY_POLICIES.values())))]
    out = ["| Strategy | " + " | ".join(f"`{n}`" for n in names) + " |"]
    out.append("|---" * (len(names) + 1) + "|")
    for strategy, policy in STRATEGY_POLICIES.items():
        values = [getattr(policy, n) for n in names]
        cells = [f"`{v}`" if isinstance(v, str) else _number(v) for v in values]
        out.append(f"| `{strategy}` | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


#: The generated blocks of ODD.md, by marker name.
BLOCKS: dict[str, Callable[[], str]] = {
    "params": render_param_tables,
    "kinds": render_kinds_table,
    "policies": render_policy_table,
    "mechanisms": render_mechanism_table,
}


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def _block_pattern(name: str) -> re.Pattern[str]:
    start, end = _markers(name)
    return re.compile(re.escape(start) + r"\n(?P<body>.*?)" + re.escape(end), re.S)


def read_block(text: str, name: str) -> str | None:
    """The text between a block's markers (None if the markers are missing)."""
    m = _block_pattern(name).search(text)
    return m["body"] if m else None


def replace_block(text: str, name: str, body: str) -> str:
    """The document with one generated block replaced; the markers must exist."""
    pattern = _block_pattern(name)
    if not pattern.search(text):
        start, end = _markers(name)
        raise ValueError(f"docs/ODD.md lacks the markers {start} ... {end}")
    start, end = _markers(name)
    return pattern.sub(lambda _: f"{start}\n{body}{end}", text, count=1)


def strip_blocks(text: str) -> str:
    """The hand-written prose only: every generated block removed."""
    for name in BLOCKS:
        text = _block_pattern(name).sub("", text)
    return text


def stale_blocks(text: str) -> list[str]:
    """Names of the generated blocks whose text differs from what the code renders now."""
    return [name for name, render in BLOCKS.items() if read_block(text, name) != render()]


def refresh(text: str) -> str:
    for name, render in BLOCKS.items():
        text = replace_block(text, name, render())
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help="refresh the tables in docs/ODD.md")
    group.add_argument("--check", action="store_true", help="exit 1 if docs/ODD.md is stale")
    args = parser.parse_args(argv)
    if args.write:
        text = ODD_PATH.read_text(encoding="utf-8")
        new = refresh(text)
        if new != text:
            ODD_PATH.write_text(new, encoding="utf-8")
        print(f"{ODD_PATH}: {'updated' if new != text else 'already up to date'}")
        return 0
    if args.check:
        stale = stale_blocks(ODD_PATH.read_text(encoding="utf-8"))
        if stale:
            print(f"docs/ODD.md: tables {stale} are out of date; {REFRESH_HINT}", file=sys.stderr)
            return 1
        return 0
    for name, render in BLOCKS.items():
        start, end = _markers(name)
        print(f"{start}\n{render()}{end}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
