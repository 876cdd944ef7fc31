"""Validation (``lean-sim-validate``): the quick check gives the pinned verdicts, the criteria can
fail, the figures show numbers recomputed independently from the stored runs, and the runs are
sweep cells that a rerun reuses."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats as sps

from experiments.validation import (
    _model,
    capability_trap,
    commitment_tipping,
    diffusion,
    render,
    verdict_map,
    verdicts,
    worse_before_better,
)
from experiments.validation.cli import main
from experiments.validation.design import QUICK, Criterion, Judgement
from experiments.validation.grid import Grid
from sim import Params, run

PATTERN_KEYS = tuple(p.KEY for p in render.PATTERNS)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """``lean-sim-validate --check --quick`` once, its runs kept for the other tests."""
    out = tmp_path_factory.mktemp("validation")
    args = ["--check", "--quick", "--out", str(out), "--results", str(out / "runs"), "--quiet"]
    code = main(args)
    return SimpleNamespace(code=code, out=out, runs=out / "runs", doc=out / "validation.md")


@pytest.fixture(scope="module")
def outcomes(quick):
    """The quick patterns again, from the stored cells (nothing is rerun)."""
    return {o.key: o for o in render.evaluate(QUICK, Grid(quick.runs, jobs=1))}


# --- the check that `make test` runs --------------------------------------------------------
@pytest.mark.slow
def test_quick_check_gives_the_pinned_verdicts(quick):
    """A change that flips a quick verdict fails here; update verdicts.yaml with the reason."""
    assert quick.code == 0


def test_pins_cover_every_pattern_in_both_designs_with_a_reason():
    for design in ("full", "quick"):
        pins = verdicts.load(design, patterns=PATTERN_KEYS)
        assert set(pins) == set(PATTERN_KEYS), design
        assert all(len(p.reason) > 20 for p in pins.values())


def test_quick_pins_hold_a_pass_and_a_fail():
    """So that both 'every verdict PASS' and 'every verdict FAIL' bugs fail the check."""
    assert {p.verdict for p in verdicts.load("quick").values()} == {"PASS", "FAIL"}


@pytest.mark.slow
def test_a_changed_verdict_exits_non_zero_naming_the_pattern(quick, tmp_path, capsys):
    pins = yaml.safe_load(verdicts.PINS.read_text(encoding="utf-8"))
    trap = pins["quick"]["capability_trap"]
    assert trap["verdict"] == "PASS"
    trap.update(verdict="FAIL", criteria=["FAIL", *trap["criteria"][1:]])
    # the same verdict for another reason is a change too
    diffusion_ = pins["quick"]["diffusion"]
    assert diffusion_["verdict"] == "FAIL" and diffusion_["criteria"][0] == "PASS"
    diffusion_["criteria"] = ["FAIL", *diffusion_["criteria"][1:]]
    path = tmp_path / "pins.yaml"
    path.write_text(yaml.safe_dump(pins), encoding="utf-8")
    capsys.readouterr()
    args = ["--check", "--quick", "--out", str(tmp_path), "--results", str(quick.runs)]
    assert main([*args, "--verdicts", str(path), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "2 verdict(s) differ" in err
    assert "capability_trap: pinned FAIL, now PASS" in err
    assert "diffusion: pinned FAIL, now FAIL (criteria pinned ['FAIL', " in err
    assert "worse_before_better" not in err  # only the changed ones are named


def test_a_malformed_pins_file_is_named_before_any_run(tmp_path, capsys):
    path = tmp_path / "pins.yaml"
    path.write_text("quick:\n  diffusion: {verdict: MAYBE}\n  nonsense: {verdict: PASS}\n")
    assert main(["--check", "--quick", "--verdicts", str(path), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "quick.diffusion.verdict='MAYBE'" in err and "quick.nonsense: unknown pattern" in err
    assert "quick.diffusion.reason" in err
    assert not (tmp_path / "validation.md").exists()


def test_check_refuses_designs_without_pins(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--check", "--quick", "--preset", "calibrated"])
    assert stop.value.code == 2
    assert "--check compares with the pins" in capsys.readouterr().err


def test_verdict_changes_name_new_lost_and_flipped_patterns():
    pins = {"a": verdicts.Pin("PASS", "r"), "b": verdicts.Pin("FAIL", "r", ("PASS", "FAIL"))}
    found = {"a": verdicts.Found("FAIL", ("FAIL",)), "c": verdicts.Found("PASS", ())}
    assert [c.describe() for c in verdicts.changes(pins, found)] == [
        "a: pinned PASS, now FAIL",
        "c: now PASS, but not pinned",
        "b: pinned FAIL, but no such pattern ran",
    ]
    same = {"a": verdicts.Found("PASS", ("PASS",)), "b": verdicts.Found("FAIL", ("PASS", "FAIL"))}
    assert verdicts.changes(pins, same) == []
    other_reason = {**same, "b": verdicts.Found("FAIL", ("FAIL", "PASS"))}
    assert [c.key for c in verdicts.changes(pins, other_reason)] == ["b"]


# --- criteria can fail ----------------------------------------------------------------------
def test_a_failed_judged_criterion_fails_the_pattern_but_a_diagnostic_does_not():
    ok, bad = Criterion("a", "1", True), Criterion("b", "2", False)
    assert Judgement((ok, replace(bad, judged=False))).verdict == "PASS"
    assert Judgement((ok, bad)).verdict == "FAIL"
    assert Judgement((ok, bad)).score == "1/2"


@pytest.mark.slow
def test_the_capability_trap_fails_when_pressure_no_longer_cuts_improvement_time(quick):
    """Planted bug of issue 16: pressure_cut = 0 (the trap's strength). The quick design
    passes with the trap and must fail without it."""
    grid = Grid(quick.runs, jobs=2)
    with_trap = capability_trap.setting(QUICK)
    judged = capability_trap.judge(capability_trap.run(with_trap, grid), with_trap)
    assert judged.verdict == "PASS"
    without = capability_trap.setting(replace(QUICK, preset_values={"pressure_cut": 0.0}))
    judged = capability_trap.judge(capability_trap.run(without, grid), without)
    assert judged.verdict == "FAIL"
    assert not judged.criteria[0].passed  # none, trap on: capability no longer falls


# --- the figures show numbers recomputed from the stored runs -------------------------------
def stored_runs(directory: Path) -> pd.DataFrame:
    """Every stored run (one row per cell and replicate) with its cell's parameters (``p_*``),
    read straight from the cell files, independently of the validation code."""
    frames = []
    for manifest in sorted((directory / "cells").glob("*/manifest.json")):
        params = json.loads(manifest.read_text())["params"]
        summary = pd.read_parquet(manifest.parent / "summary.parquet")
        values = pd.DataFrame([{f"p_{k}": v for k, v in params.items()}] * len(summary))
        frames.append(pd.concat([summary, values], axis=1).assign(cell=manifest.parent.name))
    return pd.concat(frames, ignore_index=True)


def stored_cell(directory: Path, **values) -> str:
    """The folder name of the stored cell whose parameters are exactly ``values`` (else the
    defaults), at the quick design's size."""
    wanted = Params(n_teams=QUICK.n_teams, weeks=QUICK.weeks, **values).model_dump(mode="json")
    found = [
        m.parent.name
        for m in (directory / "cells").glob("*/manifest.json")
        if json.loads(m.read_text())["params"] == wanted
    ]
    assert len(found) == 1, (values, found)
    return found[0]


def stored_series(directory: Path, cell: str) -> pd.DataFrame:
    return pd.read_parquet(directory / "cells" / cell / "series.parquet")


def t_interval(x: np.ndarray) -> tuple[float, float, float]:
    if sps.sem(x) == 0:  # every pair differs by the same amount: a zero-width interval
        return float(x.mean()), float(x.mean()), float(x.mean())
    lo, hi = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
    return float(x.mean()), float(lo), float(hi)


def test_verdict_map_shows_the_paired_differences_of_the_stored_runs(quick, outcomes):
    """Each heatmap cell is the mean over seeds of embedded minus centralized, as stored."""
    o = outcomes["verdict_map"]
    runs = stored_runs(quick.runs)
    runs = runs[runs["p_weeks"] == QUICK.weeks]
    fig = render.draw(o)
    for ax, measure in zip(fig.axes, verdict_map.DRAWN, strict=False):
        shown = np.asarray(ax.images[0].get_array())
        for i, res in enumerate(o.setting.resistance):
            for j, pd_ in enumerate(o.setting.power_distance):
                at = (runs["p_resistance"] == res) & (runs["p_power_distance"] == pd_)
                emb = runs[at & (runs["p_strategy"] == "embedded")].set_index("seed")[measure]
                cen = runs[at & (runs["p_strategy"] == "centralized")].set_index("seed")[measure]
                diff = (emb - cen.reindex(emb.index)).to_numpy(float)
                assert len(diff) == QUICK.replicates
                assert shown[i, j] == pytest.approx(diff.mean()), (measure, res, pd_)
                text = next(t for t in ax.texts if t.get_position() == (j, i)).get_text()
                assert ("(ns)" in text) == (t_interval(diff)[1] <= 0 <= t_interval(diff)[2])


def test_worse_before_better_shows_the_weekly_paired_difference(quick, outcomes):
    o = outcomes["worse_before_better"]
    fig = render.draw(o)
    for ax, (treated, control, _) in zip(
        fig.axes, worse_before_better.CONTRASTS.values(), strict=True
    ):
        weekly = [
            stored_series(quick.runs, stored_cell(quick.runs, **arm)).pivot(
                index="replicate", columns="week", values="performance"
            )
            for arm in (treated, control)
        ]
        expected = (weekly[0] - weekly[1]).mean(axis=0).to_numpy()[1:]
        x, y = ax.lines[0].get_data()
        np.testing.assert_allclose(x, np.arange(1, QUICK.weeks + 1))
        np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


def test_the_tipping_figure_draws_the_watched_commitment(quick, outcomes):
    o = outcomes["commitment_tipping"]
    cell = stored_cell(quick.runs, strategy="none")
    none = pd.read_parquet(quick.runs / "cells" / cell / "summary.parquet")
    none = none[none["replicate"] < QUICK.replicates]
    fig = render.draw(o)
    stairs = fig.axes[0].patches[list(commitment_tipping.VARIANTS).index("none")]
    np.testing.assert_allclose(stairs.get_data().values, none[_model.bin_columns()].mean(axis=0))
    table = o.result.polar.set_index("variant")
    assert table.loc["none", "undecided (0.1 < c < 0.9)"] == pytest.approx(
        none["watch_undecided"].mean()
    )


# --- the document ---------------------------------------------------------------------------
def test_document_gives_each_pattern_its_verdict_criteria_figure_and_numbers(quick):
    text = quick.doc.read_text(encoding="utf-8")
    pins = verdicts.load("quick")
    sections = re.split(r"\n## \d ", text)[1:]
    assert len(sections) == len(PATTERN_KEYS)
    for key, section in zip(PATTERN_KEYS, sections, strict=True):
        verdict = re.search(r"\*\*Verdict:\*\* \*\*(PASS|FAIL)\*\*", section).group(1)
        assert verdict == pins[key].verdict
        results = re.findall(r"\| \*\*(PASS|FAIL)\*\* \|$", section, flags=re.M)
        assert results and (verdict == "PASS") == all(r == "PASS" for r in results)
        assert f"](figures/validation/{key}.png)" in section
        assert (quick.out / "figures" / "validation" / f"{key}.png").read_bytes()[:4] == (
            b"\x89PNG"
        )
    assert "The calibration has not been run" not in text or "lean-sim-calibrate" in text


def test_calibration_section_is_embedded_with_links_relative_to_the_document(tmp_path):
    """lean-sim-calibrate writes links relative to docs/; a document elsewhere re-aims them."""
    calibration = tmp_path / "results" / "calibration"
    calibration.mkdir(parents=True)
    (calibration / render.CALIBRATION_SECTION).write_text(
        "## Calibration\n\nFit ![fit](../results/calibration/fit.png), "
        "[data](../results/calibration/), [paper](https://example.org/x), [top](#calibration)."
        "\n\n### Held out\n\n```\n# not a heading\n```\n"
    )
    docs = tmp_path / "docs"
    same = "\n".join(render.calibration_section(calibration, docs, links_from=docs))
    assert "![fit](../results/calibration/fit.png)" in same
    elsewhere = tmp_path / "scratch" / "check"
    text = "\n".join(render.calibration_section(calibration, elsewhere, links_from=docs))
    assert "![fit](../../results/calibration/fit.png)" in text
    assert "[data](../../results/calibration)" in text
    assert "(https://example.org/x)" in text and "(#calibration)" in text
    assert "\n### Calibration\n" in text and "\n#### Held out\n" in text
    assert "\n# not a heading\n" in text
    missing = "\n".join(render.calibration_section(tmp_path / "nowhere", tmp_path))
    assert "The calibration has not been run" in missing


# --- the pieces -----------------------------------------------------------------------------
def test_a_watched_run_is_the_same_run_as_sim_run():
    """The one accessor of model internals must not change the run it watches."""
    params = Params(n_teams=24, weeks=40, strategy="centralized")
    plain, watched = run(params, seed=5), _model.watched_run(params, seed=5)
    pd.testing.assert_frame_equal(plain.summary, watched.summary[plain.summary.columns])
    pd.testing.assert_frame_equal(plain.series, watched.series[plain.series.columns])
    shares = watched.summary[_model.bin_columns()].to_numpy().sum()
    assert shares == pytest.approx(1.0)
    assert watched.series[_model.TRIED].is_monotonic_increasing or params.weeks < 2


def test_grid_reuses_stored_cells_and_grows_replicates(tmp_path):
    said: list[str] = []
    grid = Grid(tmp_path, jobs=1, say=said.append)
    points = [Params(n_teams=12, weeks=10, strategy=s) for s in ("none", "embedded")]
    first = grid.runs(points, 2, "t")
    assert "2 cells to run" in said[0]
    again = grid.runs(points, 2, "t")
    assert "0 cells to run" in said[-1]
    pd.testing.assert_frame_equal(first[1].summary, again[1].summary)
    assert first[0].seeds == first[1].seeds  # same world, same organizations
    more = grid.runs(points, 3, "t")
    assert len(more[0].summary) == 3
    pd.testing.assert_frame_equal(
        more[0].summary[more[0].summary["replicate"] < 2].reset_index(drop=True),
        first[0].summary.reset_index(drop=True),
    )


def test_a_changed_watcher_reruns_the_stored_cells(tmp_path):
    points = [Params(n_teams=12, weeks=10)]
    Grid(tmp_path, jobs=1).runs(points, 2)
    (tmp_path / "cells" / ".runner.json").write_text(json.dumps({"digest": "old"}))
    said: list[str] = []
    Grid(tmp_path, jobs=1, say=said.append).runs(points, 2)
    assert any("rerunning" in s for s in said) and "1 cells to run" in said[-2]


def test_bass_fit_recovers_known_coefficients():
    years = np.arange(1, 16, dtype=float)
    fit = diffusion.fit_bass(years, diffusion.bass_cumulative(years, 0.03, 0.38))
    assert fit["p"] == pytest.approx(0.03, rel=1e-3) and fit["q"] == pytest.approx(0.38, rel=1e-3)
    assert fit["r2"] > 0.999
    assert fit["inflection_years"] == pytest.approx(np.log(0.38 / 0.03) / 0.41, rel=1e-3)


def test_tipping_fit_measures_a_narrow_fall_as_narrow():
    x = np.linspace(0, 1, 21)
    sharp = commitment_tipping.fit_tipping(x, 1 / (1 + np.exp((x - 0.4) / 0.02)))
    assert sharp["width"] == pytest.approx(2 * np.log(9) * 0.02, rel=0.05)
    assert sharp["x0"] == pytest.approx(0.4, abs=0.01)
    assert commitment_tipping.fit_tipping(x, 1 - x)["width"] > 0.5
