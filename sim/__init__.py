"""lean-adoption-sim: an agent-based model of Lean adoption, centralized versus embedded.

Public API (knows nothing of Hydra)::

    from sim import Params, run
    result = run(Params(strategy="embedded", resistance=0.5, power_distance=0.4), seed=7)
"""

from sim.model import SERIES_COLUMNS, LeanModel
from sim.params import MECHANISMS, STRATEGIES, Params, ParamsError, Policy
from sim.run import RunResult, run

__version__ = "0.1.0"

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
