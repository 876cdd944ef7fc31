"""The levers experiment: equal budget, equal effort, zero budget on the same organizations."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sizes import TINY

from experiments.levers import run_conditions, solve_budgets, tables
from sim import STRATEGIES, Params
from sim.effort import total_effort
from sim.seeds import replicate_seeds

WORLD = dict(TINY)


def test_the_reference_keeps_its_budget_and_the_others_match_its_effort():
    seeds = replicate_seeds(Params(**WORLD), 0, 2)
    budgets = solve_budgets(WORLD, "embedded", seeds).set_index("strategy")
    assert list(budgets.index) == [s for s in STRATEGIES if s != "none"]
    ref = budgets.loc["embedded"]
    assert ref["budget_fte_per_100_teams"] == Params().budget_fte_per_100_teams and ref["matched"]
    target = total_effort(Params(strategy="embedded", **WORLD), seeds)
    for strategy, row in budgets.iterrows():
        if not row["matched"]:
            continue
        # the solved budget books the reference's effort, recomputed here
        budget = row["budget_fte_per_100_teams"]
        params = Params(strategy=strategy, budget_fte_per_100_teams=budget, **WORLD)
        assert abs(total_effort(params, seeds) - target) <= 0.02 * target, strategy


def test_conditions_share_organizations_and_none_spends_nothing():
    budgets = pd.DataFrame(
        [
            {"strategy": s, "budget_fte_per_100_teams": 5.0, "matched": s != "product"}
            for s in STRATEGIES
            if s != "none"
        ]
    )
    runs = run_conditions(WORLD, budgets, replicates=2)
    # a strategy whose effort could not be matched has no equal-effort runs
    assert "equal effort" not in set(runs[runs["strategy"] == "product"]["condition"])
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()
    none = runs[runs["strategy"] == "none"]
    assert (none["total_effort"] == 0).all()
    # with a zero budget every strategy without a duty is `none`, run for run
    zero = runs[runs["condition"] == "zero budget"].set_index(["strategy", "replicate"])
    for strategy in ("centralized",):
        assert np.allclose(
            zero.loc[strategy, "sustained_adoption"], zero.loc["none", "sustained_adoption"]
        )
    t = tables(runs)
    vs = t["vs_none"]
    row = vs[(vs["condition"] == "zero budget") & (vs["strategy"] == "centralized")]
    assert row[row["measure"] == "sustained_adoption"]["mean"].iloc[0] == 0.0
