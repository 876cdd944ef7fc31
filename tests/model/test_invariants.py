"""Invariants for random valid parameters (hypothesis, bounded example budget)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import MECHANISMS, STRATEGIES, LeanModel, Params
from sim.model import LEDGER

SHARES = [
    "adoption", "own_adoption", "capability", "own_capability", "borrowed_capability",
    "ownership", "commitment", "cynicism", "improvement_time", "pressure", "champions",
    "neutral", "resisting", "pmo_active", "pmo_morale", "pmo_legitimacy", "pmo_blame",
    "pmo_presence", "pmo_staff_prospects", "line_active", "line_morale", "line_legitimacy",
    "line_blame", "line_presence", "line_coach_prospects", "line_duty",
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
    arrays = {f"line.{k}": v for k, v in vars(model.line).items() if isinstance(v, np.ndarray)}
    for programme in model.programmes:
        arrays |= {
            f"{programme.function}.{k}": v
            for k, v in vars(programme.staff).items()
            if isinstance(v, np.ndarray)
        }
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
        booked = [h for h in LEDGER if h not in ("budget_available", "effort_duty_time")]
        assert np.isclose(sum(m[h] for h in booked), m["budget_available"]), "ledger balances"
        for programme in model.programmes:
            s = programme.staff
            assert not (s.filled & s.cut).any()
            assert s.headcount + s.vacant_fte == pytest.approx(s.positions_fte)
            assert (s.fte[~s.cut] > 0).all() and (s.fte <= 1.0 + 1e-12).all()
        office = model.office
        if office is not None:
            assert office.staff_load.sum() == model.line.in_pilot.sum() == len(office._open)
        for name, arr in state_arrays(model).items():
            finite = np.isfinite(np.asarray(arr, dtype=float))
            if name != "line.pilot_ended":  # -inf: never piloted
                assert finite.all(), name
