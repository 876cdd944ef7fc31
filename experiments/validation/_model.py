"""The one place where validation reaches inside the model.

Two patterns need per-team state that the public ``sim.run`` does not return: the share of teams
that have ever tried Lean (the Bass adoption event of pattern 1) and each team's commitment at
the end and at its peak (pattern 4). :func:`watched_run` runs the model exactly as ``sim.run``
does, watches the teams' commitment after every week through :func:`team_commitment`, and adds
what it saw to the run's own tables, so the sweep store keeps it like any other run.

When the model's internals move, only :func:`team_commitment` (and, if ``sim.run`` changes how
it steps a model, :func:`watched_run`) needs to follow. ``tests/studies/test_validation.py``
checks that a watched run's summary equals ``sim.run``'s for the same seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import LeanModel, Params, RunResult
from sim.run import collect_result

#: Column of the weekly series added by the watch: share of teams whose commitment is above 0.
TRIED = "watch_tried"
#: Thresholds of the commitment classes (Repenning 2002: teams end committed or reverted).
COMMITTED, LOW, REACHED = 0.9, 0.1, 0.5
#: Bins of the histogram of end commitment kept per run (summary columns ``watch_bin_<k>``).
BINS = 20


def team_commitment(model: LeanModel) -> np.ndarray:
    """Each team's commitment to improvement (0-1), one entry per team."""
    return model.line.commitment


def bin_columns() -> list[str]:
    return [f"watch_bin_{k:02d}" for k in range(BINS)]


def watched_run(params: Params, seed: int) -> RunResult:
    """``sim.run(params, seed)`` plus what validation watches about teams' commitment.

    Added to ``series``: ``watch_tried`` (share of teams with commitment > 0; commitment moves
    only by a trial in the pure-diffusion setting, so this is the share that has tried).
    Added to ``summary``: ``watch_committed``, ``watch_undecided``, ``watch_low`` (shares of
    teams at the end with commitment >= 0.9, in (0.1, 0.9), <= 0.1), ``watch_reached`` (teams
    whose commitment ever reached 0.5), ``watch_reverted`` (of those, teams that end below 0.1)
    and ``watch_bin_00`` .. ``watch_bin_19`` (share of teams per 0.05 of end commitment).
    """
    model = LeanModel(params, seed=seed)  # collects week 0 itself, as in sim.run
    commitment = team_commitment(model)
    tried = [float(np.mean(commitment > 0))]
    peak = commitment.copy()
    for _ in range(params.weeks):
        model.step()
        commitment = team_commitment(model)
        tried.append(float(np.mean(commitment > 0)))
        np.maximum(peak, commitment, out=peak)
    result = collect_result(model)
    end = team_commitment(model)
    reached = peak >= REACHED
    counts, _ = np.histogram(end, bins=BINS, range=(0.0, 1.0))
    watch = {
        "watch_committed": float(np.mean(end >= COMMITTED)),
        "watch_undecided": float(np.mean((end > LOW) & (end < COMMITTED))),
        "watch_low": float(np.mean(end <= LOW)),
        "watch_reached": int(reached.sum()),
        "watch_reverted": int((reached & (end < LOW)).sum()),
        **dict(zip(bin_columns(), counts / end.size, strict=True)),
    }
    summary = result.summary.assign(**watch)
    series = result.series.assign(**{TRIED: tried})
    return RunResult(result.params, result.seed, series, summary, result.pilots)


def histogram_edges() -> np.ndarray:
    return np.linspace(0.0, 1.0, BINS + 1)


def pooled_histogram(summary: pd.DataFrame) -> np.ndarray:
    """Share of teams per bin of end commitment, pooled over the runs in ``summary``."""
    return summary[bin_columns()].to_numpy(float).mean(axis=0)
