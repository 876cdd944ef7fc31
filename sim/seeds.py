"""Identity and seeds of a point in parameter space: pure functions of the parameters.

Two rules make results comparable, reusable, and stable as the model grows:

* **Only what differs from the defaults counts.** A cell is identified by a digest of the
  Params fields that differ from their defaults (plus the culture label), so adding a new field
  at its default changes no cell id and no seed. Floats are normalized first (``-0.0`` is
  ``0.0``; integral floats of int fields are ints).
* **Seeds derive from the world only.** The seed of replicate ``r`` derives from
  ``(base_seed, r, digest of the world)``, where the world is the ``world`` fields of
  ``sim.params`` (the organization, its culture, resistance and pressure). Every strategy,
  every lever and every assumption value therefore meets the same organizations (common random
  numbers), and the model derives its organization only from the seed.

We use numpy's SeedSequence over a SHA-256 digest, never Python's ``hash()`` (salted per
process). This module is part of the model version (``sim.provenance``): changing how seeds
derive changes which organizations a result describes.
"""

from __future__ import annotations

import hashlib
import json
import math
from functools import cache
from typing import Any

import numpy as np

from sim.params import WORLD_FIELDS, Params

CELL_ID_LENGTH = 12


def normalize(value: Any) -> Any:
    """One spelling per number: -0.0 becomes 0.0 (a non-finite number is an error).

    Params has already coerced every field to its declared type, so only the sign of zero can
    still give two spellings of one value.
    """
    if isinstance(value, float):
        if value == 0.0:
            return 0.0
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
    return value


def canonical_json(value: Any) -> str:
    """Sorted, compact JSON: equal dicts give equal text (floats use their shortest repr)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def params_dict(params: Params) -> dict[str, Any]:
    """The Params as plain JSON-able values (what manifests store), numbers normalized."""
    return {k: normalize(v) for k, v in params.model_dump(mode="json").items()}


@cache
def _defaults(cls: type[Params]) -> dict[str, Any]:
    return params_dict(cls())


def non_default(params: Params, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The fields (all, or those named) whose values differ from their defaults."""
    values, defaults = params_dict(params), _defaults(type(params))
    names = fields if fields is not None else tuple(values)
    return {k: values[k] for k in names if k in values and values[k] != defaults[k]}


def cell_key(params: Params, culture: str = "custom") -> dict[str, Any]:
    """What identifies a cell: the fields that differ from the defaults, plus the culture label.

    The label is part of the key so that two countries with the same power distance (Germany
    and Great Britain) stay two cells; their runs are identical, since seeds ignore labels.
    """
    return {"params": non_default(params), "culture": culture}


def cell_id(params: Params, culture: str = "custom") -> str:
    """Short stable id of a cell (hex); ``replicates`` and ``base_seed`` are not part of it."""
    return sha256_hex(canonical_json(cell_key(params, culture)))[:CELL_ID_LENGTH]


def world_digest(params: Params) -> str:
    """Digest of the world fields that differ from the defaults: equal for every strategy,
    lever and assumption value of one world."""
    return sha256_hex(canonical_json(non_default(params, WORLD_FIELDS)))


def replicate_seed(base_seed: int, replicate: int, digest: str) -> int:
    """The seed of one replicate: a 63-bit int from SeedSequence(base_seed, replicate, digest)."""
    for name, value in (("base_seed", base_seed), ("replicate", replicate)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise ValueError(f"{name}={value!r}: must be a non-negative integer")
    sequence = np.random.SeedSequence([int(base_seed), int(replicate), int(digest, 16)])
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def replicate_seeds(params: Params, base_seed: int, replicates: int) -> list[int]:
    """Seeds of replicates ``0 .. replicates-1`` of a cell."""
    digest = world_digest(params)
    return [replicate_seed(base_seed, r, digest) for r in range(replicates)]


def seeds_digest(seeds: list[int]) -> str:
    """A short digest of a list of seeds (plans store this instead of long lists)."""
    return sha256_hex(canonical_json(seeds))[:16]
