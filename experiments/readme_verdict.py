"""The README's "The verdict" block, written from committed results only.

Every number the block states is read from a file under ``results/`` that one command
regenerates (named next to it), so the README cannot drift from the results: a test compares the
block with what this module writes from the committed files.

    python -m experiments.readme_verdict            # rewrite the block in README.md
    python -m experiments.readme_verdict --print    # print it instead
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from experiments.levers import means_table
from experiments.readme_blocks import markers, read_block, replace_block
from sim.provenance import provenance

START, END = markers("verdict", "python -m experiments.readme_verdict")
MEASURE = "sustained_adoption"
#: factorial effects quoted, in this order (results/factorial/effects.csv)
EFFECTS = ("office (1 vs 0)", "duty (1 vs 0)", "coaching (on vs off)", "office x duty (1 vs 0)")


def _ci(row: pd.Series, digits: int = 2) -> str:
    return f"{row['mean']:.{digits}f} [{row['lo']:.{digits}f}, {row['hi']:.{digits}f}]"


def _missing(path: Path, command: str) -> str:
    return f"*Not computed yet (`{path}` is missing): `{command}` makes it.*"


def _stale(versions: list[str], command: str) -> str:
    """A warning when a result was made with another model version than this checkout's."""
    current = provenance()["model_version"]
    if not versions or set(versions) == {current}:
        return ""
    return (
        f" **Made with an earlier model version ({', '.join(sorted(versions))}; this is "
        f"{current}): rerun `{command}`.**"
    )


def levers_section(root: Path) -> list[str]:
    folder = root / "results" / "levers"
    if not (folder / "means.csv").is_file():
        return [_missing((folder / "means.csv").relative_to(root), "python -m experiments.levers")]
    means = pd.read_csv(folder / "means.csv")
    means = means[means["measure"] == MEASURE]
    n = int(means["n"].min())
    lines = [
        f"Sustained adoption after ten years (share of teams practising on their own), mean "
        f"[95% CI] over {n} organizations per cell, headline organization "
        f"(`results/levers/means.csv`, `python -m experiments.levers`):",
        "",
        *means_table(means, digits=2),
    ]
    budgets = folder / "budgets.csv"
    if budgets.is_file():
        unmatched = pd.read_csv(budgets)
        notes = unmatched[~unmatched["matched"].astype(bool)]
        for _, row in notes.iterrows():
            lines += [
                "",
                f"At equal effort, `{row['strategy']}` could not be matched: {row['note']} "
                f"({row['effort']:,.0f} FTE-weeks against {row['target']:,.0f}; "
                f"`results/levers/budgets.csv`).",
            ]
    return lines


def factorial_section(root: Path) -> list[str]:
    path = root / "results" / "factorial" / "effects.csv"
    if not path.is_file():
        return [
            _missing(
                path.relative_to(root),
                "lean-sim -m experiment=factorial; python -m experiments.factorial",
            )
        ]
    effects = pd.read_csv(path)
    effects = effects[effects["measure"] == MEASURE].set_index("effect")
    parts = [f"{name}: {_ci(effects.loc[name])}" for name in EFFECTS if name in effects.index]
    n = int(effects["n"].min())
    return [
        "Which lever does it, on the same organizations (the factorial design: office, duty and "
        f"coaching of line managers switched on and off, {n} organizations per cell; effects on "
        f"sustained adoption with 95% CIs; `results/factorial/effects.csv`): "
        + "; ".join(parts)
        + "."
    ]


def posterior_section(root: Path) -> list[str]:
    path = root / "results" / "uncertainty" / "before_after.csv"
    if not path.is_file():
        return [_missing(path.relative_to(root), "lean-sim-calibrate verdict")]
    table = pd.read_csv(path)
    table = table[table["measure"] == MEASURE]
    if "best_posterior" not in table:
        return [_missing(path.relative_to(root), "lean-sim-calibrate verdict")]
    counts = table["best_posterior"].value_counts()
    worst = table["probability_best_posterior"].min()
    best = ", ".join(f"`{arm}` in {k}" for arm, k in counts.items())
    return [
        f"Under the calibration's posterior (the headline grid of {len(table)} conditions, "
        f"each strategy's probability of being best over posterior draws; "
        f"`results/uncertainty/before_after.csv`, `lean-sim-calibrate verdict`): most often "
        f"best is {best}; the lowest probability a condition's best strategy reaches is "
        f"{worst:.2f}."
    ]


def sensitivity_section(root: Path) -> list[str]:
    path = root / "results" / "sensitivity" / "flips.csv"
    if not path.is_file():
        return [_missing(path.relative_to(root), "lean-sim-sensitivity all")]
    flips = pd.read_csv(path)
    row = flips[(flips["method"] == "sobol") & (flips["output"] == MEASURE)]
    if row.empty:
        return [_missing(path.relative_to(root), "lean-sim-sensitivity all")]
    r = row.iloc[0]
    record = root / "results" / "sensitivity" / "sobol" / "provenance.json"
    versions = json.loads(record.read_text())["code_versions"] if record.is_file() else []
    return [
        f"Over the assumptions' stated ranges, every asymmetry down to 0 included "
        f"({int(r['points'])} sampled points; `results/sensitivity/flips.csv`, "
        f"`lean-sim-sensitivity all`): centralized ahead at {r['share_centralized_ahead']:.1%} "
        f"[{r['share_low']:.1%}, {r['share_high']:.1%}] of points, tied at "
        f"{r['share_tied']:.1%}, embedded ahead at {r['share_embedded_ahead']:.1%}."
        + _stale(versions, "lean-sim-sensitivity all")
    ]


def block(root: Path) -> str:
    sections = [levers_section, factorial_section, posterior_section, sensitivity_section]
    out: list[str] = []
    for section in sections:
        out += [*section(root), ""]
    return "\n".join(out).strip()


def readme_block(readme: Path) -> str:
    return read_block(readme, START, END)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, default=Path("."), help="the repository root")
    parser.add_argument("--print", action="store_true", help="print the block, change nothing")
    args = parser.parse_args(argv)
    text = block(args.root)
    if args.print:
        print(text)
        return 0
    changed = replace_block(args.root / "README.md", START, END, text)
    print(f"README.md: the verdict block {'rewritten' if changed else 'unchanged'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
