"""The model version is a digest of what decides results, and of nothing else."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from support import ROOT, checkout_env

import sim
from sim import provenance

SIM_DIR = Path(sim.__file__).resolve().parent


def copy_of_the_package(tmp_path: Path) -> Path:
    target = tmp_path / "sim"
    shutil.copytree(SIM_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_the_version_ignores_the_app_the_sweeps_and_the_studies(tmp_path):
    copy = copy_of_the_package(tmp_path)
    before = provenance.files_digest(provenance.model_files(copy), copy)
    for non_model in ("app.py", "sweep/runner.py", "viz/controls.py"):
        path = copy / non_model
        path.write_text(path.read_text() + "\n# a comment that changes nothing\n")
    (tmp_path / "README.md").write_text("changed\n")
    assert provenance.files_digest(provenance.model_files(copy), copy) == before


def test_a_change_to_a_mechanism_changes_the_version(tmp_path):
    copy = copy_of_the_package(tmp_path)
    before = provenance.files_digest(provenance.model_files(copy), copy)
    mech = copy / "mechanisms.py"
    mech.write_text(
        mech.read_text().replace(
            "return rate * practice_level", "return 2 * rate * practice_level", 1
        )
    )
    assert provenance.files_digest(provenance.model_files(copy), copy) != before


def test_package_data_and_seed_derivation_are_part_of_the_version(tmp_path):
    copy = copy_of_the_package(tmp_path)
    before = provenance.files_digest(provenance.model_files(copy), copy)
    preset = copy / "data" / "presets" / "calibrated.yaml"
    preset.write_text(preset.read_text() + "\n")
    assert provenance.files_digest(provenance.model_files(copy), copy) != before
    assert "seeds.py" in provenance.MODEL_MODULES


def test_every_module_a_run_imports_is_digested():
    """A new model module that is not listed would let results go stale unnoticed."""
    code = (
        "import sys, sim; from sim import Params, run; run(Params(n_teams=24, weeks=2));"
        "print('\\n'.join(sorted(m.__file__ for m in list(sys.modules.values()) "
        "if getattr(m, '__file__', None) and m.__name__.startswith('sim'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=checkout_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    used = {Path(f).resolve().relative_to(SIM_DIR).as_posix() for f in out.stdout.split()}
    assert used <= set(provenance.MODEL_MODULES), used - set(provenance.MODEL_MODULES)


def test_the_version_is_computed_without_git():
    tree = ast.parse(Path(provenance.__file__).read_text())
    version_fn = next(
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "model_version"
    )
    assert "git" not in ast.unparse(version_fn)
    assert len(provenance.model_version()) == provenance.VERSION_LENGTH
