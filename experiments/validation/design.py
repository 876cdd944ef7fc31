"""What every pattern shares: the sizes of the experiments, criteria and verdicts, drawing helpers.

A pattern module (``experiments.validation.<pattern>``) gives:

* ``KEY``, ``TITLE``, ``EVIDENCE`` (what the literature says), ``PANELS`` and ``FIGSIZE``;
* ``Setting``, a small frozen dataclass of what it runs, and ``setting(design)`` to make one;
* ``run(setting, grid)`` -> its result (numbers; runs come from the sweep cells of ``grid``);
* ``judge(result, setting)`` -> a :class:`Judgement`: criteria that state their rule in words
  and numbers, each PASS or FAIL;
* ``draw(result, setting, axes)`` on ``PANELS`` matplotlib axes;
* ``describe(setting)`` and ``reading(result, setting)``: the prose of its section.

The criteria are written next to the numbers they judge, so a model change cannot quietly turn
a failure into a success; the verdicts are pinned in ``verdicts.yaml`` (``lean-sim-validate
--check``), so a change that flips one is noticed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np

from sim import Params
from sim.stats import LEVEL, t_half_width

PASS, FAIL = "PASS", "FAIL"


@dataclass(frozen=True)
class Design:
    """Sizes of every experiment. ``name`` says which pinned verdicts apply (full or quick)."""

    name: str = "full"
    n_teams: int = 200
    weeks: int = 520
    replicates: int = 10
    diffusion_teams: int = 400
    diffusion_weeks: int = 1040
    diffusion_replicates: int = 5
    pressure_grid: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    tipping_grid: tuple[float, ...] = tuple(float(x) for x in np.round(np.linspace(0, 1, 21), 3))
    tipping_replicates: int = 6
    verdict_resistance: tuple[float, ...] = (0.1, 0.3, 0.5, 0.7, 0.9)
    verdict_power_distance: tuple[float, ...] = (0.1, 0.3, 0.5, 0.7, 0.9)
    replicate_study: int = 80
    replicate_counts: tuple[int, ...] = (5, 10, 20, 40, 80)
    preset: str | None = None
    preset_values: dict[str, Any] = field(default_factory=dict)

    def params(self, **values: Any) -> Params:
        """Params of one point: the design's size, then the preset, then the point's values."""
        return Params.create(
            **{"n_teams": self.n_teams, "weeks": self.weeks, **self.preset_values, **values}
        )

    @property
    def pinned(self) -> bool:
        """Whether pinned verdicts apply: the full or quick design at the model defaults."""
        return self.name in ("full", "quick") and self.preset is None


FULL = Design()
#: The same document on small designs (about half a minute on 2 cores): what ``make test``
#: checks. Runs cost mostly per week, little per team, so it keeps 100 teams and cuts weeks,
#: replicates and grid points. It has the power to pass the patterns that need little (so a
#: bug that breaks one flips its pinned verdict) but not to resolve everything the full design
#: does; its verdicts are pinned on their own.
QUICK = Design(
    name="quick",
    n_teams=100,
    weeks=260,
    replicates=6,
    diffusion_teams=100,
    diffusion_weeks=1040,
    diffusion_replicates=2,
    pressure_grid=(0.0, 0.5, 1.0),
    tipping_grid=(0.0, 0.25, 0.5, 0.75, 1.0),
    tipping_replicates=2,
    verdict_resistance=(0.2, 0.8),
    verdict_power_distance=(0.2, 0.8),
    replicate_study=8,
    replicate_counts=(4, 8),
)


@dataclass(frozen=True)
class BaseSetting:
    """What every pattern's setting holds: the design (sizes, preset), the organization's size,
    the horizon and the replicates per point. A pattern's ``Setting`` adds what else it runs."""

    design: Design
    n_teams: int
    weeks: int
    replicates: int

    @classmethod
    def of(cls, design: Design, **more: Any) -> Self:
        """A setting at the design's main size (teams, weeks, replicates), plus ``more``."""
        return cls(design, design.n_teams, design.weeks, design.replicates, **more)


# --- criteria and verdicts ------------------------------------------------------------------
@dataclass(frozen=True)
class Criterion:
    """One rule, stated in words and numbers, the value measured, and whether it holds.

    ``judged=False`` marks a diagnostic: shown beside the criteria but not part of the verdict.
    """

    rule: str
    value: str
    passed: bool
    judged: bool = True

    @property
    def result(self) -> str:
        if self.judged:
            return PASS if self.passed else FAIL
        return "yes (diagnostic)" if self.passed else "no (diagnostic)"


@dataclass(frozen=True)
class Judgement:
    """The criteria of one pattern; it passes when every judged criterion holds."""

    criteria: tuple[Criterion, ...]

    @property
    def judged(self) -> list[Criterion]:
        return [c for c in self.criteria if c.judged]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.judged)

    @property
    def verdict(self) -> str:
        return PASS if self.passed else FAIL

    @property
    def score(self) -> str:
        """'3/4': judged criteria that hold, of all judged."""
        return f"{sum(c.passed for c in self.judged)}/{len(self.judged)}"


def criterion(rule: str, value: str, passed: bool | np.bool_, judged: bool = True) -> Criterion:
    return Criterion(rule, value, bool(passed), judged)


# --- numbers and drawing --------------------------------------------------------------------
def mean_half(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and t half-width (``sim.stats``) along ``axis``; rows are replicates by default."""
    x = np.asarray(values, dtype=float)
    return np.nanmean(x, axis=axis), t_half_width(x, axis=axis)


def ci_note(n: int) -> str:
    return f"{n} replicates; shaded: {LEVEL:.0%} CI (t)"


def band(ax, x, mean, half, color, label, ls="-", bounds=(-np.inf, np.inf)) -> None:
    """A mean line with its CI band; ``bounds`` clips the band to the measure's range."""
    ax.plot(x, mean, color=color, ls=ls, lw=1.6, label=label)
    half = np.asarray(half, dtype=float)
    if np.all(np.isfinite(half)):
        lo, hi = np.clip(mean - half, *bounds), np.clip(mean + half, *bounds)
        ax.fill_between(x, lo, hi, color=color, alpha=0.2, lw=0)


def kw_text(values: dict[str, Any]) -> str:
    """'a=1, b=off' for a setting's parameter values."""
    return ", ".join(f"{k}={v}" for k, v in values.items())
