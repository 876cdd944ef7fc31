"""PRIM boxes for each verdict, with their statistics and bootstrap stability.

The box search is the EMA Workbench's PRIM (``ema_workbench.analysis.prim.Prim``): it peels
the space of world parameters towards the worlds where a verdict holds and leaves a *peeling
trajectory* of ever smaller, denser boxes. Which box of the trajectory to report is a choice;
ours is stated and applied the same way everywhere (:func:`choose`): the box with the largest
coverage among those whose density reaches :attr:`PrimSettings.density` and that restrict at
least one parameter. Up to :attr:`PrimSettings.max_boxes` boxes per verdict are found (PRIM's
covering: the next box searches the worlds the earlier ones left out).

Every box is reported over all worlds of the design: its *density* (share of its worlds in
which the verdict holds), *coverage* (share of all worlds with the verdict that it holds), the
restricted parameters with their limits, and a t interval of the mean difference over its
worlds. *Stability* comes from a bootstrap over worlds: PRIM is rerun, with the same choice, on
resampled designs; a box *recurs* when a bootstrap box selects nearly the same worlds (Jaccard
overlap at least :attr:`PrimSettings.overlap`), and a parameter recurs when that box restricts
it too.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.stats import mean_ci

# ema_workbench warns at import about optional parallel back ends it does not need here.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from ema_workbench.analysis.prim import Prim

logging.getLogger("EMA").setLevel(logging.WARNING)
logging.getLogger("EMA.ema_workbench.analysis.prim").setLevel(logging.WARNING)

Limits = dict[str, tuple[float | None, float | None]]


@dataclass(frozen=True)
class PrimSettings:
    """How boxes are searched, chosen and checked (all stated in the report)."""

    density: float = 0.8  # a reported box holds the verdict in at least this share of its worlds
    mass_min: float = 0.05  # PRIM stops peeling at boxes with this share of the worlds
    peel_alpha: float = 0.05  # share of worlds peeled off per step
    paste_alpha: float = 0.05
    min_share: float = 0.05  # verdicts rarer than this (or than min_cases worlds): no box
    min_cases: int = 5
    max_boxes: int = 2  # boxes per verdict (PRIM's covering)
    bootstrap: int = 30  # resampled designs for stability
    overlap: float = 0.5  # Jaccard overlap at which a bootstrap box counts as the same box
    significance: float = 0.05  # a restriction whose quasi-p value exceeds this is dropped
    seed: int = 2026

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Found:
    """One box: its limits on the restricted parameters and the worlds inside it."""

    limits: Limits
    inside: np.ndarray  # bool per world of the design
    trajectory: pd.DataFrame  # PRIM's peeling trajectory (coverage, density, mass, res_dim, ...)
    chosen: int  # the chosen step of the trajectory
    number: int  # 1 for the first box of a verdict, 2 for the next ...
    stability: dict[str, Any] = field(default_factory=dict)

    @property
    def restricted(self) -> list[str]:
        return list(self.limits)


def choose(candidates: pd.DataFrame, density: float) -> int | None:
    """The step with the largest coverage among those whose (significant-only) box reaches
    ``density`` and restricts some parameter (ties: the denser); None when none does.

    ``candidates``: per step of the peeling trajectory, ``coverage``, ``density`` and
    ``res_dim`` of its box without the insignificant restrictions.
    """
    ok = candidates[(candidates["density"] >= density) & (candidates["res_dim"] > 0)]
    if ok.empty:
        return None
    return int(ok.sort_values(["coverage", "density"], ascending=False).index[0])


def restricted_limits(
    box_lim: pd.DataFrame, box_init: pd.DataFrame, integers: frozenset[str] = frozenset()
) -> Limits:
    """{parameter: (lower or None, upper or None)} for the sides PRIM moved in.

    Whole-numbered parameters (``integers``) get whole limits that select the same worlds
    (PRIM pastes them as reals, e.g. 128.5 teams)."""
    limits: Limits = {}
    for name in box_lim.columns:
        lo, hi = float(box_lim[name].iloc[0]), float(box_lim[name].iloc[1])
        lo0, hi0 = float(box_init[name].iloc[0]), float(box_init[name].iloc[1])
        lower = lo if lo > lo0 else None
        upper = hi if hi < hi0 else None
        if name in integers:
            lower = None if lower is None else int(np.ceil(lower))
            upper = None if upper is None else int(np.floor(upper))
        if lower is not None or upper is not None:
            limits[name] = (lower, upper)
    return limits


def significant(limits: Limits, quasi_p: dict[str, list[float]], alpha: float) -> Limits:
    """The limits without the sides whose quasi-p value exceeds ``alpha``.

    PRIM also peels where it only trims noise (a few worlds at the edge of a range); the
    quasi-p value of a restriction (Bryant & Lempert 2010: a one-sided binomial test of the
    box's density with and without it, ``PrimBox.p_values``) says whether it matters.
    """
    kept: Limits = {}
    for name, (lo, hi) in limits.items():
        p_lo, p_hi = quasi_p.get(name, [-1.0, -1.0])
        lo = lo if lo is not None and 0.0 <= p_lo <= alpha else None
        hi = hi if hi is not None and 0.0 <= p_hi <= alpha else None
        if lo is not None or hi is not None:
            kept[name] = (lo, hi)
    return kept


def _plain(value: Any) -> float | int:
    return value.item() if hasattr(value, "item") else value


def inside(x: pd.DataFrame, limits: Limits) -> np.ndarray:
    """Which worlds (rows of ``x``) lie in the box (closed limits, as PRIM's)."""
    mask = np.ones(len(x), dtype=bool)
    for name, (lo, hi) in limits.items():
        if lo is not None:
            mask &= x[name].to_numpy() >= lo
        if hi is not None:
            mask &= x[name].to_numpy() <= hi
    return mask


def peel(x: pd.DataFrame, y: np.ndarray, settings: PrimSettings) -> list[Found]:
    """Up to ``max_boxes`` boxes for the worlds where ``y`` is True, chosen by :func:`choose`
    among the significant-only boxes of each step of PRIM's peeling trajectory."""
    y = np.asarray(y, dtype=bool)
    if y.sum() == 0:
        return []
    x = x.reset_index(drop=True)
    integers = frozenset(c for c in x.columns if pd.api.types.is_integer_dtype(x[c]))
    prim = Prim(
        x.astype(float),  # ema-workbench 3.0 pastes whole columns as reals (fails on pandas 3)
        y.astype(int),
        peel_alpha=settings.peel_alpha,
        paste_alpha=settings.paste_alpha,
        mass_min=settings.mass_min,
    )
    found: list[Found] = []
    for number in range(1, settings.max_boxes + 1):
        box = prim.find_box()
        if box is None:
            break
        remaining = np.zeros(len(x), dtype=bool)
        remaining[box.yi_initial] = True  # the worlds this box searched (PRIM's covering)
        steps = []
        for step in range(len(box.box_lims)):
            limits = restricted_limits(box.box_lims[step], prim.box_init, integers)
            limits = significant(limits, box.p_values[step], settings.significance)
            mask = inside(x, limits) & remaining
            cases = int((y & mask).sum())
            steps.append(
                {
                    "limits": limits,
                    "res_dim": len(limits),
                    "coverage": cases / max(int(y.sum()), 1),
                    "density": cases / mask.sum() if mask.any() else 0.0,
                }
            )
        candidates = pd.DataFrame(steps)
        step = choose(candidates, settings.density)
        if step is None:
            break
        box.select(step)  # later boxes search the worlds this one leaves out
        limits = candidates.at[step, "limits"]
        trajectory = box.peeling_trajectory.copy()
        trajectory["kept_coverage"] = candidates["coverage"]
        trajectory["kept_density"] = candidates["density"]
        found.append(Found(limits, inside(x, limits), trajectory, step, number))
    return found


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    union = np.sum(a | b)
    return float(np.sum(a & b) / union) if union else 0.0


def stability(
    x: pd.DataFrame, y: np.ndarray, found: list[Found], settings: PrimSettings
) -> list[dict[str, Any]]:
    """For each box: how often it recurs on bootstrap resamples of the worlds, and how often
    each parameter is restricted by the recurring box."""
    x = x.reset_index(drop=True)
    y = np.asarray(y, dtype=bool)
    rng = np.random.default_rng(settings.seed)
    recurs = np.zeros(len(found))
    dims = [dict.fromkeys(x.columns, 0.0) for _ in found]
    fits = 0
    for _ in range(settings.bootstrap):
        index = rng.integers(0, len(x), len(x))
        if y[index].sum() == 0:
            fits += 1
            continue
        again = peel(x.iloc[index], y[index], settings)
        fits += 1
        for k, box in enumerate(found):
            scores = [jaccard(inside(x, other.limits), box.inside) for other in again]
            if scores and max(scores) >= settings.overlap:
                recurs[k] += 1
                for name in again[int(np.argmax(scores))].limits:
                    dims[k][name] += 1
    fits = max(fits, 1)
    return [
        {
            "box": recurs[k] / fits,
            "dimensions": {name: count / fits for name, count in dims[k].items() if count},
            "resamples": fits,
        }
        for k in range(len(found))
    ]


def describe_found(
    box: Found, y: np.ndarray, diff: np.ndarray, level_info: dict[str, Any]
) -> dict[str, Any]:
    """The box-file entry of a box: statistics over all worlds of the design."""
    y = np.asarray(y, dtype=bool)
    n_in = int(box.inside.sum())
    cases_in = int((y & box.inside).sum())
    ci = mean_ci(np.asarray(diff, dtype=float)[box.inside])
    return {
        **level_info,
        "number": box.number,
        "limits": {k: [lo, hi] for k, (lo, hi) in box.limits.items()},
        "density": cases_in / n_in if n_in else float("nan"),
        "coverage": cases_in / max(int(y.sum()), 1),
        "mass": n_in / len(y),
        "worlds_inside": n_in,
        "cases_inside": cases_in,
        "cases": int(y.sum()),
        "mean_difference": {k: _jsonable(ci[k]) for k in ("mean", "lo", "hi", "n")},
        "trajectory_step": box.chosen,
        "stability": box.stability,
    }


def _jsonable(value: Any) -> Any:
    value = _plain(value)
    return None if isinstance(value, float) and np.isnan(value) else value


def discover(
    x: pd.DataFrame,
    y: np.ndarray,
    diff: np.ndarray,
    settings: PrimSettings,
    info: dict[str, Any],
) -> tuple[dict[str, Any], list[dict[str, Any]], list[Found]]:
    """Boxes of one verdict: (status entry, box entries, found boxes with trajectories).

    The status says what happened: "box" (boxes found), "rare" (too few worlds with the
    verdict), "everywhere" (it holds in at least ``density`` of all worlds: no box needed), or
    "diffuse" (no box reaches the density).
    """
    y = np.asarray(y, dtype=bool)
    share = float(y.mean()) if len(y) else 0.0
    status = {**info, "share": share, "cases": int(y.sum()), "worlds": len(y)}
    if y.sum() < settings.min_cases or share < settings.min_share:
        return {**status, "status": "rare"}, [], []
    if share >= settings.density:
        return {**status, "status": "everywhere"}, [], []
    found = peel(x, y, settings)
    if not found:
        return {**status, "status": "diffuse"}, [], []
    for box, stable in zip(found, stability(x, y, found, settings), strict=True):
        box.stability = stable
    entries = [describe_found(box, y, diff, info) for box in found]
    return {**status, "status": "box", "boxes": len(found)}, entries, found
