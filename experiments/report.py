"""``lean-sim-report results/<experiment>``: the citable report of one results folder.

Writes, into the folder: ``figures/`` (every figure that applies, PNG and PDF, plus the numbers
each one shows as CSV), ``series_summary.parquet`` (the per-week mean/CI table the time figures
are drawn from, when series.parquet is there), ``report.md`` and ``report.html`` (the same
report, self-contained: images embedded as base64). The report has the design, tables of means
with 95% CIs and replicate counts, paired effect sizes, the figures, every parameter value,
provenance (versions, seeds, dates, file digests) and a "how to cite" line from CITATION.cff.
Every number in it is computed from the folder's tables; nothing is typed by hand.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import html
import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import markdown
import numpy as np
import pandas as pd

import sim
from experiments import style
from experiments.citation import load_citation
from experiments.figures import Drawn, draw_all
from experiments.results import (
    MANIFEST,
    PILOTS,
    RUNS,
    SERIES_SUMMARY,
    Results,
    ResultsError,
    SkipFigure,
    describe_condition,
    mechanism_variant,
)
from experiments.tables import (
    EFFECT_OUTCOMES,
    contrasts,
    decimals_for,
    effects_table,
    means_table,
    outcomes_present,
)
from sim import MECHANISMS, Params
from sim.params import POLICY_FIELDS
from sim.provenance import file_digest, git_commit, model_version
from sim.stats import LEVEL

REPORT_MD = "report.md"
REPORT_HTML = "report.html"
MISSING = "–"
VARIANT = "mechanisms off"


# --- formatting --------------------------------------------------------------------------------
def fmt_value(value: Any) -> str:
    """A parameter or condition value as text: floats compact, bools on/off, None as preset."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "(preset)"
    if isinstance(value, bool | np.bool_):
        return "on" if value else "off"
    if isinstance(value, float | np.floating):
        return f"{value:g}"
    return str(value)


def fmt_ci(mean: float, lo: float, hi: float, digits: int, signed: bool = False) -> str:
    """'0.123 [0.100, 0.146]' (signed: '+0.123 [+0.100, +0.146]'); CI 'n/a' for n < 2."""
    if not np.isfinite(mean):
        return MISSING
    f = f"{{:{'+' if signed else ''}.{digits}f}}".format
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return f"{f(mean)} [n/a]"
    return f"{f(mean)} [{f(lo)}, {f(hi)}]"


def md_table(header: list[str], rows: Iterable[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def display_columns(results: Results) -> list[str]:
    """Condition columns as the report shows them: mechanism switches become one column."""
    cols = results.condition_columns
    mech = [c for c in cols if c in MECHANISMS]
    rest = [c for c in cols if c not in MECHANISMS]
    return rest + ([VARIANT] if mech else [])


def condition_cells(results: Results, frame: pd.DataFrame) -> pd.DataFrame:
    """The displayed condition text of each row of ``frame`` (which has the condition columns)."""
    out = pd.DataFrame(index=frame.index)
    for col in display_columns(results):
        if col == VARIANT:
            mech = [c for c in results.condition_columns if c in MECHANISMS]
            out[col] = frame[mech].apply(mechanism_variant, axis=1)
        else:
            out[col] = frame[col].map(fmt_value)
    return out


def in_display_order(results: Results, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by condition; mechanism variants as 'full model' first, then MECHANISMS order."""
    mech = [c for c in results.condition_columns if c in MECHANISMS]
    if not mech:
        return frame
    rank = {v: i for i, v in enumerate(["full model", *MECHANISMS])}
    variant = frame[mech].apply(mechanism_variant, axis=1).map(rank).fillna(len(rank))
    rest = [c for c in results.condition_columns if c not in MECHANISMS]
    order = frame.assign(_variant=variant).sort_values([*rest, "_variant"], kind="stable")
    return order.drop(columns="_variant")


def header_name(column: str) -> str:
    return column.replace("_", " ")


# --- sections ----------------------------------------------------------------------------------
def design_section(results: Results) -> str:
    runs = results.runs
    lines = ["## What was run", ""]
    lines.append(f"- Strategies: {', '.join(results.strategies)} (their policies: see Parameters).")
    if results.condition_columns:
        varied = "; ".join(
            f"{header_name(c)} ∈ {{{', '.join(fmt_value(v) for v in results.values(c))}}}"
            for c in results.condition_columns
        )
        lines.append(f"- Varied: {varied}.")
    else:
        lines.append("- Varied: nothing but the strategy.")
    for col, text in (("n_teams", "teams"), ("weeks", "weeks (one step = one week)")):
        if col in runs.columns and col not in results.condition_columns:
            lines.append(
                f"- {text.split(' ')[0].capitalize()}: {fmt_value(runs[col].iloc[0])} {text}."
            )
    lines.append(
        f"- Replicates: n = {results.replicates()} per cell ({len(runs)} runs in "
        f"{runs['cell_id'].nunique()} cells). Replicate r of every strategy runs on the same "
        "organization (the same seed), so strategies are compared in pairs."
    )
    failures = results.manifest.get("failures") or []
    missing = results.manifest.get("missing") or []
    if failures or missing:
        lines.append(
            f"- **Incomplete: {len(failures)} cells failed and {len(missing)} are missing** "
            "(listed under Provenance); their runs are not in these tables."
        )
    return "\n".join(lines)


def means_section(results: Results) -> str:
    parts = [
        f"## Outcomes: means with {LEVEL:.0%} confidence intervals",
        "",
        f"Each cell: mean [{LEVEL:.0%} CI] over runs (t interval; runs are the independent "
        "units). NaN means *does not apply* (e.g. no office, or 50% never reached) and is left "
        f"out, so a cell's n can be smaller than its replicate count (n = {results.replicates()}"
        "); it is then shown as (n=…).",
    ]
    for outcome in outcomes_present(results):
        table = means_table(results, outcome)
        if table.empty:
            continue
        parts += ["", f"### {style.short(outcome)} ({style.unit(outcome)})", ""]
        parts.append(_means_markdown(results, table))
    return "\n".join(parts)


def _means_markdown(results: Results, table: pd.DataFrame) -> str:
    digits = decimals_for(table["mean"])
    cond = display_columns(results)
    strategies = [s for s in results.strategies if s in set(table["strategy"])]
    table = in_display_order(results, table)
    table = table.assign(_key=condition_cells(results, table).astype(str).agg(" | ".join, axis=1))
    rows = []
    for key, group in table.groupby("_key", sort=False):
        by_strategy = group.set_index("strategy")
        row = key.split(" | ") if cond else []
        for s in strategies:
            if s not in by_strategy.index:
                row.append(MISSING)
                continue
            r = by_strategy.loc[s]
            text = fmt_ci(r["mean"], r["lo"], r["hi"], digits)
            if text != MISSING and r["n"] < r["runs"]:
                text += f" (n={int(r['n'])})"
            row.append(text)
        rows.append(row)
    return md_table([header_name(c) for c in cond] + strategies, rows)


def effects_section(results: Results) -> str:
    pairs = contrasts(results)
    if not pairs:
        return "## Paired effects\n\nOnly one strategy: nothing to compare."
    parts = [
        "## Paired effects",
        "",
        "Each cell: mean paired difference (treatment − control, per replicate: same "
        f"organization) [{LEVEL:.0%} CI, t], then Cohen's d_z = mean / sd of the differences, "
        "then n pairs. Pairing removes the organization's variance, so d_z runs much larger "
        "than Cohen's 0.2/0.5/0.8 conventions for unpaired groups; read it together with the "
        "difference in the outcome's own unit.",
    ]
    for outcome in outcomes_present(results, EFFECT_OUTCOMES):
        table = effects_table(results, outcome)
        if table.empty or table["n"].max() == 0:
            continue
        parts += ["", f"### {style.short(outcome)}: difference in {style.unit(outcome)}", ""]
        parts.append(_effects_markdown(results, table))
    return "\n".join(parts)


def _effects_markdown(results: Results, table: pd.DataFrame) -> str:
    digits = decimals_for(table["mean"])
    cond = display_columns(results)
    names = list(dict.fromkeys(table["contrast"]))
    table = in_display_order(results, table)
    keyed = table.assign(_key=condition_cells(results, table).astype(str).agg(" | ".join, axis=1))
    rows = []
    for key, group in keyed.groupby("_key", sort=False):
        by_contrast = group.set_index("contrast")
        row = key.split(" | ") if cond else []
        for name in names:
            if name not in by_contrast.index or by_contrast.loc[name, "n"] == 0:
                row.append(MISSING)
                continue
            r = by_contrast.loc[name]
            dz = f"{r['d_z']:+.2f}" if np.isfinite(r["d_z"]) else "n/a"
            row.append(
                f"{fmt_ci(r['mean'], r['lo'], r['hi'], digits, signed=True)}; "
                f"d_z {dz}; n {int(r['n'])}"
            )
        rows.append(row)
    return md_table([header_name(c) for c in cond] + names, rows)


KEY_OUTCOMES = ("sustained_adoption", "own_adoption", "net_value")


def key_results_section(results: Results) -> str:
    """The main contrast in words: at the reference condition, and how often across conditions.

    The numbers are the same cells as in the paired-effects tables below."""
    pairs = contrasts(results)
    if not pairs:
        return "## Key results\n\nOnly one strategy: nothing to compare."
    treatment, control = pairs[0]
    contrast = f"{treatment} − {control}"
    reference = results.reference_condition()
    where = describe_condition(reference)
    lines = [
        "## Key results",
        "",
        f"Paired differences {contrast} (same organizations; mean [{LEVEL:.0%} CI], "
        f"Cohen's d_z, n pairs) at the reference condition ({where}), and across all "
        f"{_conditions_count(results)} conditions of the experiment:",
        "",
    ]
    for outcome in outcomes_present(results, KEY_OUTCOMES):
        table = effects_table(results, outcome)
        if table.empty:
            continue
        table = table[table["contrast"] == contrast]
        digits = decimals_for(table["mean"])
        at = results.select(table, reference) if reference else table
        if at.empty:
            continue
        r = at.iloc[0]
        dz = f"{r['d_z']:+.2f}" if np.isfinite(r["d_z"]) else "n/a"
        higher = int((table["lo"] > 0).sum())
        lower = int((table["hi"] < 0).sum())
        lines.append(
            f"- **{style.short(outcome)}** ({style.unit(outcome)}): "
            f"{fmt_ci(r['mean'], r['lo'], r['hi'], digits, signed=True)}; d_z {dz}; "
            f"n {int(r['n'])}. Across conditions: {treatment} clearly higher in {higher}, "
            f"{control} clearly higher in {lower}, no clear difference in "
            f"{len(table) - higher - lower} (95% CI includes 0)."
        )
    lines += [
        "",
        "These are model results for the stated parameters, not predictions for a particular "
        "organization; the parameter tables below say what was assumed.",
    ]
    return "\n".join(lines)


def _conditions_count(results: Results) -> int:
    cols = results.condition_columns
    return len(results.runs[cols].drop_duplicates()) if cols else 1


def figures_section(drawn: list[Drawn], folder: Path) -> str:
    parts = ["## Figures", ""]
    skipped = []
    for d in drawn:
        if d.result is None:
            skipped.append(f"- Figure {d.spec.number} ({d.spec.title}): not drawn, {d.skipped}.")
            continue
        png, *others = (p.relative_to(folder).as_posix() for p in d.result.paths)
        parts += [
            f"### Figure {d.spec.number}. {d.spec.title}",
            "",
            f"![Figure {d.spec.number}: {d.spec.title}]({png})",
            "",
            d.result.caption,
            "Files: "
            + ", ".join(f"[{Path(p).suffix[1:].upper()}]({p})" for p in [png, *others])
            + (
                f", [numbers (CSV)](figures/{d.spec.name}.csv)."
                if d.result.table is not None
                else "."
            ),
            "",
        ]
    if skipped:
        parts += ["### Figures that do not apply to this experiment", "", *skipped]
    return "\n".join(parts).rstrip()


def parameters_section(results: Results) -> str:
    runs = results.runs
    parts = ["## Parameters", ""]
    policy_cols = [f"policy_{f}" for f in POLICY_FIELDS if f"policy_{f}" in runs.columns]
    if policy_cols:
        parts += [
            "### Strategies (the policy each one resolves to)",
            "",
        ]
        policies = runs.drop_duplicates("strategy").set_index("strategy")
        rows = [
            [c.removeprefix("policy_").replace("_", " ")]
            + [fmt_value(policies.loc[s, c]) for s in results.strategies]
            for c in policy_cols
        ]
        parts += [md_table(["policy lever", *results.strategies], rows), ""]
    constant = [c for c in results.param_columns if c not in results.condition_columns]
    constant = [c for c in constant if c != "strategy"]
    parts += [
        "### Every other parameter (constant in this experiment)",
        "",
        "Bold: differs from the model's default.",
        "",
    ]
    rows = []
    for c in constant:
        value = runs[c].iloc[0]
        field = Params.model_fields.get(c)
        default = field.default if field is not None else None
        text = fmt_value(value)
        if field is not None and _differs(value, default):
            text = f"**{text}**"
        rows.append(
            [f"`{c}`", text, fmt_value(default), (field.description or "") if field else ""]
        )
    parts.append(md_table(["parameter", "value", "model default", "meaning"], rows))
    return "\n".join(parts)


def _differs(value: Any, default: Any) -> bool:
    if value is None or default is None:
        return (value is None) != (default is None)
    if isinstance(value, float | int | np.number) and isinstance(default, float | int):
        return not np.isclose(float(value), float(default))
    return value != default


def provenance_section(results: Results, today: str) -> str:
    runs, manifest = results.runs, results.manifest
    packages = manifest.get("packages") or {}
    versions = runs["model_version"].value_counts() if "model_version" in runs else pd.Series()
    parts = [
        "## Provenance",
        "",
        f"- lean-adoption-sim version of the runs: {packages.get('sim', 'not recorded')}; "
        f"of this report: {sim.__version__}.",
        "- Model version of the runs (a digest of the model's source, seed derivation and "
        "data; `sim.provenance`): "
        + ", ".join(f"`{v}` ({n} runs)" for v, n in versions.items())
        + f"; the code that wrote this report: {_here()}.",
        f"- Results merged: {manifest.get('merged', 'not recorded')}; report generated: {today}.",
        "- Packages: " + (", ".join(f"{k} {v}" for k, v in packages.items()) or "not recorded."),
        "- Files (SHA-256, first 16 hex digits): "
        + ", ".join(
            f"`{name}` {_digest(results.path / name)}"
            for name in (RUNS, SERIES_SUMMARY, PILOTS, MANIFEST)
            if (results.path / name).is_file()
        ),
    ]
    for kind, word in (("failures", "failed"), ("missing", "missing")):
        for entry in manifest.get(kind) or []:
            reason = entry.get("error") or entry.get("reason")
            cell = f"`{entry.get('cell_id')}` ({entry.get('describe', '')})"
            parts.append(f"- **{word}**: cell {cell}: {reason}")
    parts += ["", _seeds_block(results)]
    return "\n".join(parts)


def _here() -> str:
    """The model version and git commit of the code writing the report (sim.provenance)."""
    commit = git_commit()
    where = f"commit `{commit['commit']}`" if commit["commit"] else "no git checkout"
    local = " (with local changes)" if commit["dirty"] else ""
    return f"model version `{model_version()}`, {where}{local}"


def _seeds_block(results: Results) -> str:
    runs = results.runs
    world = [c for c in results.condition_columns if c not in MECHANISMS]
    rows = []
    keyed = runs.drop_duplicates([*world, "replicate", "seed"]).sort_values([*world, "replicate"])
    groups = keyed.groupby(world, sort=False, dropna=False) if world else [((), keyed)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        seeds = ", ".join(
            f"{r}: {s}" for r, s in zip(group["replicate"], group["seed"], strict=True)
        )
        rows.append([*(fmt_value(k) for k in key), seeds])
    table = md_table([*(header_name(c) for c in world), "seed by replicate"], rows)
    return (
        '<details markdown="1">\n<summary>Seeds (replicate: seed; every strategy and mechanism '
        "variant of a replicate shares it)</summary>\n\n" + table + "\n\n</details>"
    )


def _digest(path: Path) -> str:
    return file_digest(path)[:16]


# --- the whole report --------------------------------------------------------------------------
#: Studies of the same question that the headline report carries when their committed results
#: sit beside it (results/<folder>/): (folder, Markdown file, figure, title, command).
COMPANIONS: tuple[tuple[str, str, str | None, str, str], ...] = (
    (
        "levers",
        "levers.md",
        "figures/levers.png",
        "A fair comparison: equal budget, equal total effort, zero budget",
        "python -m experiments.levers",
    ),
    (
        "factorial",
        "factorial.md",
        "figures/factorial.png",
        "Which lever does what: office x line duty x coaching",
        "lean-sim -m experiment=factorial; python -m experiments.factorial results/factorial",
    ),
    (
        "breakeven",
        "breakeven.md",
        "figures/breakeven.png",
        "Where the verdict flips: the two deciding assumptions",
        "python -m experiments.breakeven",
    ),
    (
        "uncertainty",
        "verdict.md",
        None,
        "The verdict under the calibration's uncertainty: probability best",
        "lean-sim-calibrate verdict",
    ),
)


def companion_sections(results: Results) -> list[str]:
    """The companion studies found beside this results folder, each as a report section
    (their headings demoted under one of ours, their figure linked relative to this folder)."""
    root = results.path.parent
    sections = []
    for folder, md_file, figure, title, command in COMPANIONS:
        source = root / folder / md_file
        if folder == results.name or not source.is_file():
            continue
        body = source.read_text(encoding="utf-8").strip().splitlines()
        if body and body[0].startswith("#"):
            body = body[1:]  # its own title: ours replaces it
        body = [("##" + line) if line.startswith("#") else line for line in body]
        parts = [f"## {title}", "", f"*From `results/{folder}/` (`{command}`).*", ""]
        if figure and (root / folder / figure).is_file():
            rel = os.path.relpath(root / folder / figure, results.path)
            parts += [f"![{title}]({rel})", ""]
        sections.append("\n".join(parts + body).strip())
    boxes = root / "discovery" / "boxes.json"
    if boxes.is_file() and results.name != "discovery":
        from experiments.discovery.report import block

        content = json.loads(boxes.read_text(encoding="utf-8"))
        sections.append(
            "## Where each strategy wins\n\n*From `results/discovery/` "
            "(`lean-sim-discover all`).*\n\n" + block(content, "results/discovery")
        )
    return sections


def build_markdown(results: Results, drawn: list[Drawn], today: str) -> str:
    runs = results.runs
    code = (
        ", ".join(f"`{v}`" for v in runs["model_version"].unique())
        if "model_version" in runs
        else "?"
    )
    main_code = str(runs["model_version"].mode().iloc[0]) if "model_version" in runs else "unknown"
    version = (results.manifest.get("packages") or {}).get("sim", sim.__version__)
    citation = load_citation(results.path, version)
    head = [
        f"# Results: {results.name}",
        "",
        f"*lean-adoption-sim {version} · model version {code} · {len(runs)} runs in "
        f"{runs['cell_id'].nunique()} cells · report generated {today}*",
        "",
        "**How to cite.** " + citation.line(results.name, main_code),
        "",
        "```bibtex",
        citation.bibtex(results.name, main_code),
        "```",
    ]
    sections = [
        "\n".join(head),
        design_section(results),
        key_results_section(results),
        *companion_sections(results),
        figures_section(drawn, results.path),
        means_section(results),
        effects_section(results),
        parameters_section(results),
        provenance_section(results, today),
    ]
    return "\n\n".join(sections) + "\n"


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;line-height:1.45;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.85em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3} img{max-width:100%} code,pre{background:#f6f6f6}
pre{padding:.6em;overflow-x:auto} summary{cursor:pointer}
"""


def build_html(md_text: str, folder: Path, title: str) -> str:
    """The report as one HTML file: rendered Markdown, PNG figures embedded as base64."""
    body = markdown.markdown(md_text, extensions=["tables", "fenced_code", "md_in_html", "toc"])

    def embed(match: re.Match) -> str:
        src = html.unescape(match.group(1))
        path = folder / src
        if not path.is_file() or path.suffix.lower() != ".png":
            return match.group(0)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'src="data:image/png;base64,{data}"'

    body = re.sub(r'src="([^"]+)"', embed, body)
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


def write_report(folder: Path, today: str | None = None) -> list[Path]:
    """Draw the figures and write report.md and report.html into ``folder``; return the paths."""
    results = Results.load(folder)
    today = today or _today()
    with contextlib.suppress(SkipFigure):  # neither series file: the figures say so
        results.series_summary  # noqa: B018 (writes series_summary.parquet from series.parquet)
    drawn = draw_all(results)
    md_text = build_markdown(results, drawn, today)
    md_path, html_path = folder / REPORT_MD, folder / REPORT_HTML
    md_path.write_text(md_text, encoding="utf-8")
    html_path.write_text(
        build_html(md_text, folder, f"lean-adoption-sim results: {results.name}"), encoding="utf-8"
    )
    written = [md_path, html_path]
    if (folder / SERIES_SUMMARY).is_file():
        written.append(folder / SERIES_SUMMARY)
    for d in drawn:
        if d.result is not None:
            written += d.result.paths
    return written


def _today() -> str:
    """Today's date (UTC), or the date of SOURCE_DATE_EPOCH for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return now.date().isoformat()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lean-sim-report",
        description="Write results/<experiment>/report.md and report.html (with figures).",
    )
    parser.add_argument("experiment_dir", type=Path, help="a results folder, e.g. results/headline")
    args = parser.parse_args(argv)
    try:
        written = write_report(args.experiment_dir)
    except ResultsError as err:
        print(f"lean-sim-report: error: {err}", file=sys.stderr)
        return 2
    drawn = [p for p in written if p.parent.name == "figures" and p.suffix == ".png"]
    figures = f"{len(drawn)} figure{'' if len(drawn) == 1 else 's'}"
    print(f"wrote {written[0]} and {written[1]} ({figures} in {written[0].parent}/figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
