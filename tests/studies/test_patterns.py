"""Patterns the brief names as evidence: the model must be able to produce them."""

from __future__ import annotations

import numpy as np

from experiments.validation.diffusion import PURE_PEER_DIFFUSION as PURE
from sim import Params, run

PURE_PEER_DIFFUSION = {**PURE, "n_teams": 400, "weeks": 1040}


def test_pure_peer_diffusion_gives_an_s_shaped_adoption_curve():
    """Teams adopt only by trying (Bass innovation and imitation); organic practice alone
    keeps capability below the adoption threshold, so the curve is the diffusion's."""
    curve = np.mean(
        [run(Params(**PURE_PEER_DIFFUSION), seed=s).series["adoption"] for s in range(3)], axis=0
    )
    yearly = curve[::52]
    assert yearly[-1] > 0.9 and yearly[1] < 0.05  # slow start, near saturation at the end
    assert np.all(np.diff(yearly) >= -0.02)  # rises (up to noise)
    gains = np.diff(yearly)
    peak = int(np.argmax(gains))
    assert 0 < peak < len(gains) - 1  # fastest growth in the middle, not at either end
    # S-shaped: the peak gain is well above the gains at both ends (the same factor each side)
    assert gains[peak] > 2.5 * gains[1] and gains[peak] > 2.5 * gains[-1]


def test_an_improvement_push_under_pressure_is_worse_before_better():
    push = dict(strategy="embedded", budget_fte_per_100_teams=100, base_pressure=0.5)
    for seed in range(3):
        pushed = run(Params(**push), seed=seed).series["performance"]
        quiet = run(Params(strategy="none", base_pressure=0.5), seed=seed).series["performance"]
        assert pushed.iloc[1:9].mean() < quiet.iloc[1:9].mean()  # worse first
        assert pushed.iloc[-52:].mean() > quiet.iloc[-52:].mean()  # better later
        assert pushed.iloc[1:9].mean() < 1.0 < pushed.iloc[-52:].mean()
