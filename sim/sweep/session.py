"""What happens around the jobs of one lean-sim command: validate first, plan, merge last.

Shared by the multirun sweeper (sim.sweep.sweeper) and the single-run callback
(sim.sweep.callbacks):

* every job's configuration is composed and every cell validated with ``Params.create``
  before anything is written or launched; bad values stop the command, naming the value and
  what is allowed (exit status 2);
* the plan (``results/<experiment>/sweep.json``) lists the cells, their seeds and the runs
  still to do, for progress, resume and merge;
* at the end the cells are merged and a short table printed; failed or missing cells make the
  command exit non-zero, naming them.
"""

from __future__ import annotations

import copy
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import OverrideType
from omegaconf import DictConfig, OmegaConf

from sim.provenance import provenance
from sim.seeds import replicate_seeds, seeds_digest
from sim.sweep import store
from sim.sweep.cells import JobSpec, SweepConfigError, job_from_config
from sim.sweep.merge import MergeError, merge_experiment
from sim.sweep.runner import load_runner, runs_to_do

log = logging.getLogger("lean_sim")
USAGE_ERROR = 2
MAX_ERRORS_SHOWN = 25


def job_overrides(loader: Any, arguments: list[str]) -> list[list[str]]:
    """Every job's overrides, in the order Hydra's basic sweeper launches them."""
    parsed = OverridesParser.create(config_loader=loader).parse_overrides(arguments)
    return [list(job) for job in BasicSweeper.split_arguments(parsed, None)[0]]


def sweep_job_values(
    loader: Any, config: DictConfig, overrides: Sequence[Sequence[str]]
) -> list[dict[str, Any]]:
    """The resolved job values of every job, composing each distinct group choice only once.

    Hydra applies plain value overrides (``key=value`` on an existing top-level key) after it
    has composed the defaults list, so a job whose overrides differ from another's only in such
    values has the same composition with those keys replaced. Composing once per distinct set
    of the other overrides (groups such as ``strategy=...``, nested keys, ``+``/``~``) and
    replacing the plain values saves Hydra's ~50 ms per job; tests check that the result equals
    a full composition of every job.
    """
    groups = set(loader.list_groups(""))
    parser = OverridesParser.create(config_loader=loader)
    composed: dict[tuple[str, ...], dict[str, Any]] = {}
    values = []
    for job in overrides:
        plain, other = [], []
        for override in parser.parse_overrides(list(job)):
            key = override.key_or_group
            is_plain = (
                override.type == OverrideType.CHANGE
                and override.package is None
                and not override.is_sweep_override()
                and key not in groups
                and key.isidentifier()
            )
            (plain if is_plain else other).append(override)
        lines = tuple(o.input_line for o in other)
        if lines not in composed:
            base = loader.load_sweep_config(config, list(lines))
            keys = [k for k in base if k != "hydra"]
            container = OmegaConf.to_container(OmegaConf.masked_copy(base, keys), resolve=False)
            composed[lines] = container  # type: ignore[assignment]
        unresolved = copy.deepcopy(composed[lines])
        unknown = [o for o in plain if o.key_or_group not in unresolved]
        if unknown:  # let Hydra raise its own message for an unknown key
            loader.load_sweep_config(config, list(job))
        for override in plain:
            unresolved[override.key_or_group] = override.value()
        values.append(_resolve(unresolved))
    return values


def job_values(config: DictConfig) -> dict[str, Any]:
    """The resolved job configuration as plain values, without the ``hydra`` node."""
    keys = [k for k in config if k != "hydra"]
    return _resolve(OmegaConf.to_container(OmegaConf.masked_copy(config, keys), resolve=False))


def _resolve(container: Any) -> dict[str, Any]:
    resolved = OmegaConf.to_container(OmegaConf.create(container), resolve=True)
    assert isinstance(resolved, dict)
    return {str(k): v for k, v in resolved.items()}


def launch_dir() -> str:
    """The directory lean-sim was started in (relative paths start there, on every worker)."""
    return str(HydraConfig.get().runtime.cwd)


def validate_or_exit(
    values: list[dict[str, Any]], overrides: Sequence[Sequence[str]]
) -> list[JobSpec]:
    """A JobSpec per job (whole designs), or exit naming every bad value; nothing is written."""
    jobs, errors = [], []
    for values_of_job, overrides_of_job in zip(values, overrides, strict=True):
        try:
            jobs.append(job_from_config(values_of_job, whole_design=True, cwd=launch_dir()))
        except SweepConfigError as err:
            errors.append((str(err), " ".join(overrides_of_job)))
            continue
        try:
            load_runner(jobs[-1].runner)
        except ValueError as err:
            errors.append((str(err), " ".join(overrides_of_job)))
    if errors:
        by_message: dict[str, list[str]] = {}
        for message, where in errors:
            by_message.setdefault(message, []).append(where)
        lines = []
        for message, wheres in list(by_message.items())[:MAX_ERRORS_SHOWN]:
            lines.append(message)
            if wheres[0] and len(values) > 1:
                more = f" (and {len(wheres) - 1} more)" if len(wheres) > 1 else ""
                lines.append(f"    in the job with {wheres[0]}{more}")
        print(
            "lean-sim: invalid configuration, nothing was run or written:\n  " + "\n  ".join(lines),
            file=sys.stderr,
        )
        raise SystemExit(USAGE_ERROR)
    return jobs


def make_plans(jobs: list[JobSpec], launcher: str = "") -> dict[Path, dict[str, Any]]:
    """One plan per experiment folder: its cells in launch order, with the runs still to do."""
    plans: dict[Path, dict[str, Any]] = {}
    sweep_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    version = provenance()["model_version"]
    for job in jobs:
        plan = plans.setdefault(
            job.experiment_dir,
            {
                "experiment": job.experiment,
                "sweep_id": sweep_id,
                "started": time.time(),
                "code_version": version,
                "launcher": launcher,
                "cells": [],
                "total_runs": 0,
                "runs_to_do": 0,
            },
        )
        known = {c["cell_id"] for c in plan["cells"]}
        for cell in job.cells:
            if cell.cell_id in known:
                log.warning(f"cell {cell.cell_id} ({cell.describe()}) appears twice in the sweep")
                continue
            known.add(cell.cell_id)
            seeds = replicate_seeds(cell.params, job.base_seed, job.replicates)
            todo = runs_to_do(cell, job.experiment_dir, job.replicates, job.base_seed, job.force)
            plan["cells"].append(
                {
                    "cell_id": cell.cell_id,
                    "strategy": cell.params.strategy,
                    "culture": cell.culture,
                    "design_row": cell.design_row,
                    "describe": cell.describe(),
                    "replicates": job.replicates,
                    "base_seed": job.base_seed,
                    "seeds_digest": seeds_digest(seeds),
                    "runs_to_do": todo,
                }
            )
            plan["total_runs"] += job.replicates
            plan["runs_to_do"] += todo
    return plans


def start(config: DictConfig, jobs: list[JobSpec]) -> list[Path]:
    """Write the plans and say what will run; returns the experiment folders."""
    launcher = str(config.hydra.launcher.get("_target_", "?")).rsplit(".", 1)[-1]
    plans = make_plans(jobs, launcher=launcher)
    for experiment_dir, plan in plans.items():
        store.write_plan(experiment_dir, plan)
        done = plan["total_runs"] - plan["runs_to_do"]
        print(
            f"lean-sim: {plan['experiment']}: {len(plan['cells'])} cells, {plan['total_runs']} "
            f"runs ({done} already done) -> {experiment_dir}  [{launcher}]",
            flush=True,
        )
    return list(plans)


def finish(config: DictConfig, experiment_dirs: list[Path]) -> bool:
    """Merge each experiment (or with ``merge=false`` only check it) and print what happened;
    False if anything failed or is missing."""
    write = bool(config.get("merge", True))
    columns = list(config.get("report_columns") or [])
    ok = True
    for experiment_dir in experiment_dirs:
        try:
            report = merge_experiment(experiment_dir, write=write)
        except MergeError as err:
            print(f"lean-sim: {err}", file=sys.stderr)
            ok = False
            continue
        if report.describe():
            print(report.describe(), flush=True)
        if report.written:
            print_table(experiment_dir / "runs.parquet", columns)
        ok = ok and report.ok
    return ok


def print_table(runs_path: Path, columns: list[str]) -> None:
    """Mean of a few measures by strategy (and run count): a first look, not the analysis."""
    runs = pd.read_parquet(runs_path)
    shown = [c for c in columns if c in runs.columns]
    if runs.empty or not shown:
        return
    table = runs.groupby("strategy", sort=False)[shown].mean()
    table.insert(0, "runs", runs.groupby("strategy", sort=False).size())
    with pd.option_context("display.width", 120):
        print(f"\nmean over all cells, by strategy ({runs_path}):")
        print(table.round(3).to_string(), flush=True)
