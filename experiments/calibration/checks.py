"""Checks of the posterior: predictive check, the follow-up curve as a validation pattern, other
readings of the programme, the sampling error of a share, the margin profile and the sizing.

Every check runs the model on fresh seeds (its own seed stream), never on the fit's.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from experiments.calibration.fit import distance, draws
from experiments.calibration.simulate import evaluate
from experiments.calibration.spec import ALTERNATIVE_MAPPINGS, TARGETS, Settings

#: Predictive intervals: central 90% of the draws' pooled shares.
PREDICTIVE = (0.05, 0.95)

#: The follow-up curve as a validation pattern (not fitted). Between 26 weeks (the pilot has
#: just ended) and 2 years, the predictive median must
#: (a) never rise by more than ``CURVE_RISE_TOLERANCE`` from one follow-up to the next, and
#: (b) erode gradually: no stretch between follow-ups may lose share faster, per week, than
#:     ``CURVE_STEEPNESS`` times the average loss per week from 26 weeks to 2 years (a cliff
#:     fails; steady or front-loaded erosion, as reported for backsliding, passes), and
#: (c) show backsliding at all: the 2-year share lies below the 26-week share.
CURVE_FROM_WEEKS = 26
CURVE_RISE_TOLERANCE = 0.02
CURVE_STEEPNESS = 2.0


def predictive(
    settings: Settings,
    posterior: pd.DataFrame,
    margin: float,
    n_draws: int,
    stream: str = "predictive",
    programme: dict[str, Any] | None = None,
    seed_offset: int = 0,
) -> pd.DataFrame:
    """One row per posterior draw: its rates and the pooled shares at every follow-up age."""
    chosen = draws(posterior, settings.params, n_draws, settings.base_seed + seed_offset)
    rows = []
    for i, row in chosen.iterrows():
        values = {n: float(row[n]) for n in settings.params}
        out = evaluate(settings, values, margin, stream, int(i), programme)
        rows.append({"draw": int(i), **values, **out})
    return pd.DataFrame(rows)


def tags_of(frame: pd.DataFrame) -> list[str]:
    from experiments.calibration.simulate import follow_up_tags

    return follow_up_tags(frame.columns)


def predictive_summary(
    frame: pd.DataFrame, targets: dict[str, float] | None = None
) -> pd.DataFrame:
    """Per follow-up age: median and central 90% interval of the draws' shares, mean pilots,
    and (at the targets) the published share and whether it lies inside the interval."""
    from experiments.calibration.simulate import tag_weeks

    rows = []
    for tag in tags_of(frame):
        x = frame[f"sustained_{tag}"].dropna().to_numpy(dtype=float)
        lo, mid, hi = (
            np.quantile(x, [PREDICTIVE[0], 0.5, PREDICTIVE[1]]) if len(x) else [np.nan] * 3
        )
        target = (TARGETS if targets is None else targets).get(f"sustained_{tag}", np.nan)
        rows.append(
            {
                "tag": tag,
                "weeks": tag_weeks(tag),
                "median": float(mid),
                "lo": float(lo),
                "hi": float(hi),
                "draws": len(x),
                "pilots_per_evaluation": float(frame[f"pilots_{tag}"].mean()),
                "target": target,
                "target_inside": bool(lo <= target <= hi) if np.isfinite(target) else None,
            }
        )
    return pd.DataFrame(rows)


def judge_curve(summary: pd.DataFrame) -> dict[str, Any]:
    """PASS/FAIL of the follow-up curve (26 weeks to 2 years) by the stated rule."""
    curve = summary[summary["weeks"] >= CURVE_FROM_WEEKS].sort_values("weeks")
    weeks = curve["weeks"].to_numpy(dtype=float)
    share = curve["median"].to_numpy(dtype=float)
    steps = np.diff(share)
    per_week = -steps / np.diff(weeks)
    total = share[0] - share[-1]
    average = total / (weeks[-1] - weeks[0])
    steepest = float(per_week.max()) if len(per_week) else np.nan
    criteria = [
        {
            "criterion": f"never rises by more than {CURVE_RISE_TOLERANCE} between follow-ups",
            "value": float(steps.max()) if len(steps) else np.nan,
            "passed": bool(len(steps) and steps.max() <= CURVE_RISE_TOLERANCE),
        },
        {
            "criterion": (
                f"gradual: steepest loss per week at most {CURVE_STEEPNESS:g} x the average "
                f"from {CURVE_FROM_WEEKS} weeks to 2 years"
            ),
            "value": float(steepest / average) if average > 0 else np.inf,
            "passed": bool(average > 0 and steepest <= CURVE_STEEPNESS * average),
        },
        {
            "criterion": (
                f"backsliding: the 2-year share lies below the {CURVE_FROM_WEEKS}-week share"
            ),
            "value": float(total),
            "passed": bool(total > 0),
        },
    ]
    return {
        "verdict": "PASS" if all(c["passed"] for c in criteria) else "FAIL",
        "criteria": criteria,
        "weeks": weeks.astype(int).tolist(),
        "median": share.tolist(),
    }


def point_curve(settings: Settings, values: dict[str, float], margin: float) -> pd.DataFrame:
    """Pooled shares at every follow-up age at fixed rates (``profile_seeds`` runs on the
    predictive stream's seeds): e.g. the curve before calibration, for comparison."""
    from experiments.calibration.simulate import tag_weeks

    pooled = replace(settings, seeds_per_evaluation=settings.profile_seeds)
    out = evaluate(pooled, values, margin, "predictive", 0)
    tags = [k.removeprefix("sustained_") for k in out if k.startswith("sustained_")]
    return pd.DataFrame(
        [
            {
                "tag": t,
                "weeks": tag_weeks(t),
                "share": out[f"sustained_{t}"],
                "pilots": out[f"pilots_{t}"],
            }
            for t in tags
        ]
    )


def alternatives(
    settings: Settings,
    posterior: pd.DataFrame,
    margin: float,
    targets: dict[str, float] | None = None,
) -> pd.DataFrame:
    """The posterior under other readings of the programme (not refitted): predictive shares at
    the targets, with the 90% interval and whether the published share lies inside."""
    rows = []
    for k, (label, programme) in enumerate(ALTERNATIVE_MAPPINGS.items()):
        frame = predictive(
            settings,
            posterior,
            margin,
            settings.alternative_draws,
            stream="alternatives",
            programme=programme,
            seed_offset=100 + k,
        )
        summary = predictive_summary(frame, targets)
        for _, row in summary[summary["tag"].isin(["1y", "2y"])].iterrows():
            rows.append({"mapping": label, "programme": repr(programme), **row.to_dict()})
    return pd.DataFrame(rows)


def sampling_error(
    settings: Settings, values: dict[str, float], margin: float, observed: dict[str, float]
) -> dict[str, Any]:
    """Repeated evaluations at fixed rates on fresh seeds: how much one evaluation's shares
    vary (the sampling error of a share at that many pilots), next to the binomial error.

    ``noise_distance`` is the median distance of one evaluation from the mean of all of them:
    the distance that sampling error alone produces. A final epsilon near it means the fit is
    limited by noise; far above it, by what the model can reach.
    """
    rows = [evaluate(settings, values, margin, "noise", i) for i in range(settings.noise_blocks)]
    frame = pd.DataFrame(rows)
    centre = {k: float(frame[k].mean()) for k in TARGETS}
    out: dict[str, Any] = {"blocks": len(rows), "runs_per_block": settings.seeds_per_evaluation}
    for key in TARGETS:
        tag = key.removeprefix("sustained_")
        pilots = float(frame[f"pilots_{tag}"].mean())
        p = centre[key]
        out[key] = {
            "mean": p,
            "sd_between_evaluations": float(frame[key].std(ddof=1)),
            "binomial_se": float(np.sqrt(p * (1 - p) / pilots)) if pilots else np.nan,
            "pilots_per_evaluation": pilots,
        }
    out["noise_distance"] = float(np.median([distance(r, centre) for r in rows]))
    out["distance_to_observed"] = float(np.median([distance(r, observed) for r in rows]))
    return out


def held_out(
    settings: Settings,
    values: dict[str, float],
    margin: float,
    observed: dict[str, float],
    blocks: int = 4,
) -> dict[str, Any]:
    """Shares at fixed rates pooled over ``blocks`` evaluations on held-out seeds, and their
    distance from the targets: does the fit land near them, and nearer than its start?"""
    pooled = replace(settings, seeds_per_evaluation=blocks * settings.seeds_per_evaluation)
    out = evaluate(pooled, values, margin, "held_out", 0)
    shares = {k: float(out[k]) for k in TARGETS}
    return {
        "values": dict(values),
        "runs": pooled.seeds_per_evaluation,
        **shares,
        "distance": distance(shares, observed),
    }


def margin_profile(
    settings: Settings, values: dict[str, float], sd_within_team: float
) -> pd.DataFrame:
    """Shares at every follow-up age when the margin is 0, 1, 2, ... within-team SDs
    (the rates stay at ``values``, and every margin meets the same organizations): how much
    the result hinges on the measure."""
    profile = replace(settings, seeds_per_evaluation=settings.profile_seeds)
    rows = []
    for multiple in settings.profile_multiples:
        margin = round(multiple * sd_within_team, 4)
        out = evaluate(profile, values, margin, "profile", 0)
        rows.append({"multiple": multiple, "baseline_margin": margin, **out})
    return pd.DataFrame(rows)


def sizing(settings: Settings, values: dict[str, float], margin: float) -> pd.DataFrame:
    """Shares, pilots and seconds per run by organization size: do the shares depend on size,
    and what does a pilot cost? (The fit's size is chosen from this table.)"""
    rows = []
    for k, n_teams in enumerate(settings.sizing_teams):
        sized = replace(settings, n_teams=n_teams, seeds_per_evaluation=settings.sizing_seeds)
        started = time.perf_counter()
        out = evaluate(sized, values, margin, "sizing", k)
        seconds = time.perf_counter() - started
        rows.append(
            {
                "n_teams": n_teams,
                "runs": settings.sizing_seeds,
                **{key: out[key] for key in TARGETS},
                "pilots_1y_per_run": out["pilots_1y"] / settings.sizing_seeds,
                "pilots_2y_per_run": out["pilots_2y"] / settings.sizing_seeds,
                # wall-clock seconds per run with `jobs` workers (a machine's load changes it)
                "seconds_per_run": seconds / settings.sizing_seeds,
                "jobs": settings.jobs,
            }
        )
    frame = pd.DataFrame(rows)
    for key in TARGETS:
        tag = key.removeprefix("sustained_")
        p, n = frame[key], frame[f"pilots_{tag}_per_run"] * frame["runs"]
        frame[f"{key}_se"] = np.sqrt(p * (1 - p) / n)
    return frame
