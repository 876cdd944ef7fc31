"""Helpers that test modules import (``from support import ...``). Not in ``conftest.py``:
several conftest modules exist (tests/, tests/app/), and ``import conftest`` would pick whichever
was imported first."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

#: The repository (checkout) under test.
ROOT = Path(__file__).resolve().parents[1]

PLANT_ENV = "LEAN_SIM_PLANT"
PLANT_REPORT_ENV = "LEAN_SIM_PLANT_REPORT"


def checkout_env(**extra: str) -> dict[str, str]:
    """The environment for a subprocess that must import this checkout's ``sim``: the
    repository root first on ``PYTHONPATH`` (run it with ``cwd=ROOT`` too)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def set_kpi(line, value, teams=slice(None)) -> None:
    """Give teams a measured performance (the quarter KPI that claims, follow-ups and pilots'
    baselines read) of ``value``, as if they had performed at that level all quarter."""
    line._recent[:, teams] = value
    line._recent_sum[:] = line._recent.sum(axis=0)


def planted_bugs():
    """tests/meta/planted.py (tests/ is not a package: load it by path, once)."""
    name = "lean_sim_planted"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests/meta/planted.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
