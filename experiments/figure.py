"""What every figure module shares: its result, the drawing helpers, and its command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments import style
from experiments.results import Results, ResultsError, SkipFigure
from sim.stats import LEVEL


@dataclass
class FigureResult:
    """A drawn figure: its files, a caption for the report, the numbers it shows, and the
    figure itself (so a test can read the drawn values back)."""

    name: str
    paths: list[Path]
    caption: str
    table: pd.DataFrame | None = field(default=None, repr=False)
    figure: Figure | None = field(default=None, repr=False, compare=False)


Plot = Callable[[Results], FigureResult]


def stats_note(
    n: str, what: str = "replicates (runs) per strategy", shown: str = "shaded bands"
) -> str:
    """'n = 10 replicates (runs) per strategy; shaded bands: 95% CI of the mean (t ...)'."""
    return f"n = {n} {what}; {shown}: {LEVEL:.0%} CI of the mean (t interval across runs)"


def band(ax, x, mean, lo, hi, strategy: str, label: str | None = None, **kw) -> None:
    """A mean line with its CI band in the strategy's colour and line style."""
    c = style.color(strategy)
    ls = kw.pop("linestyle", style.linestyle(strategy))
    ax.plot(x, mean, color=c, linestyle=ls, linewidth=kw.pop("linewidth", 1.8), label=label, **kw)
    lo_, hi_ = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    ax.fill_between(x, lo_, hi_, color=c, alpha=0.18, linewidth=0)


def weeks_axis(ax, weeks: int) -> None:
    """Weeks on the x axis with a tick every year (every 2 years for long horizons)."""
    step = 52 if weeks <= 6 * 52 else 104
    ax.set_xlim(0, weeks)
    ax.set_xticks(np.arange(0, weeks + 1, step))
    ax.set_xlabel("week (ticks every year)" if step == 52 else "week (ticks every 2 years)")


def cli(plot: Plot, description: str) -> Callable[[list[str] | None], int]:
    """A ``main(argv)`` that draws one figure for ``results/<experiment>``."""

    def main(argv: list[str] | None = None) -> int:
        parser = argparse.ArgumentParser(description=description)
        parser.add_argument("experiment_dir", type=Path, help="results/<experiment>")
        args = parser.parse_args(argv)
        try:
            result = plot(Results.load(args.experiment_dir))
        except ResultsError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        except SkipFigure as why:
            print(f"skipped: {why}")
            return 0
        for path in result.paths:
            print(path)
        return 0

    return main
