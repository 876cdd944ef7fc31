"""Invariants for random valid parameters (hypothesis, bounded example budget)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import MECHANISMS, SERIES_COLUMNS, STRATEGIES, LeanModel, Params

SHARES = [
    "adoption", "own_adoption", "capability", "own_capability", "borrowed_capability",
    "ownership", "commitment", "improvement_time", "pressure", "champions", "neutral",
    "resisting", "pmo_active", "pmo_morale", "pmo_legitimacy", "pmo_blame", "pmo_presence",
    "pmo_staff_prospects",
]  # fmt: skip

unit = st.floats(0.0, 1.0)
params_strategy = st.builds(
    dict,
    strategy=st.sampled_from(STRATEGIES),
    n_teams=st.integers(2, 60),
    weeks=st.integers(1, 80),
    power_distance=unit,
    resistance=unit,
    resistance_spread=st.floats(0.0, 0.5),
    budget_fte_per_100_teams=st.floats(0.0, 60.0),
    span_teams=st.integers(2, 12),
    span_managers=st.integers(2, 8),
    cross_links=st.integers(0, 4),
    sunset=st.sampled_from([None, "none", "adoption", "deadline"]),
    sunset_week=st.integers(1, 80),
    review_weeks=st.integers(1, 30),
    pilot_weeks=st.integers(1, 40),
    hiring_weeks=st.integers(0, 20),
    switches=st.dictionaries(st.sampled_from(MECHANISMS), st.booleans()),
)


def state_arrays(model: LeanModel) -> dict[str, np.ndarray]:
    arrays = {f"team.{k}": v for k, v in vars(model.teams).items()}
    arrays |= {f"manager.{k}": v for k, v in vars(model.managers).items()}
    if model.pmo is not None:
        arrays |= {f"staff.{k}": v for k, v in vars(model.pmo.staff).items() if k != "agents"}
    return arrays


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params_strategy, st.integers(0, 2**31 - 1))
def test_shares_stay_in_unit_interval_headcounts_add_up_and_state_has_no_nan(kw, seed):
    switches = kw.pop("switches")
    params = Params(**kw, **switches)
    model = LeanModel(params, seed=seed)
    for _ in range(params.weeks):
        model.step()
        m = model.measures
        for name in SHARES:
            assert np.isnan(m[name]) or 0.0 <= m[name] <= 1.0 + 1e-12, (name, m[name])
        ledger = sum(
            m[c] for c in SERIES_COLUMNS if c.startswith("budget_") and c != "budget_available"
        )
        assert np.isclose(ledger, m["budget_available"]), "budget ledger must balance"
        pmo = model.pmo
        if pmo is not None:
            s = pmo.staff
            assert s.filled.sum() + (~s.filled & ~s.cut).sum() + s.cut.sum() == pmo.positions
            live = [a for a in s.agents if a is not None]
            assert len(live) == int(s.filled.sum())
            assert pmo.staff_load.sum() == model.teams.in_pilot.sum()
        for name, arr in state_arrays(model).items():
            assert not np.isnan(np.asarray(arr, dtype=float)).any(), name
    assert len(model.team_agents) == params.n_teams
