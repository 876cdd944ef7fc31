"""Simulated follow-ups: the pooled share of the programme's pilots above baseline at each age.

One *evaluation* runs the programme's organization on a block of fresh seeds and pools its
pilots: the pooled share is the published figures' measure (all projects of the programme,
not an average of organizations). Seeds come from ``sim.seeds`` (the one seed derivation), one
named stream per use, so the fit, the predictive check and the other checks never reuse each
other's organizations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from experiments.calibration.spec import Settings
from sim import Params, run
from sim.seeds import replicate_seed, world_digest

#: One seed stream per use (an offset on ``Settings.base_seed``).
STREAMS: dict[str, int] = {
    "margin": 0,
    "fit": 1,
    "predictive": 2,
    "noise": 3,
    "alternatives": 4,
    "profile": 5,
    "sizing": 6,
    "observed": 7,
    "held_out": 8,
}

_TAG = re.compile(r"^sustained_(\d+)([wy])$")
Counts = dict[str, tuple[int, int]]  # follow-up tag -> (pilots sustained, pilots followed up)


def tag_weeks(tag: str) -> int:
    """Weeks since a pilot started for a follow-up tag: ``26w`` -> 26, ``2y`` -> 104."""
    match = _TAG.match(f"sustained_{tag}")
    if not match:
        raise ValueError(f"follow-up tag {tag!r}: expected <n>w or <n>y")
    n, unit = int(match.group(1)), match.group(2)
    return n if unit == "w" else 52 * n


def follow_up_tags(columns: Iterable[str]) -> list[str]:
    """The follow-up tags of a pilots table (read from its columns), youngest first."""
    tags = [m.group(1) + m.group(2) for c in columns if (m := _TAG.match(str(c)))]
    return sorted(tags, key=tag_weeks)


def follow_up_counts(params: Params, seed: int) -> Counts:
    """(sustained, followed up) pilots at every follow-up age in one run."""
    pilots = run(params, seed=seed).pilots
    out = {}
    for tag in follow_up_tags(pilots.columns):
        followed = pilots[f"sustained_{tag}"].dropna()
        out[tag] = (int(followed.sum()), len(followed))
    return out


def pooled_counts(params: Params, seeds: Sequence[int], jobs: int = 1) -> Counts:
    """Follow-up counts pooled over runs on ``seeds`` (``jobs`` worker processes)."""
    if jobs > 1 and len(seeds) > 1:
        per_run = Parallel(n_jobs=jobs)(delayed(follow_up_counts)(params, s) for s in seeds)
    else:
        per_run = [follow_up_counts(params, s) for s in seeds]
    total: dict[str, list[int]] = {}
    for counts in per_run:
        for tag, (sustained, followed) in counts.items():
            acc = total.setdefault(tag, [0, 0])
            acc[0] += sustained
            acc[1] += followed
    return {tag: (s, f) for tag, (s, f) in total.items()}


def shares(counts: Counts) -> dict[str, float]:
    """``sustained_<tag>`` -> pooled share (NaN where no pilot reached that age)."""
    return {f"sustained_{tag}": (s / f if f else float("nan")) for tag, (s, f) in counts.items()}


def seeds_for(settings: Settings, stream: str, index: int, count: int) -> list[int]:
    """Seeds ``index * count .. + count - 1`` of a named stream in the programme's world."""
    digest = world_digest(Params.create(**settings.world()))
    base = settings.base_seed + STREAMS[stream]
    return [replicate_seed(base, index * count + r, digest) for r in range(count)]


def programme_params(
    settings: Settings,
    values: dict[str, float],
    margin: float,
    programme: dict[str, Any] | None = None,
) -> Params:
    """The programme's Params with fitted ``values`` and the measure's margin applied.

    ``programme`` replaces the settings' programme mapping as a whole (another reading of the
    programme), so none of the default mapping's levers leak into it."""
    if programme is not None:
        settings = replace(settings, programme=dict(programme))
    return Params.create(**settings.world(**values), baseline_margin=margin)


def evaluate(
    settings: Settings,
    values: dict[str, float],
    margin: float,
    stream: str,
    index: int,
    programme: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One evaluation: pooled shares and pilot counts at every age, on fresh seeds."""
    params = programme_params(settings, values, margin, programme)
    seeds = seeds_for(settings, stream, index, settings.seeds_per_evaluation)
    counts = pooled_counts(params, seeds, settings.jobs)
    return {
        **shares(counts),
        **{f"pilots_{tag}": f for tag, (_, f) in counts.items()},
    }


def curve_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Long table (one row per evaluation and follow-up age) from :func:`evaluate` rows."""
    records = []
    for i, row in enumerate(rows):
        for key, value in row.items():
            match = _TAG.match(key)
            if match:
                tag = match.group(1) + match.group(2)
                records.append(
                    {
                        "evaluation": i,
                        "tag": tag,
                        "weeks": tag_weeks(tag),
                        "share": value,
                        "pilots": row.get(f"pilots_{tag}", np.nan),
                        **{
                            k: v
                            for k, v in row.items()
                            if not k.startswith(("sustained_", "pilots_"))
                        },
                    }
                )
    return pd.DataFrame(records)
