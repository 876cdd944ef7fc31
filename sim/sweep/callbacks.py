"""Single runs (``lean-sim key=value ...`` without ``-m``): validate first, merge last.

Hydra creates the run's output folder before it calls the task, so the check that nothing is
written for a bad value has to come earlier: ``on_run_start`` is called with the composed
configuration before that. Multiruns are handled by the sweeper (sim.sweep.sweeper), which
sees every job before the first starts. Hydra turns an exception in a callback into a warning
and goes on, so these hooks exit explicitly instead (SystemExit passes through).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.sweep import session


class SweepCallback(Callback):
    """Registered as ``hydra.callbacks.lean_sim`` in configs/config.yaml."""

    def __init__(self) -> None:
        self.session: session.Session | None = None

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        HydraConfig.instance().set_config(config)  # resolve ${hydra:...} as run_job will
        overrides = session.override_keys(config)
        jobs = session.validate_or_exit([session.job_values(config)], [overrides])
        self.session = session.start(config, jobs, sweep_dir=Path(config.hydra.run.dir))

    def on_run_end(self, config: DictConfig, **kwargs: Any) -> None:
        if self.session is None:
            return
        if not session.finish(self.session):
            session.fail("the cell failed or is missing (see above)", session.WORK_FAILED)
