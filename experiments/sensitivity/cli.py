"""``lean-sim-sensitivity``: design, sweep, analyze; ``all`` does everything, resumably.

::

    lean-sim-sensitivity all                      # the committed analysis, all local cores
    lean-sim-sensitivity design morris            # results/sensitivity/morris/design.parquet
    lean-sim-sensitivity sweep morris --jobs 2    # lean-sim -m experiment=morris (resumable)
    lean-sim-sensitivity analyze morris           # indices, figure
    lean-sim-sensitivity structural               # design + sweep + analyze of the structure
    lean-sim-sensitivity report                   # redraw every figure and the README

Samples run through the sweep machinery (``lean-sim -m experiment=<name>``, one cell per
design row, finished cells kept), so an interrupted ``all`` loses nothing: run it again.
The Sobol' design takes the ``--top`` parameters of the Morris indices, so it follows them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from experiments.sensitivity import design, figures, indices, pairs, probe, report, space
from sim.params import Params
from sim.provenance import package_versions
from sim.provenance import provenance as code_provenance
from sim.sweep.store import write_json_atomic

RESULTS = Path("results/sensitivity")
EXPERIMENTS = ("morris", "sobol", "structural")
OUTPUTS_FILE = "outputs.parquet"
PROVENANCE_FILE = "provenance.json"


@dataclass
class Settings:
    """What the subcommands need; defaults are the committed analysis."""

    results: Path = RESULTS
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    trajectories: int = 20
    levels: int = 4
    sobol_n: int = 256
    top: int = 8
    seed: int = 2024
    params: list[str] | None = None
    structural_replicates: int | None = None
    overrides: list[str] = field(default_factory=list)
    quiet: bool = False

    def folder(self, name: str) -> Path:
        return self.results / name


# --- designs ---------------------------------------------------------------------------------
def design_morris(s: Settings) -> Path:
    chosen = space.factors(s.params, s.levels)
    points = design.morris_points(chosen, s.trajectories, s.levels, s.seed)
    info = {
        "method": "morris",
        "problem": space.problem(chosen),
        "factors": [f.as_dict() for f in chosen],
        "excluded": _excluded(),
        "settings": {"trajectories": s.trajectories, "levels": s.levels, "seed": s.seed},
    }
    return _write(s, "morris", points, info)


def design_sobol(s: Settings) -> Path:
    path = s.results / "morris_indices.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the Sobol' design needs the Morris indices first")
    names = indices.top_parameters(pd.read_csv(path), s.top)
    chosen = space.factors(names, s.levels)
    points = design.sobol_points(chosen, s.sobol_n, s.seed)
    info = {
        "method": "sobol",
        "problem": space.problem(chosen),
        "factors": [f.as_dict() for f in chosen],
        "settings": {
            "sobol_n": s.sobol_n,
            "top": s.top,
            "seed": s.seed,
            "calc_second_order": False,
        },
    }
    return _write(s, "sobol", points, info)


def design_structural(s: Settings) -> Path:
    points = design.structural_points()
    info = {
        "method": "structural",
        "grid": {k: list(v) for k, v in design.STRUCTURAL_LEVELS.items()},
        "options": design.present_options(),
        "absent_options": {
            k: v for k, v in design.OPTIONAL_STRUCTURAL.items() if k not in design.present_options()
        },
    }
    return _write(s, "structural", points, info)


def _write(s: Settings, name: str, points: pd.DataFrame, info: dict[str, Any]) -> Path:
    path = design.write_design(s.folder(name), points, info)
    print(
        f"lean-sim-sensitivity: {name}: {len(points)} points x {len(design.COMPARED)} "
        f"strategies -> {path}",
        flush=True,
    )
    return path


def _excluded() -> dict[str, str]:
    return {**space.EXCLUDED, "treatment": "strategy, policy levers, mechanism switches"}


DESIGNS = {"morris": design_morris, "sobol": design_sobol, "structural": design_structural}


# --- sweeps ----------------------------------------------------------------------------------
def sweep_command(s: Settings, name: str) -> list[str]:
    """The ``lean-sim -m`` command that runs an experiment's design (resumable)."""
    launcher = ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={s.jobs}"] if s.jobs > 1 else []
    extra = []
    if name == "structural" and s.structural_replicates is not None:
        extra.append(f"replicates={s.structural_replicates}")
    if s.quiet:
        extra.append("hydra.job_logging.root.level=WARNING")
    return [
        sys.executable,
        "-m",
        "sim.sweep.cli",
        "-m",
        f"experiment={name}",
        f"paths.results={s.results}",
        "yes=true",  # the user asked for the whole analysis: no cap on its estimated time
        *launcher,
        *s.overrides,
        *extra,  # last: --structural-replicates wins over a general --set replicates=...
    ]


def sweep_env() -> dict[str, str]:
    """The environment of the sweep's subprocess: it imports the same ``sim`` as this process
    (the checkout being run or tested), not whichever copy the environment's install points at."""
    root = str(Path(sim.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def sweep(s: Settings, name: str) -> None:
    if not (s.folder(name) / design.DESIGN_FILE).is_file():
        raise FileNotFoundError(f"{s.folder(name)}: no design; run `design {name}` first")
    command = sweep_command(s, name)
    print("lean-sim-sensitivity: " + " ".join(command[1:]), flush=True)
    done = subprocess.run(command, check=False, env=sweep_env())
    if done.returncode:
        raise SystemExit(
            f"lean-sim-sensitivity: the {name} sweep did not finish (exit {done.returncode}); "
            "run the same command again to resume"
        )


# --- analysis --------------------------------------------------------------------------------
def load_pairs(s: Settings, name: str) -> pd.DataFrame:
    """Paired outputs of an experiment: from its merged runs when present (then saved, with
    their provenance), else from the committed ``outputs.parquet``."""
    folder = s.folder(name)
    runs_path = folder / "runs.parquet"
    if runs_path.is_file():
        runs = pd.read_parquet(runs_path)
        table = pairs.paired_outputs(runs, design.read_points(folder))
        table.to_parquet(folder / OUTPUTS_FILE, index=False)
        write_json_atomic(folder / PROVENANCE_FILE, _provenance(name, runs, table, folder))
        return table
    if (folder / OUTPUTS_FILE).is_file():
        return pd.read_parquet(folder / OUTPUTS_FILE)
    raise FileNotFoundError(f"{folder}: neither runs.parquet nor {OUTPUTS_FILE}; sweep first")


def _provenance(name: str, runs: pd.DataFrame, table: pd.DataFrame, folder: Path) -> dict:
    info = design.read_info(folder)
    assert info is not None
    return {
        "experiment": name,
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "points": int(table["point"].nunique()),
        "replicates": int(table.groupby("point").size().iloc[0]),
        "runs": len(runs),
        "n_teams": sorted(int(v) for v in runs["n_teams"].unique()),
        "weeks": sorted(int(v) for v in runs["weeks"].unique()),
        "code_versions": sorted(runs["model_version"].unique().tolist()),
        "analysis": {**code_provenance(), "packages": package_versions()},
        "design": info,
    }


def provenance(s: Settings, name: str) -> dict[str, Any]:
    path = s.folder(name) / PROVENANCE_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def noise(s: Settings) -> dict[str, float]:
    """Run-to-run SD of each difference at the default structure (nan if not run yet)."""
    path = s.folder("structural") / OUTPUTS_FILE
    if not path.is_file():
        return {o: float("nan") for o in design.OUTPUTS}
    table = pd.read_parquet(path)
    at = {k: Params.model_fields[k].default for k in design.STRUCTURAL_LEVELS}
    at |= {k: Params.model_fields[k].default for k in design.present_options()}
    return indices.noise_sd(table, at, list(design.OUTPUTS))


def _size(p: dict) -> str:
    return (
        f"{'/'.join(map(str, p.get('n_teams', ['?'])))} teams, "
        f"{'/'.join(map(str, p.get('weeks', ['?'])))} weeks"
    )


def analyze_morris(s: Settings) -> pd.DataFrame:
    folder = s.folder("morris")
    table = load_pairs(s, "morris")
    info = design.read_info(folder)
    assert info is not None
    levels = info["settings"]["levels"]
    result = indices.morris_indices(
        info["problem"], design.read_points(folder), table, list(design.OUTPUTS), levels
    )
    p = provenance(s, "morris")
    inert = _inert(s, info, p)
    result = indices.mark_noise(result, inert)
    result.to_csv(s.results / "morris_indices.csv", index=False, float_format="%.6g")
    if inert:
        floors = result.groupby("output")["noise_level"].first().to_dict()
        floor_words = (
            f"Noise level: the largest mu* of the {len(inert)} parameters neither strategy "
            "reads (grey; found by running the model with the seed held fixed)."
        )
    else:
        floors = {o: indices.morris_noise_floor(v, levels) for o, v in noise(s).items()}
        floor_words = (
            "Noise level: expected mu* of a parameter without effect, from the run-to-run SD "
            "of the difference at the defaults."
        )
    note = (
        f"Morris screening of {info['problem']['num_vars']} parameters: "
        f"{info['settings']['trajectories']} trajectories, {info['points']} points, each run "
        f"for both strategies with one shared seed ({_size(p)}). mu* with bootstrap 95% "
        "intervals, on each parameter's range scaled to [0, 1]. " + floor_words
    )
    figures.morris_figure(result, floors, note, s.results / "morris")
    return result


def _inert(s: Settings, info: dict[str, Any], p: dict[str, Any]) -> list[str]:
    """Inert parameters: probed on the model when fresh runs exist, else the saved probe."""
    folder = s.folder("morris")
    if (folder / "runs.parquet").is_file() and p.get("weeks"):
        points = design.read_points(folder)
        return probe.inert_parameters(info["problem"]["names"], points, int(p["weeks"][0]), folder)
    return probe.cached_inert(folder) or []


def analyze_sobol(s: Settings) -> pd.DataFrame:
    table = load_pairs(s, "sobol")
    info = design.read_info(s.folder("sobol"))
    assert info is not None
    result = indices.sobol_indices(info["problem"], table, list(design.OUTPUTS))
    sd = noise(s)
    result["noise_share"] = [  # undefined where the outputs do not vary at all
        sd[o] ** 2 / v if v > 0 else float("nan")
        for o, v in zip(result["output"], result["output_var"], strict=True)
    ]
    result.to_csv(s.results / "sobol_indices.csv", index=False, float_format="%.6g")
    floors = result.groupby("output")["noise_share"].first().to_dict()
    flips = indices.flip_shares(table, list(design.OUTPUTS), "sobol")
    flips.to_csv(s.results / "flips.csv", index=False, float_format="%.6g")
    thirds = indices.flips_by_third(table, info["problem"]["names"], list(design.OUTPUTS))
    thirds.to_csv(s.results / "flips_by_third.csv", index=False, float_format="%.6g")
    p = provenance(s, "sobol")
    n = info["settings"]["sobol_n"]
    note = (
        f"Sobol' indices of the {info['problem']['num_vars']} parameters with the largest "
        f"Morris mu* (the others at their defaults): Saltelli sample N = {n}, "
        f"{info['points']} points, each run for both strategies with one shared seed "
        f"({_size(p)}). Bootstrap 95% intervals. Noise share: run-to-run variance of the "
        "difference at the defaults over its variance across the sample (ST of a parameter "
        "without effect is about this)."
    )
    figures.sobol_figure(result, floors, note, s.results / "sobol")
    flip_note = (
        f"Each dot: one of the {info['points']} Sobol' points (the other parameters vary too). "
        "Line: mean per tenth of the range. Below zero centralized is ahead; on zero a tie. "
        "Shown: the parameters whose thirds differ most in how often centralized is ahead."
    )
    figures.flip_figure(table, thirds, flip_note, s.results / "flips")
    return result


def analyze_structural(s: Settings) -> pd.DataFrame:
    table = load_pairs(s, "structural")
    info = design.read_info(s.folder("structural"))
    assert info is not None
    grid = {k: tuple(v) for k, v in info["grid"].items()}
    result = indices.structural_verdicts(table, grid, info["options"], list(design.OUTPUTS))
    result.to_csv(s.results / "structural_verdicts.csv", index=False, float_format="%.6g")
    p = provenance(s, "structural")
    absent = ", ".join(info["absent_options"]) or "none"
    note = (
        f"Mean paired difference (same seed for both strategies) with t 95% intervals; "
        f"{p.get('replicates', '?')} seeds per structure, {_size(p)}, default parameters. "
        "Each grid factor's level is averaged over the grid of the other two. Not varied "
        f"(not in the model yet): {absent}."
    )
    figures.structural_figure(result, note, s.results / "structural")
    return result


ANALYSES = {"morris": analyze_morris, "sobol": analyze_sobol, "structural": analyze_structural}


def run_all(s: Settings) -> None:
    """Everything, in order; finished cells are kept, so a rerun resumes."""
    for name in ("structural", "morris", "sobol"):
        DESIGNS[name](s)
        sweep(s, name)
        ANALYSES[name](s)
    report.write(s.results)


def redraw(s: Settings) -> None:
    """Indices and figures again from the saved paired outputs, then the README."""
    for name in ("structural", "morris", "sobol"):
        ANALYSES[name](s)
    report.write(s.results)


# --- command line ----------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    d = Settings()
    common.add_argument(
        "--results", type=Path, default=d.results, help=f"results folder (default {d.results})"
    )
    common.add_argument(
        "--jobs",
        type=int,
        default=d.jobs,
        help="parallel sweep jobs (default: all cores; 1 = in one process)",
    )
    common.add_argument(
        "--trajectories",
        type=int,
        default=d.trajectories,
        help=f"Morris trajectories r (default {d.trajectories})",
    )
    common.add_argument(
        "--levels", type=int, default=d.levels, help=f"Morris grid levels (default {d.levels})"
    )
    common.add_argument(
        "--sobol-n",
        type=int,
        default=d.sobol_n,
        help=f"Saltelli base sample N, a power of 2 (default {d.sobol_n})",
    )
    common.add_argument(
        "--top",
        type=int,
        default=d.top,
        help=f"parameters taken from Morris into Sobol' (default {d.top})",
    )
    common.add_argument(
        "--seed", type=int, default=d.seed, help=f"seed of the SALib samplers (default {d.seed})"
    )
    common.add_argument(
        "--params",
        type=lambda t: [p for p in t.split(",") if p],
        help="comma-separated parameters to screen (default: all screened)",
    )
    common.add_argument(
        "--structural-replicates",
        type=int,
        help="seeds per structure (default: configs/experiment/structural.yaml)",
    )
    common.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a lean-sim override for every sweep, e.g. --set n_teams=24",
    )
    common.add_argument("--quiet", action="store_true", help="no per-cell log lines")
    top = argparse.ArgumentParser(
        prog="lean-sim-sensitivity",
        description="Global sensitivity of the embedded-minus-centralized verdict: Morris "
        "screening, Sobol' indices of the most influential parameters, and the organization's "
        "structure. Everything goes to results/sensitivity/.",
    )
    sub = top.add_subparsers(dest="command", required=True)
    for name, words in (
        ("design", "write a design file"),
        ("sweep", "run a design"),
        ("analyze", "indices and figure of a finished sweep"),
    ):
        p = sub.add_parser(name, parents=[common], help=words)
        p.add_argument("experiment", choices=EXPERIMENTS)
    sub.add_parser("structural", parents=[common], help="design, sweep and analyze the structure")
    sub.add_parser("report", parents=[common], help="redraw figures and README from outputs")
    sub.add_parser("all", parents=[common], help="everything, resumable")
    return top


def settings_from(args: argparse.Namespace) -> Settings:
    if args.jobs < 1:
        raise SystemExit(f"--jobs={args.jobs}: must be >= 1")
    return Settings(
        results=args.results,
        jobs=args.jobs,
        trajectories=args.trajectories,
        levels=args.levels,
        sobol_n=args.sobol_n,
        top=args.top,
        seed=args.seed,
        params=args.params,
        structural_replicates=args.structural_replicates,
        overrides=list(args.overrides),
        quiet=args.quiet,
    )


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    s = settings_from(args)
    try:
        if args.command == "design":
            DESIGNS[args.experiment](s)
        elif args.command == "sweep":
            sweep(s, args.experiment)
        elif args.command == "analyze":
            ANALYSES[args.experiment](s)
        elif args.command == "structural":
            design_structural(s)
            sweep(s, "structural")
            analyze_structural(s)
        elif args.command == "report":
            redraw(s)
        else:
            run_all(s)
    except (ValueError, FileNotFoundError) as err:
        print(f"lean-sim-sensitivity: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
