"""What the discovery writes: the box file, tables, and a README in plain words.

``boxes.json`` is the machine-readable result (the app and ``lean-sim-compare`` read it);
every sentence in the README is generated from it (``sim.compare.describe_box``), so words and
numbers cannot drift apart. The project README's section "Where each strategy wins" carries
the same sentences between two markers; :func:`update_readme` rewrites that block.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.discovery.analysis import Analysis
from experiments.discovery.outcomes import MEASURES
from experiments.discovery.robust import REGRET_QUANTILE
from experiments.readme_blocks import markers, read_block, replace_block
from sim.compare import describe_box, dimension_name
from sim.params import OBSERVATION_FIELDS, WORLD_FIELDS
from sim.sweep.store import write_json_atomic

BOXES_FILE = "boxes.json"
README_START, README_END = markers("discovery", "lean-sim-discover readme")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def ranges(analysis: Analysis, info: dict[str, Any] | None) -> dict[str, tuple[float, float]]:
    """The design's range of every varied world parameter (the design file's, else observed)."""
    stated = {f["name"]: (f["low"], f["high"]) for f in (info or {}).get("factors", [])}
    points = analysis.worlds.points
    return {
        d: stated.get(d, (float(points[d].min()), float(points[d].max())))
        for d in [*analysis.worlds.world_dims, *analysis.worlds.assumption_dims]
    }


def fixed_world(runs: pd.DataFrame, analysis: Analysis) -> dict[str, Any]:
    """World fields (and the horizon) the design held at one value: the boxes assume them."""
    fixed = {}
    for name in (*WORLD_FIELDS, *OBSERVATION_FIELDS):
        if name in runs and name not in analysis.worlds.world_dims:
            values = runs[name].dropna().unique() if runs[name].notna().any() else [None]
            if len(values) == 1:
                fixed[name] = _plain(values[0])
    return fixed


def box_file(
    analysis: Analysis,
    runs: pd.DataFrame,
    source: str,
    info: dict[str, Any] | None,
) -> dict[str, Any]:
    """The content of ``boxes.json``."""
    span = ranges(analysis, info)
    worlds = analysis.worlds
    versions = sorted(runs["code_version"].astype(str).unique()) if "code_version" in runs else []
    return _plain(
        {
            "about": (
                "Scenario discovery (PRIM, ema-workbench) of which strategy is ahead in which "
                "worlds; boxes are over world parameters only. Written by lean-sim-discover."
            ),
            "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "source": source,
            "worlds": worlds.n,
            "replicates": worlds.replicates,
            "strategies": worlds.strategies,
            "dimensions": {d: list(span[d]) for d in worlds.world_dims},
            "assumption_dimensions": {d: list(span[d]) for d in worlds.assumption_dims},
            "fixed": fixed_world(runs, analysis),
            "measures": {
                k: {
                    "label": m.label,
                    "unit": m.unit,
                    "margin": m.margin,
                    "why_margin": m.why_margin,
                    "satisficing": m.satisficing,
                    "why_satisficing": m.why_satisficing,
                }
                for k, m in MEASURES.items()
            },
            "settings": analysis.settings.as_dict(),
            "posterior": (info or {}).get("posterior", "not recorded (not a discovery design)"),
            "model_versions": versions,
            "verdicts": analysis.verdicts,
            "boxes": analysis.boxes,
            "assumption_verdicts": analysis.assumption_verdicts,
            "assumption_boxes": analysis.assumption_boxes,
        }
    )


def write_tables(analysis: Analysis, out: Path) -> None:
    """robust.csv, verdict_shares.csv, feature_scores.csv and worlds.csv (per-world means)."""
    analysis.robust.to_csv(out / "robust.csv", float_format="%.6g")
    analysis.shares.to_csv(out / "verdict_shares.csv", index=False, float_format="%.6g")
    if analysis.scores is not None:
        analysis.scores.to_csv(out / "feature_scores.csv", float_format="%.6g")
    worlds = analysis.worlds
    table = worlds.points.copy()
    for measure in MEASURES:
        means = worlds.means(measure).add_prefix(f"{measure}:")
        table = table.join(means)
    table.to_csv(out / "worlds.csv", float_format="%.6g")


# --- words ---------------------------------------------------------------------------------
def sentences(content: dict[str, Any], measure: str | None = None) -> list[str]:
    """Every box of the box file in plain words (optionally of one measure)."""
    return [
        describe_box(b)
        for b in content.get("boxes", [])
        if measure is None or b["measure"] == measure
    ]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _status_words(entry: dict[str, Any]) -> str:
    what = (
        f"{entry['strategy']} ahead of {entry['versus']}"
        if entry["kind"] == "pair"
        else ("no clear best" if entry["strategy"] == "tie" else f"{entry['strategy']} best")
    )
    share = _pct(entry["share"])
    return {
        "everywhere": f"{what}: in {share} of all worlds (no box needed)",
        "rare": f"{what}: in {share} of worlds, too few for a box",
        "diffuse": f"{what}: in {share} of worlds, scattered (no box reaches the density)",
        "box": f"{what}: in {share} of worlds",
    }[entry["status"]]


def block(content: dict[str, Any] | None, where: str) -> str:
    """The README block: the boxes in plain words, or why there are none yet."""
    if content is None:
        return (
            f"No committed discovery yet ({where}/{BOXES_FILE} is missing): "
            "`lean-sim-discover all` makes it."
        )
    lines = [
        f"From `{where}/{BOXES_FILE}` ({content['worlds']} worlds, "
        f"{organizations(content['replicates'])} per strategy and world). Density: share of "
        "the box's worlds where the verdict holds; coverage: share of all worlds with the "
        "verdict that lie in the box.",
        "",
    ]
    for name, m in content["measures"].items():
        words = sentences(content, name)
        everywhere = [
            _status_words(v)
            for v in content["verdicts"]
            if v["measure"] == name and v["status"] == "everywhere"
        ]
        lines.append(f"**{m['label'].capitalize()}** (margin {m['margin']:g} {m['unit']}):")
        lines.append("")
        lines += [f"- {w}." for w in everywhere]
        lines += [f"- {w}." for w in words]
        if not words and not everywhere:
            lines.append("- no verdict is concentrated in a box.")
        lines.append("")
    return "\n".join(lines).rstrip()


def organizations(n: int) -> str:
    return f"{n} organization{'' if n == 1 else 's'}"


def update_readme(readme: Path, content: dict[str, Any] | None, where: str) -> bool:
    """Rewrite the generated block of ``readme``; True if it changed. Fails if no markers."""
    return replace_block(readme, README_START, README_END, block(content, where))


def readme_block(readme: Path) -> str:
    """The generated block as it stands in ``readme`` (for the guard test)."""
    return read_block(readme, README_START, README_END)


# --- the results README -----------------------------------------------------------------------
def _table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.to_numpy()]
    return "\n".join([header, rule, *rows])


def _box_rows(content: dict[str, Any], key: str = "boxes") -> pd.DataFrame:
    rows = []
    for b in content.get(key, []):
        ci = b["mean_difference"]
        stable = b.get("stability") or {}
        dims = stable.get("dimensions", {})
        rows.append(
            {
                "verdict": _status_words({**b, "status": "box", "share": None}).split(":")[0],
                "box": b["number"],
                "restricted": ", ".join(
                    f"{dimension_name(d)} ({_pct(dims.get(d, 0.0))})" for d in b["limits"]
                ),
                "density": _pct(b["density"]),
                "coverage": _pct(b["coverage"]),
                "worlds": b["worlds_inside"],
                "mean difference [95% CI]": (
                    f"{ci['mean']:.3g} [{ci['lo']:.3g}, {ci['hi']:.3g}]"
                    if ci["lo"] is not None
                    else f"{ci['mean']:.3g}"
                ),
                "recurs": _pct(stable.get("box")),
                "other parameters restricted on resamples": ", ".join(
                    f"{dimension_name(d)} {_pct(v)}"
                    for d, v in sorted(dims.items(), key=lambda kv: -kv[1])
                    if d not in b["limits"]
                )
                or "none",
            }
        )
    return pd.DataFrame(rows)


def _every_verdict(content: dict[str, Any]) -> list[str]:
    """Per measure: each verdict that occurs, with what became of it; those that never occur
    on one line."""
    lines = []
    for name, m in content["measures"].items():
        verdicts = [v for v in content["verdicts"] if v["measure"] == name]
        lines += [f"**{m['label'].capitalize()}**:", ""]
        lines += [f"- {_status_words(v)}" for v in verdicts if v["cases"] > 0]
        never = [_status_words(v).split(":")[0] for v in verdicts if v["cases"] == 0]
        if never:
            lines.append(f"- in no world: {'; '.join(never)}")
        lines.append("")
    return lines


def results_readme(
    content: dict[str, Any],
    analysis: Analysis,
    info: dict[str, Any] | None,
    figures: list[Path],
    out: Path,
    command: str,
) -> str:
    """``<out>/README.md``: what was done, the boxes in words and tables, robust choice."""
    s = content["settings"]
    lines = [
        "# Where each strategy wins: scenario discovery",
        "",
        f"Regenerate: `{command}` (the figures and this file from the saved runs: "
        f"`lean-sim-discover {out}`, which reads the saved outcomes.parquet).",
        "",
        "## What was done",
        "",
        f"- **Worlds**: {content['worlds']} "
        + (
            f"points of a Latin-hypercube design (seed {info['seed']}) over "
            if info
            else "points of a sweep over "
        )
        + ", ".join(
            f"{dimension_name(d)} {lo:g}-{hi:g}" for d, (lo, hi) in content["dimensions"].items()
        )
        + "; every other world setting held at "
        + ", ".join(f"{dimension_name(k)} {v}" for k, v in content["fixed"].items())
        + ".",
        f"- **Organizations**: {content['replicates']} per world, the same for every strategy "
        "(seeds derive from the world only), so differences are paired.",
        f"- **Calibrated rates**: {content['posterior']}.",
        "- **Verdicts** per world, on the mean over its organizations: a strategy is *ahead* "
        "of another when its mean exceeds the other's by more than the margin; the *best* "
        "strategy is ahead of every other; otherwise a *tie*. Margins: "
        + "; ".join(
            f"{m['label']} {m['margin']:g} {m['unit']} ({m['why_margin']})"
            for m in content["measures"].values()
        )
        + ". Net value is divided by teams and years, so worlds of different sizes compare.",
        f"- **Boxes**: PRIM (ema-workbench) over the world parameters only, peeling "
        f"{s['peel_alpha']:.0%} a step down to {s['mass_min']:.0%} of the worlds; reported is "
        f"the widest box of the peeling trajectory whose density reaches {s['density']:.0%} "
        f"(up to {s['max_boxes']} boxes per verdict), without restrictions whose quasi-p "
        f"value (Bryant & Lempert 2010) exceeds {s['significance']:g}. Verdicts in under "
        f"{s['min_share']:.0%} of worlds (or {s['min_cases']}) get no box; verdicts in at "
        f"least {s['density']:.0%} of all worlds need none.",
        f"- **Stability**: {s['bootstrap']} bootstrap resamples of the worlds, PRIM rerun with "
        f"the same rule; a box *recurs* when a resampled box selects nearly the same worlds "
        f"(Jaccard overlap ≥ {s['overlap']:g}); a parameter's share is how often the recurring "
        "box restricts it too.",
        "- **Mean difference**: over the box's worlds, with a t 95% interval across worlds "
        "(for a pair: first minus second; for a best strategy: its lead over the best other).",
        "",
        "## Where each strategy wins",
        "",
        block(content, str(out)),
        "",
        "## Boxes",
        "",
    ]
    rows = _box_rows(content)
    lines.append(_table(rows) if len(rows) else "No box found.")
    lines += [
        "",
        "Restricted: each parameter with the share of resamples whose recurring box restricts "
        "it. Other parameters: restricted on resamples though not in the box (instability).",
        "",
        "## Every verdict",
        "",
        *_every_verdict(content),
        "## Robust choice",
        "",
    ]
    robust = analysis.robust.copy()
    table = pd.DataFrame({"strategy": robust.index})
    for name, m in MEASURES.items():
        table[f"{m.label}: mean regret"] = robust[f"{name}_regret_mean"].map("{:.3g}".format).values
        table[f"{m.label}: {REGRET_QUANTILE:.0%} regret"] = (
            robust[f"{name}_regret_p90"].map("{:.3g}".format).values
        )
        table[f"reaches {m.label} ≥ {m.satisficing:g}"] = (
            robust[f"{name}_satisficing"].map("{:.0%}".format).values
        )
    table["reaches both"] = robust["both_satisficing"].map("{:.0%}".format).values
    lines += [
        "Regret: how far a strategy's mean falls short of the best strategy's in a world "
        f"(0 where it is the best); mean and {REGRET_QUANTILE:.0%}th percentile over the "
        "worlds. Satisficing: share of worlds where its mean reaches the level ("
        + "; ".join(f"{m['label']}: {m['why_satisficing']}" for m in content["measures"].values())
        + ").",
        "",
        _table(table),
        "",
    ]
    if content.get("assumption_dimensions"):
        rows = _box_rows(content, "assumption_boxes")
        lines += [
            "## Assumptions (a separate analysis)",
            "",
            "The same verdicts, boxed over the assumption values the design varied ("
            + ", ".join(dimension_name(d) for d in content["assumption_dimensions"])
            + "); an organization cannot be placed in these boxes.",
            "",
            _table(rows) if len(rows) else "No box found.",
            "",
        ]
    if analysis.worlds.categorical_dims:
        lines += [
            "Not boxed (categorical): " + ", ".join(analysis.worlds.categorical_dims) + ".",
            "",
        ]
    lines += ["## Figures", ""]
    lines += [f"![{p.stem}](figures/{p.name})" for p in figures]
    lines += [
        "",
        "## Provenance",
        "",
        f"Model versions: {', '.join(content['model_versions']) or 'not recorded'}. "
        f"Written {content['written']} from `{content['source']}`.",
        "",
    ]
    return "\n".join(lines)


def write_all(
    analysis: Analysis,
    runs: pd.DataFrame,
    out: Path,
    source: str,
    info: dict[str, Any] | None,
    figures: list[Path],
    command: str,
) -> dict[str, Any]:
    """boxes.json, the tables and README.md in ``out``; returns the box file's content."""
    out.mkdir(parents=True, exist_ok=True)
    content = box_file(analysis, runs, source, info)
    write_json_atomic(out / BOXES_FILE, content)
    write_tables(analysis, out)
    text = results_readme(content, analysis, info, figures, out, command)
    (out / "README.md").write_text(text, encoding="utf-8")
    return content


def read_box_file(out: Path) -> dict[str, Any] | None:
    path = Path(out) / BOXES_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
