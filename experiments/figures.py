"""All figures of a results folder: draw each one that applies, say why the others do not.

``python -m experiments.figures results/headline`` draws them all into results/headline/figures/.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from experiments import (
    fig1_over_time,
    fig2_gap_heatmap,
    fig3_pmo_life,
    fig4_pilot_sustainment,
    fig5_ablation,
    fig6_countries,
    fig7_surgical_strikes,
)
from experiments.figure import FigureResult, Plot
from experiments.results import Results, ResultsError, SkipFigure


@dataclass(frozen=True)
class FigureSpec:
    number: int
    name: str
    title: str
    plot: Plot


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec(1, fig1_over_time.NAME, "Strategies over time", fig1_over_time.plot),
    FigureSpec(2, fig2_gap_heatmap.NAME, "Embedded minus centralized", fig2_gap_heatmap.plot),
    FigureSpec(3, fig3_pmo_life.NAME, "The life of a PMO", fig3_pmo_life.plot),
    FigureSpec(4, fig4_pilot_sustainment.NAME, "Do pilots stick?", fig4_pilot_sustainment.plot),
    FigureSpec(5, fig5_ablation.NAME, "Mechanism ablation", fig5_ablation.plot),
    FigureSpec(6, fig6_countries.NAME, "Countries", fig6_countries.plot),
    FigureSpec(7, fig7_surgical_strikes.NAME, "Surgical strikes", fig7_surgical_strikes.plot),
)


@dataclass(frozen=True)
class Drawn:
    spec: FigureSpec
    result: FigureResult | None
    skipped: str | None = None


def draw_all(results: Results) -> list[Drawn]:
    """Every figure in order; those that do not apply come back with the reason."""
    out = []
    for spec in FIGURES:
        try:
            result = spec.plot(results)
        except SkipFigure as why:
            out.append(Drawn(spec, None, str(why)))
            continue
        if result.table is not None:
            result.table.to_csv(results.figures_dir / f"{spec.name}.csv", index=False)
        out.append(Drawn(spec, result))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw every figure of a results folder.")
    parser.add_argument("experiment_dir", type=Path, help="results/<experiment>")
    args = parser.parse_args(argv)
    try:
        results = Results.load(args.experiment_dir)
    except ResultsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for d in draw_all(results):
        if d.result is None:
            print(f"figure {d.spec.number} ({d.spec.name}) skipped: {d.skipped}")
        else:
            print(f"figure {d.spec.number}: " + ", ".join(str(p) for p in d.result.paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
