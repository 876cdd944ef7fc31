"""``sim.compare``: every strategy on the same organizations, and ``lean-sim-compare``."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from itertools import pairwise

import numpy as np
import pytest
from scipy import stats
from support import ROOT, checkout_env

from sim import Params, run
from sim.compare import (
    Cancelled,
    CompareError,
    box_contains,
    compare,
    describe_box,
    discovery_boxes,
    estimate_seconds,
    main,
)
from sim.params import STRATEGIES
from sim.seeds import replicate_seeds

WORLD = {"n_teams": 24, "weeks": 52, "resistance": 0.6}
OFFICE_DUTY = {"strategy": "centralized", "line_duty": 1.0}


@pytest.fixture(autouse=True)
def empty_folder(tmp_path, monkeypatch):
    """Run where no calibration posterior and no box file exist (as in a fresh checkout)."""
    monkeypatch.chdir(tmp_path)


def cli_json(capsys, *argv: str) -> dict:
    assert main(["--json", "--quiet", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def direct_summary(values: list[float]) -> tuple[float, float, float]:
    """Mean and t 95% interval, computed here without sim.stats."""
    x = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return x.mean(), x.mean() - half, x.mean() + half


def test_cli_json_on_a_tiny_organization_equals_direct_runs_on_the_same_seeds(capsys):
    out = cli_json(
        capsys,
        "--set", "n_teams=24", "weeks=52", "resistance=0.6",
        "--replicates", "3",
        "--custom", "office+duty", "strategy=centralized", "line_duty=1.0",
    )  # fmt: skip
    seeds = replicate_seeds(Params(**WORLD), 0, 3)
    assert out["seeds"] == seeds
    arms = {s: {"strategy": s} for s in STRATEGIES} | {"office+duty": OFFICE_DUTY}
    assert out["arms"] == arms
    values = {
        arm: [run(Params(**WORLD, **values), seed).summary_dict for seed in seeds]
        for arm, values in arms.items()
    }
    assert len(out["runs"]) == len(arms) * 3
    for record in out["runs"]:  # every run is the direct run of its replicate's seed
        assert record["seed"] == seeds[record["replicate"]]
        direct = values[record["strategy"]][record["replicate"]]
        for outcome in ("sustained_adoption", "net_value"):
            assert record[outcome] == direct[outcome]
    for outcome in ("sustained_adoption", "net_value"):
        table = np.array([[v[outcome] for v in values[arm]] for arm in arms])  # arm x replicate
        best = table >= table.max(axis=0) - 0.0
        p_best = (best / best.sum(axis=0)).mean(axis=1)
        for k, arm in enumerate(arms):
            got = out["strategies"][arm][outcome]
            mean, lo, hi = direct_summary(table[k])
            assert got["mean"] == pytest.approx(mean, abs=1e-12)
            if math.isfinite(lo) and lo != hi:
                assert (got["lo"], got["hi"]) == pytest.approx((lo, hi), abs=1e-9)
            assert got["n"] == 3
            assert got["probability_best"] == pytest.approx(p_best[k], abs=1e-12)
    assert out["posterior"].startswith("calibrated rates: not used (no results/calibration")
    assert out["discovery"]["found"] is False


def test_every_arm_meets_the_same_organizations():
    result = compare(WORLD, ("embedded",), 2, custom={"same": {"strategy": "embedded"}})
    runs = result.runs.set_index(["strategy", "replicate"])
    assert (runs.loc["embedded", "seed"] == runs.loc["same", "seed"]).all()
    for outcome in ("sustained_adoption", "net_value"):  # same world, same lever: same run
        assert (runs.loc["embedded", outcome] == runs.loc["same", outcome]).all()
    assert result.table.loc["embedded", "sustained_adoption_p_best"] == pytest.approx(0.5)


def test_probability_best_sums_to_one_and_progress_counts_every_run():
    calls: list[tuple[int, int]] = []
    result = compare(WORLD, STRATEGIES, 2, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(k, 10) for k in range(1, 11)]
    for outcome in ("sustained_adoption", "net_value"):
        assert result.table[f"{outcome}_p_best"].sum() == pytest.approx(1.0)


def test_cancel_stops_before_the_next_run():
    calls: list[int] = []
    with pytest.raises(Cancelled, match="after 2 of 10 runs"):
        compare(
            WORLD,
            STRATEGIES,
            2,
            progress=lambda d, _t: calls.append(d),
            cancel=lambda: len(calls) >= 2,
        )
    assert calls == [1, 2]


def test_a_culture_sets_power_distance_and_a_conflict_is_an_error():
    result = compare({**WORLD, "culture": "japan"}, ("none",), 1)
    assert result.world["power_distance"] == pytest.approx(0.54)
    with pytest.raises(CompareError, match="conflicts with culture=japan"):
        compare({**WORLD, "culture": "japan", "power_distance": 0.3}, ("none",), 1)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--set", "resistance=1.5"], "resistance='1.5'"),
        (["--set", "strategy=none"], "what is compared"),
        (["--set", "line_duty=1"], "what is compared"),
        (["--set", "bogus=1"], "not sim.Params fields"),
        (["--set", "resistance"], "write key=value"),
        (["--culture", "atlantis"], "culture='atlantis'"),
        (["--culture", "japan", "--set", "power_distance=0.3"], "conflicts with culture=japan"),
        (["--replicates", "0"], "replicates='0'"),
        (["--replicates", "x"], "not a whole number"),
        (["--strategies", "magic"], "strategy='magic'"),
        (["--custom", "x", "line_duty=1"], "name the preset it starts from"),
        (["--custom", "x", "strategy=centralized", "resistance=0.2"], "not treatment fields"),
        (["--custom", "none", "strategy=centralized"], "must be non-empty and differ"),
        (["--custom", "x", "strategy=centralized", "line_duty=3"], "x: line_duty='3'"),
        (["--posterior", "missing.csv"], "posterior='missing.csv'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_any_run(capsys, argv, message):
    assert main(["--quiet", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lean-sim-compare: error:")
    assert message in lines[0]


def test_the_table_names_every_arm_and_what_was_compared(capsys):
    argv = ["--quiet", "--set", "n_teams=24", "weeks=26", "--replicates", "2"]
    assert main([*argv, "--strategies", "none,embedded"]) == 0
    out = capsys.readouterr().out
    assert "2 strategies on the same 2 organizations" in out
    assert "\nnone " in out and "\nembedded " in out and "P(best)" in out
    assert "No scenario discovery found" in out


def test_the_posterior_is_drawn_per_replicate_and_said(tmp_path):
    path = tmp_path / "posterior.csv"
    path.write_text(
        "decay_rate,internalization_rate,weight,generation\n0.2,0.01,0,3\n0.03,0.05,1,3\n"
    )
    result = compare(WORLD, ("centralized",), 2, posterior=path)
    assert "drawn per replicate" in result.posterior and "2 particles" in result.posterior
    assert set(result.runs["particle"]) == {1}  # the only particle with weight
    drawn = {"decay_rate": 0.03, "internalization_rate": 0.05}
    for _, row in result.runs.iterrows():
        direct = run(Params(**WORLD, **drawn, strategy="centralized"), row["seed"]).summary_dict
        assert row["sustained_adoption"] == direct["sustained_adoption"]
    off = compare(WORLD, ("centralized",), 2, posterior="auto")  # no file in this folder
    assert "not used (no results/calibration/posterior.csv)" in off.posterior
    with pytest.raises(CompareError, match="the posterior draws"):
        compare({**WORLD, "decay_rate": 0.1}, ("centralized",), 1, posterior=path)


def test_estimated_seconds_grow_with_the_runs():
    one = estimate_seconds(WORLD, STRATEGIES, 1)
    assert 0.0 < one < 60.0
    assert estimate_seconds(WORLD, STRATEGIES, 4) > one  # probes differ; 4x more runs


BOX = {
    "kind": "pair",
    "outcome": "sustained_adoption",
    "outcome_label": "sustained adoption (share of teams)",
    "margin": 0.05,
    "strategy": "embedded",
    "versus": "centralized",
    "limits": {"resistance": [None, 0.6], "power_distance": [0.3, None], "n_teams": [50, 300]},
    "density": 0.91,
    "coverage": 0.64,
}


def test_a_box_reads_as_a_sentence_with_its_density_and_coverage():
    assert describe_box(BOX) == (
        "embedded ahead of centralized on sustained adoption (share of teams) by more than "
        "0.05 when resistance ≤ 0.60 and power distance ≥ 0.30 and 50 ≤ teams ≤ 300: 91% of "
        "such worlds, 64% of all worlds where it is ahead"
    )
    best = {**BOX, "kind": "best", "versus": None, "limits": {"resistance": [0.7, None]}}
    assert describe_box(best).startswith("embedded best on sustained adoption")


@pytest.mark.parametrize(
    ("values", "inside"),
    [
        ({"resistance": 0.6, "power_distance": 0.3, "n_teams": 50}, True),  # closed limits
        ({"resistance": 0.61, "power_distance": 0.3, "n_teams": 50}, False),
        ({"resistance": 0.2, "power_distance": 0.29, "n_teams": 100}, False),
        ({"resistance": 0.2, "power_distance": 0.9, "n_teams": 301}, False),
    ],
)
def test_a_world_is_in_a_box_when_every_restricted_value_is(values, inside):
    assert box_contains(BOX, Params(**values)) is inside


def test_the_box_file_places_a_world_or_says_why_not(tmp_path):
    missing = discovery_boxes(Params(), tmp_path / "boxes.json")
    assert not missing.found and "No scenario discovery found" in missing.message
    path = tmp_path / "boxes.json"
    content = {
        "worlds": 80,
        "boxes": [BOX],
        "dimensions": {"resistance": [0.2, 0.8], "n_teams": [50, 400]},
        "fixed": {"weeks": 520},
    }
    path.write_text(json.dumps(content))
    inside = discovery_boxes(Params(resistance=0.5, power_distance=0.4, n_teams=200), path)
    assert inside.found and inside.boxes == [BOX] and "lies in:" in inside.message
    outside = discovery_boxes(Params(resistance=0.7), path)
    assert outside.boxes == [] and "lies in none of the 1 boxes" in outside.message
    for params, said in (
        (Params(n_teams=1000), "teams 1,000 (design 50-400)"),
        (Params(weeks=104), "weeks 104 (the design held it at 520)"),
    ):
        verdict = discovery_boxes(params, path)
        assert verdict.boxes == [] and said in verdict.message


BLOCKED = ("hydra", "omegaconf", "solara", "SALib", "matplotlib", "pyarrow", "ema_workbench")


def test_compare_needs_only_the_core_dependencies():
    script = f"""
import sys
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ImportError("blocked by the test: " + name)
sys.meta_path.insert(0, Blocker())
from sim.compare import compare
r = compare({{"n_teams": 24, "weeks": 20}}, ("none", "embedded"), 2)
print(sorted(r.arms))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=checkout_env()
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "['embedded', 'none']" in out.stdout


def test_replicates_follow_the_seed_order():
    result = compare(WORLD, ("none",), 3, base_seed=5)
    assert result.seeds == replicate_seeds(Params(**WORLD), 5, 3)
    assert all(a < b for a, b in pairwise(result.runs["replicate"]))
