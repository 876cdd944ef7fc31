"""The whole calibration, in order: fix the measure, fit, check. Returns the record and tables.

1. **Measure**: ``baseline_margin`` from the noise of teams with no programme (at the model's
   defaults, i.e. before calibration), by the stated rule.
2. **Sizing**: shares and cost per run by organization size (at the defaults).
3. **Fit**: ABC-SMC to the two published shares.
4. **Checks**: sampling error at the posterior median, posterior predictive on fresh seeds
   (targets and the whole follow-up curve), other readings of the programme, the margin
   profile, and the margin rule re-measured at the posterior median (reported, not used).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import asdict
from typing import Any

import numpy as np

from experiments.calibration import checks, margin
from experiments.calibration.fit import INTERVAL, fit, summary
from experiments.calibration.simulate import evaluate
from experiments.calibration.spec import (
    MAPPING_ASSUMPTION,
    MEASURE,
    PRIORS,
    TARGET_SOURCE,
    TARGETS,
    Settings,
)
from sim.params import Params
from sim.provenance import package_versions, provenance


def say(message: str, progress: bool) -> None:
    if progress:
        print(f"[calibrate] {message}", file=sys.stderr, flush=True)


def defaults(names: tuple[str, ...]) -> dict[str, float]:
    """The model's current defaults of the fitted rates: the values *before* calibration."""
    return {n: float(Params.model_fields[n].default) for n in names}


def simulated_observation(
    settings: Settings, truth: dict[str, float], baseline_margin: float, blocks: int = 4
) -> dict[str, float]:
    """Shares simulated from known rates (a recovery check): the mean of ``blocks`` evaluations
    on seeds of their own stream."""
    rows = [evaluate(settings, truth, baseline_margin, "observed", i) for i in range(blocks)]
    return {k: float(np.mean([r[k] for r in rows])) for k in TARGETS}


def calibrate(
    settings: Settings, truth: dict[str, float] | None = None, progress: bool = True
) -> dict[str, Any]:
    """Run every step; ``truth`` fits shares simulated from those rates instead of the
    published ones (the recovery check). Returns ``record`` (JSON-able) and the tables."""
    started = time.perf_counter()
    before = defaults(settings.params)
    say(f"measure: margin rule on {settings.margin_seeds} runs with no programme", progress)
    measured = margin.baseline_margin(settings)
    m = measured["baseline_margin"]
    say(f"baseline_margin = {m} (sd within team {measured['sd_within_team']:.4g})", progress)

    say("sizing: shares by organization size", progress)
    sizing = checks.sizing(settings, before, m)

    if truth is not None:
        unknown = sorted(set(truth) - set(settings.params))
        if unknown:
            raise ValueError(f"truth={truth}: {unknown} are not fitted ({settings.params})")
        observed = simulated_observation(settings, {**before, **truth}, m)
        say(f"recovery: observed shares {observed} from {truth}", progress)
    else:
        observed = dict(TARGETS)

    say(
        f"fit: ABC-SMC, population {settings.population_size}, up to "
        f"{settings.max_generations} generations / {settings.max_simulations} simulations",
        progress,
    )
    result = fit(settings, observed, m, progress=progress)
    posterior, generations = result["posterior"], result["generations"]
    fitted = summary(posterior, settings.params)
    medians = {n: s["median"] for n, s in fitted.items()}
    say("fit done: " + ", ".join(f"{n}={v:.4g}" for n, v in medians.items()), progress)

    say("checks: sampling error at the posterior median", progress)
    noise = checks.sampling_error(settings, medians, m, observed)
    say("checks: held-out seeds, posterior medians against the defaults", progress)
    held = {
        "posterior_median": checks.held_out(settings, medians, m, observed),
        "defaults_before": checks.held_out(settings, before, m, observed),
    }
    say(f"checks: posterior predictive ({settings.predictive_draws} draws)", progress)
    predictive = checks.predictive(settings, posterior, m, settings.predictive_draws)
    pred_summary = checks.predictive_summary(predictive, observed)
    curve = checks.judge_curve(pred_summary)
    say("checks: before calibration (model defaults) on the same seeds", progress)
    before_curve = checks.point_curve(settings, before, m)
    say("checks: alternative programme mappings", progress)
    alternatives = checks.alternatives(settings, posterior, m, observed)
    say("checks: margin profile", progress)
    profile = checks.margin_profile(settings, medians, measured["sd_within_team"])
    margin_after = margin.baseline_margin(settings, **medians)

    last = generations.iloc[-1]
    targets_inside = {
        f"sustained_{r.tag}": bool(r.target_inside)
        for r in pred_summary.itertuples()
        if f"sustained_{r.tag}" in TARGETS
    }
    record = {
        "targets": observed,
        "published_targets": TARGETS,
        "recovery_truth": truth,
        "target_source": TARGET_SOURCE,
        "measure": MEASURE,
        "mapping": settings.programme,
        "mapping_assumption": MAPPING_ASSUMPTION,
        "settings": asdict(settings),
        "fitted_parameters": list(settings.params),
        "priors": {
            n: {
                "distribution": "log10-uniform",
                "low": PRIORS[n].low,
                "high": PRIORS[n].high,
                "reason": PRIORS[n].reason,
            }
            for n in settings.params
        },
        "defaults_at_fit": before,
        "baseline_margin_default_at_fit": float(Params.model_fields["baseline_margin"].default),
        # the other rates of capability dynamics: not fitted, held at the model's defaults
        "held_at_defaults": defaults(tuple(n for n in PRIORS if n not in settings.params)),
        "baseline_margin": measured,
        "baseline_margin_at_posterior_median": margin_after,
        "abc": {
            "library": "pyabc",
            "distance": "Euclidean distance between simulated and target shares at 1 and 2 "
            "years (share units)",
            "epsilon_schedule": "median of the previous generation's distances (pyabc default)",
            "sampler": "SingleCoreSampler (numpy seeded); runs of one evaluation in "
            f"{settings.jobs} joblib worker(s)",
            "population_size": settings.population_size,
            "generations": len(generations),
            "final_epsilon": float(last["epsilon"]),
            "effective_sample_size": float(last["ess"]),
            "acceptance_rate_last": float(last["acceptance_rate"]),
            "simulations": result["simulations"],
            # every evaluation, a discarded last generation included (what the runtime paid)
            "evaluations": result["evaluations"],
            "stopped_because": result["stopped_because"],
            "runs": result["simulations"] * settings.seeds_per_evaluation,
            "runtime_s": result["runtime_s"],
        },
        "posterior": fitted,
        "fitted": medians,  # the posterior medians: the calibrated preset and the defaults
        "interval": list(INTERVAL),
        "sampling_error": noise,
        "held_out": held,
        "predictive": {
            "draws": settings.predictive_draws,
            "interval": list(checks.PREDICTIVE),
            "targets_inside": targets_inside,
            "verdict": "PASS" if all(targets_inside.values()) else "FAIL",
            "by_age": pred_summary.to_dict(orient="records"),
            "before_calibration": before_curve.to_dict(orient="records"),
        },
        "follow_up_curve": {
            "rule": (
                f"From {checks.CURVE_FROM_WEEKS} weeks to 2 years the predictive median "
                f"(a) never rises by more than {checks.CURVE_RISE_TOLERANCE} between follow-ups, "
                f"(b) loses share at most {checks.CURVE_STEEPNESS:g} times faster per week in "
                "any stretch than on average (gradual erosion, not a cliff), and (c) ends "
                "below where it started (backsliding)."
            ),
            **curve,
        },
        "alternative_mappings": alternatives.to_dict(orient="records"),
        **provenance(),
        "versions": {**package_versions(), "pyabc": _version("pyabc")},
        "runtime_s": round(time.perf_counter() - started, 1),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    say(f"done in {record['runtime_s']} s", progress)
    return {
        "record": record,
        "posterior": posterior,
        "generations": generations,
        "predictive": predictive,
        "alternatives": alternatives,
        "profile": profile,
        "sizing": sizing,
    }


def _version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"
