"""Small results folders in the format of the results contract (docs/results.md), for tests.

Built by calling ``sim.run`` on tiny organizations, independently of the sweep runner, so that
the figures and the report are tested against the contract itself: ``runs.parquet`` (ids, every
Params field, ``policy_*``, every summary column), ``series.parquet``, ``pilots.parquet`` and
``manifest.json``. Cell ids and seeds come from ``sim.seeds``, the one home of the pairing
rule: runs in the same world (that differ only in strategy, levers or mechanism switches)
share the seed of their replicate.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from sim import Params
from sim.seeds import cell_id, replicate_seeds

TINY = {"n_teams": 24, "weeks": 104}


def build_results(
    directory: Path,
    cells: Iterable[dict[str, Any]],
    replicates: int = 3,
    experiment: str | None = None,
) -> Path:
    """Run every cell ``replicates`` times and write the contract's files into ``directory``.

    Each cell is a dict of Params fields, optionally with a ``culture`` label."""
    directory.mkdir(parents=True, exist_ok=True)
    runs, series, pilots, manifest_cells = [], [], [], []
    for values in cells:
        values = {**TINY, **values}
        culture = values.pop("culture", "custom")
        params = Params(**values)
        cid = cell_id(params, culture)
        seeds = replicate_seeds(params, 0, replicates)
        dumped = params.model_dump(mode="json")
        policy = {f"policy_{k}": v for k, v in vars(params.policy).items()}
        for r in range(replicates):
            seed = seeds[r]
            result = sim.run(params, seed=seed)
            run_id = f"{cid}-{r:04d}"
            ids = {"run_id": run_id, "cell_id": cid, "replicate": r}
            summary = result.summary_dict
            summary.pop("strategy")
            summary.pop("seed")
            runs.append(
                {
                    **ids,
                    "seed": seed,
                    "model_version": "fixture",
                    "culture": culture,
                    **dumped,
                    **policy,
                    **summary,
                }
            )
            head = {"run_id": run_id, "cell_id": cid, "strategy": params.strategy, "replicate": r}
            series.append(result.series.assign(**head)[[*head, *result.series.columns]])
            if len(result.pilots):
                pilots.append(result.pilots.assign(**head)[[*head, *result.pilots.columns]])
        manifest_cells.append(
            {"cell_id": cid, "strategy": params.strategy, "culture": culture, "replicates": r + 1}
        )
    pd.DataFrame(runs).to_parquet(directory / "runs.parquet", index=False)
    pd.concat(series, ignore_index=True).to_parquet(directory / "series.parquet", index=False)
    if pilots:
        pd.concat(pilots, ignore_index=True).to_parquet(directory / "pilots.parquet", index=False)
    manifest = {
        "experiment": experiment or directory.name,
        "merged": "2026-01-01T00:00:00+00:00",
        "runs": len(runs),
        "cells": manifest_cells,
        "failures": [],
        "missing": [],
        "model_versions": {"fixture": len(runs)},
        "packages": {"python": "3.12", "sim": sim.__version__, "mesa": "3.5.1"},
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return directory


def headline_cells(strategies: Iterable[str] = sim.STRATEGIES) -> list[dict[str, Any]]:
    """Every strategy on a 2 x 2 grid of resistance x power distance."""
    return [
        {"strategy": s, "resistance": r, "power_distance": pd_}
        for s in strategies
        for r in (0.3, 0.7)
        for pd_ in (0.2, 0.8)
    ]


def ablation_cells(mechanisms: Iterable[str] = ("escape_hatch", "peer_diffusion")) -> list[dict]:
    """Centralized and embedded, full model and each mechanism switched off in turn."""
    variants: list[dict[str, Any]] = [{}] + [{m: False} for m in mechanisms]
    return [{"strategy": s, **v} for s in ("centralized", "embedded") for v in variants]


def countries_cells() -> list[dict[str, Any]]:
    """Three Hofstede presets x three strategies."""
    presets = {"denmark": 0.18, "usa": 0.4, "malaysia": 1.0}
    return [
        {"strategy": s, "culture": c, "power_distance": pd_}
        for c, pd_ in presets.items()
        for s in ("centralized", "embedded", "hybrid")
    ]


def surgical_cells() -> list[dict[str, Any]]:
    """A PMO closed by a deadline, for two deadlines and both budget destinations."""
    return [
        {
            "strategy": s,
            "sunset": "deadline",
            "sunset_week": w,
            "budget_to_line_after_pmo": b,
            "weeks": 156,
        }
        for s in ("centralized", "hybrid")
        for w in (26, 52)
        for b in (False, True)
    ]


# --- shared, built once per test session ----------------------------------------------------
EXPERIMENTS = {
    "headline": headline_cells,
    "ablation": ablation_cells,
    "countries": countries_cells,
    "surgical_strikes": surgical_cells,
}
_BUILT: dict[str, Path] = {}


def results_folder(root: Path, name: str) -> Path:
    """The small results folder ``name`` (see EXPERIMENTS), built under ``root`` once."""
    if name not in _BUILT:
        _BUILT[name] = build_results(root / name, EXPERIMENTS[name](), experiment=name)
    return _BUILT[name]
