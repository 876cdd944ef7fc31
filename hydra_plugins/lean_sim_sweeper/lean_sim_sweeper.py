"""The ``lean_sim`` sweeper: Hydra's basic sweeper plus validation first and a merge last.

A thin class: Hydra registers plugins found in the ``hydra_plugins`` package, and imports every
module there at start-up, so the work lives in sim.sweep.sweeper and is imported only when a
sweep runs.
"""

from __future__ import annotations

from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper


class LeanSimSweeper(BasicSweeper):
    """Same grammar and job order as the basic sweeper; see sim.sweep.sweeper."""

    def sweep(self, arguments: list[str]) -> Any:
        from sim.sweep.sweeper import sweep

        return sweep(self, arguments)
