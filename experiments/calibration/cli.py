"""``lean-sim-calibrate``: fit, redraw, and carry the posterior into the verdict.

::

    lean-sim-calibrate                  # fit: results/calibration/ and the calibrated preset
    lean-sim-calibrate --quick          # a tiny fit (results/scratch_calibration_quick/)
    lean-sim-calibrate --quick --truth borrowed_decay_rate=0.04,internalization_rate=0.03
                                        # recovery: fit shares simulated from known rates
    lean-sim-calibrate report           # redraw figures and the note from the files
    lean-sim-calibrate verdict          # the headline verdict over posterior draws
                                        # (results/uncertainty/, resumable)
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from experiments.calibration import figures, note, outputs
from experiments.calibration.spec import FITTED, PRIORS, QUICK, Settings

REPO = Path(__file__).resolve().parents[2]
PRESET = REPO / "sim" / "data" / "presets" / "calibrated.yaml"
COMMANDS = ("fit", "report", "verdict")
INT_OPTIONS = (
    "population_size",
    "seeds_per_evaluation",
    "max_generations",
    "max_simulations",
    "n_teams",
    "weeks",
    "base_seed",
    "jobs",
)


def _pairs(text: str, what: str) -> dict[str, float]:
    """``a=0.1,b=0.2`` -> {'a': 0.1, 'b': 0.2}, with a one-line error naming the bad item."""
    out = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        name, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = float(value)
        except ValueError:
            raise SystemExit(
                f"{what}={item!r}: expected name=number, e.g. {FITTED[0]}=0.05"
            ) from None
    return out


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="lean-sim-calibrate",
        description="Calibrate the rates of capability dynamics to the backsliding of a "
        "programme's projects (Holweg, Staats & Upton 2018: 58% above baseline at 1 year, "
        "35% at 2 years) with ABC-SMC (pyabc), check the posterior, and carry it into the "
        "headline verdict.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("::", 1)[1],
    )
    sub = top.add_subparsers(dest="command", metavar="{fit,report,verdict}")
    fit = sub.add_parser("fit", help="fit, check, write results and the preset (default)")
    fit.add_argument("--quick", action="store_true", help="tiny fit for tests (under a minute)")
    fit.add_argument(
        "--out",
        type=Path,
        help="results folder (default results/calibration, "
        "or results/scratch_calibration_quick with --quick)",
    )
    fit.add_argument(
        "--preset-out",
        type=Path,
        help=f"preset file (default {PRESET.relative_to(REPO)} for results/calibration, "
        "else <out>/calibrated.yaml)",
    )
    fit.add_argument(
        "--params",
        help=f"rates to fit, comma-separated (default "
        f"{','.join(FITTED)}; allowed {','.join(PRIORS)})",
    )
    fit.add_argument(
        "--truth",
        help="recovery check: fit shares simulated from these rates "
        "(name=value,...) instead of the published ones",
    )
    fit.add_argument("--quiet", action="store_true", help="no progress messages")
    for name in INT_OPTIONS:
        fit.add_argument(
            f"--{name.replace('_', '-')}",
            type=int,
            dest=name,
            help=f"default {getattr(Settings(), name)} ({getattr(QUICK, name)} with --quick)",
        )
    rep = sub.add_parser("report", help="redraw figures and the note from a results folder")
    rep.add_argument("--out", type=Path, default=REPO / "results" / "calibration")
    ver = sub.add_parser("verdict", help="the headline verdict over posterior draws")
    ver.add_argument("--quick", action="store_true", help="tiny verdict for tests")
    ver.add_argument(
        "--calibration", type=Path, help="folder with the posterior (default results/calibration)"
    )
    ver.add_argument(
        "--out",
        type=Path,
        help="output folder (default results/uncertainty, "
        "or results/scratch_uncertainty_quick with --quick)",
    )
    for name, default in (
        ("draws", 50),
        ("replicates", 2),
        ("point_replicates", 10),
        ("jobs", 2),
        ("n_teams", 200),
        ("weeks", 520),
    ):
        ver.add_argument(
            f"--{name.replace('_', '-')}", type=int, dest=name, help=f"default {default}"
        )
    ver.add_argument("--quiet", action="store_true")
    return top


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv.insert(0, "fit")
    args = parser().parse_args(argv)
    if args.command == "report":
        return _report(args.out)
    if args.command == "verdict":
        return _verdict(args)
    return _fit(args)


def _fit(args: argparse.Namespace) -> int:
    from experiments.calibration.calibrate import calibrate

    settings = QUICK if args.quick else Settings()
    overrides = {n: getattr(args, n) for n in INT_OPTIONS if getattr(args, n) is not None}
    if args.params:
        overrides["params"] = tuple(p.strip() for p in args.params.split(",") if p.strip())
    try:
        settings = replace(settings, **overrides)
    except ValueError as err:
        raise SystemExit(f"lean-sim-calibrate: {err}") from None
    truth = _pairs(args.truth, "truth") if args.truth else None
    if truth:
        unknown = sorted(set(truth) - set(settings.params))
        if unknown:
            raise SystemExit(f"truth: {unknown} are not fitted (fitted: {list(settings.params)})")
    scratch = args.quick or truth is not None
    canonical = REPO / "results" / "calibration"
    out = args.out or (REPO / "results" / "scratch_calibration_quick" if scratch else canonical)
    # Only the canonical calibration writes the package's preset; any other run keeps its
    # preset beside its results.
    is_canonical = not scratch and out.resolve() == canonical.resolve()
    preset = args.preset_out or (PRESET if is_canonical else out / "calibrated.yaml")
    result = calibrate(settings, truth=truth, progress=not args.quiet)
    for path in outputs.write(result, out):
        print(path)
    for path in _draw(out):
        print(path)
    print(outputs.write_preset(result["record"], preset))
    rec = result["record"]
    print(
        "posterior medians: "
        + ", ".join(
            f"{n}={p['median']:.4g} [{p['lo']:.3g}, {p['hi']:.3g}]"
            for n, p in rec["posterior"].items()
        )
        + f"; final epsilon {rec['abc']['final_epsilon']:.3f}, ESS "
        f"{rec['abc']['effective_sample_size']:.0f}; predictive {rec['predictive']['verdict']}, "
        f"follow-up curve {rec['follow_up_curve']['verdict']}; {rec['runtime_s']:.0f} s"
    )
    return 0


def _draw(out: Path) -> list[Path]:
    paths = figures.all_figures(out)
    paths.append(note.write(outputs.read(out), out))
    return paths


def _report(out: Path) -> int:
    try:
        paths = _draw(out)
    except FileNotFoundError as err:
        raise SystemExit(f"lean-sim-calibrate report: {err}") from None
    for path in paths:
        print(path)
    return 0


def _verdict(args: argparse.Namespace) -> int:
    from experiments.calibration.verdict import QUICK_VERDICT, VerdictSettings, verdict

    base = QUICK_VERDICT if args.quick else VerdictSettings()
    names = ("draws", "replicates", "point_replicates", "jobs", "n_teams", "weeks")
    overrides = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
    try:
        settings = replace(base, **overrides)
    except ValueError as err:
        raise SystemExit(f"lean-sim-calibrate verdict: {err}") from None
    calibration = args.calibration or REPO / "results" / (
        "scratch_calibration_quick" if args.quick else "calibration"
    )
    out = args.out or REPO / "results" / (
        "scratch_uncertainty_quick" if args.quick else "uncertainty"
    )
    try:
        paths = verdict(settings, calibration, out, progress=not args.quiet)
    except FileNotFoundError as err:
        raise SystemExit(f"lean-sim-calibrate verdict: {err}") from None
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
