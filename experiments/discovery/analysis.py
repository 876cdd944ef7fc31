"""The whole analysis of one sweep: verdicts, boxes, stability, feature scores, robust choice.

:func:`analyze` takes the runs (a DataFrame) and returns everything the figures, the box file
and the README need; it writes nothing, so tests can run it on a synthetic design.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from experiments.discovery import boxes as box_search
from experiments.discovery.outcomes import (
    MEASURES,
    Worlds,
    best_verdicts,
    pair_verdicts,
    verdict_shares,
    worlds_from_runs,
)
from experiments.discovery.robust import robust_table
from experiments.discovery.scores import feature_scores


@dataclass
class Analysis:
    """What one discovery found. ``boxes``/``verdicts`` are box-file entries (plain dicts);
    ``found`` maps a verdict's id to its boxes with their peeling trajectories."""

    worlds: Worlds
    settings: box_search.PrimSettings
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    boxes: list[dict[str, Any]] = field(default_factory=list)
    assumption_verdicts: list[dict[str, Any]] = field(default_factory=list)
    assumption_boxes: list[dict[str, Any]] = field(default_factory=list)
    found: dict[str, list[box_search.Found]] = field(default_factory=dict)
    robust: pd.DataFrame | None = None
    scores: pd.DataFrame | None = None
    shares: pd.DataFrame | None = None


def verdict_id(info: dict[str, Any]) -> str:
    versus = info.get("versus") or "all"
    return f"{info['dims']}:{info['measure']}:{info['kind']}:{info['strategy']}:{versus}"


def verdicts(worlds: Worlds) -> list[tuple[dict[str, Any], pd.Series, pd.Series]]:
    """Every verdict analysed: (info, holds per world, the difference it is about per world).

    Pairs: "a ahead of b" and "b ahead of a", with the difference a minus b (b minus a).
    Best: each strategy best, with its lead over the best other strategy; and "tie", with the
    best strategy's lead over the runner-up.
    """
    out = []
    for name, measure in MEASURES.items():
        common = {
            "measure": name,
            "outcome": name,
            "outcome_label": f"{measure.label} ({measure.unit})",
            "margin": measure.margin,
        }
        table = pair_verdicts(worlds, name)
        for (a, b), group in table.groupby(["a", "b"], sort=False):
            group = group.set_index("point")
            for first, second, sign in ((a, b, 1.0), (b, a, -1.0)):
                info = {**common, "kind": "pair", "strategy": first, "versus": second}
                info["difference"] = f"{first} minus {second}"
                out.append((info, group["verdict"] == first, sign * group["diff"]))
        best = best_verdicts(worlds, name).set_index("point")
        means = worlds.means(name)
        for strategy in worlds.strategies:
            lead = means[strategy] - means.drop(columns=strategy).max(axis=1)
            info = {**common, "kind": "best", "strategy": strategy, "versus": None}
            info["difference"] = f"{strategy} minus the best other strategy"
            out.append((info, best["verdict"] == strategy, lead))
        info = {**common, "kind": "best", "strategy": "tie", "versus": None}
        info["difference"] = "best minus second-best strategy"
        out.append((info, best["verdict"] == "tie", best["lead"]))
    return out


def analyze(
    runs: pd.DataFrame,
    settings: box_search.PrimSettings | None = None,
    *,
    scores: bool = True,
    log=None,
) -> Analysis:
    """Verdicts and boxes over the world parameters (and, separately, over any assumption
    values the sweep varied), feature scores and the robust-choice table."""
    settings = settings or box_search.PrimSettings()
    worlds = worlds_from_runs(runs)
    result = Analysis(worlds=worlds, settings=settings)
    result.shares = verdict_shares(worlds)
    result.robust = robust_table(worlds)
    groups = [("world", worlds.world_dims), ("assumption", worlds.assumption_dims)]
    for dims_kind, dims in groups:
        if not dims:
            continue
        x = worlds.points[dims].reset_index(drop=True)
        for info, holds, diff in verdicts(worlds):
            info = {**info, "dims": dims_kind}
            key = verdict_id(info)
            if log is not None:
                log(f"{key}: {holds.mean():.0%} of worlds")
            status, entries, found = box_search.discover(
                x, holds.to_numpy(), diff.to_numpy(), settings, info
            )
            status["id"] = key
            for entry in entries:
                entry["id"] = f"{key}:{entry['number']}"
            if dims_kind == "world":
                result.verdicts.append(status)
                result.boxes.extend(entries)
            else:
                result.assumption_verdicts.append(status)
                result.assumption_boxes.extend(entries)
            if found:
                result.found[key] = found
    if scores and worlds.world_dims and worlds.n >= 10:
        result.scores = feature_scores(worlds, worlds.world_dims, settings.seed)
    return result
