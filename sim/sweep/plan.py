"""The plan of an experiment folder (``sweep.json``): which cells its merge holds. No Hydra.

A plan lists cells in order, each with its replicates, base seed and the digest of its seeds.
The merge takes exactly the plan's cells and replicates, so **a merge holds exactly its own
sweep's plan**. A later sweep into the same folder must have the same plan (the same cells
with the same replicates and base seed, in any order): then it resumes. If it differs it is
refused with a message naming the difference, unless it asks to extend the plan
(``extend=true``): then cells of both are kept, those in both take the new sweep's replicates
and base seed, and new cells are appended. A user who wants a fresh plan removes ``sweep.json``
(finished cells are still reused) or picks another ``experiment_name``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sim.provenance import provenance
from sim.seeds import replicate_seed, seeds_digest
from sim.sweep import store
from sim.sweep.cells import JobSpec, PlanCell
from sim.sweep.runner import runs_to_do

#: Cells named at most in a message (a design can have thousands).
SHOWN = 3


class PlanConflict(ValueError):
    """A sweep's plan differs from the folder's; the message names the difference."""


def cell_entries(job: JobSpec) -> Iterable[dict[str, Any]]:
    """The plan entries of a job's cells (without ``runs_to_do``, added under the lock)."""
    for cell in job.plan_cells:
        seeds = [replicate_seed(job.base_seed, r, cell.world) for r in range(job.replicates)]
        yield {
            "cell_id": cell.cell_id,
            "strategy": cell.strategy,
            "culture": cell.culture,
            "design_row": cell.design_row,
            "describe": cell.describe,
            "replicates": job.replicates,
            "base_seed": job.base_seed,
            "seeds_digest": seeds_digest(seeds),
        }


def new_plans(jobs: list[JobSpec], launcher: str = "") -> dict[Path, dict[str, Any]]:
    """One plan per experiment folder: its cells in launch order (a repeated cell once)."""
    plans: dict[Path, dict[str, Any]] = {}
    sweep_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    version = provenance()
    seen: dict[Path, set[str]] = {}
    for job in jobs:
        plan = plans.setdefault(
            job.experiment_dir,
            {
                "experiment": job.experiment,
                "sweep_id": sweep_id,
                "started": time.time(),
                "model_version": version["model_version"],
                "commit": version["commit"],
                "dirty": version["dirty"],
                "launcher": launcher,
                "cells": [],
            },
        )
        known = seen.setdefault(job.experiment_dir, set())
        for entry in cell_entries(job):
            if entry["cell_id"] not in known:
                known.add(entry["cell_id"])
                plan["cells"].append(entry)
    return plans


def _key(entry: dict[str, Any]) -> tuple[Any, ...]:
    return (entry["replicates"], entry.get("base_seed"), entry["seeds_digest"])


def difference(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """What differs between the folder's plan and a new one, in words (None: the same)."""
    before = {e["cell_id"]: e for e in old["cells"]}
    after = {e["cell_id"]: e for e in new["cells"]}
    parts = []
    added = [after[c] for c in after if c not in before]
    dropped = [before[c] for c in before if c not in after]
    if added:
        parts.append(f"{len(added)} cells only in this sweep ({_examples(added)})")
    if dropped:
        parts.append(f"{len(dropped)} cells only in the folder's plan ({_examples(dropped)})")
    changes: dict[str, int] = {}
    for cell, entry in after.items():
        if cell in before and _key(before[cell]) != _key(entry):
            old_entry = before[cell]
            for name in ("replicates", "base_seed"):
                if old_entry.get(name) != entry.get(name):
                    what = f"{name} {entry.get(name)} instead of {old_entry.get(name)}"
                    changes[what] = changes.get(what, 0) + 1
            if all(old_entry.get(n) == entry.get(n) for n in ("replicates", "base_seed")):
                changes["other seeds (another seed derivation)"] = 1 + changes.get(
                    "other seeds (another seed derivation)", 0
                )
    parts += [f"{what} in {n} cells" for what, n in changes.items()]
    return "; ".join(parts) or None


def _examples(entries: list[dict[str, Any]]) -> str:
    shown = ", ".join(e.get("describe") or e["cell_id"] for e in entries[:SHOWN])
    return shown + (", ..." if len(entries) > SHOWN else "")


def reconcile(
    experiment_dir: Path, old: dict[str, Any] | None, new: dict[str, Any], *, extend: bool
) -> dict[str, Any]:
    """The plan to write: the new one, the old one's cells in their order when they are the
    same, or their union with ``extend``; PlanConflict when they differ without ``extend``."""
    if old is None:
        return new
    diff = difference(old, new)
    if diff is None:  # same cells and seeds: keep the folder's order, so the merge is the same
        order = {e["cell_id"]: i for i, e in enumerate(old["cells"])}
        return {**new, "cells": sorted(new["cells"], key=lambda e: order[e["cell_id"]])}
    if not extend:
        raise PlanConflict(
            f"{experiment_dir / store.PLAN} holds the plan of an earlier sweep "
            f"({len(old['cells'])} cells), and this sweep's differs: {diff}. Rerun with "
            "extend=true to add this sweep to it, choose another experiment_name=..., or "
            f"remove {store.PLAN} to start a new plan (finished cells are reused)"
        )
    updated = {e["cell_id"]: e for e in new["cells"]}
    cells = [updated.pop(e["cell_id"], e) for e in old["cells"]]
    cells += list(updated.values())
    return {**new, "cells": cells, "extended_from": old.get("sweep_id")}


def count_runs(
    plan: dict[str, Any], jobs: list[JobSpec], experiment_dir: Path
) -> tuple[int, int, list[str]]:
    """(runs this sweep launches, of which still to do, why stored cells will be recomputed)
    and records ``runs_to_do`` on every entry of the plan it launches."""
    launched: dict[str, tuple[JobSpec, PlanCell]] = {}
    for job in jobs:
        if job.experiment_dir == experiment_dir:
            for cell in job.plan_cells:
                launched.setdefault(cell.cell_id, (job, cell))
    total = todo = 0
    notes = []
    for entry in plan["cells"]:
        if entry["cell_id"] not in launched:
            entry.setdefault("runs_to_do", None)
            continue
        job, cell = launched[entry["cell_id"]]
        if (
            job.force
            or not (store.cell_dir(experiment_dir, cell.cell_id) / store.MANIFEST).exists()
        ):
            runs, problem = job.replicates, None  # nothing stored: no seeds to compare
        else:
            seeds = [replicate_seed(job.base_seed, r, cell.world) for r in range(job.replicates)]
            runs, problem = runs_to_do(cell.cell_id, experiment_dir, seeds, job.force)
        entry["runs_to_do"] = runs
        total += job.replicates
        todo += runs
        if problem:
            notes.append(f"cell {cell.cell_id} ({cell.describe}): {problem}; it will be recomputed")
    plan["total_runs"] = total
    plan["runs_to_do"] = todo
    return total, todo, notes
