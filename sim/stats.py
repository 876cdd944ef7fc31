"""Statistics shared by every report, study and comparison: one home for each rule.

Means with confidence intervals, paired effect sizes, and "probability best". The unit of
replication is one run (one seed): runs are independent, weeks and pilots inside a run are not.
So every interval here is over runs: a t interval for the mean of per-run values, and for
paired comparisons a t interval for the mean of per-replicate differences (two runs of the
same replicate meet the same organization, which removes the organization's variance from the
comparison). The standardized paired effect is Cohen's d_z = mean(diff) / sd(diff).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

#: Confidence level of every interval in figures and reports.
LEVEL = 0.95


def t_quantile(n: int | np.ndarray, level: float = LEVEL) -> np.ndarray:
    """Two-sided t critical value for ``n`` observations (NaN where n < 2)."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        q = stats.t.ppf(0.5 + level / 2.0, n - 1.0)
    return np.where(n >= 2, q, np.nan)


def mean_ci(values: Sequence[float] | np.ndarray | pd.Series, level: float = LEVEL) -> dict:
    """{'mean', 'lo', 'hi', 'n', 'sd'} of the non-NaN values (interval NaN when n < 2)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return {"mean": np.nan, "lo": np.nan, "hi": np.nan, "n": 0, "sd": np.nan}
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if n > 1 else np.nan
    half = float(t_quantile(n, level)) * sd / np.sqrt(n) if n > 1 else np.nan
    return {"mean": mean, "lo": mean - half, "hi": mean + half, "n": n, "sd": sd}


def grouped_mean_ci(
    frame: pd.DataFrame, by: list[str], value: str, level: float = LEVEL
) -> pd.DataFrame:
    """One row per group: ``by`` columns plus mean, lo, hi, n, sd of ``value`` (NaN skipped).

    Vectorized (used for the per-week series summary, which has many groups)."""
    g = frame.groupby(by, sort=True, dropna=False, observed=True)[value]
    out = g.agg(mean="mean", sd="std", n="count").reset_index()
    half = t_quantile(out["n"].to_numpy(), level) * out["sd"] / np.sqrt(out["n"].clip(lower=1))
    out["lo"] = out["mean"] - half
    out["hi"] = out["mean"] + half
    out["n"] = out["n"].astype(int)
    return out[[*by, "mean", "lo", "hi", "n", "sd"]]


def paired_effect(diffs: Sequence[float] | np.ndarray | pd.Series, level: float = LEVEL) -> dict:
    """Mean paired difference, its interval, n pairs, and Cohen's d_z (NaN if n < 2 or the
    differences do not vary: equal differences, up to rounding, give no standardized effect)."""
    out = mean_ci(diffs, level)
    sd = out["sd"]
    spread = out["n"] > 1 and sd > 1e-12 * max(abs(out["mean"]), 1.0)
    out["d_z"] = out["mean"] / sd if spread else np.nan
    return out


def ci_includes_zero(lo: float, hi: float) -> bool:
    """True when the interval contains 0, or is undefined (too few pairs to tell)."""
    return bool(np.isnan(lo) or np.isnan(hi) or (lo <= 0.0 <= hi))


def t_half_width(values: Sequence[float] | np.ndarray, level: float = LEVEL, axis: int = 0):
    """Half-width of the t interval for the mean along ``axis`` (NaN where n < 2)."""
    x = np.asarray(values, dtype=float)
    n = np.sum(~np.isnan(x), axis=axis)
    sd = np.nanstd(x, axis=axis, ddof=1) if x.shape[axis] > 1 else np.full_like(n, np.nan, float)
    return t_quantile(n, level) * sd / np.sqrt(np.maximum(n, 1))


def probability_best(
    values: pd.DataFrame, *, higher_is_better: bool = True, tolerance: float = 0.0
) -> pd.Series:
    """Each strategy's probability of being best: the share of units in which it is best.

    ``values`` has one row per unit of comparison (a replicate, or a (posterior draw, replicate)
    pair: every strategy met the same organization and the same assumptions) and one column per
    strategy. Strategies within ``tolerance`` of the row's best share that row equally (ties
    shared), so the probabilities sum to 1 over the rows that have any value. Rows with a NaN
    are left out. This is the one definition used by reports, ``sim.compare`` and discovery.
    """
    frame = values.dropna(axis=0, how="any")
    if frame.empty:
        return pd.Series(np.nan, index=values.columns, name="probability_best")
    x = frame.to_numpy(dtype=float)
    if not higher_is_better:
        x = -x
    best = x.max(axis=1, keepdims=True)
    winners = x >= best - tolerance
    share = winners / winners.sum(axis=1, keepdims=True)
    return pd.Series(share.mean(axis=0), index=values.columns, name="probability_best")
