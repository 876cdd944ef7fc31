"""Figures: each one draws from a small results folder, or says clearly why it does not apply;
the statistics behind them; and the committed headline results still match the code."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fixtures_results import results_folder
from scipy import stats as sps

import sim
from experiments import (
    fig1_over_time,
    fig2_gap_heatmap,
    fig3_pmo_life,
    fig4_pilot_sustainment,
    fig5_ablation,
    fig6_countries,
    fig7_surgical_strikes,
    style,
)
from experiments.results import (
    Results,
    ResultsError,
    SkipFigure,
    compact_summary,
    significant,
    summarize_series,
)
from sim.stats import grouped_mean_ci, mean_ci, paired_effect

ROOT = Path(__file__).resolve().parents[2]
HEADLINE = ROOT / "results" / "headline"


@pytest.fixture(scope="session")
def folder(tmp_path_factory):
    root = tmp_path_factory.getbasetemp() / "report_fixture_results"
    return lambda name: results_folder(root, name)


# --- statistics --------------------------------------------------------------------------------
def test_mean_ci_is_the_t_interval_and_ignores_nan():
    x = [0.2, 0.5, np.nan, 0.4, 0.9]
    got = mean_ci(x)
    clean = np.array([0.2, 0.5, 0.4, 0.9])
    lo, hi = sps.t.interval(0.95, len(clean) - 1, loc=clean.mean(), scale=sps.sem(clean))
    assert got["n"] == 4
    assert got["mean"] == pytest.approx(clean.mean())
    assert (got["lo"], got["hi"]) == pytest.approx((lo, hi))


def test_mean_ci_of_one_value_has_no_interval():
    got = mean_ci([3.0])
    assert got["mean"] == 3.0 and got["n"] == 1
    assert np.isnan(got["lo"]) and np.isnan(got["hi"])


def test_grouped_mean_ci_matches_mean_ci_per_group():
    frame = pd.DataFrame({"g": ["a", "a", "a", "b", "b"], "v": [1.0, 2.0, 4.0, 3.0, np.nan]})
    table = grouped_mean_ci(frame, ["g"], "v").set_index("g")
    for g in ("a", "b"):
        expected = mean_ci(frame.loc[frame["g"] == g, "v"])
        assert table.loc[g, "n"] == expected["n"]
        np.testing.assert_allclose(
            table.loc[g, ["mean", "lo", "hi"]].astype(float),
            [expected["mean"], expected["lo"], expected["hi"]],
            equal_nan=True,
        )


def test_paired_effect_is_cohens_dz():
    diffs = np.array([0.1, 0.3, 0.2, 0.6])
    got = paired_effect(diffs)
    assert got["d_z"] == pytest.approx(diffs.mean() / diffs.std(ddof=1))
    assert np.isnan(paired_effect([0.2, 0.2, 0.2])["d_z"])  # no spread: undefined, not infinite


# --- conditions and pairs -----------------------------------------------------------------------
def test_conditions_are_the_varying_non_strategy_parameters(folder):
    results = Results.load(folder("headline"))
    assert results.condition_columns == ["power_distance", "resistance"]
    assert results.strategies == list(sim.STRATEGIES)


def test_reference_condition_prefers_the_model_default():
    default_pd = sim.Params.model_fields["power_distance"].default
    runs = pd.DataFrame(
        {
            "run_id": list("abcd"),
            "cell_id": list("abcd"),
            "replicate": 0,
            "strategy": "embedded",
            "power_distance": [0.1, default_pd, 0.9, default_pd],
            "resistance": [0.5, 0.5, 0.5, 0.9],
        }
    )
    ref = Results(Path("."), runs).reference_condition()
    assert ref == {"power_distance": default_pd, "resistance": 0.5}


def test_pairs_share_the_seed_and_differences_are_per_replicate(folder):
    results = Results.load(folder("headline"))
    diffs = results.paired_differences("net_value", "embedded", "centralized")
    runs = results.runs
    assert len(diffs) == len(runs[runs["strategy"] == "embedded"])
    for _, d in diffs.head(4).iterrows():
        at = (
            (runs["power_distance"] == d["power_distance"])
            & (runs["resistance"] == d["resistance"])
            & (runs["replicate"] == d["replicate"])
        )
        e = runs[at & (runs["strategy"] == "embedded")].iloc[0]
        c = runs[at & (runs["strategy"] == "centralized")].iloc[0]
        assert e["seed"] == c["seed"]
        assert d["diff"] == pytest.approx(e["net_value"] - c["net_value"])


def test_series_summary_is_the_mean_and_ci_of_the_raw_series(folder):
    path = folder("headline")
    summary = Results.load(path).series_summary
    series = pd.read_parquet(path / "series.parquet")
    cell = series["cell_id"].iloc[0]
    raw = series[(series["cell_id"] == cell) & (series["week"] == 52)]["ownership"]
    row = summary[(summary["cell_id"] == cell) & (summary["week"] == 52)]
    row = row[row["measure"] == "ownership"].iloc[0]
    expected = mean_ci(raw)
    assert row["n"] == expected["n"] == raw.notna().sum()
    assert row[["mean", "lo", "hi"]].astype(float).tolist() == pytest.approx(
        [expected["mean"], expected["lo"], expected["hi"]],
        rel=1e-3,  # 4 significant digits
    )
    assert (path / "series_summary.parquet").is_file()


def test_load_names_the_missing_folder_and_file(tmp_path):
    with pytest.raises(ResultsError, match="no such results folder"):
        Results.load(tmp_path / "nope")
    with pytest.raises(ResultsError, match=r"no runs\.parquet"):
        Results.load(tmp_path)


# --- each figure --------------------------------------------------------------------------------
DRAWS = [
    (fig1_over_time, "headline"),
    (fig2_gap_heatmap, "headline"),
    (fig3_pmo_life, "headline"),
    (fig4_pilot_sustainment, "headline"),
    (fig5_ablation, "ablation"),
    (fig6_countries, "countries"),
    (fig7_surgical_strikes, "surgical_strikes"),
]


@pytest.mark.parametrize(("module", "experiment"), DRAWS, ids=[m.NAME for m, _ in DRAWS])
def test_each_figure_writes_png_and_pdf_with_a_caption(folder, module, experiment):
    results = Results.load(folder(experiment))
    result = module.plot(results)
    assert sorted(p.suffix for p in result.paths) == [".pdf", ".png"]
    assert all(path.parent == results.figures_dir for path in result.paths)
    assert result.paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.paths[1].read_bytes()[:5] == b"%PDF-"
    assert "n = " in result.caption and "95% CI" in result.caption


# --- each figure shows numbers recomputed independently from the results files -----------------
# The expected values below come straight from runs.parquet / series.parquet / pilots.parquet:
# pairs are matched by their shared seed and intervals come from scipy, not from the figure code.
def t_interval(x) -> tuple[float, float, float]:
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if sps.sem(x) == 0:  # every pair differs by the same amount: a zero-width interval
        return float(x.mean()), float(x.mean()), float(x.mean())
    lo, hi = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
    return float(x.mean()), float(lo), float(hi)


def seed_pairs(runs: pd.DataFrame, outcome: str, by: list[str], a: str, b: str) -> pd.Series:
    """``outcome`` of strategy a minus that of b, matched on ``by`` and the seed."""
    key = [*by, "seed"]
    ta = runs[runs["strategy"] == a].set_index(key)[outcome]
    tb = runs[runs["strategy"] == b].set_index(key)[outcome]
    return (ta - tb.reindex(ta.index)).dropna()


def test_heatmap_cells_are_the_paired_differences_of_the_runs(folder):
    """Flip the sign of the heatmap (or pair the wrong runs) and this fails."""
    results = Results.load(folder("headline"))
    runs = pd.read_parquet(results.path / "runs.parquet")
    fig = fig2_gap_heatmap.plot(results).figure
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title().split(":")[0] for ax in panels] == ["sustained adoption", "net value"]
    xs, ys = sorted(runs["resistance"].unique()), sorted(runs["power_distance"].unique())
    for ax, outcome in zip(panels, fig2_gap_heatmap.OUTCOMES, strict=True):
        by = ["resistance", "power_distance"]
        diffs = seed_pairs(runs, outcome, by, "embedded", "centralized")
        shown = np.asarray(ax.images[0].get_array())
        scale = 1000.0 if "thousand" in ax.images[0].colorbar.ax.get_ylabel() else 1.0
        for (res, pd_), d in diffs.groupby(level=["resistance", "power_distance"]):
            mean, lo, hi = t_interval(d)
            i, j = ys.index(pd_), xs.index(res)
            assert shown[i, j] * scale == pytest.approx(mean, rel=1e-9, abs=1e-12)
            text = next(t.get_text() for t in ax.texts if t.get_position() == (j, i))
            printed = [float(v) for v in re.findall(r"[+-]\d+(?:\.\d+)?", text)]
            digits = len(text.split("\n")[0].split(".")[1]) if "." in text else 0
            tol = 0.5 * 10**-digits + 1e-12
            assert printed == pytest.approx([mean / scale, lo / scale, hi / scale], abs=tol)
            hatched = any(p.get_hatch() and p.get_xy() == (j - 0.5, i - 0.5) for p in ax.patches)
            assert hatched == (lo <= 0 <= hi)


def test_time_figures_draw_the_weekly_means_of_the_series(folder):
    results = Results.load(folder("headline"))
    series = pd.read_parquet(results.path / "series.parquet")
    runs = pd.read_parquet(results.path / "runs.parquet")
    ref = results.reference_condition()
    at = np.ones(len(runs), dtype=bool)
    for k, v in ref.items():
        at &= (runs[k] == v).to_numpy()
    cells = runs[at].drop_duplicates("cell_id").set_index("strategy")["cell_id"]
    figures = {m: m.plot(results).figure for m in (fig1_over_time, fig3_pmo_life)}
    for module, measure, strategies in (
        (fig1_over_time, "own_adoption", list(sim.STRATEGIES)),
        (fig1_over_time, "ownership", list(sim.STRATEGIES)),
        (fig1_over_time, "performance", list(sim.STRATEGIES)),
        (fig3_pmo_life, "pmo_headcount", fig3_pmo_life.offices(results)),
        (fig3_pmo_life, "pmo_morale", fig3_pmo_life.offices(results)),
    ):
        ax = next(a for a in figures[module].axes if a.get_ylabel() == style.label(measure))
        assert len(ax.lines) >= len(strategies)
        for line, strategy in zip(ax.lines, strategies, strict=False):
            weekly = series[series["cell_id"] == cells[strategy]].groupby("week")[measure].mean()
            x, y = line.get_data()
            np.testing.assert_allclose(x, weekly.index)
            np.testing.assert_allclose(y, weekly, rtol=1e-3, atol=1e-6)  # 4 digits kept


def test_pilot_figure_shows_each_runs_share_of_pilots_sustained(folder):
    results = Results.load(folder("headline"))
    pilots = pd.read_parquet(results.path / "pilots.parquet")
    runs = pd.read_parquet(results.path / "runs.parquet")
    fig = fig4_pilot_sustainment.plot(results).figure
    facets = sorted(runs["resistance"].unique())
    ref_pd = results.reference_condition()["power_distance"]
    checked = 0
    for ax, res in zip(fig.axes, facets, strict=False):
        for container in ax.containers:
            strategy = container.get_label()
            arm = (runs["strategy"] == strategy) & (runs["resistance"] == res)
            ids = runs[arm & (runs["power_distance"] == ref_pd)]["run_id"]
            share = pilots[pilots["run_id"].isin(ids)].groupby("run_id")["sustained_1y"].mean()
            x, y = container.lines[0].get_data()
            k = int(np.argmin(np.abs(np.asarray(x) - 52)))  # the 1-year point (dodged)
            assert y[k] == pytest.approx(share.mean())
            checked += 1
    assert checked >= 2


def test_ablation_points_are_the_changes_of_the_paired_gap(folder):
    results = Results.load(folder("ablation"))
    runs = pd.read_parquet(results.path / "runs.parquet")
    fig = fig5_ablation.plot(results).figure
    ax = fig.axes[0]  # sustained adoption
    full = runs["escape_hatch"] & runs["peer_diffusion"]
    gap_full = seed_pairs(runs[full], "sustained_adoption", [], "embedded", "centralized")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    points = np.concatenate([c.get_offsets() for c in ax.collections if len(c.get_offsets())])
    x_at = {round(float(y)): float(x) for x, y in points}
    for mechanism in ("escape_hatch", "peer_diffusion"):
        off = runs[~runs[mechanism]]
        gap_off = seed_pairs(off, "sustained_adoption", [], "embedded", "centralized")
        change = (gap_off - gap_full.reindex(gap_off.index)).to_numpy()
        y = ax.get_yticks()[labels.index(style.MECHANISM_LABELS[mechanism])]
        assert x_at[round(y)] == pytest.approx(change.mean())


def test_country_and_surgical_strike_figures_show_the_means_of_their_runs(folder):
    results = Results.load(folder("countries"))
    runs = pd.read_parquet(results.path / "runs.parquet")
    ax = fig6_countries.plot(results).figure.axes[0]  # sustained adoption
    countries = runs.drop_duplicates("culture").sort_values(["power_distance", "culture"])
    for container in ax.containers:
        strategy = container.get_label()
        _, y = container.lines[0].get_data()
        expected = [
            runs[(runs["culture"] == c) & (runs["strategy"] == strategy)][
                "sustained_adoption"
            ].mean()
            for c in countries["culture"]
        ]
        np.testing.assert_allclose(np.asarray(y, dtype=float), expected)

    results = Results.load(folder("surgical_strikes"))
    runs = pd.read_parquet(results.path / "runs.parquet")
    fig = fig7_surgical_strikes.plot(results).figure
    ax = next(a for a in fig.axes if a.get_title(loc="left") == "net value over the run")
    for container in ax.containers:
        strategy, where = container.get_label().split(", ")
        to_line = where == "budget to line"
        _, y = container.lines[0].get_data()
        arm = (runs["strategy"] == strategy) & (runs["policy_budget_to_line_after_pmo"] == to_line)
        expected = runs[arm].groupby("sunset_week")["net_value"].mean()
        np.testing.assert_allclose(np.asarray(y, dtype=float), expected.to_numpy())


SKIPS = [
    (fig2_gap_heatmap, "countries", "resistance"),
    (fig5_ablation, "headline", "mechanisms switched off"),
    (fig6_countries, "headline", "culture preset"),
    (fig7_surgical_strikes, "headline", "deadline"),
    (fig3_pmo_life, "ablation_embedded_only", "no strategy in this experiment runs a PMO"),
]


@pytest.mark.parametrize(("module", "experiment", "reason"), SKIPS, ids=[s[0].NAME for s in SKIPS])
def test_a_figure_that_does_not_apply_says_why(folder, tmp_path, module, experiment, reason):
    if experiment == "ablation_embedded_only":
        path = shutil.copytree(folder("ablation"), tmp_path / "embedded_only")
        runs = pd.read_parquet(path / "runs.parquet")
        runs[runs["strategy"] == "embedded"].to_parquet(path / "runs.parquet")
    else:
        path = folder(experiment)
    with pytest.raises(SkipFigure, match=reason):
        module.plot(Results.load(path))


def test_heatmap_marks_cells_whose_interval_includes_zero(folder):
    table = fig2_gap_heatmap.gap_table(Results.load(folder("headline")))
    assert len(table) == 2 * 2 * 2  # two outcomes on a 2 x 2 grid
    for _, row in table.iterrows():
        assert row["includes_zero"] == (bool(np.isnan(row["lo"])) or row["lo"] <= 0 <= row["hi"])


def test_ablation_change_is_the_paired_gap_difference(folder):
    results = Results.load(folder("ablation"))
    table = fig5_ablation.ablation_table(results, outcomes=("net_value",))
    runs = results.runs

    def gap(off: str | None) -> pd.Series:
        sel = runs["escape_hatch"] & runs["peer_diffusion"]
        if off:
            sel = ~runs[off]
        g = runs[sel].pivot_table(index="replicate", columns="strategy", values="net_value")
        return g["embedded"] - g["centralized"]

    expected = (gap("escape_hatch") - gap(None)).mean()
    row = table[(table["variant"] == "escape_hatch") & (table["what"] == "change")].iloc[0]
    assert row["mean"] == pytest.approx(expected)
    assert row["n"] == runs["replicate"].nunique()


def test_figures_redraw_from_committed_tables_without_raw_series(folder, tmp_path):
    """A reader with only the committed files (no series.parquet, no pilots.parquet) can redraw."""
    path = shutil.copytree(folder("headline"), tmp_path / "committed")
    Results.load(path).series_summary  # noqa: B018 (writes series_summary.parquet)
    (path / "series.parquet").unlink()
    (path / "pilots.parquet").unlink()
    shutil.rmtree(path / "figures", ignore_errors=True)
    results = Results.load(path)
    for module in (fig1_over_time, fig3_pmo_life, fig4_pilot_sustainment):
        assert all(p.stat().st_size > 0 for p in module.plot(results).paths)


def test_figure_command_line(folder, capsys, tmp_path):
    assert fig6_countries.main([str(folder("countries"))]) == 0
    assert "fig6_countries.png" in capsys.readouterr().out
    assert fig6_countries.main([str(folder("headline"))]) == 0
    assert "skipped: needs runs under more than one culture preset" in capsys.readouterr().out
    assert fig6_countries.main([str(tmp_path / "missing")]) == 2
    assert "no such results folder" in capsys.readouterr().err


def test_significant_digits_rounding():
    x = np.array([123456.0, 0.00123456, -0.987654, 0.0, np.nan])
    expected = [123500.0, 0.001235, -0.9877, 0.0, np.nan]
    np.testing.assert_allclose(significant(x, 4), expected, rtol=1e-12)


def test_compact_summary_drops_pmo_rows_of_cells_without_an_office(folder):
    results = Results.load(folder("headline"))
    summary = results.series_summary
    embedded = results.runs.loc[results.runs["strategy"] == "embedded", "cell_id"].iloc[0]
    centralized = results.runs.loc[results.runs["strategy"] == "centralized", "cell_id"].iloc[0]
    assert not summary[summary["cell_id"] == embedded]["measure"].str.startswith("pmo_").any()
    assert (summary[summary["cell_id"] == centralized]["measure"] == "pmo_headcount").any()
    assert (summary[summary["cell_id"] == embedded]["measure"] == "adoption").any()


def test_summarize_series_keeps_only_known_measures():
    series = pd.DataFrame(
        {"cell_id": "c", "strategy": "none", "week": [0, 0, 1, 1], "adoption": [0.1, 0.3, 0.2, 0.4]}
    )
    out = summarize_series(series)
    assert set(out["measure"]) == {"adoption"}
    assert out["mean"].tolist() == pytest.approx([0.2, 0.3])


# --- the committed headline ---------------------------------------------------------------------
def _params_of(row: pd.Series) -> sim.Params:
    values = {}
    for name in sim.Params.model_fields:
        if name not in row.index:
            continue
        v = row[name]
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue  # an unset policy override: the strategy's preset
        values[name] = v.item() if isinstance(v, np.generic) else v
    return sim.Params(**values)


@pytest.mark.skipif(
    not (HEADLINE / "runs.parquet").is_file(),
    reason="results/headline/runs.parquet is not committed yet (make run writes it; the lead "
    "commits the canonical headline, then this test guards it)",
)
def test_committed_headline_reproduces_from_its_parameters_and_seeds():
    """Rerun a few committed runs and one whole cell: the same numbers, or the results drifted."""
    results = Results.load(HEADLINE)
    runs = results.runs
    picks = runs.groupby("strategy", sort=False).head(1)
    picks = picks[picks["strategy"].isin(["centralized", "embedded", "hybrid"])]
    summary_cols = [c for c in sim.run(sim.Params(n_teams=2, weeks=1)).summary.columns]
    summary_cols = [c for c in summary_cols if c not in ("strategy", "seed") and c in runs]
    # text columns such as pmo_end_reason are compared as text
    text_cols = [c for c in summary_cols if not pd.api.types.is_numeric_dtype(runs[c])]
    summary_cols = [c for c in summary_cols if c not in text_cols]
    for _, row in picks.iterrows():
        fresh = sim.run(_params_of(row), seed=int(row["seed"])).summary.iloc[0]
        for c in text_cols:
            assert (fresh[c] or "") == (row[c] or ""), (c, row["run_id"])
        np.testing.assert_allclose(
            fresh[summary_cols].astype(float),
            row[summary_cols].astype(float),
            rtol=1e-9,
            atol=1e-12,
            equal_nan=True,
            err_msg=f"run {row['run_id']} ({row['strategy']}) differs from results/headline: "
            "the model changed since the headline was made; rerun `make run` and commit "
            "results/headline",
        )

    # one whole cell against the committed per-week summary (what figures 1 and 3 draw)
    stored = pd.read_parquet(HEADLINE / "series_summary.parquet")
    cell = runs[runs["strategy"] == "embedded"]["cell_id"].iloc[0]
    members = runs[runs["cell_id"] == cell]
    series = pd.concat(
        [
            sim.run(_params_of(r), seed=int(r["seed"])).series.assign(
                cell_id=cell, strategy="embedded"
            )
            for _, r in members.iterrows()
        ]
    )
    fresh = compact_summary(summarize_series(series))
    keys = ["cell_id", "measure", "week"]
    both = stored[stored["cell_id"] == cell].merge(fresh, on=keys, suffixes=("", "_fresh"))
    assert len(both) == (fresh["cell_id"] == cell).sum()
    np.testing.assert_allclose(both["mean"], both["mean_fresh"], rtol=1e-9, atol=1e-12)
    assert (both["n"] == both["n_fresh"]).all()
