"""lean-adoption-sim: an agent-based model of Lean adoption, centralized versus embedded.

Public API (knows nothing of Hydra)::

    from sim import Params, run
    result = run(Params(strategy="embedded", resistance=0.5, power_distance=0.4), seed=7)
"""

from importlib.metadata import PackageNotFoundError, version

from sim.model import SERIES_COLUMNS, LeanModel
from sim.params import MECHANISMS, STRATEGIES, Params, ParamsError, Policy
from sim.run import RunResult, run

try:  # one home for the version: pyproject.toml
    __version__ = version("lean-adoption-sim")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "MECHANISMS",
    "SERIES_COLUMNS",
    "STRATEGIES",
    "LeanModel",
    "Params",
    "ParamsError",
    "Policy",
    "RunResult",
    "__version__",
    "run",
]
