"""The factorial experiment: what an office, a line duty and coaching each do, and together.

Reads ``results/factorial/runs.parquet`` (``lean-sim -m experiment=factorial``): 2 (office:
``pmo_share`` 0 or 1) x 3 (``line_duty`` 0, 0.5, 1) x 2 (coaching: none, or the default of
whoever holds the budget) cells, each run on the same organizations (replicate r of every cell
shares one seed). Effects are contrasts of cell values computed *within* each replicate and then
averaged, with a t interval over replicates (``sim.stats.paired_effect``), so the organization's
own variance drops out:

* main effect of a factor: its high level minus its low level, averaged over the other factors;
  the duty has two (0.5 vs 0, and 1 vs 0);
* two-way interaction: how much one factor's effect changes with the other (the difference of
  differences), e.g. office x duty = (office with a full duty - office without)
  - (line with a full duty - line without).

``python -m experiments.factorial results/factorial`` writes ``effects.csv``, ``cells.csv``,
``factorial.md`` and ``figures/factorial.png`` (+ PDF) into the folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from experiments import style
from sim.stats import LEVEL, grouped_mean_ci, paired_effect

MEASURES = ("sustained_adoption", "net_value", "total_effort")
FACTORS = ("office", "duty", "coaching")


def factors(runs: pd.DataFrame) -> pd.DataFrame:
    """The three factors of each run, from its policy fields: an office exists when it holds
    a budget share; coaching is the office's coach_share or the line's line_coaching_share,
    whichever side holds the budget."""
    office = runs["pmo_share"].astype(float) > 0
    coaching = np.where(office, runs["coach_share"] > 0, runs["line_coaching_share"] > 0)
    return runs.assign(
        office=office.astype(int),
        duty=runs["line_duty"].astype(float),
        coaching=coaching.astype(int),
    )


def cell_values(runs: pd.DataFrame, measure: str) -> pd.DataFrame:
    """One row per replicate, one column per cell (office, duty, coaching)."""
    table = factors(runs).pivot_table(
        index="replicate", columns=list(FACTORS), values=measure, aggfunc="first"
    )
    missing = 2 * 3 * 2 - table.shape[1]
    if missing:
        raise ValueError(f"the factorial needs all 12 cells; {missing} are missing")
    return table.dropna()


def contrasts(cells: pd.DataFrame) -> dict[str, pd.Series]:
    """Per replicate: every main effect and two-way interaction (see the module doc)."""

    def mean(**fixed) -> pd.Series:
        keep = [c for c in cells.columns if all(c[FACTORS.index(k)] == v for k, v in fixed.items())]
        return cells[keep].mean(axis=1)

    return {
        "office (1 vs 0)": mean(office=1) - mean(office=0),
        "duty (0.5 vs 0)": mean(duty=0.5) - mean(duty=0.0),
        "duty (1 vs 0)": mean(duty=1.0) - mean(duty=0.0),
        "coaching (on vs off)": mean(coaching=1) - mean(coaching=0),
        "office x duty (1 vs 0)": (mean(office=1, duty=1.0) - mean(office=1, duty=0.0))
        - (mean(office=0, duty=1.0) - mean(office=0, duty=0.0)),
        "office x coaching": (mean(office=1, coaching=1) - mean(office=1, coaching=0))
        - (mean(office=0, coaching=1) - mean(office=0, coaching=0)),
        "duty (1 vs 0) x coaching": (mean(duty=1.0, coaching=1) - mean(duty=0.0, coaching=1))
        - (mean(duty=1.0, coaching=0) - mean(duty=0.0, coaching=0)),
    }


def effects(runs: pd.DataFrame, measures=MEASURES) -> pd.DataFrame:
    """Every contrast of every measure: mean, CI, n replicates, d_z."""
    rows = []
    for measure in measures:
        for name, diff in contrasts(cell_values(runs, measure)).items():
            e = paired_effect(diff.to_numpy())
            rows.append({"measure": measure, "effect": name, **e})
    return pd.DataFrame(rows)[["measure", "effect", "mean", "lo", "hi", "n", "d_z"]]


def cell_table(runs: pd.DataFrame, measures=MEASURES) -> pd.DataFrame:
    """Mean and CI of each measure in each of the 12 cells."""
    frame = factors(runs)
    tables = []
    for measure in measures:
        t = grouped_mean_ci(frame, list(FACTORS), measure)
        tables.append(t.assign(measure=measure))
    return pd.concat(tables, ignore_index=True)


def draw(runs: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Interaction plot: each measure against the duty, one line per office x coaching."""
    cells = cell_table(runs, measures=("sustained_adoption", "net_value"))
    fig = style.new_figure(10.0, 4.4)
    axes = fig.subplots(1, 2)
    looks = {
        (0, 0): ("line, no coaching", "embedded", (0, (4, 2))),
        (0, 1): ("line, coaching", "embedded", "-"),
        (1, 0): ("office, pilots only", "centralized", (0, (4, 2))),
        (1, 1): ("office, pilots + coaching", "centralized", "-"),
    }
    for ax, measure in zip(axes, ("sustained_adoption", "net_value"), strict=True):
        t = cells[cells["measure"] == measure]
        for i, ((office, coaching), (label, strategy, ls)) in enumerate(looks.items()):
            g = t[(t["office"] == office) & (t["coaching"] == coaching)].sort_values("duty")
            dodge = (i - 1.5) * 0.015  # side by side, so the intervals do not hide each other
            ax.errorbar(
                g["duty"] + dodge,
                g["mean"],
                yerr=[g["mean"] - g["lo"], g["hi"] - g["mean"]],
                color=style.color(strategy),
                linestyle=ls,
                marker=style.marker(strategy),
                capsize=3,
                label=label,
            )
        ax.set_xticks([0.0, 0.5, 1.0])
        ax.set_xlabel("line duty (0 = none, 1 = improvement in every job)")
        ax.set_ylabel(style.label(measure))
        style.style_axes(ax)
        if measure == "net_value":
            style.thousands(ax.yaxis)
    n = int(cells["n"].min())
    handles, labels = axes[0].get_legend_handles_labels()
    style.title_and_legend(
        fig,
        "Factorial: office x line duty x coaching (same budget, same organizations)",
        handles,
        labels,
        ncols=4,
    )
    style.footnote(
        fig,
        f"n = {n} organizations per cell (the same in every cell); bars: {LEVEL:.0%} CI of the "
        "mean (t interval across runs). Coaching: the office's coach_share 0.5 or the line's "
        "line_coaching_share 0.3, whichever side holds the budget.",
    )
    return style.save(fig, out_dir / "figures", "factorial")


def markdown(table: pd.DataFrame) -> str:
    """The effects as a Markdown table, one block per measure."""
    lines = []
    for measure, t in table.groupby("measure", sort=False):
        lines += [
            f"**{style.label(measure).splitlines()[0]}**",
            "",
            "| effect | mean | 95% CI | d_z |",
            "|---|---:|---|---:|",
        ]
        digits = 0 if abs(t["mean"]).max() > 100 else 3
        for _, r in t.iterrows():
            ci = f"[{r['lo']:,.{digits}f}, {r['hi']:,.{digits}f}]"
            lines.append(f"| {r['effect']} | {r['mean']:,.{digits}f} | {ci} | {r['d_z']:.2f} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.factorial",
        description="Main effects and interactions of the factorial experiment "
        "(lean-sim -m experiment=factorial).",
    )
    parser.add_argument("results", type=Path, help="the results folder, e.g. results/factorial")
    args = parser.parse_args(argv)
    runs_path = args.results / "runs.parquet"
    if not runs_path.is_file():
        print(f"no {runs_path}: run `lean-sim -m experiment=factorial` first", file=sys.stderr)
        return 2
    runs = pd.read_parquet(runs_path)
    try:
        table = effects(runs)
    except (KeyError, ValueError) as err:
        print(f"{runs_path}: not a complete factorial ({err})", file=sys.stderr)
        return 2
    table.to_csv(args.results / "effects.csv", index=False)
    cell_table(runs).to_csv(args.results / "cells.csv", index=False)
    paths = draw(runs, args.results)
    (args.results / "factorial.md").write_text(
        "# Factorial: main effects and interactions\n\n"
        "Paired over replicates (every cell runs on the same organizations); "
        f"{LEVEL:.0%} t intervals. Generated by `python -m experiments.factorial`.\n\n"
        + markdown(table)
    )
    print(f"wrote {args.results / 'effects.csv'}, factorial.md and {', '.join(map(str, paths))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
