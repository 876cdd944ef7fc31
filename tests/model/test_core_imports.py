"""The model package is only the model: it runs without the sweep, app or study extras."""

from __future__ import annotations

import subprocess
import sys

from support import ROOT, checkout_env

BLOCKED = (
    "hydra",
    "omegaconf",
    "solara",
    "SALib",
    "matplotlib",
    "pyarrow",
    "pyabc",
    "ema_workbench",
)

SCRIPT = f"""
import sys

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ImportError("blocked by the test: " + name)

sys.meta_path.insert(0, Blocker())
from sim import Params, run
result = run(Params(strategy="centralized", n_teams=24, weeks=30), seed=1)
assert len(result.series) == 31
import sim.provenance, sim.seeds, sim.presets, sim.cultures
print(sim.provenance.model_version(), sim.presets.names(), len(sim.cultures.cultures()))
"""


def test_from_sim_import_params_run_needs_no_extra():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=checkout_env(), capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "calibrated" in out.stdout
