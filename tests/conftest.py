"""Shared test settings: a tiny organization keeps the suite fast."""

from __future__ import annotations

import numpy as np
import pytest
from sizes import SMALL, TINY  # noqa: F401  (re-exported for older imports)

from sim import Params, run


def mean_summary(measure: str, seeds=range(4), **kwargs) -> float:
    """Mean of one end-of-run measure over several seeds (common random numbers)."""
    values = [run(Params(**kwargs), seed=s).summary_dict[measure] for s in seeds]
    return float(np.nanmean(values))


@pytest.fixture
def tiny() -> dict:
    return dict(TINY)
