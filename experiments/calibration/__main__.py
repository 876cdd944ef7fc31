"""``python -m experiments.calibration``: the same as ``lean-sim-calibrate``."""

from experiments.calibration.cli import main

raise SystemExit(main())
