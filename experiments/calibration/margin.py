"""The measure is fixed first: ``baseline_margin`` from the noise of teams with no programme.

A pilot counts as sustained when its team performs above its own pre-pilot level *by the
margin*. The margin says how large a difference is more than a team's ordinary ups and downs,
so it is set from those ups and downs, before any fitting, and never fitted:

    **Rule.** Run the programme's organization with no programme (``strategy=none``, same size
    and horizon). For each team, take its weekly performance as the follow-ups measure it
    (``1 + result``, the perceived performance against its own baseline) and its deviations
    from its own mean over the horizon. ``sigma`` is the pooled standard deviation of those
    deviations over teams and runs; ``baseline_margin = margin_multiple * sigma`` (two
    standard deviations by default: a two-sigma control limit, the smallest change that a
    team's ordinary variation produces by chance in about one week in twenty).

The standard deviation of week-to-week *changes* is recorded too. The model's perceived
performance is smoothed (``result_weeks``), so successive weeks differ very little; a margin
from week-to-week changes would count any gain, however small, as sustained. The rule uses
the variation of a team's weekly level around its mean instead, which is what a follow-up
compares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from experiments.calibration.spec import Settings
from sim.params import Params, field_kind
from sim.seeds import replicate_seeds


def team_performance(model: Any) -> np.ndarray:
    """Each team's performance as a pilot follow-up records it (``1 + result``).

    The one place that reads the model's internals: the rewritten model keeps team arrays on
    ``model.line``, the current one on ``model.teams``.
    """
    line = getattr(model, "line", None) or model.teams
    return 1.0 + np.asarray(line.result, dtype=float)


def weekly_performance(params: Params, seed: int) -> np.ndarray:
    """(weeks, teams) array of every team's weekly performance in one run (weeks 1..end)."""
    from sim.model import LeanModel

    model = LeanModel(params, seed=seed)
    weeks = []
    for _ in range(params.weeks):
        model.step()
        weeks.append(team_performance(model))
    return np.array(weeks)


def noise(performance: Sequence[np.ndarray]) -> dict[str, float]:
    """Pooled within-team SD of weekly performance, and the SD of week-to-week changes.

    ``performance`` holds one (weeks, teams) array per run. Deviations are taken from each
    team's own mean (so differences between teams do not count), with one degree of freedom
    per team and run spent on that mean.
    """
    squares = changes = 0.0
    dof = n_changes = 0
    for weeks in performance:
        weeks = np.asarray(weeks, dtype=float)
        if weeks.ndim != 2 or weeks.shape[0] < 2:
            raise ValueError(f"performance of shape {weeks.shape}: need (weeks >= 2, teams)")
        deviation = weeks - weeks.mean(axis=0)
        squares += float((deviation**2).sum())
        dof += deviation.size - weeks.shape[1]
        step = np.diff(weeks, axis=0)
        changes += float(((step - step.mean()) ** 2).sum())
        n_changes += step.size
    return {
        "sd_within_team": float(np.sqrt(squares / dof)),
        "sd_weekly_change": float(np.sqrt(changes / max(n_changes - 1, 1))),
    }


def margin_from_noise(sd_within_team: float, multiple: float) -> float:
    """The rule: ``multiple`` within-team standard deviations (rounded to 4 decimals)."""
    if not np.isfinite(sd_within_team) or sd_within_team < 0 or multiple < 0:
        raise ValueError(f"sd={sd_within_team}, multiple={multiple}: need finite values >= 0")
    return round(float(multiple * sd_within_team), 4)


def no_programme_world(settings: Settings, **values: Any) -> Params:
    """The programme's organization with no programme (every lever at the ``none`` preset)."""
    kept = {"world", "observation"}
    world = {k: v for k, v in settings.world().items() if field_kind(k) in kept}
    return Params.create(**{**world, **values, "strategy": "none"})


def baseline_margin(settings: Settings, **values: Any) -> dict[str, Any]:
    """Measure the noise and apply the rule; returns everything the record needs.

    ``values`` are Params fields to set (e.g. posterior medians, to check the rule after the
    fit); by default the model's defaults, i.e. the values *before* calibration.
    """
    params = no_programme_world(settings, **values)
    seeds = replicate_seeds(params, settings.base_seed, settings.margin_seeds)
    measured = noise([weekly_performance(params, seed) for seed in seeds])
    return {
        "baseline_margin": margin_from_noise(measured["sd_within_team"], settings.margin_multiple),
        "multiple": settings.margin_multiple,
        **measured,
        "runs": len(seeds),
        "n_teams": params.n_teams,
        "weeks": params.weeks,
        "values": dict(values),
        "rule": (
            f"baseline_margin = {settings.margin_multiple:g} x the pooled within-team SD of "
            "weekly performance (1 + result) of teams with no programme (strategy=none, "
            f"{params.n_teams} teams, weeks 1-{params.weeks}, {len(seeds)} runs)"
        ),
    }
