"""The defaults of the calibrated parameters are the calibration's fitted values."""

from __future__ import annotations

from sim import Params
from sim.presets import calibrated


def test_defaults_equal_the_calibrated_preset():
    fitted = calibrated()
    assert fitted, "the calibrated preset is empty"
    defaults = {name: Params.model_fields[name].default for name in fitted}
    assert defaults == fitted, "rerun: set the Params defaults to sim/data/presets/calibrated.yaml"
