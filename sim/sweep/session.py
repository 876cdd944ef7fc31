"""What happens around the jobs of one lean-sim command: validate first, plan, merge last.

Shared by the multirun sweeper (sim.sweep.sweeper) and the single-run callback
(sim.sweep.callbacks):

* every job's configuration is composed and every cell validated with ``Params.create``
  before anything is written or launched; bad values stop the command, naming the value and
  what is allowed (exit status 2);
* the command prints its cells, runs and an estimated compute time, and refuses above the cap
  (``CAP_SECONDS``) unless ``yes=true``;
* it takes the lock of each experiment folder (sim.sweep.lock), reconciles its plan with the
  folder's (sim.sweep.plan: same plan, ``extend=true``, or refused), and writes the plan;
* at the end the cells are merged, a short table printed, and the locks released; failed or
  missing cells make the command exit 1, naming them.

Exit statuses: 0 done; 1 failed work (failed or missing cells, a folder held by another
sweep, a write that failed); 2 bad input (values, keys, files, folders, a plan conflict).
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import itertools
import logging
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import OverrideType
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf

from sim.sweep import plan as plan_mod
from sim.sweep import progress, store
from sim.sweep.cells import JobSpec, SweepConfigError, job_from_config
from sim.sweep.config import CAP_SECONDS
from sim.sweep.lock import FolderBusy, FolderLock
from sim.sweep.merge import MergeError, merge_experiment
from sim.sweep.runner import load_runner

log = logging.getLogger("lean_sim")
USAGE_ERROR = 2
WORK_FAILED = 1
MAX_ERRORS_SHOWN = 25
#: Above this many planned runs the cap is checked before seeds are even derived (a typo such
#: as replicates=10000000 would otherwise spend minutes deriving seeds before it is refused).
QUICK_CAP_RUNS = 1_000_000


def fail(message: str, status: int = USAGE_ERROR) -> NoReturn:
    """Print one message (lines after the first indented) and exit with ``status``."""
    print(f"lean-sim: {message}", file=sys.stderr, flush=True)
    raise SystemExit(status)


# --- the jobs of a sweep ------------------------------------------------------------------------
def job_overrides(loader: Any, arguments: list[str]) -> list[list[str]]:
    """Every job's overrides: the cartesian product of the sweep's values, in the order of
    Hydra's basic sweeper (the last key varies fastest). Built from Hydra's public override
    parser (``Override.sweep_string_iterator``), not from its private BasicSweeper."""
    try:
        parsed = OverridesParser.create(config_loader=loader).parse_overrides(arguments)
    except HydraException as err:
        fail(f"cannot parse the command line: {str(err).splitlines()[0]}")
    choices: dict[str, list[str]] = {}
    for override in parsed:
        key = override.get_key_element()
        if override.is_sweep_override():
            if not override.is_discrete_sweep():
                fail(
                    f"{override.input_line}: lean-sim sweeps lists and ranges "
                    "(a=1,2,3 or a=range(1,4)), not intervals"
                )
            choices[key] = [f"{key}={value}" for value in override.sweep_string_iterator()]
        else:
            choices[key] = [f"{key}={override.get_value_element_as_str()}"]
    return [list(job) for job in itertools.product(*choices.values())]


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
        try:
            if lines not in composed:
                base = loader.load_sweep_config(config, list(lines))
                keys = [k for k in base if k != "hydra"]
                container = OmegaConf.to_container(OmegaConf.masked_copy(base, keys), resolve=False)
                composed[lines] = container  # type: ignore[assignment]
            unresolved = copy.deepcopy(composed[lines])
            if any(o.key_or_group not in unresolved for o in plain):
                loader.load_sweep_config(config, list(job))  # Hydra names the unknown key
            for override in plain:
                unresolved[override.key_or_group] = override.value()
            values.append(_resolve(unresolved))
        except HydraException as err:
            fail(f"cannot compose the job with {' '.join(job)}: {str(err).splitlines()[0]}")
    return values


def job_values(config: DictConfig) -> dict[str, Any]:
    """The resolved job configuration as plain values, without the ``hydra`` node."""
    keys = [k for k in config if k != "hydra"]
    return _resolve(OmegaConf.to_container(OmegaConf.masked_copy(config, keys), resolve=False))


def _resolve(container: Any) -> dict[str, Any]:
    try:
        resolved = OmegaConf.to_container(OmegaConf.create(container), resolve=True)
    except Exception as err:  # an interpolation that does not resolve
        fail(f"cannot resolve the configuration: {str(err).splitlines()[0]}")
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
        where = " ".join(overrides_of_job)
        problem = _contradiction(values_of_job, overrides_of_job)
        if problem:
            errors.append((problem, where))
        try:
            jobs.append(job_from_config(values_of_job, whole_design=True, cwd=launch_dir()))
        except SweepConfigError as err:
            errors.extend((line, where) for line in str(err).splitlines())
            continue
        try:
            load_runner(jobs[-1].runner)
        except ValueError as err:
            errors.append((str(err), where))
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
        fail("invalid configuration, nothing was run or written:\n  " + "\n  ".join(lines))
    return jobs


def _contradiction(values: dict[str, Any], overrides: Sequence[str]) -> str | None:
    """``ablate=<mechanism>`` beside an explicit ``<mechanism>=true`` says two things."""
    ablate = values.get("ablate")
    if not ablate:
        return None
    for line in overrides:
        key, _, value = line.partition("=")
        if key.lstrip("+~") == ablate and value.strip().lower() == "true":
            return (
                f"ablate={ablate} and {ablate}=true contradict each other: ablate switches "
                f"{ablate} off; drop one of them"
            )
    return None


# --- start: estimate, lock, plan ----------------------------------------------------------------
@dataclass
class Session:
    """The experiment folders a command holds, with their locks and plans."""

    config: DictConfig
    folders: dict[Path, FolderLock] = field(default_factory=dict)
    plans: dict[Path, dict[str, Any]] = field(default_factory=dict)

    def release(self) -> None:
        for lock in self.folders.values():
            lock.release()
        self.folders.clear()


def _flag(config: DictConfig, key: str) -> bool:
    return bool(config.get(key, False))


def workers(config: DictConfig) -> int | None:
    """Parallel workers of the launcher, when known (basic 1, joblib n_jobs)."""
    target = str(config.hydra.launcher.get("_target_", ""))
    if target.endswith("BasicLauncher"):
        return 1
    n_jobs = config.hydra.launcher.get("n_jobs")
    if "Joblib" in target and isinstance(n_jobs, int):
        cpus = os.cpu_count() or 1
        return max(1, min(cpus, n_jobs) if n_jobs > 0 else cpus + 1 + n_jobs)
    return None


def _estimate(jobs: list[JobSpec], runs_of: dict[str, int] | None = None) -> tuple[int, float]:
    """(runs, estimated seconds of compute): of every planned run, or of ``runs_of`` a cell."""
    runs, seconds = 0, 0.0
    counted: set[tuple[Path, str]] = set()
    for job in jobs:
        for cell in job.plan_cells:
            key = (job.experiment_dir, cell.cell_id)
            if key in counted:
                continue
            counted.add(key)
            n = job.replicates if runs_of is None else runs_of.get(cell.cell_id, 0)
            runs += n
            seconds += n * cell.run_seconds
    return runs, seconds


def _cost_words(seconds: float, n_workers: int | None) -> str:
    if seconds < 1:
        return "under a second of compute"
    text = f"about {progress.format_seconds(seconds)} of compute"
    if n_workers and n_workers > 1:
        text += f" (about {progress.format_seconds(seconds / n_workers)} on {n_workers} workers)"
    return text


def _refuse_above_cap(runs: int, seconds: float, n_workers: int | None, what: str) -> None:
    fail(
        f"{what}: {runs} runs, {_cost_words(seconds, n_workers)} by a rough estimate, above "
        f"the cap of {CAP_SECONDS // 3600} hours; add yes=true to run it anyway, or reduce "
        "replicates or the grid"
    )


def start(config: DictConfig, jobs: list[JobSpec], *, sweep_dir: Path | None = None) -> Session:
    """Check the cost, take each experiment folder, reconcile and write its plan, and say what
    will run. Exits (nothing written) on a plan conflict, a folder held by another sweep, an
    unwritable folder, or a cost above the cap without ``yes=true``."""
    launcher = str(config.hydra.launcher.get("_target_", "?")).rsplit(".", 1)[-1]
    n_workers = workers(config)
    yes = _flag(config, "yes")
    planned, planned_seconds = _estimate(jobs)
    if not yes and planned > QUICK_CAP_RUNS:
        _refuse_above_cap(planned, planned_seconds, n_workers, "this sweep plans")

    session = Session(config)
    atexit.register(session.release)
    _release_on_sigterm()
    created: list[Path] = []
    try:
        plans = plan_mod.new_plans(jobs, launcher=launcher)
        notes: list[str] = []
        counts = {}
        for experiment_dir, plan in plans.items():
            created.extend(_missing_folders(experiment_dir))
            lock = FolderLock(experiment_dir)
            lock.acquire(wait=_flag(config, "wait"))
            session.folders[experiment_dir] = lock
            old = store.read_plan(experiment_dir)
            plan = plan_mod.reconcile(experiment_dir, old, plan, extend=_flag(config, "extend"))
            total, todo, problems = plan_mod.count_runs(plan, jobs, experiment_dir)
            notes.extend(problems)
            session.plans[experiment_dir] = plan
            counts[experiment_dir] = (total, todo)
        runs_of = {
            e["cell_id"]: e["runs_to_do"]
            for p in session.plans.values()
            for e in p["cells"]
            if e.get("runs_to_do")
        }
        todo_runs, todo_seconds = _estimate(jobs, runs_of)
        if not yes and todo_seconds > CAP_SECONDS:
            _refuse_above_cap(todo_runs, todo_seconds, n_workers, "this sweep has to do")
        if sweep_dir is not None:
            with store.os_errors(str(sweep_dir)):
                sweep_dir.mkdir(parents=True, exist_ok=True)
        for experiment_dir, plan in session.plans.items():
            with store.os_errors(str(experiment_dir)):
                store.remove_stale_temporaries(experiment_dir)
                store.write_plan(experiment_dir, plan)
    except (plan_mod.PlanConflict, store.StoreError) as err:
        _abandon(session, created)
        fail(str(err), USAGE_ERROR)
    except FolderBusy as err:
        _abandon(session, created)
        fail(str(err), WORK_FAILED)
    except SystemExit:
        _abandon(session, created)
        raise

    for note in notes[:MAX_ERRORS_SHOWN]:
        print(f"lean-sim: {note}", flush=True)
    if len(notes) > MAX_ERRORS_SHOWN:
        print(f"lean-sim: ... and {len(notes) - MAX_ERRORS_SHOWN} more such cells", flush=True)
    for experiment_dir, plan in session.plans.items():
        total, todo = counts[experiment_dir]
        _, seconds = _estimate(
            [j for j in jobs if j.experiment_dir == experiment_dir],
            {e["cell_id"]: e["runs_to_do"] for e in plan["cells"] if e.get("runs_to_do")},
        )
        launched = sum(1 for e in plan["cells"] if e.get("runs_to_do") is not None)
        extra = f" (the plan holds {len(plan['cells'])})" if launched != len(plan["cells"]) else ""
        print(
            f"lean-sim: {plan['experiment']}: {launched} cells{extra}, {total} runs "
            f"({total - todo} already done), {_cost_words(seconds, n_workers)} "
            f"-> {experiment_dir}  [{launcher}]",
            flush=True,
        )
    return session


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and its ancestors that do not exist yet, deepest first."""
    missing = []
    for path in [folder, *folder.parents]:
        if path.exists():
            break
        missing.append(path)
    return missing


def _abandon(session: Session, created: list[Path]) -> None:
    """Release the folders and remove those this command created (deepest first; they hold
    nothing once the lock is released)."""
    session.release()
    for folder in created:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _release_on_sigterm() -> None:
    """SIGTERM (a scheduler's kill) ends the command like Ctrl-C: locks are released."""
    with contextlib.suppress(ValueError):  # only possible in the main thread
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


# --- finish: merge ------------------------------------------------------------------------------
def finish(session: Session) -> bool:
    """Merge each experiment (or with ``merge=false`` only check it), print what happened, and
    release the folders; False if anything failed or is missing."""
    config = session.config
    write = bool(config.get("merge", True))
    columns = list(config.get("report_columns") or [])
    ok = True
    try:
        for experiment_dir in session.plans:
            try:
                report = merge_experiment(experiment_dir, write=write)
            except (MergeError, store.StoreError) as err:
                print(f"lean-sim: {err}", file=sys.stderr, flush=True)
                ok = False
                continue
            if report.describe():
                print(report.describe(), flush=True)
            if report.written and report.runs:
                print_table(experiment_dir / "runs.parquet", columns)
            ok = ok and report.ok
    finally:
        session.release()
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


def override_keys(config: DictConfig) -> list[str]:
    """The task overrides of a single run, as given on the command line."""
    return [str(o) for o in config.hydra.overrides.task]
