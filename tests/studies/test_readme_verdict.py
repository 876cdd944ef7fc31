"""The README's verdict block states only numbers from committed results."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from experiments import readme_verdict

ROOT = Path(__file__).resolve().parents[2]


def test_the_project_readme_block_matches_the_committed_results():
    assert readme_verdict.readme_block(ROOT / "README.md") == readme_verdict.block(ROOT)


def _copy_results(tmp_path: Path) -> Path:
    for name in ("levers", "factorial"):
        shutil.copytree(ROOT / "results" / name, tmp_path / "results" / name)
    return tmp_path


def test_each_number_comes_from_its_file(tmp_path):
    root = _copy_results(tmp_path)
    means = root / "results" / "levers" / "means.csv"
    table = pd.read_csv(means)
    pick = (
        (table["condition"] == "equal budget")
        & (table["strategy"] == "centralized")
        & (table["measure"] == "sustained_adoption")
    )
    table.loc[pick, ["mean", "lo", "hi"]] = [0.123, 0.101, 0.146]
    table.to_csv(means, index=False)
    effects = root / "results" / "factorial" / "effects.csv"
    e = pd.read_csv(effects)
    e.loc[
        (e["measure"] == "sustained_adoption") & (e["effect"] == "duty (1 vs 0)"), "mean"
    ] = -0.777
    e.to_csv(effects, index=False)
    text = readme_verdict.block(root)
    assert "| centralized | 0.12 [0.10, 0.15] |" in text
    assert "duty (1 vs 0): -0.78 [" in text


def test_a_missing_result_says_which_command_makes_it(tmp_path):
    text = readme_verdict.block(tmp_path)
    commands = (
        "`python -m experiments.levers`",
        "`lean-sim-calibrate verdict`",
        "`lean-sim-sensitivity all`",
        "experiment=factorial; python -m experiments.factorial",
    )
    for command in commands:
        assert command in text


def test_the_block_is_rewritten_between_its_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{readme_verdict.START}\nOLD\n{readme_verdict.END}\n\nrest\n")
    assert readme_verdict.main(["--root", str(tmp_path)]) == 0
    text = readme.read_text()
    assert "OLD" not in text and "rest" in text and "Not computed yet" in text
    readme.write_text("# no markers\n")
    with pytest.raises(ValueError, match="no generated block"):
        readme_verdict.main(["--root", str(tmp_path)])
