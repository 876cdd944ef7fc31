"""The factorial analysis recovers known effects from paired runs."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from experiments import factorial


def synthetic_runs(n: int = 8) -> pd.DataFrame:
    """12 cells x n replicates with known effects: office -0.1, duty(1) +0.2 (0.5: +0.1),
    coaching +0.05, office x duty(1) +0.06, a per-replicate organization effect, small noise."""
    rng = np.random.default_rng(0)
    rows = []
    org = rng.normal(0, 0.2, n)  # paired designs must remove this
    for r, (office, duty, coach) in itertools.product(
        range(n), itertools.product([0.0, 1.0], [0.0, 0.5, 1.0], [0, 1])
    ):
        y = 0.5 - 0.1 * office + 0.2 * duty + 0.05 * coach + 0.06 * office * (duty == 1.0)
        rows.append(
            {
                "replicate": r,
                "pmo_share": office,
                "line_duty": duty,
                "coach_share": 0.5 * coach if office else 0.0,
                "line_coaching_share": 0.3 * coach if not office else 0.0,
                "sustained_adoption": y + org[r] + rng.normal(0, 0.005),
                "net_value": 1000 * y,
                "total_effort": 10.0,
            }
        )
    return pd.DataFrame(rows)


def test_main_effects_and_interactions_are_recovered():
    table = factorial.effects(synthetic_runs()).set_index(["measure", "effect"])["mean"]
    sa = table["sustained_adoption"]
    # office: -0.1 plus a third of the interaction (it acts in one of three duty levels)
    assert sa["office (1 vs 0)"] == pytest.approx(-0.1 + 0.06 / 3, abs=0.01)
    assert sa["duty (1 vs 0)"] == pytest.approx(0.2 + 0.06 / 2, abs=0.01)
    assert sa["duty (0.5 vs 0)"] == pytest.approx(0.1, abs=0.01)
    assert sa["coaching (on vs off)"] == pytest.approx(0.05, abs=0.01)
    assert sa["office x duty (1 vs 0)"] == pytest.approx(0.06, abs=0.01)
    assert sa["office x coaching"] == pytest.approx(0.0, abs=0.01)


def test_pairing_removes_the_organizations_variance():
    table = factorial.effects(synthetic_runs()).set_index(["measure", "effect"])
    row = table.loc[("sustained_adoption", "coaching (on vs off)")]
    assert row["hi"] - row["lo"] < 0.02  # the organization effect (sd 0.2) drops out


def test_an_incomplete_factorial_is_refused():
    runs = synthetic_runs()
    with pytest.raises(ValueError, match="12 cells"):
        factorial.effects(runs[runs["line_duty"] != 0.5])
