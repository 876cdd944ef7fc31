"""Every mechanism of the registry, switched on and off, with a stated effect size per seed.

Each test runs four seeds with common random numbers (the same organization and draws with the
mechanism on and off) and requires, for *every* seed, an effect of at least a stated size in
the direction the model brief describes. The thresholds are about half of the smallest effect
measured per seed at the time of writing (so they fail when a mechanism is weakened to a
fraction of its strength, e.g. a strength multiplied by 0.01, not only when its sign flips),
and each is stated next to its test. Where a mechanism applies to every programme, it is
tested on the office and on the line's own programme.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import LeanModel, Params, run
from sim.registry import MECHANISMS

SEEDS = range(4)


def after(weeks: int, seed: int, **kw) -> LeanModel:
    model = LeanModel(Params(**kw), seed=seed)
    for _ in range(weeks):
        model.step()
    return model


def summary(seed: int, **kw) -> dict:
    return run(Params(**kw), seed=seed).summary_dict


def effects(measure, switch: str) -> np.ndarray:
    """Per seed: measure(seed, on=True) - measure(seed, on=False)."""
    return np.array([measure(s, **{switch: True}) - measure(s, **{switch: False}) for s in SEEDS])


def test_every_mechanism_has_a_test_here():
    tested = {
        name.removeprefix("test_").split("__")[0] for name in globals() if name.startswith("test_")
    }
    assert set(MECHANISMS) <= tested, set(MECHANISMS) - tested


# --- 1 escape hatch ------------------------------------------------------------------------
def test_escape_hatch__an_office_lowers_ownership_of_teams_it_never_piloted():
    """Measured -0.09..-0.12 per seed; required <= -0.04."""

    def ownership(s, **kw):
        m = after(156, s, strategy="centralized", n_teams=100, **kw)
        never = ~np.isfinite(m.line.pilot_ended) & ~m.line.in_pilot
        return m.line.ownership[never].mean()

    assert (effects(ownership, "escape_hatch") <= -0.04).all()


def test_escape_hatch__designated_line_coaches_open_it_too():
    """Structure, not names: embedded has coaches and no office. Measured -0.020..-0.028 per
    seed; required <= -0.01."""

    def ownership(s, **kw):
        return after(156, s, strategy="embedded", n_teams=100, **kw).line.ownership.mean()

    assert (effects(ownership, "escape_hatch") <= -0.01).all()


@pytest.mark.parametrize(
    ("strategy", "column"), [("centralized", "pmo_mean_blame"), ("embedded", "line_mean_blame")]
)
def test_escape_hatch__setbacks_are_blamed_on_whoever_touched_the_teams(strategy, column):
    """Where improvement never pays, the teams a programme touched have setbacks and point at
    it: blame is positive (every seed for the line programme, which touches every team:
    measured 0.005-0.015; on average for the office, which touches few: measured 0.003), and
    exactly zero with the switch off). Setbacks are counted at a margin of 0.02: at the
    calibrated 0.028 the line's setbacks in a 100-team organization are too rare in some seeds
    to test the mechanism (the margin defines a setback; the mechanism is what is tested)."""

    def blame(s, on):
        kw = dict(
            strategy=strategy, n_teams=100, weeks=156, productivity_gain=0.0, baseline_margin=0.02
        )
        return summary(s, escape_hatch=on, **kw)[column]

    on = np.array([blame(s, True) for s in SEEDS])
    assert on.mean() > 0.001 and (on >= 0).all()
    if strategy == "embedded":
        assert (on > 0.002).all()
    assert all(blame(s, False) == 0.0 for s in SEEDS)


# --- 2 prestige threat ---------------------------------------------------------------------
def test_prestige_threat__turns_managers_against_lean_in_high_power_distance():
    """Mean stance, measured -0.31..-0.91 per seed; required <= -0.15."""

    def support(s, **kw):
        m = after(104, s, strategy="none", n_teams=100, power_distance=0.8, **kw)
        return m.line.support.mean()

    assert (effects(support, "prestige_threat") <= -0.15).all()


# --- 3 power distance ----------------------------------------------------------------------
def test_power_distance_effect__specialists_without_line_authority_need_sponsors():
    """At power distance 0.9 teams engage in pilots only as far as their sponsors back them:
    pilot team time with the effect on is at most half of its culture-neutral value (measured
    about a tenth)."""

    def pilot_time(s, **kw):
        kw = dict(strategy="centralized", n_teams=100, weeks=104, power_distance=0.9, **kw)
        return summary(s, **kw)["total_effort_pilot_team_time"]

    on = np.array([pilot_time(s, power_distance_effect=True) for s in SEEDS])
    off = np.array([pilot_time(s, power_distance_effect=False) for s in SEEDS])
    assert (on <= 0.5 * off).all()


# --- 4 peer diffusion ----------------------------------------------------------------------
def test_peer_diffusion__spreads_adoption():
    """Adoption after ten years, measured +0.02..+0.17 per seed; required >= +0.01."""

    def adoption(s, **kw):
        kw = dict(strategy="none", n_teams=100, resistance=0.4, power_distance=0.2, **kw)
        return summary(s, **kw)["adoption"]

    assert (effects(adoption, "peer_diffusion") >= 0.01).all()


# --- 5 capability decay --------------------------------------------------------------------
def test_capability_decay__erodes_what_pilots_left_behind():
    """Own capability gained two years after a pilot started, measured -0.21..-0.35 per seed;
    required <= -0.1."""

    def gain(s, **kw):
        p = run(Params(strategy="centralized", n_teams=100, weeks=260, **kw), seed=s).pilots
        p = p.dropna(subset=["own_capability_2y"])
        return (p["own_capability_2y"] - p["own_capability_before"]).mean()

    assert (effects(gain, "capability_decay") <= -0.1).all()


# --- 6 capability trap ---------------------------------------------------------------------
def test_capability_trap__cuts_improvement_time_under_pressure():
    """Mean improvement time with the trap on is at most 0.75 of its value off (measured
    0.53-0.56)."""

    def time_spent(s, on):
        kw = dict(strategy="none", n_teams=100, weeks=260, base_pressure=0.5, capability_trap=on)
        return run(Params(**kw), seed=s).series["improvement_time"].mean()

    assert all(time_spent(s, True) <= 0.75 * time_spent(s, False) for s in SEEDS)


# --- 7 commitment threshold ----------------------------------------------------------------
def test_commitment_threshold__makes_commitment_self_reinforcing():
    """Teams whose results clear the bar grow fully committed (> 0.9); without the feedback
    nobody does. Share after five years, measured +0.17..+0.31 per seed; required >= +0.1."""

    def committed(s, **kw):
        c = after(260, s, strategy="none", n_teams=100, **kw).line.commitment
        return float(np.mean(c > 0.9))

    assert (effects(committed, "commitment_threshold") >= 0.1).all()


# --- 8 specialist morale -------------------------------------------------------------------
@pytest.mark.parametrize(("strategy", "column"), [("centralized", "pmo"), ("embedded", "line")])
def test_staff_morale__resistance_and_blame_wear_every_specialist_down(strategy, column):
    """Mean morale of office staff and of line coaches alike, measured -0.23..-0.39 per seed;
    required <= -0.15."""

    def morale(s, **kw):
        kw = dict(
            strategy=strategy, n_teams=100, weeks=260, resistance=0.8, power_distance=0.8, **kw
        )
        return run(Params(**kw), seed=s).series[f"{column}_morale"].mean()

    assert (effects(morale, "staff_morale") <= -0.15).all()


# --- 9 career trap -------------------------------------------------------------------------
def test_career_trap__staff_attachment_delays_the_sunset():
    """Office lifetime past a deadline at week 156, measured +19..+30 weeks per seed; required
    >= +10; off, the office closes exactly at the deadline."""

    def lifetime(s, **kw):
        kw = dict(
            strategy="hybrid", n_teams=100, weeks=520, sunset="deadline", sunset_week=156, **kw
        )
        return summary(s, **kw)["pmo_lifetime_weeks"]

    assert (effects(lifetime, "career_trap") >= 10).all()
    assert all(lifetime(s, career_trap=False) == 156 for s in SEEDS)


def test_career_trap__line_coaches_lose_prospects_too():
    """Designated line coaches are specialists: after five years their prospects are at most
    0.8 of their line peers' (measured 0.51-0.64); off, they stay at 1."""

    def prospects(s, on):
        kw = dict(strategy="embedded", n_teams=100, weeks=260, career_trap=on)
        return run(Params(**kw), seed=s).series["line_coach_prospects"].iloc[-1]

    assert all(prospects(s, True) <= 0.8 for s in SEEDS)
    assert all(prospects(s, False) == 1.0 for s in SEEDS)


# --- 10 legitimacy -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kw",
    [
        dict(strategy="centralized", resistance=0.9, power_distance=0.8),
        dict(strategy="embedded", resistance=0.7),
    ],
    ids=["office", "line programme"],
)
def test_legitimacy__executives_cut_any_discredited_programme(kw):
    """Budget withdrawn by executives' cuts over ten years: thousands of FTE-weeks with the
    mechanism on (measured 3,500-4,100 per seed; required >= 500), none with it off."""

    def cut(s, on):
        return summary(s, n_teams=100, weeks=520, legitimacy=on, **kw)["total_budget_unspent_cut"]

    assert all(cut(s, True) >= 500 for s in SEEDS)
    assert all(cut(s, False) == 0.0 for s in SEEDS)


# --- 11 coaching decay ---------------------------------------------------------------------
def test_coaching_decay__managers_coaching_skill_fades():
    """Mean coaching skill of managers after five years of line coaching, measured
    -0.13..-0.18 per seed; required <= -0.06."""

    def skill(s, **kw):
        return after(260, s, strategy="embedded", n_teams=100, **kw).line.coaching.mean()

    assert (effects(skill, "coaching_decay") <= -0.06).all()


# --- 12 going through the motions ----------------------------------------------------------
def test_going_through_motions__an_unguided_duty_builds_little_capability():
    """A duty with no budget (no coaches): mean own capability after five years, measured
    -0.15..-0.17 per seed; required <= -0.07."""

    def own(s, **kw):
        m = after(260, s, strategy="embedded", n_teams=100, budget_fte_per_100_teams=0, **kw)
        return m.line.own.mean()

    assert (effects(own, "going_through_motions") <= -0.07).all()


# --- 13 initiative fatigue -----------------------------------------------------------------
def test_initiative_fatigue__effort_without_results_breeds_cynicism():
    """Where improvement never pays (no productivity gain), a duty's effort breeds cynicism
    and ownership falls: measured -0.035..-0.042 per seed after three years; required
    <= -0.015."""

    def ownership(s, **kw):
        kw = dict(strategy="embedded", n_teams=100, weeks=156, productivity_gain=0.0, **kw)
        return run(Params(**kw), seed=s).series["ownership"].iloc[-1]

    assert (effects(ownership, "initiative_fatigue") <= -0.015).all()


# --- 14 manager overload -------------------------------------------------------------------
def test_manager_overload__a_duty_under_pressure_costs_managers_support():
    """A duty with no budget: mean stance after three years, measured -0.052..-0.064 per seed;
    required <= -0.025."""

    def support(s, **kw):
        m = after(156, s, strategy="embedded", n_teams=100, budget_fte_per_100_teams=0, **kw)
        return m.line.support.mean()

    assert (effects(support, "manager_overload") <= -0.025).all()
