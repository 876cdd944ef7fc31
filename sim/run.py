"""The public entry point: one run of one organization under one strategy.

Knows nothing of Hydra, so tests, notebooks, the sweep runner and the browser app share it::

    from sim import Params, run
    result = run(Params(strategy="embedded", resistance=0.5), seed=7)
    result.series      # one row per week (week 0 = before anything happens)
    result.summary     # one row: end-of-run measures (sim.outcomes)
    result.pilots      # one row per PMO pilot
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import LeanModel
from sim.outcomes import pilots_frame, summarize
from sim.params import Params


@dataclass(frozen=True)
class RunResult:
    """What one run produced: tidy DataFrames, plus the inputs that made them."""

    params: Params
    seed: int
    series: pd.DataFrame
    summary: pd.DataFrame
    pilots: pd.DataFrame

    @property
    def summary_dict(self) -> dict[str, float]:
        return self.summary.iloc[0].to_dict()


def run(params: Params | None = None, seed: int = 0) -> RunResult:
    """Run the model for ``params.weeks`` weeks from ``seed`` and collect its outcomes.

    ``seed`` must be a non-negative integer: the same params and seed give the same run in any
    process (there is no "random" seed; draw one yourself and record it).
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed={seed!r}: must be a non-negative integer")
    params = params or Params()
    model = LeanModel(params, seed=seed)  # week 0 (the organization as built) is collected
    for _ in range(params.weeks):
        model.step()
    return collect_result(model)


def collect_result(model: LeanModel) -> RunResult:
    """Tidy DataFrames from a model that has run (also used by the browser app)."""
    params = model.params  # as given: what the results are labelled with
    series = model.series()
    office, line = model.office, model.line_programme
    had_pmo = office is not None and office.started
    had_line = (
        line is not None and line.started and (line.closed_week is not None or line.running())
    )
    pilots = pilots_frame(office.pilots if office is not None else [], params.baseline_margin)
    info = {
        "had_pmo": had_pmo,
        "closed_week": office.closed_week if had_pmo else None,
        "closed_reason": office.closed_reason if had_pmo else "",
        "had_line_programme": had_line,
        "line_closed_week": line.closed_week if had_line else None,
    }
    summary = summarize(params, series, pilots, info)
    summary_df = pd.DataFrame([{"strategy": params.strategy, "seed": model.seed, **summary}])
    return RunResult(
        params=params,
        seed=model.seed,
        series=series.reset_index(),
        summary=summary_df,
        pilots=pilots,
    )
