"""``lean-sim-validate``: run the validation patterns, write the document, check the verdicts.

::

    lean-sim-validate                      # docs/validation.md and docs/figures/validation/
    lean-sim-validate --check              # the same runs; compare the verdicts with the pins,
                                           # writing to results/scratch_validation/ only
    lean-sim-validate --check --quick      # tiny designs in seconds (what `make test` runs)
    lean-sim-validate --preset calibrated  # docs/validation_calibrated.md (not pinned)

Exit status: 0 when every verdict equals its pin (``experiments/validation/verdicts.yaml``), 1
when one changed (each is named), 2 for bad arguments, a malformed pins file, or a results
folder that another validation is using (the sweep's folder lock).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from experiments.validation import verdicts
from experiments.validation.design import FULL, QUICK
from experiments.validation.grid import Grid, printer
from experiments.validation.render import PATTERNS, evaluate, write
from sim.params import ParamsError
from sim.presets import load
from sim.sweep.lock import FolderBusy, FolderLock

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "results" / "validation"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lean-sim-validate",
        description="Pattern-oriented validation: run each pattern of the model brief's "
        "evidence, judge it PASS or FAIL, write docs/validation.md with its figures, and "
        "compare every verdict with its pin in experiments/validation/verdicts.yaml (exit 1 "
        "when one changed).",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="a small design (under a minute; what make test checks)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="compare the verdicts with the pins without touching docs/ (the document goes "
        "to --out, default results/scratch_validation[_quick]/)",
    )
    p.add_argument(
        "--out",
        type=Path,
        help="folder for validation.md and figures/validation/ (default: docs/; with --quick "
        "or --check results/scratch_validation[_quick]/)",
    )
    p.add_argument("--preset", help="apply a preset from sim/data/presets/ (e.g. calibrated)")
    p.add_argument("--replicates", type=int, help="replicates per cell of patterns 2-5")
    p.add_argument("--jobs", type=int, default=2, help="worker processes for the runs (default 2)")
    p.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        help=f"where the runs are kept as sweep cells, resumable (default {_rel(RESULTS)})",
    )
    p.add_argument(
        "--calibration-dir",
        type=Path,
        default=REPO / "results" / "calibration",
        help="where lean-sim-calibrate wrote validation_section.md (default results/calibration)",
    )
    p.add_argument(
        "--verdicts", type=Path, default=verdicts.PINS, help="the pinned verdicts (YAML)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    return p


def _rel(path: Path) -> str:
    try:
        return path.relative_to(REPO).as_posix()
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else list(argv)
    p = parser()
    args = p.parse_args(args_list)
    design = QUICK if args.quick else FULL
    if args.jobs < 1:
        p.error(f"--jobs={args.jobs}: must be at least 1")
    if args.replicates is not None:
        if args.replicates < 2:
            p.error(f"--replicates={args.replicates}: need at least 2 for an interval")
        design = replace(design, name=f"{design.name}, {args.replicates} replicates",
                         replicates=args.replicates)  # fmt: skip
    if args.preset:
        try:
            design = replace(design, preset=args.preset, preset_values=load(args.preset))
        except (FileNotFoundError, ValueError, ParamsError) as err:
            p.error(str(err))
    if args.check and not design.pinned:
        p.error("--check compares with the pins of the full and quick designs at the model "
                "defaults; drop --preset/--replicates")  # fmt: skip
    pins = None
    if design.pinned:
        try:
            pins = verdicts.load(design.name, args.verdicts, tuple(m.KEY for m in PATTERNS))
        except verdicts.PinsError as err:
            print(f"lean-sim-validate: {err}", file=sys.stderr)
            return 2

    doc, fig_dir = _outputs(args)
    started = time.perf_counter()
    say = None if args.quiet else printer(started)
    grid = Grid(args.results, jobs=args.jobs, say=say)
    try:
        with FolderLock(args.results) as lock:  # one validation per results folder at a time
            lock.acquire()
            outcomes = evaluate(design, grid, say=say)
    except FolderBusy as err:
        print(f"lean-sim-validate: {err}", file=sys.stderr)
        return 2
    command = " ".join(["lean-sim-validate", *args_list])
    write(outcomes, design, pins, doc, fig_dir, args.calibration_dir, started, command)
    if say:
        say(f"wrote {doc}")

    found = {
        o.key: verdicts.Found(o.judgement.verdict, tuple(c.result for c in o.judgement.judged))
        for o in outcomes
    }
    for key, now in found.items():
        pin = pins.get(key) if pins is not None else None
        print(
            f"{key}: {now.verdict} {list(now.criteria)}"
            + (f" (pinned {pin.verdict})" if pin else "")
        )
    print(doc)
    if pins is None:
        return 0
    changed = verdicts.changes(pins, found)
    if changed:
        print(
            f"lean-sim-validate: {len(changed)} verdict(s) differ from "
            f"{_rel(args.verdicts)} ({design.name} design):\n  "
            + "\n  ".join(c.describe() for c in changed)
            + "\nIf the change is intended, update the pins with the reason in the same commit.",
            file=sys.stderr,
        )
        return 1
    return 0


def _outputs(args: argparse.Namespace) -> tuple[Path, Path]:
    suffix = f"_{args.preset}" if args.preset else ""
    if args.out is not None:
        base = args.out
    elif args.quick or args.check:
        base = REPO / "results" / ("scratch_validation" + ("_quick" if args.quick else ""))
    else:
        return REPO / "docs" / f"validation{suffix}.md", REPO / "docs" / "figures" / (
            f"validation{suffix}"
        )
    return base / "validation.md", base / "figures" / "validation"


if __name__ == "__main__":
    raise SystemExit(main())
