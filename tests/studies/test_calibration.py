"""The calibration runs end to end on a tiny design and writes a usable preset and record."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sim import Params
from sim.calibration import QUICK, Settings, main, objective_value, pooled_share
from sim.presets import calibrated, load, params


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("calibration")
    assert main(["--quick", "--out", str(out)]) == 0
    return out


def test_quick_calibration_writes_record_tables_figure_and_preset(quick_run):
    for name in ("calibration.json", "fits.csv", "evaluations.csv", "profile.csv"):
        assert (quick_run / name).stat().st_size > 0, name
    assert (quick_run / "calibration.png").read_bytes()[:4] == b"\x89PNG"
    record = json.loads((quick_run / "calibration.json").read_text())
    assert record["target"] == pytest.approx(1 / 3)
    assert record["mapping"] == {"strategy": "centralized", "coach_share": 0.25}
    assert set(record["fitted"]) == set(QUICK.params)
    for name, value in record["fitted"].items():
        lo, hi = record["spread"][name]["bounds"]
        assert lo <= value <= hi and record["spread"][name]["min"] <= record["spread"][name]["max"]
    assert 0.0 <= record["checks"]["fitted"]["pooled_share"] <= 1.0
    assert record["code_version"] and record["versions"]["scipy"]
    fits = pd.read_csv(quick_run / "fits.csv")
    assert len(fits) == QUICK.fits + 1 and np.isfinite(fits["objective"]).all()
    evaluations = pd.read_csv(quick_run / "evaluations.csv")
    assert len(evaluations) >= QUICK.fits and evaluations["share"].between(0, 1).all()


def test_quick_preset_holds_the_fitted_values_as_params_fields(quick_run):
    record = json.loads((quick_run / "calibration.json").read_text())
    preset = load("calibrated", quick_run)
    assert preset == pytest.approx({k: float(f"{v:.4g}") for k, v in record["fitted"].items()})
    p = params("calibrated", quick_run, strategy="embedded")
    assert p.strategy == "embedded" and p.decay_rate == preset["decay_rate"]


def test_the_committed_preset_is_valid_and_sets_only_shared_parameters():
    preset = calibrated()
    assert preset and set(preset) <= {
        "decay_rate",
        "borrowed_decay_rate",
        "internalization_rate",
        "learn_rate",
    }
    Params.create(**preset)


@pytest.mark.parametrize("knob", ["pilot_transfer", "handover_focus", "coach_share", "pilot_time"])
def test_office_only_knobs_cannot_be_fitted(knob):
    with pytest.raises(ValueError, match="must not be fitted"):
        replace(QUICK, params=(knob,))


def test_bad_settings_fail_early_with_the_value():
    with pytest.raises(ValueError, match="weeks=80"):
        Settings(weeks=80)
    with pytest.raises(ValueError, match="fits=0"):
        Settings(fits=0)


def test_objective_is_zero_only_on_target_at_the_defaults():
    x0 = np.log([0.01, 0.04])
    assert objective_value(1 / 3, x0, x0, QUICK) == pytest.approx(0.0)
    assert objective_value(1 / 3 + QUICK.tolerance, x0, x0, QUICK) == pytest.approx(1.0)
    assert objective_value(1 / 3, x0 + 1.0, x0, QUICK) > 0


def test_faster_decay_lowers_the_share_of_pilots_that_last():
    seeds = [1, 2]
    slow = pooled_share(QUICK, {"decay_rate": 0.005}, seeds)
    fast = pooled_share(QUICK, {"decay_rate": 0.1}, seeds)
    assert fast < slow


def test_unknown_preset_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere"):
        load("nothere", tmp_path)
    (tmp_path / "bad.yaml").write_text("decay_rat: 0.1\n")
    with pytest.raises(ValueError, match="decay_rat"):
        load("bad", tmp_path)
