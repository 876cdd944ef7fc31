"""Shared test settings: a tiny organization keeps the suite fast."""

from __future__ import annotations

import numpy as np
import pytest

from sim import Params, run

#: A tiny organization (3 line managers) over two years: enough for every mechanism to act.
TINY = {"n_teams": 24, "weeks": 104}
#: A small organization for effects that need a few dozen teams and a longer horizon.
SMALL = {"n_teams": 100, "weeks": 260}


def mean_summary(measure: str, seeds=range(4), **kwargs) -> float:
    """Mean of one end-of-run measure over several seeds (common random numbers)."""
    values = [run(Params(**kwargs), seed=s).summary_dict[measure] for s in seeds]
    return float(np.nanmean(values))


@pytest.fixture
def tiny() -> dict:
    return dict(TINY)
