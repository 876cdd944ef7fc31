"""The files of ``results/calibration/`` and the calibrated preset: written and read here only.

=========================  ===================================================================
``calibration.json``       the record: targets, mapping, priors, margin rule and value, ABC
                           settings and diagnostics, posterior medians and 90% intervals,
                           sampling error, predictive check, curve verdict, alternatives,
                           provenance (model version, commit, package versions), runtime
``posterior.csv``          the posterior: one row per particle (rates, log10 rates, weight,
                           distance, simulated shares and pilot counts)
``generations.csv``        one row per ABC generation: epsilon, simulations, acceptance rate,
                           ESS, each rate's median and 90% interval
``predictive.csv``         posterior predictive: one row per draw (rates, shares and pilots at
                           every follow-up age)
``alternatives.csv``       other readings of the programme: predictive shares at 1 and 2 years
``profile.csv``            shares at every age over the margin (0, 1, 2, ... SDs)
``sizing.csv``             shares, pilots and seconds per run by organization size
``pairs.png``              posterior against prior (what is identified)
``predictive.png``         follow-up curve with the targets, readings, margin profile
``diagnostics.png``        epsilon and sampling error, narrowing per generation, sizing
``validation_section.md``  the section that ``docs/validation.md`` embeds (links relative to
                           ``docs/``)
=========================  ===================================================================

The preset (``sim/data/presets/calibrated.yaml``) holds the posterior medians of the fitted
rates; ``tests/model/test_calibrated_defaults.py`` keeps the ``Params`` defaults equal to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.sweep.store import write_bytes_atomic

RECORD = "calibration.json"
TABLES = ("posterior", "generations", "predictive", "alternatives", "profile", "sizing")
FIGURES = ("pairs", "predictive", "diagnostics")
SECTION = "validation_section.md"
#: Files of an older calibration that a new one removes (they would describe another method).
STALE = ("fits.csv", "evaluations.csv", "calibration.png")


def write(result: dict[str, Any], out_dir: Path) -> list[Path]:
    """The record and tables (atomically); figures and the note are drawn from them after."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    path = out_dir / RECORD
    text = json.dumps(_clean(result["record"]), indent=2, default=_json_default, allow_nan=False)
    write_bytes_atomic(path, (text + "\n").encode())
    paths.append(path)
    for name in TABLES:
        path = out_dir / f"{name}.csv"
        write_bytes_atomic(path, result[name].to_csv(index=False, float_format="%.10g").encode())
        paths.append(path)
    for name in STALE:
        (out_dir / name).unlink(missing_ok=True)
    return paths


def read(out_dir: Path) -> dict[str, Any]:
    """Everything :func:`write` wrote, as the record (dict) and tables (DataFrames)."""
    path = out_dir / RECORD
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no calibration record (run `lean-sim-calibrate`)")
    files: dict[str, Any] = {"record": json.loads(path.read_text())}
    for name in TABLES:
        files[name] = pd.read_csv(out_dir / f"{name}.csv")
    return files


def preset_yaml(record: dict[str, Any]) -> str:
    """The calibrated preset: each fitted rate at its posterior median, with its interval."""
    post = record["posterior"]
    abc = record["abc"]
    lines = [
        "# @package _global_",
        "# Calibrated rates of capability dynamics: posterior medians of an ABC-SMC fit to the",
        "# pooled share of a programme's pilots above baseline at 1 year (0.58) and 2 years",
        "# (0.35) (Holweg, Staats & Upton 2018). Written by `lean-sim-calibrate`; do not edit",
        "# by hand. The posterior, its checks and the note are in results/calibration/.",
        f"# Programme mapped to {json.dumps(record['mapping'])} (a stated assumption);",
        f"# baseline_margin {record['baseline_margin']['baseline_margin']} (rule: "
        f"{record['baseline_margin']['multiple']:g} SD of no-programme noise);",
        f"# final epsilon {abc['final_epsilon']:.3g}, ESS {abc['effective_sample_size']:.0f}; "
        f"model {record['model_version']}.",
    ]
    for name, s in post.items():
        lines.append(
            f"{name}: {rounded(s['median'])}  # 90% interval {s['lo']:.3g}..{s['hi']:.3g}; "
            f"prior {s['prior_low']:g}..{s['prior_high']:g} (log-uniform)"
        )
    return "\n".join(lines) + "\n"


def rounded(x: float) -> float:
    """Four significant digits: the preset's (and the defaults') precision."""
    return float(f"{x:.4g}")


def write_preset(record: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, preset_yaml(record).encode())
    return path


def _clean(value: Any) -> Any:
    """NaN becomes null, so the record is strict JSON (every reader can load it)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return None
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value)} to JSON")
