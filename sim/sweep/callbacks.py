"""Single runs (``lean-sim key=value ...`` without ``-m``): validate first, merge last.

Hydra creates the run's output folder before it calls the task, so the check that nothing is
written for a bad value has to come earlier: ``on_run_start`` is called with the composed
configuration before that. Multiruns are handled by the sweeper (sim.sweep.sweeper), which
sees every job before the first starts. Hydra turns an exception in a callback into a warning
and goes on, so these hooks exit explicitly instead.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.sweep import session


class SweepCallback(Callback):
    """Registered as ``hydra.callbacks.lean_sim`` in configs/config.yaml."""

    def __init__(self) -> None:
        self.experiment_dirs: list[Path] = []

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        try:
            HydraConfig.instance().set_config(config)  # resolve ${hydra:...} as run_job will
            jobs = session.validate_or_exit([session.job_values(config)], [[]])
            self.experiment_dirs = session.start(config, jobs)
        except Exception as err:
            print(f"lean-sim: {type(err).__name__}: {err}", file=sys.stderr)
            raise SystemExit(1) from err

    def on_run_end(self, config: DictConfig, **kwargs: Any) -> None:
        try:
            ok = session.finish(config, self.experiment_dirs)
        except Exception as err:
            print(f"lean-sim: {type(err).__name__}: {err}", file=sys.stderr)
            raise SystemExit(1) from err
        if not ok:
            raise SystemExit("lean-sim: the cell failed or is missing (see above)")
