"""Every mechanism of the brief, switched on and off over several seeds (common random numbers).

Each test checks the *direction* of the effect the model brief describes, never a size.
"""

from __future__ import annotations

import numpy as np

from sim import LeanModel, Params, run

SEEDS = range(4)


def after(weeks: int, seed: int, **kw) -> LeanModel:
    model = LeanModel(Params(**kw), seed=seed)
    for _ in range(weeks):
        model.step()
    return model


def mean_over_seeds(fn) -> float:
    return float(np.nanmean([fn(s) for s in SEEDS]))


def summary(seed: int, **kw) -> dict:
    return run(Params(**kw), seed=seed).summary_dict


def test_escape_hatch_lowers_ownership_outside_pilots_and_brings_blame():
    def outside(on):
        def f(s):
            m = after(104, s, strategy="centralized", n_teams=100, escape_hatch=on)
            return m.teams.ownership[~m.teams.piloted].mean()

        return mean_over_seeds(f)

    assert outside(True) < outside(False)
    blame = {
        on: mean_over_seeds(
            lambda s, on=on: summary(
                s, strategy="centralized", n_teams=60, weeks=156, resistance=0.7, escape_hatch=on
            )["pmo_mean_blame"]
        )
        for on in (True, False)
    }
    assert blame[True] > 0.0 == blame[False]


def test_prestige_threat_turns_managers_against_lean_in_high_power_distance():
    def support(on):
        return mean_over_seeds(
            lambda s: after(
                104, s, strategy="none", n_teams=100, power_distance=0.8, prestige_threat=on
            ).managers.support.mean()
        )

    assert support(True) < support(False)


def test_power_distance_makes_a_pmo_without_sponsors_ineffective():
    def adoption(on):
        return mean_over_seeds(
            lambda s: summary(
                s,
                strategy="centralized",
                n_teams=100,
                weeks=104,
                power_distance=0.9,
                power_distance_effect=on,
            )["adoption_2y"]
        )

    assert adoption(True) < adoption(False)


def test_peer_diffusion_spreads_adoption():
    def adoption(on):
        return mean_over_seeds(
            lambda s: summary(
                s,
                strategy="none",
                n_teams=100,
                resistance=0.4,
                power_distance=0.2,
                peer_diffusion=on,
            )["adoption"]
        )

    assert adoption(True) > adoption(False)


def test_capability_decay_erodes_what_pilots_left_behind():
    def gain(on):
        def f(s):
            p = run(
                Params(strategy="centralized", n_teams=100, weeks=260, capability_decay=on), seed=s
            ).pilots.dropna(subset=["own_capability_2y"])
            return (p["own_capability_2y"] - p["own_capability_before"]).mean()

        return mean_over_seeds(f)

    assert gain(True) < gain(False)


def test_capability_trap_cuts_improvement_time_under_pressure():
    def time_spent(on):
        return mean_over_seeds(
            lambda s: (
                run(
                    Params(
                        strategy="none",
                        n_teams=100,
                        weeks=260,
                        base_pressure=0.5,
                        capability_trap=on,
                    ),
                    seed=s,
                )
                .series["improvement_time"]
                .mean()
            )
        )

    assert time_spent(True) < time_spent(False)


def test_commitment_threshold_polarizes_teams_into_committed_and_reverted():
    def undecided(on):
        def f(s):
            c = after(
                260, s, strategy="none", n_teams=100, commitment_threshold=on
            ).teams.commitment
            return np.mean((c > 0.2) & (c < 0.8))

        return mean_over_seeds(f)

    assert undecided(True) < undecided(False)


def test_staff_morale_wears_down_and_drives_attrition_against_resistance():
    kw = dict(strategy="centralized", n_teams=100, weeks=260, resistance=0.8, power_distance=0.8)
    on = [summary(s, staff_morale=True, **kw) for s in SEEDS]
    off = [summary(s, staff_morale=False, **kw) for s in SEEDS]
    assert np.mean([r["pmo_mean_morale"] for r in on]) < np.mean(
        [r["pmo_mean_morale"] for r in off]
    )
    assert np.mean([r["pmo_attrition"] for r in on]) > np.mean([r["pmo_attrition"] for r in off])


def test_career_trap_lowers_prospects_and_delays_the_sunset():
    kw = dict(strategy="hybrid", n_teams=100, weeks=520, sunset="deadline", sunset_week=156)
    on = [summary(s, career_trap=True, **kw) for s in SEEDS]
    off = [summary(s, career_trap=False, **kw) for s in SEEDS]
    assert np.mean([r["pmo_staff_prospects"] for r in on]) < 1.0
    assert all(r["pmo_staff_prospects"] == 1.0 for r in off)
    assert np.mean([r["pmo_lifetime_weeks"] for r in on]) > np.mean(
        [r["pmo_lifetime_weeks"] for r in off]
    )
    assert all(r["pmo_lifetime_weeks"] == 156 for r in off)


def test_legitimacy_lets_executives_cut_or_close_a_discredited_office():
    kw = dict(strategy="centralized", n_teams=100, weeks=520, resistance=0.7)
    on = [summary(s, legitimacy=True, **kw) for s in SEEDS]
    off = [summary(s, legitimacy=False, **kw) for s in SEEDS]
    assert np.mean([r["pmo_lifetime_weeks"] for r in on]) < 520
    assert all(r["pmo_lifetime_weeks"] == 520 and r["pmo_closed"] == 0 for r in off)
