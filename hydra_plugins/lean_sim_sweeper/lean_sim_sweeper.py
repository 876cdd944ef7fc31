"""The ``lean_sim`` sweeper: the basic sweeper's grammar, plus validation first, crash recovery
and a merge last (sim.sweep.sweeper).

A thin class on Hydra's public plugin API (``hydra.plugins.sweeper.Sweeper`` and
``hydra.core.plugins.Plugins``): Hydra registers plugins found in the ``hydra_plugins`` package
and imports every module there at start-up, so the work lives in sim.sweep.sweeper and is
imported only when a sweep runs.
"""

from __future__ import annotations

from typing import Any

from hydra.plugins.launcher import Launcher
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig


class LeanSimSweeper(Sweeper):
    """Same grammar and job order as Hydra's basic sweeper; see sim.sweep.sweeper."""

    def __init__(self, max_batch_size: int | None = None, params: dict[str, str] | None = None):
        super().__init__()
        self.max_batch_size = max_batch_size
        self.params = dict(params or {})
        self.hydra_context: HydraContext | None = None
        self.config: DictConfig | None = None
        self.launcher: Launcher | None = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        from hydra.core.plugins import Plugins

        self.hydra_context = hydra_context
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def sweep(self, arguments: list[str]) -> Any:
        from sim.sweep.sweeper import sweep

        return sweep(self, arguments)
