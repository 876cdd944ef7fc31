"""A run function with a known answer for the sensitivity tests (no tests here).

``lean-sim runner=sensitivity_support.known_run`` (with this folder on PYTHONPATH) returns a
summary in which the embedded-minus-centralized difference of ``sustained_adoption`` is exactly
``resistance`` and that of ``net_value`` exactly ``10 * power_distance``, while each run also
carries a large term that depends only on the seed. The difference is therefore free of that
term only if the two strategies' runs of a point share their seed: an unpaired analysis gives
every other parameter an effect.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

import sim


def known_run(params: sim.Params, seed: int) -> SimpleNamespace:
    noise = float(np.random.default_rng(seed).normal(0.0, 5.0))
    treated = params.strategy == "embedded"
    summary = pd.DataFrame(
        [
            {
                "strategy": params.strategy,
                "seed": seed,
                "sustained_adoption": noise + (params.resistance if treated else 0.0),
                "net_value": noise + (10 * params.power_distance if treated else 0.0),
            }
        ]
    )
    series = pd.DataFrame({"week": [0], "adoption": [0.0]})
    pilots = pd.DataFrame({"team": pd.Series([], dtype="int64")})
    return SimpleNamespace(summary=summary, series=series, pilots=pilots)
