"""Same params + same seed give identical results, in this process and in another one."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from sizes import TINY
from support import ROOT, checkout_env

from sim import STRATEGIES, Params, run

SCRIPT = """
import sys
from sim import Params, run
r = run(Params(strategy=sys.argv[1], n_teams=24, weeks=104), seed=int(sys.argv[2]))
r.series.to_parquet(sys.argv[3] + "_series.parquet")
r.summary.to_parquet(sys.argv[3] + "_summary.parquet")
r.pilots.to_parquet(sys.argv[3] + "_pilots.parquet")
"""


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_same_seed_gives_identical_frames_in_a_separate_process(strategy, tmp_path):
    here = run(Params(strategy=strategy, **TINY), seed=5)
    out = str(tmp_path / "other")
    subprocess.run(
        [sys.executable, "-c", SCRIPT, strategy, "5", out], cwd=ROOT, env=checkout_env(), check=True
    )
    pd.testing.assert_frame_equal(here.series, pd.read_parquet(out + "_series.parquet"))
    pd.testing.assert_frame_equal(here.summary, pd.read_parquet(out + "_summary.parquet"))
    pd.testing.assert_frame_equal(
        here.pilots.reset_index(drop=True),
        pd.read_parquet(out + "_pilots.parquet"),
        check_dtype=False,
    )


@pytest.mark.mutation
def test_runs_do_not_depend_on_what_ran_before():
    first = run(Params(strategy="product", **TINY), seed=9)
    run(Params(strategy="hybrid", **TINY), seed=3)  # something else in between
    again = run(Params(strategy="product", **TINY), seed=9)
    pd.testing.assert_frame_equal(first.series, again.series)


@pytest.mark.mutation
def test_different_seeds_give_different_runs():
    a = run(Params(strategy="centralized", **TINY), seed=1).series
    b = run(Params(strategy="centralized", **TINY), seed=2).series
    assert not a.equals(b)
