"""Scenario discovery (``lean-sim-discover``): verdicts, PRIM boxes, robust choice, words."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.discovery import cli, report
from experiments.discovery.analysis import analyze
from experiments.discovery.boxes import PrimSettings
from experiments.discovery.design import FACTORS, lhs_points, write_design
from experiments.discovery.outcomes import (
    MEASURES,
    DiscoveryInputError,
    best_verdicts,
    pair_verdicts,
    worlds_from_runs,
)
from experiments.discovery.robust import robust_table
from sim.compare import box_contains, describe_box
from sim.params import Params
from sim.sweep.design import read_design

ROOT = Path(__file__).resolve().parents[2]
FAST = PrimSettings(bootstrap=4, max_boxes=1)
#: The planted box: embedded is ahead of centralized in low-resistance, high-distance worlds.
PLANTED = {"resistance": (None, 0.4), "power_distance": (0.6, None)}


def synthetic_runs(
    n_worlds: int = 100,
    replicates: int = 2,
    seed: int = 3,
    strategies: tuple[str, ...] = ("centralized", "embedded", "hybrid"),
) -> pd.DataFrame:
    """Runs of a design in which only the planted box separates the strategies.

    In the box embedded sustains 0.25 more adoption than the others, outside
    it all three tie (differences of noise, well inside the margin). Net value per team and
    year follows the same pattern (6 FTE-weeks more inside the box).
    """
    rng = np.random.default_rng(seed)
    worlds = lhs_points(n_worlds, seed)
    planted = ((worlds["resistance"] <= 0.4) & (worlds["power_distance"] >= 0.6)).to_numpy()
    rows = []
    for w, world in worlds.iterrows():
        for r in range(replicates):
            organization = rng.normal(0.0, 0.05)  # what a replicate's organization adds
            for strategy in strategies:
                lift = 0.25 if (strategy == "embedded" and planted[w]) else 0.0
                adoption = 0.4 + organization + lift + rng.normal(0.0, 0.005)
                per_team_year = 20.0 + 24.0 * lift + rng.normal(0.0, 0.2)
                rows.append(
                    {
                        **world.to_dict(),
                        "n_teams": int(world["n_teams"]),
                        "weeks": 520,
                        "strategy": strategy,
                        "replicate": r,
                        "seed": 1000 * w + r,
                        "sustained_adoption": adoption,
                        "net_value": per_team_year * world["n_teams"] * 10.0,
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def runs() -> pd.DataFrame:
    return synthetic_runs()


@pytest.fixture(scope="module")
def analysis(runs):
    """The discovery of two of the strategies (fewer verdicts: a faster test)."""
    return analyze(runs[runs["strategy"] != "hybrid"], FAST, scores=False)


def _box(analysis, measure, strategy, versus):
    found = [
        b
        for b in analysis.boxes
        if (b["measure"], b["kind"], b["strategy"], b["versus"])
        == (measure, "pair", strategy, versus)
    ]
    assert found, f"no box for {strategy} ahead of {versus} on {measure}"
    return found[0]


@pytest.mark.parametrize("measure", list(MEASURES))
def test_discovery_recovers_a_planted_box(analysis, measure):
    box = _box(analysis, measure, "embedded", "centralized")
    assert set(box["limits"]) == set(PLANTED)  # only the two planted parameters
    lo_res, hi_res = box["limits"]["resistance"]
    lo_pd, hi_pd = box["limits"]["power_distance"]
    assert lo_res is None and hi_pd is None  # the open sides stay open
    # limits fall between observed worlds: near the planted ones, and selecting the same worlds
    assert hi_res == pytest.approx(0.4, abs=0.08)
    assert lo_pd == pytest.approx(0.6, abs=0.08)
    points = analysis.worlds.points
    planted = (points["resistance"] <= 0.4) & (points["power_distance"] >= 0.6)
    found = (points["resistance"] <= hi_res) & (points["power_distance"] >= lo_pd)
    assert (planted & found).sum() / (planted | found).sum() >= 0.9
    assert box["density"] >= 0.8 and box["coverage"] >= 0.8
    assert box["stability"]["box"] >= 0.6
    assert box["stability"]["dimensions"]["resistance"] >= 0.6
    ci = box["mean_difference"]
    planted = 0.25 if measure == "sustained_adoption" else 6.0
    assert ci["lo"] <= planted * 1.02 and ci["hi"] >= planted * 0.8  # about the planted lift
    words = describe_box(box)
    assert words.startswith("embedded ahead of centralized on")
    assert f"resistance ≤ {hi_res:.2f}" in words and f"power distance ≥ {lo_pd:.2f}" in words


def test_the_best_strategy_box_is_the_planted_box_and_elsewhere_is_a_tie(analysis):
    best = [
        b
        for b in analysis.boxes
        if b["kind"] == "best"
        and b["strategy"] == "embedded"
        and b["measure"] == "sustained_adoption"
    ]
    assert best and set(best[0]["limits"]) == set(PLANTED)
    statuses = {v["id"]: v["status"] for v in analysis.verdicts}
    tie = statuses["world:sustained_adoption:best:tie:all"]
    assert tie in ("everywhere", "box")  # most worlds have no clear best
    assert statuses["world:sustained_adoption:pair:centralized:embedded"] == "rare"
    assert statuses["world:sustained_adoption:best:centralized:all"] == "rare"


def test_a_box_holds_the_worlds_it_describes(runs, analysis):
    box = _box(analysis, "sustained_adoption", "embedded", "centralized")
    points = analysis.worlds.points
    inside = [
        box_contains(box, Params(**{k: points.at[p, k] for k in ("resistance", "power_distance")}))
        for p in points.index
    ]
    assert sum(inside) == box["worlds_inside"]


def test_verdicts_use_the_stated_margin():
    runs = synthetic_runs(12, 2)
    worlds = worlds_from_runs(runs)
    table = pair_verdicts(worlds, "sustained_adoption")
    margin = MEASURES["sustained_adoption"].margin
    for _, row in table.iterrows():
        expected = (
            row["a"] if row["diff"] > margin else row["b"] if row["diff"] < -margin else "tie"
        )
        assert row["verdict"] == expected
    best = best_verdicts(worlds, "sustained_adoption")
    assert set(best["verdict"]) <= {"embedded", "tie"}
    assert (best.loc[best["verdict"] == "embedded", "lead"] > margin).all()


def test_regret_is_zero_for_the_best_and_satisficing_counts_worlds(runs):
    worlds = worlds_from_runs(runs)
    table = robust_table(worlds)
    means = worlds.means("sustained_adoption")
    assert table.loc["embedded", "sustained_adoption_regret_mean"] == pytest.approx(
        (means.max(axis=1) - means["embedded"]).mean()
    )
    assert table.loc["embedded", "sustained_adoption_regret_p90"] <= 0.01  # best or tied
    assert table.loc["centralized", "sustained_adoption_regret_p90"] > 0.2  # the planted lift
    level = MEASURES["sustained_adoption"].satisficing
    assert table.loc["hybrid", "sustained_adoption_satisficing"] == pytest.approx(
        (means["hybrid"] >= level).mean()
    )


def test_unpaired_runs_are_refused(runs):
    bad = runs.copy()
    first = bad.index[(bad["strategy"] == "hybrid") & (bad["replicate"] == 0)][0]
    bad.loc[first, "seed"] = -1
    with pytest.raises(DiscoveryInputError, match="different seeds"):
        worlds_from_runs(bad)
    missing = runs.drop(index=runs.index[(runs["strategy"] == "hybrid")][:2])
    with pytest.raises(DiscoveryInputError, match="no runs of hybrid"):
        worlds_from_runs(missing)
    levers = runs.assign(line_duty=np.where(runs.index % 2, 1.0, 0.5))
    with pytest.raises(DiscoveryInputError, match="vary besides the strategy"):
        worlds_from_runs(levers)


def test_assumptions_are_boxed_apart_from_the_world():
    runs = synthetic_runs(40, 1)
    worlds = runs[["resistance"]].drop_duplicates().reset_index(drop=True)
    decay = dict(zip(worlds["resistance"], np.linspace(0.01, 0.1, len(worlds)), strict=True))
    runs["decay_rate"] = runs["resistance"].map(decay)
    w = worlds_from_runs(runs)
    assert "decay_rate" not in w.world_dims and w.assumption_dims == ["decay_rate"]


def test_latin_hypercube_fills_every_stratum_and_is_a_sweep_design(tmp_path):
    points = lhs_points(20, 7)
    assert points.equals(lhs_points(20, 7))
    for f in FACTORS:
        values = points[f.name].to_numpy(dtype=float)
        assert values.min() >= f.low and values.max() <= f.high
        if not f.integer:  # one point in each of the 20 strata
            strata = np.floor((values - f.low) / (f.high - f.low) * 20).astype(int)
            assert sorted(strata) == list(range(20))
    path = write_design(tmp_path, points, {"seed": 7, "replicates": 2})
    cells = list(read_design(path).points())  # what `lean-sim -m design=...` reads
    assert len(cells) == 20 * 5
    assert {c["strategy"] for _, c in cells} == {
        "none",
        "centralized",
        "embedded",
        "hybrid",
        "product",
    }


@pytest.mark.slow
def test_cli_analyzes_a_folder_and_writes_boxes_words_and_figures(tmp_path, capsys):
    folder = tmp_path / "exp"
    folder.mkdir()
    synthetic_runs(40, 2).to_parquet(folder / "runs.parquet")
    assert cli.main([str(folder), "--bootstrap", "2", "--max-boxes", "1"]) == 0
    content = json.loads((folder / "boxes.json").read_text())
    assert content["worlds"] == 40 and content["replicates"] == 2
    assert set(content["dimensions"]) == {f.name for f in FACTORS}
    assert content["fixed"]["weeks"] == 520
    readme = (folder / "README.md").read_text()
    for sentence in report.sentences(content):
        assert sentence in readme
    figures = {p.name for p in (folder / "figures").glob("*.png")}
    assert {"verdicts.png", "robust.png", "feature_scores.png"} <= figures
    assert "peeling_sustained_adoption.png" in figures
    assert (folder / "outcomes.parquet").is_file()
    (folder / "runs.parquet").unlink()  # again, from the saved outcomes
    assert cli.main([str(folder), "--bootstrap", "2", "--max-boxes", "1"]) == 0
    assert json.loads((folder / "boxes.json").read_text())["boxes"] == content["boxes"]
    assert cli.main([str(tmp_path / "nothing")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_readme_block_is_rewritten_from_the_box_file(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{report.README_START}\nOLD BLOCK\n{report.README_END}\n\nrest\n")
    content = {
        "worlds": 9,
        "replicates": 2,
        "measures": {
            "sustained_adoption": {
                "label": "sustained adoption", "margin": 0.05, "unit": "share of teams"
            }
        },
        "verdicts": [],
        "boxes": [
            {
                "kind": "pair", "measure": "sustained_adoption", "outcome": "sustained_adoption",
                "strategy": "embedded", "versus": "centralized", "margin": 0.05,
                "limits": {"resistance": [None, 0.5]}, "density": 0.9, "coverage": 0.5,
            }
        ],
    }  # fmt: skip
    assert report.update_readme(readme, content, "results/discovery")
    text = readme.read_text()
    assert "embedded ahead of centralized" in text and "OLD BLOCK" not in text and "rest" in text
    assert not report.update_readme(readme, content, "results/discovery")  # already current


def test_the_project_readme_block_matches_the_committed_box_file():
    content = report.read_box_file(ROOT / "results" / "discovery")
    block = report.readme_block(ROOT / "README.md")
    assert block == report.block(content, "results/discovery")
