"""Equal total effort: solving each strategy's budget so its booked effort matches a target."""

from __future__ import annotations

import pytest

from sim import Params
from sim.effort import equal_effort_budget, total_effort


def fake(curve):
    """An effort function of the budget alone, counting its calls."""
    calls = []

    def effort(params, seeds):
        calls.append(params.budget_fte_per_100_teams)
        return curve(params.budget_fte_per_100_teams)

    return effort, calls


@pytest.mark.parametrize(
    "curve",
    [lambda b: 100.0 * b, lambda b: 30.0 * b**1.5 + 5.0, lambda b: 400.0 * (1 - 2.0 ** (-b / 20))],
)
def test_the_solver_finds_the_budget_within_tolerance(curve):
    effort, calls = fake(curve)
    match = equal_effort_budget(Params(), 250.0, [0], effort=effort)
    assert match.matched and abs(match.gap) <= 0.02
    assert abs(curve(match.budget) - 250.0) <= 0.02 * 250.0
    assert len(calls) <= 12


def test_a_duty_that_alone_exceeds_the_target_has_no_match():
    effort, _ = fake(lambda b: 500.0 + 10.0 * b)
    match = equal_effort_budget(Params(strategy="embedded"), 250.0, [0], effort=effort)
    assert not match.matched and match.budget == 0.0 and "zero budget" in match.note


def test_a_target_beyond_the_largest_budget_has_no_match():
    effort, _ = fake(lambda b: b)
    match = equal_effort_budget(Params(), 1e6, [0], effort=effort, max_budget=50.0)
    assert not match.matched and match.budget == 50.0


def test_on_the_model_the_solved_budget_books_the_reference_effort():
    world = dict(n_teams=48, weeks=104)
    seeds = [1, 2]
    target = total_effort(Params(strategy="centralized", **world), seeds)
    match = equal_effort_budget(Params(strategy="hybrid", **world), target, seeds)
    assert match.matched, match
    again = total_effort(
        Params(strategy="hybrid", budget_fte_per_100_teams=match.budget, **world), seeds
    )
    assert abs(again - target) <= 0.02 * target
