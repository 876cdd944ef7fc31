"""ABC-SMC with pyabc: a posterior over the fitted rates given the two published shares.

Why ABC: the model is a stochastic simulator with no likelihood; ABC-SMC (Toni et al. 2009;
Del Moral et al. 2012) keeps the parameter values whose simulated shares land within epsilon
of the published ones, generation after generation with a shrinking epsilon, and its weighted
particles are a sample of the posterior. pyabc (Schälte et al. 2022) is a well-kept
implementation with the sequential importance weights, adaptive epsilon and kernel
transitions done right.

- **Parameters** are sampled as ``log10`` of each rate (uniform priors there: see
  :data:`experiments.calibration.spec.PRIORS`), so the transition kernel moves rates by
  factors, not by absolute steps.
- **Distance**: Euclidean distance between the simulated and the published shares at 1 and 2
  years (:func:`distance`; both are shares, so one unit for both, no weights).
- **Epsilon**: pyabc's default, the median of the previous generation's distances.
- **Simulations**: each evaluation pools ``seeds_per_evaluation`` runs on fresh seeds, so the
  posterior accounts for the sampling error of a share at that many pilots.
- **Sampler**: ``SingleCoreSampler`` with numpy's global generator seeded, which makes the fit
  reproducible; the runs inside one evaluation use ``jobs`` worker processes instead.
- **Runtime bound**: ``max_simulations`` is a hard budget (:class:`BudgetedSampler`): a
  generation that would exceed it is cut short and discarded, and the posterior is the last
  complete generation. ``min_acceptance_rate`` stops a generation that accepts too little.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyabc
from pyabc.weighted_statistics import effective_sample_size, weighted_quantile

from experiments.calibration.simulate import evaluate
from experiments.calibration.spec import PRIORS, TARGETS, Settings

#: Posterior intervals in the record and the note: central 90%.
INTERVAL = (0.05, 0.95)


def log10_name(name: str) -> str:
    return f"log10_{name}"


def prior(names: tuple[str, ...]) -> pyabc.Distribution:
    """Uniform on log10 of each rate within its written-down bounds."""
    rvs = {}
    for name in names:
        lo, hi = PRIORS[name].log10_bounds
        rvs[log10_name(name)] = pyabc.RV("uniform", lo, hi - lo)
    return pyabc.Distribution(**rvs)


def distance(simulated: dict[str, float], observed: dict[str, float]) -> float:
    """Euclidean distance between simulated and observed shares at the targets (share units).

    Infinite where a target age was not reached (no pilot followed up), so such a draw is never
    accepted."""
    d = float(np.sqrt(sum((simulated[k] - observed[k]) ** 2 for k in TARGETS)))
    return d if np.isfinite(d) else float("inf")


def rates(parameter: dict[str, float], names: tuple[str, ...]) -> dict[str, float]:
    """Rates (per week) from a particle's log10 coordinates."""
    return {n: float(10.0 ** parameter[log10_name(n)]) for n in names}


class BudgetedSampler(pyabc.sampler.SingleCoreSampler):
    """The single-core sampler with a hard cap on the fit's simulations.

    pyabc checks ``max_total_nr_simulations`` only between generations, so one generation at
    a low acceptance rate can overrun it many times over; here each generation may use only
    what is left of the budget (and at most ``population / min_acceptance_rate``)."""

    def __init__(self, budget: int):
        super().__init__(check_max_eval=True)
        self.budget, self.used = budget, 0

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, **kwargs):
        left = max(self.budget - self.used, 0)
        sample = super().sample_until_n_accepted(
            n, simulate_one, t, max_eval=min(max_eval, left), **kwargs
        )
        self.used += self.nr_evaluations_
        return sample


class Simulator:
    """pyabc's model: log10 rates -> simulated shares at the targets, on fresh seeds.

    Evaluation ``i`` uses block ``i`` of the seed stream, so a fit is reproducible (the
    single-core sampler calls it in a fixed order) and no two evaluations share organizations.
    """

    def __init__(self, settings: Settings, margin: float, stream: str = "fit"):
        self.settings, self.margin, self.stream = settings, margin, stream
        self.evaluations = 0

    def __call__(self, parameter: dict[str, float]) -> dict[str, float]:
        values = rates(parameter, self.settings.params)
        out = evaluate(self.settings, values, self.margin, self.stream, self.evaluations)
        self.evaluations += 1
        keep = [*TARGETS, *(k.replace("sustained_", "pilots_") for k in TARGETS)]
        return {k: float(out.get(k, np.nan)) for k in keep}


def fit(
    settings: Settings,
    observed: dict[str, float],
    margin: float,
    progress: bool = True,
    distance_function=distance,
) -> dict[str, Any]:
    """Run ABC-SMC; returns the posterior (particles and weights) and one row per generation.

    ``observed`` maps each target (``sustained_1y``, ``sustained_2y``) to a share: the
    published figures, or shares simulated from known values (the recovery check).
    """
    missing = sorted(set(TARGETS) - set(observed))
    if missing:
        raise ValueError(f"observed={observed}: missing {missing}")
    for logger in ("ABC", "Sampler", "Epsilon", "Distance", "Transition"):
        logging.getLogger(f"ABC.{logger}" if logger != "ABC" else logger).setLevel(
            logging.INFO if progress else logging.WARNING
        )
    # pyabc draws proposals from numpy's global generator: seeding it makes the fit repeatable.
    np.random.seed(settings.base_seed % 2**32)
    simulator = Simulator(settings, margin)
    sampler = BudgetedSampler(settings.max_simulations)
    abc = pyabc.ABCSMC(
        simulator,
        prior(settings.params),
        distance_function,
        population_size=settings.population_size,
        sampler=sampler,
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lean-sim-abc-") as tmp:
        abc.new(f"sqlite:///{Path(tmp) / 'abc.db'}", {k: observed[k] for k in TARGETS})
        history = abc.run(
            max_nr_populations=settings.max_generations,
            max_total_nr_simulations=settings.max_simulations,
            min_acceptance_rate=settings.min_acceptance_rate,
        )
        if history.max_t < 0:
            raise ValueError(
                f"max_simulations={settings.max_simulations}: not even one generation of "
                f"{settings.population_size} particles completed; raise it"
            )
        posterior = posterior_frame(history.get_population(), settings.params)
        generations = generations_frame(history, settings.params)
        total = int(history.total_nr_simulations)
    runtime = time.perf_counter() - started
    return {
        "posterior": posterior,
        "generations": generations,
        "simulations": total,
        "evaluations": simulator.evaluations,
        "stopped_because": stop_reason(settings, generations, simulator.evaluations, total),
        "runtime_s": round(runtime, 1),
    }


def stop_reason(
    settings: Settings, generations: pd.DataFrame, evaluations: int, stored: int
) -> str:
    """Why the fit stopped, read from what it did (pyabc only logs it)."""
    last_rate = float(generations["acceptance_rate"].iloc[-1])
    if evaluations > stored:
        cut = evaluations - stored
        why = (
            "the simulation budget was spent"
            if evaluations >= settings.max_simulations
            else "a generation accepted fewer than the minimum acceptance rate"
        )
        return f"{why} (a last, incomplete generation of {cut} simulations was discarded)"
    if len(generations) >= settings.max_generations:
        return "it reached the maximum number of generations"
    if stored >= settings.max_simulations:
        return "the simulation budget was spent"
    if last_rate < settings.min_acceptance_rate:
        return "the acceptance rate fell below its minimum"
    return "pyabc's own stopping rule applied"


def posterior_frame(population: Any, names: tuple[str, ...]) -> pd.DataFrame:
    """One row per particle of the final generation: rates, log10 rates, weight, distance,
    and the shares it simulated. Weights are normalized to sum to 1."""
    rows = []
    for particle in population.particles:
        rows.append(
            {
                **rates(particle.parameter, names),
                **{log10_name(n): float(particle.parameter[log10_name(n)]) for n in names},
                "weight": float(particle.weight),
                "distance": float(particle.distance),
                **{k: float(v) for k, v in particle.sum_stat.items()},
            }
        )
    frame = pd.DataFrame(rows)
    frame["weight"] /= frame["weight"].sum()
    return frame.sort_values(list(names), ignore_index=True)


def generations_frame(history: Any, names: tuple[str, ...]) -> pd.DataFrame:
    """One row per generation: epsilon, simulations, acceptance rate, effective sample size,
    and each rate's weighted median and 90% interval (how the posterior narrows)."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    rows = []
    for _, pop in pops.iterrows():
        t = int(pop["t"])
        frame, weights = history.get_distribution(m=0, t=t)
        weights = np.asarray(weights, dtype=float) / np.sum(weights)
        row = {
            "generation": t,
            "epsilon": float(pop["epsilon"]),
            "simulations": int(pop["samples"]),
            "particles": int(pop["particles"]),
            "acceptance_rate": float(pop["particles"]) / float(pop["samples"]),
            "ess": float(effective_sample_size(weights)),
        }
        for name in names:
            x = frame[log10_name(name)].to_numpy(dtype=float)
            lo, mid, hi = (
                weighted_quantile(x, weights, alpha=a) for a in (INTERVAL[0], 0.5, INTERVAL[1])
            )
            row |= {f"{name}_median": 10**mid, f"{name}_lo": 10**lo, f"{name}_hi": 10**hi}
        rows.append(row)
    return pd.DataFrame(rows)


def summary(posterior: pd.DataFrame, names: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Per rate: weighted median and central 90% interval, plus the prior's bounds and its own
    central 90% interval (so a reader sees how much the data narrowed it)."""
    w = posterior["weight"].to_numpy(dtype=float)
    out = {}
    for name in names:
        x = posterior[log10_name(name)].to_numpy(dtype=float)
        lo, hi = PRIORS[name].log10_bounds
        q = {
            a: float(10 ** weighted_quantile(x, w, alpha=a))
            for a in (INTERVAL[0], 0.5, INTERVAL[1])
        }
        prior_lo, prior_hi = (10 ** (lo + a * (hi - lo)) for a in INTERVAL)
        width = np.log10(q[INTERVAL[1]] / q[INTERVAL[0]])
        out[name] = {
            "median": q[0.5],
            "lo": q[INTERVAL[0]],
            "hi": q[INTERVAL[1]],
            "prior_low": PRIORS[name].low,
            "prior_high": PRIORS[name].high,
            "prior_lo": float(prior_lo),
            "prior_hi": float(prior_hi),
            # width of the 90% interval relative to the prior's, in log10 units (1 = no
            # narrowing): what the targets say about this rate
            "interval_ratio": float(width / (INTERVAL[1] - INTERVAL[0]) / (hi - lo)),
        }
    return out


def draws(posterior: pd.DataFrame, names: tuple[str, ...], n: int, seed: int) -> pd.DataFrame:
    """``n`` posterior draws (rates), resampled by weight with a seeded generator."""
    rng = np.random.default_rng(seed)
    w = posterior["weight"].to_numpy(dtype=float)
    idx = rng.choice(len(posterior), size=n, replace=True, p=w / w.sum())
    out = posterior.iloc[idx][list(names)].reset_index(drop=True)
    out.insert(0, "draw", np.arange(n))
    out["particle"] = idx
    return out
