"""Sensitivity indices with confidence intervals, from paired differences. Pure functions.

* Morris (SALib): mu* (mean absolute elementary effect, on the unit-scaled range, so all
  parameters compare), its bootstrap 95 % interval, mu and sigma, per output.
* Sobol' (SALib, Saltelli sample, no second order): S1 and ST with bootstrap 95 % intervals.
* Where the verdict flips: the share of sampled points where the difference is negative
  (centralized ahead), with a Wilson 95 % interval.
* Structural variants: mean paired difference per variant with a t 95 % interval
  (``sim.stats.mean_ci``, the project's one t interval).

Every run of a point has its own seed, so run-to-run noise is part of each output. It sets a
floor: an inert parameter still gets mu* ~ 3 sigma / sqrt(pi) (for 4 levels) and
ST ~ sigma^2 / Var(Y), where sigma is the noise SD of the paired difference at one point
(:func:`noise_sd`, from the structural experiment's replicates at the default structure).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from scipy import stats

from experiments.sensitivity.pairs import point_means
from sim.params import Params
from sim.stats import LEVEL, mean_ci

CONF_LEVEL = LEVEL
RESAMPLES = 1000
#: Seed of the bootstrap resampling (SALib leaves a seed of 0 unseeded, so not 0).
BOOTSTRAP_SEED = 1


def morris_indices(
    problem: dict, points: pd.DataFrame, pairs: pd.DataFrame, outputs: list[str], levels: int
) -> pd.DataFrame:
    """mu, mu*, its 95 % half-width, sigma and mu* relative to the largest, per output."""
    x = points[problem["names"]].to_numpy(dtype=float)
    frames = []
    for output in outputs:
        y = point_means(pairs, output).to_numpy()
        _check_finite(y, output)
        result = morris_analyze.analyze(
            problem,
            x,
            y,
            num_resamples=RESAMPLES,
            conf_level=CONF_LEVEL,
            num_levels=levels,
            seed=BOOTSTRAP_SEED,
        )
        frame = pd.DataFrame(
            {
                "output": output,
                "parameter": problem["names"],
                "mu": np.asarray(result["mu"], dtype=float),
                "mu_star": np.asarray(result["mu_star"], dtype=float),
                "mu_star_conf": np.asarray(result["mu_star_conf"], dtype=float),
                "sigma": np.asarray(result["sigma"], dtype=float),
            }
        )
        top = frame["mu_star"].max()
        frame["mu_star_rel"] = frame["mu_star"] / top if top > 0 else 0.0
        frames.append(frame.sort_values("mu_star", ascending=False, ignore_index=True))
    return pd.concat(frames, ignore_index=True)


def mark_noise(morris: pd.DataFrame, inert: list[str]) -> pd.DataFrame:
    """Add ``inert`` (the compared strategies never read it), ``noise_level`` (per output, the
    largest mu* of an inert parameter: what noise alone reaches) and ``above_noise`` (the lower
    end of the mu* interval clears that level). Without inert parameters both are NaN/False."""
    out = morris.copy()
    out["inert"] = out["parameter"].isin(inert)
    level = out[out["inert"]].groupby("output")["mu_star"].max()
    out["noise_level"] = out["output"].map(level).astype(float)
    out["above_noise"] = (out["mu_star"] - out["mu_star_conf"]) > out["noise_level"]
    return out


def top_parameters(morris: pd.DataFrame, k: int) -> list[str]:
    """The ``k`` parameters with the largest relative mu* in either output (ties: name order),
    leaving out parameters the compared strategies never read (column ``inert``, if present)."""
    if k < 1:
        raise ValueError(f"top={k}: must be >= 1")
    if "inert" in morris:
        morris = morris[~morris["inert"].astype(bool)]
    score = morris.groupby("parameter")["mu_star_rel"].max()
    ranked = sorted(score.items(), key=lambda item: (-item[1], item[0]))
    return [name for name, _ in ranked[:k]]


def sobol_indices(problem: dict, pairs: pd.DataFrame, outputs: list[str]) -> pd.DataFrame:
    """S1 and ST with 95 % half-widths (bootstrap), per output; Var and mean of the output."""
    frames = []
    for output in outputs:
        y = point_means(pairs, output).to_numpy()
        _check_finite(y, output)
        expected = problem["num_vars"] + 2
        if len(y) % expected:
            raise ValueError(f"{len(y)} outputs: a Saltelli sample has N x {expected} points")
        if np.ptp(y) == 0:  # a constant output has no variance to share out
            nan = [math.nan] * problem["num_vars"]
            result = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
        else:
            result = sobol_analyze.analyze(
                problem,
                y,
                calc_second_order=False,
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                seed=BOOTSTRAP_SEED,
            )
        frame = pd.DataFrame(
            {
                "output": output,
                "parameter": problem["names"],
                "S1": np.asarray(result["S1"], dtype=float),
                "S1_conf": np.asarray(result["S1_conf"], dtype=float),
                "ST": np.asarray(result["ST"], dtype=float),
                "ST_conf": np.asarray(result["ST_conf"], dtype=float),
            }
        )
        frame["output_mean"] = float(np.mean(y))
        frame["output_var"] = float(np.var(y, ddof=1))
        frames.append(frame.sort_values("ST", ascending=False, ignore_index=True))
    return pd.concat(frames, ignore_index=True)


def _check_finite(y: np.ndarray, output: str) -> None:
    bad = np.flatnonzero(~np.isfinite(y))
    if len(bad):
        raise ValueError(f"{output}: {len(bad)} points have no finite value (first: {bad[0]})")


def wilson_interval(successes: int, n: int, level: float = CONF_LEVEL) -> tuple[float, float]:
    """Wilson score interval of a proportion (sensible also near 0 and 1), from scipy."""
    if n == 0:
        return (math.nan, math.nan)
    ci = stats.binomtest(successes, n).proportion_ci(confidence_level=level, method="wilson")
    return (float(ci.low), float(ci.high))


def flip_shares(pairs: pd.DataFrame, outputs: list[str], method: str) -> pd.DataFrame:
    """Per output: points, mean difference, and the shares of points where the first strategy
    is ahead (with a Wilson 95% interval) and where both end exactly level (a tie: typically
    nothing sticks under either strategy, or both reach every team)."""
    rows = []
    for output in outputs:
        y = point_means(pairs, output).to_numpy()
        below = int((y < 0).sum())
        low, high = wilson_interval(below, len(y))
        rows.append(
            {
                "method": method,
                "output": output,
                "points": len(y),
                "mean_diff": float(np.mean(y)),
                "share_centralized_ahead": below / len(y),
                "share_low": low,
                "share_high": high,
                "share_tied": float((y == 0).mean()),
                "share_embedded_ahead": float((y > 0).mean()),
            }
        )
    return pd.DataFrame(rows)


def flips_by_third(pairs: pd.DataFrame, names: list[str], outputs: list[str]) -> pd.DataFrame:
    """Where the verdict flips: the share of points with the first strategy ahead within each
    third of each parameter's sampled values (Wilson 95% intervals), and the spread between
    the thirds (``spread``: how strongly that parameter moves the flip)."""
    rows = []
    for output in outputs:
        y = point_means(pairs, output)
        for name in names:
            x = pairs.groupby("point")[name].first().sort_index()
            third = pd.qcut(x.rank(method="first"), 3, labels=["low", "middle", "high"])
            for label, group in y.groupby(third, observed=True):
                below = int((group < 0).sum())
                low, high = wilson_interval(below, len(group))
                values = x[group.index]
                rows.append(
                    {
                        "output": output,
                        "parameter": name,
                        "third": str(label),
                        "from": float(values.min()),
                        "to": float(values.max()),
                        "points": len(group),
                        "share_centralized_ahead": below / len(group),
                        "share_low": low,
                        "share_high": high,
                    }
                )
    out = pd.DataFrame(rows)
    spread = out.groupby(["output", "parameter"])["share_centralized_ahead"].agg(np.ptp)
    out["spread"] = [spread[(o, p)] for o, p in zip(out["output"], out["parameter"], strict=True)]
    out["order"] = out["output"].map({o: i for i, o in enumerate(outputs)})
    out = out.sort_values(
        ["order", "spread", "parameter"], ascending=[True, False, True], ignore_index=True
    )
    return out.drop(columns="order")


def noise_sd(pairs: pd.DataFrame, at: dict, outputs: list[str]) -> dict[str, float]:
    """Run-to-run SD of each paired difference across replicates of the point ``at``."""
    mask = np.ones(len(pairs), dtype=bool)
    for key, value in at.items():
        mask &= pairs[key].to_numpy() == value
    chosen = pairs[mask]
    return {
        o: float(chosen[f"{o}_diff"].std(ddof=1)) if len(chosen) > 1 else math.nan for o in outputs
    }


def morris_noise_floor(sd: float, levels: int) -> float:
    """Expected mu* of a parameter without effect, from noise SD ``sd`` of the difference:
    E|e1 - e2| / delta = 2 sd / sqrt(pi) / delta, delta = levels / (2 (levels - 1))."""
    delta = levels / (2 * (levels - 1))
    return 2 * sd / math.sqrt(math.pi) / delta


def structural_verdicts(
    pairs: pd.DataFrame, grid: dict[str, tuple], options: list[str], outputs: list[str]
) -> pd.DataFrame:
    """Mean paired difference with 95 % t interval per structural variant.

    Grid factors: each level averaged over the grid's other factors (``scope`` "grid") and at
    the defaults of the other factors (``scope`` "default"). Optional fields: each value at the
    default structure ("default").
    """
    defaults = {k: _default(k) for k in [*grid, *options]}
    on_grid = pairs
    for name in options:
        on_grid = on_grid[on_grid[name] == defaults[name]]
    rows = []
    for factor, levels in grid.items():
        others = {k: v for k, v in defaults.items() if k != factor}
        for level in levels:
            at_level = on_grid[on_grid[factor] == level]
            rows += _rows(factor, level, "grid", at_level, outputs)
            rows += _rows(factor, level, "default", _at(pairs, {**others, factor: level}), outputs)
    for name in options:
        others = {k: v for k, v in defaults.items() if k != name}
        for value in pairs[name].drop_duplicates():
            rows += _rows(name, value, "default", _at(pairs, {**others, name: value}), outputs)
    return pd.DataFrame(rows)


def _default(name: str) -> object:
    return Params.model_fields[name].default


def _at(pairs: pd.DataFrame, values: dict) -> pd.DataFrame:
    mask = np.ones(len(pairs), dtype=bool)
    for key, value in values.items():
        mask &= (pairs[key] == value).to_numpy()
    return pairs[mask]


def _rows(factor: str, level, scope: str, chosen: pd.DataFrame, outputs: list[str]) -> list[dict]:
    rows = []
    for output in outputs:
        diff = chosen[f"{output}_diff"].to_numpy()
        ci = mean_ci(diff)
        rows.append(
            {
                "factor": factor,
                "level": str(level),
                "is_default": bool(level == _default(factor)),
                "scope": scope,
                "output": output,
                "pairs": len(diff),
                "mean_diff": ci["mean"],
                "ci_low": ci["lo"],
                "ci_high": ci["hi"],
                "share_centralized_ahead": float((diff < 0).mean()) if len(diff) else math.nan,
            }
        )
    return rows
