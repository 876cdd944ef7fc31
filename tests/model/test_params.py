"""Params: typed, validated, and strategies as compositions of policy settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sim import STRATEGIES, Params, ParamsError
from sim.params import STRATEGY_POLICIES


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("power_distance", 1.5, "less than or equal to 1"),
        ("n_teams", -5, "greater than or equal to 2"),
        ("strategy", "pmo-please", "'none', 'centralized', 'embedded', 'hybrid' or 'product'"),
        ("weeks", 0, "greater than or equal to 1"),
        ("resistance", "high", "valid number"),
    ],
)
def test_bad_value_names_field_value_and_what_is_allowed(field, value, allowed):
    with pytest.raises(ValidationError) as err:
        Params(**{field: value})
    text = str(err.value)
    assert field in text and str(value) in text and allowed in text
    with pytest.raises(ParamsError) as err2:
        Params.create(**{field: value})
    assert f"{field}={value!r}" in str(err2.value) and allowed in str(err2.value)


def test_unknown_parameter_is_rejected_by_name():
    with pytest.raises(ParamsError, match="power_distanse"):
        Params.create(power_distanse=0.3)


def test_cross_field_rule_is_checked():
    with pytest.raises(ValidationError, match="close_threshold"):
        Params(close_threshold=0.5, cut_threshold=0.2)


def test_params_are_frozen():
    with pytest.raises(ValidationError):
        Params().resistance = 0.9  # type: ignore[misc]


def test_every_strategy_has_a_policy_preset():
    assert set(STRATEGY_POLICIES) == set(STRATEGIES)
    assert Params(strategy="none").policy.active is False
    assert Params(strategy="centralized").policy.pmo_share == 1.0
    assert Params(strategy="embedded").policy.pmo_share == 0.0


def test_policy_fields_override_the_preset_so_users_compose_variants():
    variant = Params(strategy="hybrid", sunset="adoption", rotate_staff=False)
    assert variant.policy.sunset == "adoption"
    assert variant.policy.rotate_staff is False
    assert variant.policy.coach_share == STRATEGY_POLICIES["hybrid"].coach_share


def test_budget_is_the_same_for_every_strategy():
    budgets = {Params(strategy=s, n_teams=300).budget_fte for s in STRATEGIES}
    assert budgets == {30.0}


def test_power_distance_switch_means_culture_neutral():
    assert Params(power_distance=0.9).effective().power_distance == 0.9
    assert Params(power_distance=0.9, power_distance_effect=False).effective().power_distance == 0.5


@pytest.mark.parametrize("seed", [None, -1, 1.5, "3", True])
def test_run_needs_a_non_negative_integer_seed(seed):
    from sim import run

    with pytest.raises(ValueError, match="seed="):
        run(Params(n_teams=24, weeks=2), seed=seed)
