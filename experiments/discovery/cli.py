"""``lean-sim-discover``: where does each strategy win? Design, sweep, analyse; ``all`` does all.

::

    lean-sim-discover all                       # the committed discovery (results/discovery/)
    lean-sim-discover design --worlds 300       # results/discovery/design.parquet (+ .json)
    lean-sim-discover sweep --jobs 2            # lean-sim -m design=... (resumable)
    lean-sim-discover results/discovery         # analyse a finished sweep (any results folder)
    lean-sim-discover readme                    # the README's block from results/discovery

The sweep runs through ``lean-sim`` (one cell per world and strategy, finished cells kept), so
an interrupted ``all`` loses nothing: run it again. The analysis reads ``runs.parquet`` of the
folder (or, without it, the ``outcomes.parquet`` it saved last time), so figures and words can
be redone without the model.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from experiments.discovery import design as design_mod
from experiments.discovery import figures, report
from experiments.discovery.analysis import analyze
from experiments.discovery.boxes import PrimSettings
from experiments.discovery.outcomes import (
    OUTCOMES_FILE,
    RUNS_FILE,
    DiscoveryInputError,
    compact,
    load_runs,
)
from sim.compare import CompareError, posterior_choice
from sim.params import STRATEGIES
from sim.sweep.store import write_bytes_atomic

RESULTS = Path("results/discovery")
README = Path("README.md")
SUBCOMMANDS = ("design", "sweep", "analyze", "all", "readme")
DEFAULT_WORLDS = 400
DEFAULT_REPLICATES = 5


def log(text: str) -> None:
    print(f"lean-sim-discover: {text}", flush=True)


# --- design and sweep -----------------------------------------------------------------------
def make_design(args: argparse.Namespace) -> Path:
    points = design_mod.lhs_points(args.worlds, args.seed)
    posterior, note = posterior_choice(args.posterior)
    if posterior is not None:
        points = design_mod.with_posterior(points, posterior, args.seed)
        note = note.replace("per replicate", "once per world")
    info = {
        "method": "latin hypercube (scipy.stats.qmc)",
        "seed": args.seed,
        "replicates": args.replicates,
        "factors": design_mod.factors_info(),
        "strategies": list(STRATEGIES),
        "posterior": note,
    }
    path = design_mod.write_design(args.out, points, info)
    runs = args.worlds * len(STRATEGIES) * args.replicates
    log(f"{args.worlds} worlds x {len(STRATEGIES)} strategies x {args.replicates} "
        f"organizations = {runs:,} runs -> {path}")  # fmt: skip
    log(note)
    return path


def sweep_command(args: argparse.Namespace) -> list[str]:
    """The ``lean-sim -m`` command that runs the design into ``args.out`` (resumable)."""
    info = design_mod.read_info(args.out)
    if info is None:
        raise FileNotFoundError(f"{args.out}: no design; run `lean-sim-discover design` first")
    launcher = (
        ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={args.jobs}"] if args.jobs > 1 else []
    )
    return [
        sys.executable,
        "-m",
        "sim.sweep.cli",
        "-m",
        f"design={args.out / design_mod.DESIGN_FILE}",
        f"experiment_name={args.out.name}",
        f"paths.results={args.out.parent}",
        f"replicates={info['replicates']}",
        f"design_chunk_size={args.chunk}",
        "hydra.job_logging.root.level=WARNING" if args.quiet else "",
        *launcher,
        *args.set,
    ]


def run_sweep(args: argparse.Namespace) -> None:
    command = [c for c in sweep_command(args) if c]
    log(" ".join(shlex.quote(c) for c in command[1:]))
    started = time.perf_counter()
    done = subprocess.run(command, check=False)
    if done.returncode:
        raise SystemExit(
            f"lean-sim-discover: the sweep did not finish (exit {done.returncode}); run the "
            "same command again to resume"
        )
    log(f"sweep finished in {time.perf_counter() - started:,.0f} s")


# --- analysis -------------------------------------------------------------------------------
def run_analysis(folder: Path, out: Path, settings: PrimSettings, command: str) -> dict:
    runs, source = load_runs(folder)
    log(f"{folder / source}: {len(runs):,} runs")
    if source == RUNS_FILE:
        out.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(out / OUTCOMES_FILE, compact(runs).to_parquet(index=False))
    started = time.perf_counter()
    analysis = analyze(runs, settings, log=None)
    worlds = analysis.worlds
    log(
        f"{worlds.n} worlds x {len(worlds.strategies)} strategies x "
        f"{report.organizations(worlds.replicates)}; world parameters {worlds.world_dims}; "
        f"assumptions {worlds.assumption_dims or 'none varied'}; PRIM took "
        f"{time.perf_counter() - started:,.0f} s"
    )
    info = design_mod.read_info(folder)
    note = (
        f"{worlds.n} worlds, {report.organizations(worlds.replicates)} per strategy and world "
        f"(same seeds for every strategy). Source: {folder}."
    )
    paths = figures.all_figures(analysis, out / "figures", report.ranges(analysis, info), note)
    content = report.write_all(analysis, runs, out, str(folder), info, paths, command)
    for sentence in report.sentences(content):
        log(sentence)
    log(f"wrote {out / report.BOXES_FILE}, {out / 'README.md'} and {len(paths)} figures")
    return content


# --- command line ---------------------------------------------------------------------------
def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be >= 1")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: not a number") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be in (0, 1]")
    return value


def parser() -> argparse.ArgumentParser:
    d = PrimSettings()
    top = argparse.ArgumentParser(
        prog="lean-sim-discover",
        description="Scenario discovery (PRIM, ema-workbench): in which worlds is each "
        "strategy ahead, how sure is that, and which strategy is robust across them. "
        "`lean-sim-discover FOLDER` is short for `analyze FOLDER`.",
    )
    sub = top.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quiet", action="store_true", help="fewer log lines from the sweep")
    design_args = argparse.ArgumentParser(add_help=False)
    design_args.add_argument(
        "--worlds", type=_positive, default=DEFAULT_WORLDS,
        help=f"worlds in the Latin-hypercube design (default {DEFAULT_WORLDS})",
    )  # fmt: skip
    design_args.add_argument(
        "--replicates", type=_positive, default=DEFAULT_REPLICATES,
        help=f"organizations per world and strategy (default {DEFAULT_REPLICATES})",
    )  # fmt: skip
    design_args.add_argument("--seed", type=int, default=2026, help="design seed (default 2026)")
    design_args.add_argument(
        "--posterior", default="auto",
        help="calibrated rates drawn once per world: 'auto' (from "
        "results/calibration/posterior.csv when it exists), 'off', or a posterior CSV",
    )  # fmt: skip
    sweep_args = argparse.ArgumentParser(add_help=False)
    sweep_args.add_argument(
        "--jobs", type=_positive, default=os.cpu_count() or 1,
        help="parallel sweep jobs (default: all cores)",
    )  # fmt: skip
    sweep_args.add_argument(
        "--chunk", type=_positive, default=len(STRATEGIES) * 2,
        help=f"design rows per Hydra job (default {len(STRATEGIES) * 2}: two worlds)",
    )  # fmt: skip
    sweep_args.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="a lean-sim override for every run, e.g. --set weeks=260",
    )  # fmt: skip
    prim_args = argparse.ArgumentParser(add_help=False)
    prim_args.add_argument(
        "--density", type=_share, default=d.density,
        help=f"density a reported box reaches (default {d.density})",
    )  # fmt: skip
    prim_args.add_argument(
        "--bootstrap", type=_positive, default=d.bootstrap,
        help=f"resamples for stability (default {d.bootstrap})",
    )  # fmt: skip
    prim_args.add_argument(
        "--max-boxes", type=_positive, default=d.max_boxes,
        help=f"boxes per verdict (default {d.max_boxes})",
    )  # fmt: skip
    out_arg = argparse.ArgumentParser(add_help=False)
    out_arg.add_argument(
        "--out", type=Path, default=RESULTS,
        help=f"folder of the design, the sweep and the analysis (default {RESULTS})",
    )  # fmt: skip
    readme_arg = argparse.ArgumentParser(add_help=False)
    readme_arg.add_argument(
        "--readme", type=Path, default=README,
        help=f"README whose generated block to rewrite (default {README})",
    )  # fmt: skip
    sub.add_parser("design", parents=[common, design_args, out_arg],
                   help="write a Latin-hypercube design over the world parameters")  # fmt: skip
    sub.add_parser("sweep", parents=[common, sweep_args, out_arg],
                   help="run the design through lean-sim (resumable)")  # fmt: skip
    analyze_parser = sub.add_parser(
        "analyze", parents=[common, prim_args],
        help="verdicts, boxes, stability, robust choice, figures and words of a sweep folder",
    )  # fmt: skip
    analyze_parser.add_argument("folder", type=Path, help="a results folder with runs.parquet")
    analyze_parser.add_argument(
        "--out", type=Path, default=None, help="where to write (default: the folder itself)"
    )
    sub.add_parser(
        "all", parents=[common, design_args, sweep_args, prim_args, out_arg, readme_arg],
        help="design, sweep, analyze and the README block, resumably",
    )  # fmt: skip
    readme_parser = sub.add_parser(
        "readme", parents=[out_arg, readme_arg],
        help="rewrite the README's 'Where each strategy wins' block from the box file",
    )  # fmt: skip
    readme_parser.set_defaults(quiet=False)
    return top


def _settings(args: argparse.Namespace) -> PrimSettings:
    return PrimSettings(density=args.density, bootstrap=args.bootstrap, max_boxes=args.max_boxes)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in SUBCOMMANDS and not argv[0].startswith("-"):
        argv.insert(0, "analyze")  # `lean-sim-discover results/<experiment>`
    args = parser().parse_args(argv)
    command = "lean-sim-discover " + " ".join(shlex.quote(a) for a in argv)
    try:
        if args.command == "design":
            make_design(args)
        elif args.command == "sweep":
            run_sweep(args)
        elif args.command == "analyze":
            if not args.folder.is_dir():
                raise DiscoveryInputError(f"{args.folder}: no such folder")
            run_analysis(args.folder, args.out or args.folder, _settings(args), command)
        elif args.command == "all":
            make_design(args)
            run_sweep(args)
            content = run_analysis(args.out, args.out, _settings(args), command)
            report.update_readme(args.readme, content, str(args.out))
        elif args.command == "readme":
            changed = report.update_readme(
                args.readme, report.read_box_file(args.out), str(args.out)
            )
            log(f"{args.readme}: {'rewritten' if changed else 'already current'}")
    except (DiscoveryInputError, CompareError, FileNotFoundError, ValueError) as err:
        print(f"lean-sim-discover: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
