"""Subprocess tests run the checkout under test, not whatever ``sim`` the venv points at.

The environment's editable install may point at another checkout (a venv shared between
worktrees, a CI cache); a subprocess started from a test must import the ``sim`` next to the
tests it belongs to (tests/conftest.py: ``checkout_env``, run with ``cwd=ROOT``).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from support import ROOT, checkout_env

MODEL_TESTS = ROOT / "tests" / "model"


def test_checkout_env_puts_this_checkout_ahead_of_any_other_sim(tmp_path):
    """Another ``sim`` later on the path (as an editable install of another checkout is) must
    not win, even for a script run from elsewhere."""
    other = tmp_path / "site" / "sim"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("raise SystemExit('imported another checkout')\n")
    script = tmp_path / "scripts" / "where.py"
    script.parent.mkdir()
    script.write_text("import sim\nprint(sim.__file__)\n")
    env = checkout_env()
    env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], str(tmp_path / "site")])
    out = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()).resolve() == (ROOT / "sim" / "__init__.py").resolve()


def subprocess_calls(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "subprocess"
        and node.func.attr in ("run", "Popen", "check_call", "check_output", "call")
    ]


def test_every_subprocess_of_the_model_tests_runs_this_checkout():
    calls = {
        f"{path.name}:{call.lineno}": {kw.arg: ast.unparse(kw.value) for kw in call.keywords}
        for path in sorted(MODEL_TESTS.glob("*.py"))
        for call in subprocess_calls(path)
    }
    assert calls, "no subprocess tests found: the check below would pass vacuously"
    for where, keywords in calls.items():
        assert keywords.get("cwd") == "ROOT", f"{where}: run it with cwd=ROOT"
        assert keywords.get("env", "").startswith("checkout_env("), (
            f"{where}: pass env=checkout_env() so it imports this checkout's sim"
        )
