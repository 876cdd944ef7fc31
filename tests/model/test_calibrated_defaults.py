"""The defaults of the calibrated rates are the calibration's posterior medians.

``lean-sim-calibrate`` writes the medians to ``sim/data/presets/calibrated.yaml``; the model's
defaults must equal them, so that a default run is a calibrated run and a refit is never
silently ignored (nor the defaults changed by hand behind the fit's back).
"""

from __future__ import annotations

from sim import Params
from sim.presets import calibrated


def test_defaults_equal_the_calibrated_preset():
    fitted = calibrated()
    assert fitted, "the calibrated preset is empty"
    defaults = {name: Params.model_fields[name].default for name in fitted}
    assert defaults == fitted, (
        "set the Params defaults to sim/data/presets/calibrated.yaml (written by "
        f"lean-sim-calibrate): defaults {defaults}, preset {fitted}"
    )
