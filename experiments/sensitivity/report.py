"""``results/sensitivity/README.md``: the indices, figures and sizes, written from the tables.

Generated, never edited by hand, so the numbers in the text are the numbers in the CSV files.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.sensitivity.design import COMPARED, OUTPUTS, read_info
from sim.mechanisms import WEEKS_PER_YEAR

SHORT = {"sustained_adoption": "sustained adoption", "net_value": "net value"}
FULL_COMMAND = (
    "lean-sim-sensitivity all --jobs 16 --trajectories 40 --sobol-n 1024 --set replicates=4 "
    "--structural-replicates 50"
)


def _provenance(results: Path, name: str) -> dict[str, Any]:
    path = results / name / "provenance.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _num(value: float, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) >= 10**digits:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def _unit_scale(output: str) -> tuple[float, str]:
    """Net value in FTE-years (the model reports FTE-weeks); adoption as a share."""
    return (1 / WEEKS_PER_YEAR, "FTE-years") if output == "net_value" else (1.0, "share of teams")


def _size(p: dict[str, Any]) -> str:
    if not p:
        return "not run yet"
    teams = "/".join(map(str, p.get("n_teams", [])))
    weeks = "/".join(map(str, p.get("weeks", [])))
    planned = p["points"] * len(COMPARED) * p["replicates"]
    repeats = f" (repeated points run once; {planned} planned)" if p["runs"] < planned else ""
    return (
        f"{p['points']} points x {len(COMPARED)} strategies x {p['replicates']} seed(s) = "
        f"{p['runs']} runs{repeats}; {teams} teams, {weeks} weeks; "
        f"model code {', '.join(p['code_versions'])}"
    )


def morris_table(morris: pd.DataFrame, output: str, top: int = 12) -> str:
    scale, unit = _unit_scale(output)
    frame = morris[morris["output"] == output].head(top)
    marked = "above_noise" in frame
    lines = [
        f"| parameter | mu* ({unit}) | 95% CI | sigma | mu |"
        + (" clears noise |" if marked else ""),
        "|---|---|---|---|---|" + ("---|" if marked else ""),
    ]
    for r in frame.itertuples():
        low = max(0.0, r.mu_star - r.mu_star_conf)
        name = f"`{r.parameter}`" + (" (not read)" if marked and r.inert else "")
        flag = (" yes |" if r.above_noise else " |") if marked else ""
        lines.append(
            f"| {name} | {_num(r.mu_star * scale)} | {_num(low * scale)} .. "
            f"{_num((r.mu_star + r.mu_star_conf) * scale)} | {_num(r.sigma * scale)} | "
            f"{_num(r.mu * scale)} |" + flag
        )
    return "\n".join(lines)


def sobol_table(sobol: pd.DataFrame, output: str) -> str:
    frame = sobol[sobol["output"] == output]
    lines = ["| parameter | S1 | 95% CI | ST | 95% CI |", "|---|---|---|---|---|"]
    for r in frame.itertuples():
        lines.append(
            f"| `{r.parameter}` | {r.S1:.2f} | {r.S1 - r.S1_conf:.2f} .. {r.S1 + r.S1_conf:.2f} | "
            f"{r.ST:.2f} | {r.ST - r.ST_conf:.2f} .. {r.ST + r.ST_conf:.2f} |"
        )
    return "\n".join(lines)


def flips_table(flips: pd.DataFrame) -> str:
    lines = [
        "| output | points | mean difference | embedded ahead | tie | centralized ahead (95% CI) |",
        "|---|---|---|---|---|---|",
    ]
    for r in flips.itertuples():
        scale, unit = _unit_scale(r.output)
        lines.append(
            f"| {SHORT.get(r.output, r.output)} | {r.points} | {_num(r.mean_diff * scale)} {unit} "
            f"| {r.share_embedded_ahead:.0%} | {r.share_tied:.0%} "
            f"| {r.share_centralized_ahead:.1%} ({r.share_low:.1%} .. {r.share_high:.1%}) |"
        )
    return "\n".join(lines)


def thirds_table(thirds: pd.DataFrame, output: str, top: int = 4) -> str:
    frame = thirds[thirds["output"] == output]
    names = list(dict.fromkeys(frame["parameter"]))[:top]
    lines = ["| parameter | low third | middle third | high third |", "|---|---|---|---|"]
    for name in names:
        cells = [
            f"{r['share_centralized_ahead']:.0%} ({_num(r['from'], 2)} .. {_num(r['to'], 2)})"
            for r in frame[frame["parameter"] == name].to_dict("records")
        ]
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def structural_table(verdicts: pd.DataFrame) -> str:
    grid_factors = set(verdicts.loc[verdicts["scope"] == "grid", "factor"])
    chosen = verdicts[(verdicts["scope"] == "grid") | ~verdicts["factor"].isin(grid_factors)]
    header = "| variant | pairs |" + "".join(
        f" {SHORT.get(o, o)}: mean (95% CI) | centralized ahead |" for o in OUTPUTS
    )
    lines = [header, "|---|---|" + "---|---|" * len(OUTPUTS)]
    for (factor, level), group in chosen.groupby(["factor", "level"], sort=False):
        first = group.iloc[0]
        label = f"`{factor}={level}`" + (" (default)" if first["is_default"] else "")
        cells = []
        for output in OUTPUTS:
            r = group[group["output"] == output].iloc[0]
            scale, _ = _unit_scale(output)
            cells.append(
                f" {_num(r.mean_diff * scale)} ({_num(r.ci_low * scale)} .. "
                f"{_num(r.ci_high * scale)}) | {r.share_centralized_ahead:.0%} |"
            )
        lines.append(f"| {label} | {int(first['pairs'])} |" + "".join(cells))
    return "\n".join(lines)


def write(results: Path) -> Path:
    """Write ``results/README.md`` (and ``ranges.csv``) from whatever tables exist."""
    results = Path(results)
    parts = [
        "# Global sensitivity analysis: what drives the verdict",
        "",
        "Written by `lean-sim-sensitivity` (`experiments/sensitivity/`) from the tables in this "
        "folder; do not edit by hand. The *verdict* is the paired difference **embedded minus "
        "centralized**: both strategies run on the same organization with the same seed (the "
        "sweep's seed ignores the strategy), at every sampled point. Outputs: "
        "`sustained_adoption` (own adoption averaged over the last year, a share of teams) and "
        "`net_value` (cumulative output gain minus office and coaching costs; the model counts "
        "FTE-weeks, shown here in FTE-years). Positive: embedded ahead.",
        "",
    ]
    parts += _ranges_section(results)
    parts += _morris_section(results)
    parts += _sobol_section(results)
    parts += _structural_section(results)
    parts += [
        "## Regenerate",
        "",
        "`lean-sim-sensitivity all` reruns everything into this folder (designs, sweeps through "
        "`lean-sim`, indices, figures, this file); finished cells are kept, so an interrupted "
        "run resumes. `lean-sim-sensitivity report` redraws figures and this file from the "
        "committed `*/outputs.parquet` without running the model. A larger version for a "
        f"16-core machine (about 110,000 runs; 4 seeds per point quarter the noise variance): "
        f"`{FULL_COMMAND}`.",
        "",
    ]
    path = results / "README.md"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _ranges_section(results: Path) -> list[str]:
    info = read_info(results / "morris", missing_ok=True)
    if not info:
        return []
    ranges = pd.DataFrame(info["factors"])
    ranges.to_csv(results / "ranges.csv", index=False, float_format="%.6g")
    excluded = "; ".join(f"`{k}` ({v})" for k, v in info.get("excluded", {}).items())
    return [
        "## Parameters and ranges",
        "",
        f"{len(ranges)} parameters are screened, each over the range in "
        "[`ranges.csv`](ranges.csv): by default the model default +-50 %, clipped to what the "
        "field allows; stated exceptions for culture and people (`power_distance` spans the "
        "Hofstede PDI of the country presets) and for the legitimacy thresholds (kept "
        "ordered); the `why` column says which rule made each range. Integer "
        "parameters use an integer grid. Left out: " + excluded + ".",
        "",
    ]


def _morris_section(results: Path) -> list[str]:
    path = results / "morris_indices.csv"
    if not path.is_file():
        return []
    morris = pd.read_csv(path)
    p = _provenance(results, "morris")
    info = p.get("design", {}).get("settings", {})
    out = [
        "## Morris screening",
        "",
        f"{info.get('trajectories', '?')} trajectories on a {info.get('levels', '?')}-level "
        f"grid: {_size(p)}. mu* is the mean absolute elementary effect of moving a parameter "
        "across its range (range scaled to [0, 1]), with a bootstrap 95% interval; sigma large "
        "against mu* means the effect depends on other parameters. Every run has its own "
        "seed, so an inert parameter still shows a small mu* (the noise level in the figure).",
        "",
        "![Morris mu* and sigma](morris.png)",
        "",
    ]
    if "inert" in morris and morris["inert"].any():
        inert = sorted(morris.loc[morris["inert"], "parameter"].unique())
        out += [
            f"Noise reference: {len(inert)} screened parameters are never read by either "
            "strategy (found by running the model and recording which fields it reads): "
            + ", ".join(f"`{n}`" for n in inert)
            + ". Their mu* is pure run-to-run noise; the largest of them is the noise level, "
            "and *clears noise* marks parameters whose whole 95% interval lies above it.",
            "",
        ]
    for output in OUTPUTS:
        frame = morris[morris["output"] == output]
        scale, unit = _unit_scale(output)
        words = f"**{SHORT[output]}** (top 12 of {len(frame)}"
        if "noise_level" in frame and frame["noise_level"].notna().any():
            level = frame["noise_level"].iloc[0] * scale
            words += (
                f"; noise level {_num(level)} {unit}; {int(frame['above_noise'].sum())} clear it"
            )
        out += [words + "):", "", morris_table(morris, output), ""]
    return out


def _sobol_section(results: Path) -> list[str]:
    path = results / "sobol_indices.csv"
    if not path.is_file():
        return []
    sobol = pd.read_csv(path)
    p = _provenance(results, "sobol")
    info = p.get("design", {}).get("settings", {})
    out = [
        "## Sobol' indices",
        "",
        f"The {info.get('top', '?')} parameters with the largest Morris mu* (relative to the "
        "largest, in either output), all others at their defaults; Saltelli sample "
        f"N = {info.get('sobol_n', '?')}, first and total order: {_size(p)}. S1: share of the "
        "variance of the difference explained by the parameter alone; ST: including all its "
        "interactions. Bootstrap 95% intervals.",
        "",
        "![Sobol' indices](sobol.png)",
        "",
    ]
    for output in OUTPUTS:
        scale, unit = _unit_scale(output)
        frame = sobol[sobol["output"] == output]
        if frame.empty:
            continue
        mean, var = frame["output_mean"].iloc[0], frame["output_var"].iloc[0]
        noise = frame["noise_share"].iloc[0] if "noise_share" in frame else math.nan
        out += [
            f"**{SHORT[output]}**: mean difference {_num(mean * scale)} {unit}, SD "
            f"{_num(math.sqrt(var) * scale)} across the sample; sum of S1 "
            f"{frame['S1'].sum():.2f}, sum of ST {frame['ST'].sum():.2f}; run-to-run noise "
            f"at the defaults is {_num(noise, 2)} of the variance (an inert parameter's ST).",
            "",
            sobol_table(sobol, output),
            "",
        ]
    flips = results / "flips.csv"
    if flips.is_file():
        out += [
            "### Where the verdict flips",
            "",
            "Shares of the Sobol' points (spread evenly over the box of the top parameters) "
            "where each strategy is ahead or both end level, with a Wilson 95% interval for "
            "centralized ahead. The figure shows each point's difference against the "
            "parameters whose thirds differ most in how often centralized is ahead.",
            "",
            flips_table(pd.read_csv(flips)),
            "",
            "![Where the verdict flips](flips.png)",
            "",
        ]
    thirds_path = results / "flips_by_third.csv"
    if thirds_path.is_file():
        thirds = pd.read_csv(thirds_path)
        out += [
            "Share of points with centralized ahead within each third of a parameter's sampled "
            "range (the parameters whose thirds differ most; all in `flips_by_third.csv`, with "
            "Wilson intervals):",
            "",
        ]
        for output in OUTPUTS:
            out += [f"**{SHORT[output]}**:", "", thirds_table(thirds, output), ""]
    return out


def _structural_section(results: Path) -> list[str]:
    path = results / "structural_verdicts.csv"
    if not path.is_file():
        return []
    verdicts = pd.read_csv(path, dtype={"level": str})
    p = _provenance(results, "structural")
    info = read_info(results / "structural", missing_ok=True) or {}
    grid = info.get("grid", {})
    absent = info.get("absent_options", {})
    out = [
        "## Structure: tree shape, lateral ties, activation order",
        "",
        "A full grid of "
        + " x ".join(f"`{k}` {v}" for k, v in grid.items())
        + f" at default parameters: {_size(p)}. Each level of a factor is averaged over the "
        "grid of the other two (pairs = structures x seeds); t 95% intervals. "
        "`structural_verdicts.csv` also has each level with the other factors at their "
        "defaults (`scope=default`).",
        "",
    ]
    if absent:
        out += [
            "Not varied, because the model has no such option yet (the analysis picks them up "
            "when `sim.Params` gains the field): "
            + "; ".join(f"`{k}` ({v})" for k, v in absent.items())
            + ". Each week the model updates all managers, then all teams, each group at once "
            "(vectorized, synchronous), so no activation order enters the results.",
            "",
        ]
    out += [structural_table(verdicts), "", "![Structural variants](structural.png)", ""]
    return out
