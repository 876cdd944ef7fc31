"""The report: every number in it is parsed back and recomputed from the tables, independently
of the report's own code (pairs are found by their shared seed, intervals by scipy)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from fixtures_results import results_folder
from scipy import stats as sps

import sim
from experiments import report
from experiments.figures import FIGURES
from experiments.results import Results

ROOT = Path(__file__).resolve().parents[2]
HEADLINE = ROOT / "results" / "headline"
NUMBER = r"[+-]?\d+(?:\.\d+)?"
CI = re.compile(rf"^({NUMBER}) \[({NUMBER}), ({NUMBER})\](?: \(n=(\d+)\))?$")
EFFECT = re.compile(rf"^({NUMBER}) \[({NUMBER}), ({NUMBER})\]; d_z ({NUMBER}|n/a); n (\d+)$")


@pytest.fixture(scope="session")
def written(tmp_path_factory):
    """The headline-like fixture folder with its report written (once)."""
    path = results_folder(tmp_path_factory.getbasetemp() / "report_fixture_results", "headline")
    report.write_report(path, today="2026-01-02")
    return path


# --- parsing the Markdown back ------------------------------------------------------------------
def sections(text: str, level: str) -> dict[str, str]:
    """{'heading': body} for the headings of one level ('## ' or '### ')."""
    parts = re.split(rf"^{level}(.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def table(body: str) -> list[dict[str, str]]:
    """The first Markdown table of ``body`` as a list of {header: cell}."""
    lines: list[str] = []
    for ln in body.splitlines():
        if ln.startswith("|"):
            lines.append(ln)
        elif lines:
            break
    cells = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]
    header, rows = cells[0], cells[2:]
    return [dict(zip(header, r, strict=True)) for r in rows]


def decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def assert_printed(text: str, value: float) -> None:
    """``text`` is ``value`` rounded to the decimals it shows."""
    tolerance = 0.5 * 10 ** -decimals(text) + 1e-9
    assert abs(float(text) - value) <= tolerance, (text, value)


def t_interval(x: np.ndarray) -> tuple[float, float, float]:
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return float(x.mean()), np.nan, np.nan
    sem = sps.sem(x)
    if sem == 0:
        return float(x.mean()), float(x.mean()), float(x.mean())
    lo, hi = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sem)
    return float(x.mean()), float(lo), float(hi)


# --- the report's numbers -----------------------------------------------------------------------
def check_means(text: str, runs: pd.DataFrame, conditions: list[str]) -> int:
    """Every 'mean [lo, hi]' cell of the outcome tables equals the recomputed one; returns count."""
    body = sections(text, "## ")["Outcomes: means with 95% confidence intervals"]
    checked = 0
    for heading, part in sections(body, "### ").items():
        outcome = next(
            o for o in runs.columns if report.style.short(o) == heading.rsplit(" (", 1)[0]
        )
        for row in table(part):
            at = np.ones(len(runs), dtype=bool)
            for col in conditions:
                at &= runs[col].map(report.fmt_value) == row[col.replace("_", " ")]
            for strategy in runs["strategy"].unique():
                cell = row[strategy]
                values = runs.loc[at & (runs["strategy"] == strategy), outcome].to_numpy(float)
                if cell == report.MISSING:
                    assert np.isnan(values).all()
                    continue
                m = CI.match(cell.replace("[n/a]", "[nan, nan]")) or re.match(
                    rf"^({NUMBER}) \[n/a\](?: \(n=(\d+)\))?$", cell
                )
                assert m, cell
                mean, lo, hi = t_interval(values)
                assert_printed(m.group(1), mean)
                if "[n/a]" not in cell:
                    assert_printed(m.group(2), lo)
                    assert_printed(m.group(3), hi)
                n_text = m.groups()[-1]
                n = int((~np.isnan(values)).sum())
                assert (int(n_text) if n_text else len(values)) == n
                checked += 1
    return checked


def check_effects(text: str, runs: pd.DataFrame, conditions: list[str]) -> int:
    """Every paired effect equals the one recomputed by matching runs on their shared seed."""
    body = sections(text, "## ")["Paired effects"]
    checked = 0
    for heading, part in sections(body, "### ").items():
        short = heading.split(": difference in")[0]
        outcome = next(o for o in runs.columns if report.style.short(o) == short)
        for row in table(part):
            at = np.ones(len(runs), dtype=bool)
            for col in conditions:
                at &= runs[col].map(report.fmt_value) == row[col.replace("_", " ")]
            for contrast, cell in row.items():
                if " − " not in contrast or cell == report.MISSING:
                    continue
                treatment, control = contrast.split(" − ")
                t = runs[at & (runs["strategy"] == treatment)].set_index("seed")[outcome]
                c = runs[at & (runs["strategy"] == control)].set_index("seed")[outcome]
                diffs = (t - c.reindex(t.index)).dropna().to_numpy(float)
                m = EFFECT.match(cell)
                assert m, cell
                mean, lo, hi = t_interval(diffs)
                assert_printed(m.group(1), mean)
                assert_printed(m.group(2), lo)
                assert_printed(m.group(3), hi)
                assert int(m.group(5)) == len(diffs)
                if m.group(4) != "n/a":
                    assert_printed(m.group(4), diffs.mean() / diffs.std(ddof=1))
                checked += 1
    return checked


def test_report_means_equal_those_computed_from_runs(written):
    text = (written / "report.md").read_text(encoding="utf-8")
    runs = pd.read_parquet(written / "runs.parquet")
    assert check_means(text, runs, ["power_distance", "resistance"]) > 100


def test_report_paired_effects_equal_those_computed_from_seed_pairs(written):
    text = (written / "report.md").read_text(encoding="utf-8")
    runs = pd.read_parquet(written / "runs.parquet")
    assert check_effects(text, runs, ["power_distance", "resistance"]) > 50


def test_report_states_parameters_seeds_versions_and_files(written):
    text = (written / "report.md").read_text(encoding="utf-8")
    runs = pd.read_parquet(written / "runs.parquet")
    params = table(sections(text, "### ")["Every other parameter (constant in this experiment)"])
    by_name = {r["parameter"].strip("`"): r["value"].strip("*") for r in params}
    assert by_name["n_teams"] == str(runs["n_teams"].iloc[0])
    assert by_name["learn_rate"] == f"{runs['learn_rate'].iloc[0]:g}"
    assert "resistance ∈ {0.3, 0.7}" in text
    for seed in runs["seed"].unique():
        assert str(seed) in text
    assert f"of this report: {sim.__version__}" in text
    assert "report generated: 2026-01-02" in text
    assert "`runs.parquet`" in text and "`series_summary.parquet`" in text
    assert "n = 3 per cell" in text


def test_report_has_a_how_to_cite_line_from_citation_cff(written):
    text = (written / "report.md").read_text(encoding="utf-8")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    line = next(ln for ln in text.splitlines() if ln.startswith("**How to cite.**"))
    assert cff["title"] in line
    assert f"version {cff['version']}" in line
    assert "experiment `headline`" in line and "model version `fixture`" in line
    assert "@software{" in text


def test_report_shows_every_figure_that_applies_and_why_others_do_not(written):
    text = (written / "report.md").read_text(encoding="utf-8")
    for name in ("fig1_over_time", "fig2_gap_heatmap", "fig3_pmo_life"):
        assert f"](figures/{name}.png)" in text
        assert (written / "figures" / f"{name}.png").stat().st_size > 0
    assert "Figure 6 (Countries): not drawn, needs runs under more than one culture" in text
    drawn = re.findall(r"^### Figure (\d+)\. ", text, flags=re.M)
    skipped = re.findall(r"^- Figure (\d+) \(.+\): not drawn, ", text, flags=re.M)
    assert sorted(map(int, drawn + skipped)) == list(range(1, len(FIGURES) + 1))


def test_key_results_are_the_paired_effects_at_the_reference_condition(written):
    text = (written / "report.md").read_text(encoding="utf-8")
    runs = pd.read_parquet(written / "runs.parquet")
    body = sections(text, "## ")["Key results"]
    where = re.search(r"reference condition \(power distance (\S+), resistance (\S+)\)", body)
    at = (runs["power_distance"] == float(where.group(1))) & (
        runs["resistance"] == float(where.group(2))
    )
    lines = re.findall(r"^- \*\*(.+?)\*\* \(.+?\): (.+?); d_z (\S+); n (\d+)\. ", body, re.M)
    assert {line[0] for line in lines} >= {"sustained adoption", "net value"}
    for short, ci, _dz, n in lines:
        outcome = next(o for o in runs.columns if report.style.short(o) == short)
        t = runs[at & (runs["strategy"] == "embedded")].set_index("seed")[outcome]
        c = runs[at & (runs["strategy"] == "centralized")].set_index("seed")[outcome]
        diffs = (t - c.reindex(t.index)).to_numpy(float)
        m = re.match(rf"({NUMBER}) \[({NUMBER}), ({NUMBER})\]", ci)
        for printed, value in zip(m.groups(), t_interval(diffs), strict=True):
            assert_printed(printed, value)
        assert int(n) == len(diffs)
    counts = re.findall(
        r"clearly higher in (\d+), .+ clearly higher in (\d+), no clear "
        r"difference in (\d+)",
        body,
    )
    conditions = len(runs[["power_distance", "resistance"]].drop_duplicates())
    assert counts and all(sum(map(int, c)) == conditions for c in counts)


def test_html_is_self_contained(written):
    page = (written / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('src="data:image/png;base64,') >= 3
    assert 'src="figures/' not in page
    assert "<table>" in page and "How to cite." in page


def test_command_line_writes_an_ablation_report_naming_the_mechanism_off(tmp_path_factory, capsys):
    path = results_folder(tmp_path_factory.getbasetemp() / "report_fixture_results", "ablation")
    assert report.main([str(path)]) == 0
    assert "report.md" in capsys.readouterr().out
    text = (path / "report.md").read_text(encoding="utf-8")
    rows = table(sections(text, "### ")["net value (FTE-weeks)"])
    assert [r["mechanisms off"] for r in rows] == ["full model", "escape_hatch", "peer_diffusion"]
    assert "](figures/fig5_ablation.png)" in text


def test_command_line_names_a_missing_folder(tmp_path, capsys):
    assert report.main([str(tmp_path / "nowhere")]) == 2
    assert "no such results folder" in capsys.readouterr().err


@pytest.mark.skipif(
    not (HEADLINE / "report.md").is_file(),
    reason="results/headline/report.md is not committed yet (make run writes it)",
)
def test_committed_headline_report_equals_its_committed_tables():
    text = (HEADLINE / "report.md").read_text(encoding="utf-8")
    results = Results.load(HEADLINE)
    conditions = report.display_columns(results)
    assert check_means(text, results.runs, conditions) > 0
    assert check_effects(text, results.runs, conditions) > 0


def test_companion_studies_beside_the_folder_become_sections_with_working_figure_links(tmp_path):
    import shutil

    src = results_folder(tmp_path / "built", "headline")
    root = tmp_path / "results"
    folder = root / "headline"
    shutil.copytree(src, folder)
    results = Results.load(folder)
    assert report.companion_sections(results) == []  # nothing beside it: nothing added
    (root / "levers" / "figures").mkdir(parents=True)
    (root / "levers" / "levers.md").write_text("# Equal budget\n\n## Means\n\n| a | b |\n")
    (root / "levers" / "figures" / "levers.png").write_bytes(b"\x89PNG fake")
    (parts,) = report.companion_sections(results)
    assert parts.startswith("## A fair comparison: equal budget, equal total effort")
    assert "#### Means" in parts and "# Equal budget" not in parts  # demoted, title replaced
    link = re.search(r"\]\(([^)]+levers\.png)\)", parts).group(1)
    assert (folder / link).resolve() == (root / "levers" / "figures" / "levers.png").resolve()
