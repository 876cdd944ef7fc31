"""The report's numbers: means with 95% CIs per condition and strategy, and paired effects.

Kept apart from the text so that a test can recompute every number from runs.parquet and
compare it with what the report prints.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.results import Results
from sim.stats import grouped_mean_ci, paired_effect

#: End-of-run outcomes the report tabulates (those present and not all NaN), in this order.
OUTCOMES: tuple[str, ...] = (
    "sustained_adoption",
    "own_adoption",
    "adoption_2y",
    "ownership",
    "performance",
    "net_value",
    "time_to_50",
    "pmo_lifetime_weeks",
    "pmo_closed",
    "pilot_sustained_1y",
    "pilot_sustained_2y",
    "own_adoption_after_pmo",
)
#: Outcomes compared between strategies (the PMO-only measures do not apply to every strategy).
EFFECT_OUTCOMES: tuple[str, ...] = (
    "sustained_adoption",
    "own_adoption",
    "adoption_2y",
    "ownership",
    "performance",
    "net_value",
)
CONTROL = "centralized"
PRIMARY = "embedded"


def outcomes_present(results: Results, wanted: tuple[str, ...] = OUTCOMES) -> list[str]:
    runs = results.runs
    return [o for o in wanted if o in runs.columns and runs[o].notna().any()]


def means_table(results: Results, outcome: str) -> pd.DataFrame:
    """One row per condition and strategy: mean, lo, hi, n, sd of ``outcome`` over runs, and
    ``runs`` (n counts the runs where the outcome applies, runs all of them)."""
    by = [*results.condition_columns, "strategy"]
    table = grouped_mean_ci(results.runs, by, outcome)
    runs = results.runs.groupby(by, sort=True, dropna=False, observed=True).size()
    return table.assign(runs=runs.to_numpy())


def contrasts(results: Results) -> list[tuple[str, str]]:
    """(treatment, control) pairs: every strategy against the central PMO, embedded first and
    no programme ("none") last.

    Without a centralized arm, every strategy against the first one present."""
    strategies = results.strategies
    control = CONTROL if CONTROL in strategies else (strategies[0] if strategies else None)
    others = [s for s in strategies if s != control]
    others.sort(key=lambda s: (s != PRIMARY, s == "none", strategies.index(s)))
    return [(s, control) for s in others] if control else []


def effects_table(results: Results, outcome: str) -> pd.DataFrame:
    """One row per condition and contrast: mean paired difference, lo, hi, n pairs, sd, d_z."""
    rows = []
    cond = results.condition_columns
    for treatment, control in contrasts(results):
        diffs = results.paired_differences(outcome, treatment, control)
        groups = diffs.groupby(cond, sort=True, dropna=False) if cond else [((), diffs)]
        for key, group in groups:
            key = key if isinstance(key, tuple) else (key,)
            rows.append(
                dict(zip(cond, key, strict=True))
                | {"contrast": f"{treatment} − {control}", "treatment": treatment}
                | {"control": control}
                | paired_effect(group["diff"])
            )
    return pd.DataFrame(rows)


def decimals_for(values: pd.Series | np.ndarray) -> int:
    """Decimals that show values of this magnitude with about 3 significant digits."""
    x = np.abs(np.asarray(values, dtype=float))
    x = x[np.isfinite(x) & (x > 0)]
    if not len(x):
        return 2
    return int(np.clip(2 - np.floor(np.log10(np.median(x))), 0, 4))
