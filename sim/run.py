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
    """Run the model for ``params.weeks`` weeks from ``seed`` and collect its outcomes."""
    params = params or Params()
    model = LeanModel(params, seed=seed)
    model.datacollector.collect(model)  # week 0: the organization as built
    for _ in range(params.weeks):
        model.step()
    return collect_result(model)


def collect_result(model: LeanModel) -> RunResult:
    """Tidy DataFrames from a model that has run (also used by the browser app)."""
    params = model.p
    series = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    series.index.name = "week"
    pmo = model.pmo
    pilots = pilots_frame(pmo.pilots if pmo is not None else [], params.baseline_margin)
    info = {
        "had_pmo": pmo is not None,
        "closed_week": pmo.closed_week if pmo else None,
        "closed_reason": pmo.closed_reason if pmo else "",
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
