"""Calibration building blocks: what may be fitted, the margin rule, the distance, the pooled
shares, the preset. Fast; the end-to-end runs are in test_calibration_run.py."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from experiments.calibration import margin
from experiments.calibration.cli import main
from experiments.calibration.fit import distance, draws, prior, rates
from experiments.calibration.outputs import preset_yaml, rounded
from experiments.calibration.simulate import (
    follow_up_counts,
    follow_up_tags,
    pooled_counts,
    programme_params,
    seeds_for,
    shares,
    tag_weeks,
)
from experiments.calibration.spec import (
    ALTERNATIVE_MAPPINGS,
    FITTED,
    PRIORS,
    QUICK,
    TARGETS,
    Settings,
)
from sim import Params, run
from sim.presets import calibrated, load

REPO = Path(__file__).resolve().parents[2]


# --- what may be fitted --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("knob", "kind"),
    [
        ("pilot_transfer", "not a rate of capability dynamics"),  # office-only
        ("handover_focus", "lever or switch"),
        ("coach_share", "lever or switch"),
        ("escape_hatch", "lever or switch"),
        ("resistance", "property of the organization"),
        ("escape_hatch_strength", "not a rate of capability dynamics"),
    ],
)
def test_levers_switches_world_and_office_knobs_cannot_be_fitted(knob, kind):
    with pytest.raises(ValueError, match=f"params='{knob}' must not be fitted.*{kind}"):
        replace(QUICK, params=(knob,))


def test_only_rates_of_capability_dynamics_may_be_fitted_and_borrowed_ones_are_by_default():
    assert set(PRIORS) == {
        "learn_rate",
        "decay_rate",
        "borrowed_decay_rate",
        "internalization_rate",
    }
    # the pilots' follow-ups must not set how fast every team forgets its own capability
    assert set(FITTED) == {"borrowed_decay_rate", "internalization_rate"}
    for name, p in PRIORS.items():
        # every default (the start, and the held value of a rate not fitted) is inside its prior
        assert p.low < Params.model_fields[name].default < p.high, name
        assert len(p.reason) > 40


def test_bad_settings_fail_early_naming_the_value():
    with pytest.raises(ValueError, match="not a Params field"):
        Settings(params=("decay_rat",))
    with pytest.raises(ValueError, match="weeks=80"):
        Settings(weeks=80)
    with pytest.raises(ValueError, match="population_size=0"):
        Settings(population_size=0)
    with pytest.raises(ValueError, match="min_acceptance_rate=0"):
        Settings(min_acceptance_rate=0.0)  # a fit that reaches nothing must still stop
    with pytest.raises(ValueError, match="named twice"):
        Settings(params=("decay_rate", "decay_rate"))


def test_the_command_rejects_bad_values_before_any_work(capsys):
    with pytest.raises(SystemExit, match="pilot_transfer"):
        main(["--quick", "--params", "pilot_transfer"])
    with pytest.raises(SystemExit, match="truth='borrowed_decay_rate'"):
        main(["--quick", "--truth", "borrowed_decay_rate"])
    with pytest.raises(SystemExit, match=r"\['decay_rate'\] are not fitted"):
        main(["--quick", "--truth", "decay_rate=0.01"])
    with pytest.raises(SystemExit, match="draws=0"):
        main(["verdict", "--quick", "--draws", "0"])
    with pytest.raises(SystemExit, match="no calibration record"):
        main(["verdict", "--quick", "--calibration", str(REPO / "nothere")])


# --- the measure is fixed first ------------------------------------------------------------


def test_the_margin_rule_uses_the_noise_within_teams_not_the_differences_between_them():
    rng = np.random.default_rng(1)
    sigma = 0.01
    levels = np.linspace(0.8, 1.2, 50)  # teams differ a lot; only their ups and downs count
    runs = [levels + rng.normal(0.0, sigma, (300, 50)) for _ in range(3)]
    measured = margin.noise(runs)
    assert measured["sd_within_team"] == pytest.approx(sigma, rel=0.05)
    assert measured["sd_weekly_change"] == pytest.approx(sigma * np.sqrt(2), rel=0.05)
    assert margin.margin_from_noise(measured["sd_within_team"], 2.0) == pytest.approx(
        2 * sigma, rel=0.05
    )
    with pytest.raises(ValueError, match="multiple=-1"):
        margin.margin_from_noise(0.01, -1)


def test_the_margin_is_measured_in_the_programme_world_without_a_programme():
    settings = replace(QUICK, n_teams=48, weeks=120, margin_seeds=2)
    world = margin.no_programme_world(settings)
    assert world.strategy == "none" and world.policy.pmo_share == 0.0
    assert (world.n_teams, world.weeks, world.coach_share) == (48, 120, None)
    measured = margin.baseline_margin(settings)
    assert measured["runs"] == 2 and measured["n_teams"] == 48
    assert measured["baseline_margin"] == round(2 * measured["sd_within_team"], 4) > 0
    # the weekly series the rule reads is what a pilot's follow-up records
    weeks = margin.weekly_performance(world, seed=3)
    assert weeks.shape == (120, 48) and np.all(np.isfinite(weeks))


# --- distance, shares, seeds ---------------------------------------------------------------


def test_distance_is_euclidean_over_the_two_targets_and_zero_only_on_target():
    assert distance(dict(TARGETS), TARGETS) == 0.0
    off = {"sustained_1y": 0.58 + 0.03, "sustained_2y": 0.35 - 0.04}
    assert distance(off, TARGETS) == pytest.approx(0.05)
    assert distance({**off, "sustained_13w": 0.0}, TARGETS) == pytest.approx(0.05)
    assert distance({"sustained_1y": np.nan, "sustained_2y": 0.35}, TARGETS) == np.inf


def test_follow_up_tags_are_read_from_the_pilots_columns_in_age_order():
    assert tag_weeks("26w") == 26 and tag_weeks("1y") == 52 and tag_weeks("2y") == 104
    cols = ["team", "sustained_2y", "sustained_13w", "sustained_1y", "performance_1y"]
    assert follow_up_tags(cols) == ["13w", "1y", "2y"]


def test_pooled_shares_count_every_followed_pilot_of_every_run():
    params = Params.create(strategy="centralized", coach_share=0.25, n_teams=48, weeks=120)
    seeds = [11, 12]
    counts = pooled_counts(params, seeds)
    pilots = [run(params, seed=s).pilots for s in seeds]
    for tag in ("1y", "2y"):
        followed = [p[f"sustained_{tag}"].dropna() for p in pilots]
        assert counts[tag] == (sum(int(f.sum()) for f in followed), sum(len(f) for f in followed))
    assert counts == pooled_counts(params, seeds, jobs=2)  # the same in worker processes
    assert follow_up_counts(params, 11)["2y"][1] == len(pilots[0]["sustained_2y"].dropna())
    s = shares(counts)
    assert s["sustained_1y"] == counts["1y"][0] / counts["1y"][1]


def test_another_reading_of_the_programme_replaces_the_mapping_as_a_whole():
    values = {"borrowed_decay_rate": 0.1}
    base = programme_params(QUICK, values, 0.02)
    assert (base.strategy, base.coach_share, base.baseline_margin) == ("centralized", 0.25, 0.02)
    assert base.borrowed_decay_rate == 0.1 and base.n_teams == QUICK.n_teams
    no_academy = programme_params(QUICK, values, 0.02, {"strategy": "centralized"})
    assert no_academy.coach_share is None and no_academy.policy.coach_share == 0.0
    hybrid = programme_params(QUICK, values, 0.02, ALTERNATIVE_MAPPINGS[
        "hybrid without sunset or rotation"])  # fmt: skip
    assert hybrid.policy.coach_share == 0.5 and hybrid.policy.sunset == "none"


def test_each_use_has_its_own_seeds_and_evaluations_never_share_organizations():
    fit0 = seeds_for(QUICK, "fit", 0, 4)
    assert fit0 == seeds_for(QUICK, "fit", 0, 4)  # reproducible
    assert not set(fit0) & set(seeds_for(QUICK, "fit", 1, 4))
    assert not set(fit0) & set(seeds_for(QUICK, "predictive", 0, 4))


def test_the_prior_is_uniform_on_log10_within_the_written_bounds():
    dist = prior(FITTED)
    np.random.seed(0)
    sample = [dist.rvs() for _ in range(400)]
    for name in FITTED:
        values = np.array([rates(s, FITTED)[name] for s in sample])
        assert values.min() >= PRIORS[name].low and values.max() <= PRIORS[name].high
        logs = np.log10(values)
        lo, hi = PRIORS[name].log10_bounds
        assert np.median(logs) == pytest.approx((lo + hi) / 2, abs=0.15 * (hi - lo))


def test_posterior_draws_follow_the_weights():
    import pandas as pd

    posterior = pd.DataFrame(
        {"borrowed_decay_rate": [0.01, 0.1], "internalization_rate": [0.02, 0.03],
         "weight": [0.9, 0.1]}
    )  # fmt: skip
    d = draws(posterior, FITTED, 1000, seed=1)
    assert list(d["draw"]) == list(range(1000))
    assert (d["borrowed_decay_rate"] == 0.01).mean() == pytest.approx(0.9, abs=0.04)


# --- the preset ----------------------------------------------------------------------------


def test_the_preset_holds_the_rounded_posterior_medians(tmp_path):
    record = json.loads((REPO / "results" / "calibration" / "calibration.json").read_text())
    fake = {
        "posterior": {
            "borrowed_decay_rate": {"median": 0.123456, "lo": 0.1, "hi": 0.2, "prior_low": 0.005,
                                    "prior_high": 0.5},
        },
        "abc": {"final_epsilon": 0.05, "effective_sample_size": 120.0},
        "mapping": {"strategy": "centralized", "coach_share": 0.25},
        "baseline_margin": {"baseline_margin": 0.028, "multiple": 2.0},
        "model_version": "abc",
    }  # fmt: skip
    (tmp_path / "calibrated.yaml").write_text(preset_yaml(fake))
    assert load("calibrated", tmp_path) == {"borrowed_decay_rate": 0.1235}
    assert rounded(0.123456) == 0.1235
    # the committed preset: the committed record's fitted values, only allowed rates
    preset = calibrated()
    assert preset == {k: rounded(v) for k, v in record["fitted"].items()}
    assert set(preset) <= set(PRIORS)
