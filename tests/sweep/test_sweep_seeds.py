"""Cell ids and seeds: functions of the parameters only, shared by strategies of one world."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest
from pydantic import Field

from sim import MECHANISMS, LeanModel, Params
from sim.params import POLICY_FIELDS, TREATMENT_FIELDS
from sim.seeds import (
    cell_id,
    replicate_seed,
    replicate_seeds,
    world_digest,
)
from sim.sweep.cells import Cell

TINY = {"n_teams": 24, "weeks": 60}


def test_replicate_seed_derivation_is_fixed():
    # A change here silently orphans every finished result (resume matches seeds), so the
    # derivation is pinned: SeedSequence([base_seed, replicate, int(digest, 16)]), 63 bits.
    expected = np.random.SeedSequence([7, 3, int("ab" * 32, 16)]).generate_state(1, np.uint64)[0]
    assert replicate_seed(7, 3, "ab" * 32) == int(expected) >> 1 == 6702037922385540464
    assert replicate_seed(0, 0, "0" * 64) == 7896617691693857887


def test_seeds_ignore_the_treatment_strategy_policy_and_mechanism_switches():
    base = Params(strategy="centralized", **TINY)
    variants = [
        base.model_copy(update={"strategy": s}) for s in ("none", "embedded", "hybrid", "product")
    ]
    variants += [
        Params(strategy="centralized", sunset="deadline", rotate_staff=True, **TINY),
        Params(strategy="centralized", budget_to_line_after_pmo=True, coach_share=0.5, **TINY),
        Params(strategy="centralized", escape_hatch=False, career_trap=False, **TINY),
        Params(strategy="centralized", sunset_week=104, budget_fte_per_100_teams=3, **TINY),
        # assumptions do not re-seed either: every assumption value meets the same organization
        Params(strategy="centralized", decay_rate=0.2, openness=0.0, **TINY),
        # nor does the horizon: a shorter run is the start of a longer one
        base.model_copy(update={"weeks": 520}),
    ]
    seeds = replicate_seeds(base, base_seed=0, replicates=3)
    for variant in variants:
        assert replicate_seeds(variant, base_seed=0, replicates=3) == seeds
    assert {*POLICY_FIELDS, *MECHANISMS, "strategy"} <= set(TREATMENT_FIELDS)


def test_seeds_differ_across_replicates_worlds_and_base_seeds():
    p = Params(**TINY)
    seeds = replicate_seeds(p, 0, 5)
    assert len(set(seeds)) == 5
    assert replicate_seeds(p.model_copy(update={"resistance": 0.7}), 0, 5)[0] != seeds[0]
    assert replicate_seeds(p.model_copy(update={"n_teams": 48}), 0, 1)[0] != seeds[0]
    assert replicate_seeds(p, 1, 1)[0] != seeds[0]
    assert all(0 <= s < 2**63 for s in seeds)


def test_cell_id_covers_every_param_and_the_culture_label_but_not_replicates():
    p = Params(strategy="embedded", power_distance=0.35, **TINY)
    assert cell_id(p) == cell_id(Params(**p.model_dump()))
    assert cell_id(p) != cell_id(p.model_copy(update={"strategy": "centralized"}))
    assert cell_id(p) != cell_id(p.model_copy(update={"escape_hatch": False}))
    # Germany and Great Britain share PDI 35: two cells, the same world and seeds
    assert cell_id(p, "germany") != cell_id(p, "great_britain")
    assert world_digest(p) == world_digest(p.model_copy(update={"strategy": "none"}))


def test_seeds_are_the_same_in_a_fresh_process_with_another_hash_seed():
    p = Params(strategy="hybrid", resistance=0.6, **TINY)
    code = (
        "from sim import Params; from sim.seeds import replicate_seeds, cell_id; "
        f"p = Params(**{p.model_dump()!r}); print(replicate_seeds(p, 3, 4), cell_id(p))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    ).stdout.strip()
    assert out == f"{replicate_seeds(p, 3, 4)} {cell_id(p)}"


@pytest.mark.parametrize("replicate", [0, 1])
def test_strategies_share_the_organization_of_a_replicate(replicate):
    cells = [Cell(Params(strategy=s, **TINY)) for s in ("centralized", "embedded", "hybrid")]
    seeds = [replicate_seeds(c.params, 0, 2)[replicate] for c in cells]
    assert len(set(seeds)) == 1
    orgs = [LeanModel(c.params, seed=seed).org for c, seed in zip(cells, seeds, strict=True)]
    for field in dataclasses.fields(orgs[0]):
        first = getattr(orgs[0], field.name)
        for other in orgs[1:]:
            np.testing.assert_array_equal(getattr(other, field.name), first, err_msg=field.name)
    other_replicate = replicate_seeds(cells[0].params, 0, 2)[1 - replicate]
    assert not np.array_equal(
        LeanModel(cells[0].params, seed=other_replicate).org.resistance, orgs[0].resistance
    )


def test_a_new_field_at_its_default_keeps_cell_ids_and_seeds():
    """The model grows: a parameter added at its default must not orphan finished results."""

    class Grown(Params):
        new_knob: float = Field(0.3, ge=0.0, le=1.0, description="A parameter added later.")

    old = Params(strategy="embedded", resistance=0.7, **TINY)
    grown = Grown(strategy="embedded", resistance=0.7, **TINY)
    assert cell_id(grown) == cell_id(old)
    assert replicate_seeds(grown, 0, 3) == replicate_seeds(old, 0, 3)
    assert cell_id(Grown(strategy="embedded", resistance=0.7, new_knob=0.5, **TINY)) != cell_id(old)


def test_minus_zero_is_zero():
    assert cell_id(Params(resistance=-0.0)) == cell_id(Params(resistance=0.0))
    assert world_digest(Params(resistance=-0.0)) == world_digest(Params(resistance=0.0))
