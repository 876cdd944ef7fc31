"""The global sensitivity analysis (lean-sim-sensitivity): designs, pairing, indices, end to end.

The end-to-end tests run the real sweep machinery (``lean-sim`` in a subprocess) on a tiny
organization with a handful of parameters; one of them uses a run function with a known answer
(tests/sensitivity_support.py) to check that the paired differences and the indices are exact.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from scipy import stats as sps

import sim
from experiments.sensitivity import cli, design, figures, indices, pairs, probe, space
from sim import Params
from sim.params import TREATMENT_FIELDS
from sim.seeds import replicate_seeds

TESTS_DIR = Path(__file__).resolve().parent
#: A tiny organization for two years (adoption starts to vary): ~0.03 s per run.
TINY = ["--set", "n_teams=24", "--set", "weeks=104"]
#: Long enough that teams adopt at the calibrated rates, so the outputs vary and every index is
#: defined (at 104 weeks nearly every run of 24 teams ends with no team practising).
TINY_ADOPTING = ["--set", "n_teams=24", "--set", "weeks=156"]


@pytest.fixture
def lean_sim_env(monkeypatch):
    """lean-sim subprocesses find the test run functions (the sweep adds the checkout itself)."""
    monkeypatch.setenv("PYTHONPATH", str(TESTS_DIR))


@pytest.fixture
def drawn(monkeypatch):
    """Every figure the analysis saves, by file stem (the figures are checked by value)."""
    saved = {}
    original = figures.save

    def keep(fig, stem):
        saved[Path(stem).name] = fig
        return original(fig, stem)

    monkeypatch.setattr(figures, "save", keep)
    return saved


def sensitivity(results: Path, *args: str) -> int:
    return cli.main([*args, "--results", str(results), "--jobs", "1", "--quiet"])


# --- the parameter space ---------------------------------------------------------------------
def test_screening_leaves_out_treatment_structure_and_scale():
    names = space.screened_names()
    assert not set(names) & set(TREATMENT_FIELDS)
    assert not set(names) & {"n_teams", "weeks", "span_teams", "span_managers", "cross_links"}
    assert {"resistance", "power_distance", "decay_rate", "hiring_weeks"} <= set(names)
    numeric = {k for k, v in Params.model_fields.items() if v.annotation in (float, int)}
    assert set(names) | set(space.EXCLUDED) == numeric - set(TREATMENT_FIELDS)


def test_every_range_holds_the_default_and_only_allowed_values():
    for f in space.factors():
        assert f.low <= f.default <= f.high, f
        for value in (f.low, f.high):
            Params.create(**{f.name: round(value) if f.integer else value})
    space.check_points(design.morris_points(space.factors(), 2, 4, seed=1))


def test_integer_parameters_sit_on_integer_morris_levels():
    chosen = space.factors(["hiring_weeks", "review_weeks", "resistance"])
    points = design.morris_points(chosen, trajectories=6, levels=4, seed=3)
    for name in ("hiring_weeks", "review_weeks"):
        assert points[name].dtype == "int64"
        f = next(f for f in chosen if f.name == name)
        assert set(points[name]) <= {f.low + k * (f.high - f.low) / 3 for k in range(4)}


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: space.factors(["resistance", "no_such_field"]), "no_such_field"),
        (lambda: space.factors(["strategy"]), "strategy"),
        (lambda: design.sobol_points(space.factors(["resistance"]), 100, 0), "sobol_n=100"),
        (lambda: design.morris_points(space.factors(["resistance"]), 1, 4, 0), "trajectories=1"),
    ],
)
def test_bad_settings_fail_early_naming_the_value(call, named):
    with pytest.raises(ValueError, match=named):
        call()


def test_both_strategies_of_a_design_point_meet_the_same_organization(tmp_path):
    points = design.morris_points(space.factors(["resistance", "hiring_weeks"]), 2, 4, seed=0)
    design.write_design(tmp_path, points, {"method": "morris"})
    rows = pd.read_parquet(tmp_path / design.DESIGN_FILE).to_dict("records")
    assert [r["strategy"] for r in rows[:2]] == list(design.COMPARED)
    seeds = [replicate_seeds(Params(**{k: v for k, v in r.items()}), 0, 3) for r in rows]
    assert seeds[0] == seeds[1] and seeds[2] == seeds[3] and seeds[0] != seeds[2]
    pd.testing.assert_frame_equal(design.read_points(tmp_path), points)


def test_rewriting_an_unchanged_design_leaves_the_files_alone(tmp_path):
    points = design.structural_points()
    design.write_design(tmp_path, points, {"method": "structural"})
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    design.write_design(tmp_path, points, {"method": "structural"})
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before


def test_structural_grid_is_every_combination_of_the_levels():
    points = design.structural_points()
    grid = points[list(design.STRUCTURAL_LEVELS)].drop_duplicates()
    assert len(grid) == math.prod(len(v) for v in design.STRUCTURAL_LEVELS.values())
    for name in design.present_options():  # optional model fields, one value at a time
        assert set(points[name]) == set(design.option_values(name))


# --- pairing and indices, in process ---------------------------------------------------------
def fake_runs(points: pd.DataFrame, effect, seeds=None) -> pd.DataFrame:
    """Runs of both strategies whose difference at a point is ``effect(point)``."""
    rows = []
    for i, point in enumerate(points.to_dict("records")):
        seed = i if seeds is None else seeds[i]
        base = np.random.default_rng(i).normal()
        for strategy, seed_of in zip(design.COMPARED, (i, seed), strict=True):
            value = base + (effect(point) if strategy == design.COMPARED[1] else 0.0)
            rows.append(
                {
                    **point,
                    "strategy": strategy,
                    "replicate": 0,
                    "seed": seed_of,
                    "sustained_adoption": value,
                    "net_value": 2 * value,
                }
            )
    return pd.DataFrame(rows)


def test_paired_outputs_match_runs_to_points_by_value_even_for_repeated_points():
    points = pd.DataFrame({"resistance": [0.2, 0.8, 0.2], "hiring_weeks": [13, 40, 13]})
    runs = fake_runs(points.iloc[:2], lambda p: p["resistance"])  # the repeat ran once
    table = pairs.paired_outputs(runs, points)
    assert list(table["point"]) == [0, 1, 2]
    assert table["sustained_adoption_diff"].tolist() == pytest.approx([0.2, 0.8, 0.2])
    assert table["net_value_diff"].tolist() == pytest.approx([0.4, 1.6, 0.4])


def test_runs_that_do_not_share_a_seed_are_refused():
    points = pd.DataFrame({"resistance": [0.2, 0.8]})
    runs = fake_runs(points, lambda p: 0.0, seeds=[0, 99])
    with pytest.raises(pairs.PairingError, match="do not share a seed"):
        pairs.paired_outputs(runs, points)


def test_missing_runs_are_named():
    points = pd.DataFrame({"resistance": [0.2, 0.8]})
    with pytest.raises(pairs.PairingError, match="1 of 2 points"):
        pairs.paired_outputs(fake_runs(points.iloc[:1], lambda p: 0.0), points)


def test_morris_and_sobol_recover_a_known_additive_effect():
    chosen = space.factors(["resistance", "power_distance", "decay_rate"])
    problem = space.problem(chosen)
    effect = lambda p: 2.0 * p["resistance"] + p["power_distance"]  # noqa: E731
    outputs = ["sustained_adoption"]

    points = design.morris_points(chosen, trajectories=8, levels=4, seed=1)
    morris = indices.morris_indices(
        problem, points, pairs.paired_outputs(fake_runs(points, effect), points), outputs, levels=4
    )
    mu_star = morris.set_index("parameter")["mu_star"]
    assert mu_star["resistance"] == pytest.approx(2.0 * 0.6)  # effect x range
    assert mu_star["power_distance"] == pytest.approx(0.9)
    assert mu_star["decay_rate"] == pytest.approx(0.0, abs=1e-12)
    assert indices.top_parameters(morris, 2) == ["resistance", "power_distance"]

    points = design.sobol_points(chosen, 512, seed=2)
    sobol = indices.sobol_indices(
        problem, pairs.paired_outputs(fake_runs(points, effect), points), outputs
    ).set_index("parameter")
    var_r, var_pd = (2.0 * 0.6) ** 2 / 12, 0.9**2 / 12
    assert sobol.loc["resistance", "S1"] == pytest.approx(var_r / (var_r + var_pd), abs=0.05)
    assert sobol.loc["power_distance", "ST"] == pytest.approx(var_pd / (var_r + var_pd), abs=0.05)
    assert sobol.loc["decay_rate", "ST"] == pytest.approx(0.0, abs=0.01)
    assert (sobol[["S1_conf", "ST_conf"]] > 0).all().all()


def test_probe_finds_the_parameters_neither_strategy_reads(tmp_path):
    names = ["resistance", "sunset_week", "rotation_weeks", "decay_rate"]
    points = pd.DataFrame({"resistance": [0.2, 0.8], "decay_rate": [0.005, 0.045]})
    inert = probe.inert_parameters(names, points, weeks=104, folder=tmp_path)
    assert inert == ["sunset_week", "rotation_weeks"]  # a sunset rule and staff rotation
    assert probe.cached_inert(tmp_path) == inert


def test_inert_parameters_set_the_noise_level_and_never_go_to_sobol():
    morris = pd.DataFrame(
        {
            "output": ["y"] * 3,
            "parameter": ["a", "dummy", "b"],
            "mu_star": [3.0, 2.5, 1.0],
            "mu_star_conf": [0.2, 1.0, 0.5],
            "mu_star_rel": [1.0, 2.5 / 3, 1 / 3],
        }
    )
    marked = indices.mark_noise(morris, ["dummy"]).set_index("parameter")
    assert marked["noise_level"].tolist() == [2.5, 2.5, 2.5]
    assert marked["above_noise"].tolist() == [True, False, False]
    assert indices.top_parameters(marked.reset_index(), 2) == ["a", "b"]


def test_interval_helpers():
    # Wilson (1927) by hand for 10 of 20 at 95%: centre 0.5, half-width
    # z sqrt(p q / n + z^2 / 4 n^2) / (1 + z^2 / n) = 0.20070
    assert indices.wilson_interval(10, 20) == pytest.approx((0.29930, 0.70070), abs=1e-5)
    assert indices.wilson_interval(0, 20) == pytest.approx((0.0, 0.16113), abs=1e-5)
    assert indices.morris_noise_floor(1.0, 4) == pytest.approx(3 / math.sqrt(math.pi))


def test_structural_verdicts_are_t_intervals_of_the_paired_differences():
    rng = np.random.default_rng(4)
    rows = []
    for span in (4, 8):
        for order in design.option_values("update_order"):
            for r in range(5):
                diff = span / 10 + rng.normal(0, 0.1)
                rows.append({"span_teams": span, "update_order": order, "replicate": r,
                             "sustained_adoption_diff": diff})  # fmt: skip
    pairs_ = pd.DataFrame(rows)
    out = indices.structural_verdicts(pairs_, {"span_teams": (4, 8)}, ["update_order"],
                                      ["sustained_adoption"])  # fmt: skip
    default_order = Params.model_fields["update_order"].default
    for span in (4, 8):
        row = out[(out["factor"] == "span_teams") & (out["level"] == str(span))].iloc[0]
        diffs = pairs_.loc[
            (pairs_["span_teams"] == span) & (pairs_["update_order"] == default_order),
            "sustained_adoption_diff",
        ]
        low, high = sps.t.interval(0.95, len(diffs) - 1, loc=diffs.mean(), scale=sps.sem(diffs))
        assert (row["mean_diff"], row["ci_low"], row["ci_high"]) == pytest.approx(
            (diffs.mean(), low, high)
        )
        assert row["pairs"] == len(diffs)


# --- end to end, through lean-sim ------------------------------------------------------------
def grid_or_option(verdicts: pd.DataFrame, factor: str, level: str) -> pd.Series:
    """The structural figure's row for one variant (sustained adoption): a grid factor's level
    averaged over the grid, an option's value at the default structure."""
    rows = verdicts[
        (verdicts["output"] == "sustained_adoption")
        & (verdicts["factor"] == factor)
        & (verdicts["level"].astype(str) == level)
    ]
    return (
        rows[rows["scope"] == "grid"].iloc[0] if (rows["scope"] == "grid").any() else rows.iloc[0]
    )


@pytest.mark.slow
def test_morris_through_the_sweep_gives_exact_paired_effects(tmp_path, lean_sim_env, drawn):
    args = ["--params", "resistance,power_distance,decay_rate", "--trajectories", "3", *TINY]
    assert sensitivity(tmp_path, "design", "morris", *args) == 0
    run_known = ["--set", "runner=sensitivity_support.known_run"]
    assert sensitivity(tmp_path, "sweep", "morris", *args, *run_known) == 0
    assert sensitivity(tmp_path, "analyze", "morris", *args) == 0
    morris = pd.read_csv(tmp_path / "morris_indices.csv").set_index(["output", "parameter"])
    mu_star = morris["mu_star"]
    assert mu_star["sustained_adoption", "resistance"] == pytest.approx(0.6)
    assert mu_star["net_value", "power_distance"] == pytest.approx(9.0)
    inert = [
        ("sustained_adoption", "power_distance"),
        ("sustained_adoption", "decay_rate"),
        ("net_value", "resistance"),
        ("net_value", "decay_rate"),
    ]
    assert mu_star[inert].tolist() == pytest.approx([0, 0, 0, 0], abs=1e-9)
    # the figure shows those numbers: bar lengths per parameter, top panel = sustained adoption
    bars = {
        label.get_text(): patch.get_width()
        for label, patch in zip(
            drawn["morris"].axes[0].get_yticklabels(), drawn["morris"].axes[0].patches,
            strict=True,
        )
    }  # fmt: skip
    assert bars == pytest.approx({"resistance": 0.6, "power_distance": 0.0, "decay_rate": 0.0})


@pytest.mark.slow
def test_the_sweep_subprocess_imports_the_checkout_under_test(tmp_path, monkeypatch):
    """A decoy ``sim`` first on the path stands for a venv that points at another checkout:
    the sweep's subprocess must still import the ``sim`` this test imported (run from another
    folder, so that the current directory does not put the checkout first by chance)."""
    monkeypatch.chdir(tmp_path)
    decoy = tmp_path / "decoy" / "sim"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("raise ImportError('a decoy sim was imported')\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(decoy.parent), str(TESTS_DIR)]))
    env = cli.sweep_env()
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(Path(sim.__file__).parents[1])
    args = ["--params", "resistance", "--trajectories", "2", *TINY]
    results = tmp_path / "results"
    assert sensitivity(results, "design", "morris", *args) == 0
    run_known = ["--set", "runner=sensitivity_support.known_run"]
    assert sensitivity(results, "sweep", "morris", *args, *run_known) == 0
    assert (results / "morris" / "runs.parquet").is_file()


@pytest.mark.slow
def test_all_runs_end_to_end_and_writes_indices_figures_and_readme(tmp_path, lean_sim_env, drawn):
    args = [
        "--params",
        "resistance,power_distance,decay_rate,hiring_weeks",
        "--trajectories",
        "2",
        "--sobol-n",
        "4",
        "--top",
        "2",
        "--structural-replicates",
        "1",
        *TINY_ADOPTING,
    ]
    assert sensitivity(tmp_path, "all", *args) == 0

    morris = pd.read_csv(tmp_path / "morris_indices.csv")
    assert len(morris) == 4 * len(design.OUTPUTS)
    assert np.isfinite(morris[["mu", "mu_star", "mu_star_conf", "sigma"]]).all().all()
    sobol = pd.read_csv(tmp_path / "sobol_indices.csv")
    assert len(sobol) == 2 * len(design.OUTPUTS)
    assert set(sobol["parameter"]) == set(indices.top_parameters(morris, 2))
    assert np.isfinite(sobol[["S1", "S1_conf", "ST", "ST_conf"]]).all().all()
    verdicts = pd.read_csv(tmp_path / "structural_verdicts.csv")
    grid = verdicts[verdicts["scope"] == "grid"]
    assert len(grid) == sum(map(len, design.STRUCTURAL_LEVELS.values())) * len(design.OUTPUTS)
    assert np.isfinite(grid[["mean_diff", "ci_low", "ci_high"]]).all().all()
    outputs = pd.read_parquet(tmp_path / "sobol" / cli.OUTPUTS_FILE)
    assert len(outputs) == 4 * (2 + 2)  # N x (D + 2) points, one seed each
    assert sorted(drawn) == ["flips", "morris", "sobol", "structural"]
    for name in drawn:
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert (tmp_path / f"{name}.pdf").read_bytes()[:4] == b"%PDF"
    # each figure shows the numbers of its table
    sobol_ax = drawn["sobol"].axes[0]
    first = sobol[sobol["output"] == "sustained_adoption"].sort_values("ST")
    widths = [p.get_width() for p in sobol_ax.patches]
    assert widths == pytest.approx([*first["ST"], *first["S1"]], rel=1e-5)  # CSV: 6 digits
    structural_ax = drawn["structural"].axes[0]
    points = np.concatenate(
        [c.get_offsets() for c in structural_ax.collections if isinstance(c, PathCollection)]
    )
    x_at = {round(float(y)): float(x) for x, y in points}
    ticks = structural_ax.get_yticklabels()
    assert len(ticks) == len(x_at) > 0
    for tick in ticks:
        factor, level = tick.get_text().removesuffix(" (default)").split(" = ")
        row = grid_or_option(verdicts, factor, level)
        assert x_at[round(tick.get_position()[1])] == pytest.approx(
            row["mean_diff"], rel=1e-5, abs=1e-9
        )
    readme = (tmp_path / "README.md").read_text()
    assert "## Morris screening" in readme and "## Sobol' indices" in readme
    for name in design.present_options():  # each structural option, each of its values
        for value in design.option_values(name):
            assert f"`{name}={value}`" in readme, (name, value)


def test_every_assumption_in_the_odd_asymmetry_table_is_swept_down_to_zero():
    """A fair fight: every remaining asymmetry's strength is swept over a range including 0
    (or its off value), so the sensitivity analysis can see what each one decides."""
    import re

    from sim.params import ASSUMPTION_FIELDS

    odd = (Path(__file__).resolve().parents[2] / "docs" / "ODD.md").read_text()
    table = odd[odd.index("Remaining asymmetries") :]
    rows = [line for line in table.splitlines() if re.match(r"^\| \d+ \|", line)]
    named: set[str] = set()
    for line in rows:
        parameters, ranges = line.split("|")[4], line.split("|")[5]
        with_range = re.findall(r"`([a-z_]+)`\s+[-−]?\d", ranges)  # "`name` 0 – 0.6"
        # a range column with no names ("0 – 1 each") applies to the parameter column
        named |= set(with_range or re.findall(r"`([a-z_]+)`", parameters))
    assumptions = sorted(named & set(ASSUMPTION_FIELDS))
    assert len(assumptions) >= 15, assumptions
    for name in assumptions:
        f = space.factor(name)
        off = min(0.0, Params.model_fields[name].default)
        assert f.low <= max(off, 1.0 if f.integer else 0.0), (name, f.low, f.high)
