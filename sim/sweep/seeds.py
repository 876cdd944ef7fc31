"""Cell identity and seeds: pure functions of the parameters, never of sweep order or launcher.

Two rules make results comparable and reusable:

* A cell is identified by a digest of its canonical parameters (sorted JSON of the Params dict,
  strategy included, plus the culture label), so the same cell maps to the same folder in any
  sweep, and finished replicates are found again when ``replicates`` grows.
* The seed of replicate ``r`` derives from ``(base_seed, r, digest of the world)``, where the
  world is every parameter except the *treatment* (the strategy, the policy levers that override
  its preset, and the mechanism switches). Two cells that differ only in treatment therefore run
  on the same organizations (common random numbers), and the model derives its organization only
  from the seed. We use numpy's SeedSequence over a SHA-256 digest, never Python's ``hash()``
  (salted per process).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import numpy as np

from sim.params import MECHANISMS, Params, Policy

#: The policy levers a strategy is composed of (each one a Params field overriding the preset).
POLICY_FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Policy) if f.name in Params.model_fields
)

#: Fields that say what the organization *does* (or which causal paths the model includes),
#: not what it *is*; they do not enter the seed, so variants share organizations.
TREATMENT_FIELDS: frozenset[str] = frozenset({"strategy", *POLICY_FIELDS, *MECHANISMS})

CELL_ID_LENGTH = 12


def canonical_json(value: Any) -> str:
    """Sorted, compact JSON: equal dicts give equal text (floats use their shortest repr)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def params_dict(params: Params) -> dict[str, Any]:
    """The Params as plain JSON-able values (what manifests and digests use)."""
    return params.model_dump(mode="json")


def cell_key(params: Params, culture: str = "custom") -> dict[str, Any]:
    """What identifies a cell: every Params field plus the culture label.

    The label is part of the key so that two countries with the same power distance (Germany
    and Great Britain) stay two cells; their runs are identical, since the seed ignores labels.
    """
    return {"params": params_dict(params), "culture": culture}


def cell_id(params: Params, culture: str = "custom") -> str:
    """Short stable id of a cell (hex); ``replicates`` and ``base_seed`` are not part of it."""
    return sha256_hex(canonical_json(cell_key(params, culture)))[:CELL_ID_LENGTH]


def world_digest(params: Params) -> str:
    """Digest of the non-treatment parameters: equal for all strategies of one world."""
    world = {k: v for k, v in params_dict(params).items() if k not in TREATMENT_FIELDS}
    return sha256_hex(canonical_json(world))


def replicate_seed(base_seed: int, replicate: int, digest: str) -> int:
    """The seed of one replicate: a 63-bit int from SeedSequence(base_seed, replicate, digest)."""
    if base_seed < 0 or replicate < 0:
        raise ValueError(
            f"base_seed={base_seed} and replicate={replicate} must be non-negative integers"
        )
    sequence = np.random.SeedSequence([base_seed, replicate, int(digest, 16)])
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def replicate_seeds(params: Params, base_seed: int, replicates: int) -> list[int]:
    """Seeds of replicates ``0 .. replicates-1`` of a cell."""
    digest = world_digest(params)
    return [replicate_seed(base_seed, r, digest) for r in range(replicates)]


def seeds_digest(seeds: list[int]) -> str:
    """A short digest of a list of seeds (plans store this instead of long lists)."""
    return sha256_hex(canonical_json(seeds))[:16]
