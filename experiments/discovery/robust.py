"""Robust choice: which strategy does well across the worlds, not just on average.

For each strategy and measure:

* **regret** in a world: how far it falls short of the best strategy in that world (the best
  mean minus its mean; 0 where it is the best). Reported as the mean over the design and the
  90th percentile (how bad it gets in the worst tenth of worlds);
* **satisficing share**: the share of worlds where its mean reaches a stated level
  (:data:`experiments.discovery.outcomes.MEASURES`), and where it reaches both levels at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.discovery.outcomes import MEASURES, Worlds

REGRET_QUANTILE = 0.9


def regret(worlds: Worlds, measure: str) -> pd.DataFrame:
    """Per world (rows) and strategy (columns): the best mean minus the strategy's mean."""
    means = worlds.means(measure)
    return means.max(axis=1).to_numpy()[:, None] - means


def robust_table(worlds: Worlds) -> pd.DataFrame:
    """One row per strategy: mean and 90th-percentile regret and satisficing share per measure,
    and the share of worlds where both satisficing levels are met."""
    table = pd.DataFrame(index=pd.Index(worlds.strategies, name="strategy"))
    meets_all = np.ones((worlds.n, len(worlds.strategies)), dtype=bool)
    for name, measure in MEASURES.items():
        r = regret(worlds, name)
        table[f"{name}_regret_mean"] = r.mean(axis=0)
        table[f"{name}_regret_p90"] = r.quantile(REGRET_QUANTILE, axis=0)
        meets = worlds.means(name) >= measure.satisficing
        table[f"{name}_satisficing"] = meets.mean(axis=0)
        meets_all &= meets.to_numpy()
    table["both_satisficing"] = meets_all.mean(axis=0)
    return table
