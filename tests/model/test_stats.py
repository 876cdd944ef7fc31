"""The shared statistics: intervals, paired effects and probability best."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from sim.stats import mean_ci, paired_effect, probability_best, t_half_width


def test_mean_ci_matches_scipy():
    x = np.array([0.2, 0.4, 0.35, 0.5, 0.1])
    lo, hi = scipy_stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=scipy_stats.sem(x))
    out = mean_ci(x)
    assert out["lo"] == pytest.approx(lo) and out["hi"] == pytest.approx(hi)
    assert t_half_width(x) == pytest.approx((hi - lo) / 2)


def test_paired_effect_is_the_mean_difference_over_its_sd():
    d = np.array([0.1, 0.3, 0.2, 0.2])
    assert paired_effect(d)["d_z"] == pytest.approx(d.mean() / d.std(ddof=1))


def test_probability_best_shares_ties_and_sums_to_one():
    values = pd.DataFrame(
        {"a": [1.0, 0.5, 0.2, 0.7], "b": [0.0, 0.5, 0.9, np.nan], "c": [0.2, 0.1, 0.9, 0.0]}
    )
    p = probability_best(values)
    # rows: a best; a and b tie; b and c tie; the NaN row is left out
    assert p.to_dict() == pytest.approx({"a": 1.5 / 3, "b": 1.0 / 3, "c": 0.5 / 3})
    assert p.sum() == pytest.approx(1.0)
    lower = probability_best(values, higher_is_better=False)
    assert lower.to_dict() == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})


def test_probability_best_tolerance_makes_near_ties_ties():
    values = pd.DataFrame({"a": [0.50, 0.60], "b": [0.49, 0.40]})
    assert probability_best(values)["a"] == 1.0
    assert probability_best(values, tolerance=0.02).to_dict() == {"a": 0.75, "b": 0.25}
