"""`python -m sim`: run every strategy once on the same organization and print a table.

Bad input ends with exit status 2 and one line naming the value and what is allowed, before any
run starts (argparse's own convention); a run that fails ends with exit status 1.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import time

import pandas as pd

from sim import STRATEGIES, Params, ParamsError, run

SHOWN = {
    "adoption_2y": "adoption @2y",
    "sustained_adoption": "sustained own adoption",
    "ownership": "ownership",
    "performance": "performance",
    "net_value": "net value (FTE-wk)",
    "pmo_lifetime_weeks": "PMO lifetime (wk)",
    "pilot_sustained_2y": "pilots sustained @2y",
    "total_budget_spent": "budget spent (FTE-wk)",
}
#: Seeds are non-negative 63-bit integers, as those the sweep derives (sim.seeds).
MAX_SEED = 2**63 - 1


def seed_value(text: str) -> int:
    """argparse type of --seed: an integer in 0 .. 2**63-1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{value} is not in 0 .. 2**63-1")
    return value


def parse_overrides(items: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` items as a dict; ValueError naming the item for anything else."""
    overrides: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"--set {item!r}: write NAME=VALUE, e.g. --set resistance=0.7")
        if name == "strategy":
            raise ValueError(
                f"--set {item!r}: python -m sim runs every strategy; compose a variant with "
                "policy fields instead (e.g. --set sunset=deadline)"
            )
        if name not in Params.model_fields:
            close = difflib.get_close_matches(name, list(Params.model_fields), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ValueError(f"--set {item!r}: {name!r} is not a parameter of sim.Params{hint}")
        if name in overrides:
            raise ValueError(f"--set {item!r}: {name} is set twice")
        overrides[name] = value
    return overrides


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim",
        description="Run each strategy once on the same organization (same seed) and compare. "
        "Exit status 2 for bad input, 1 if a run fails.",
    )
    parser.add_argument(
        "--seed", type=seed_value, default=0, help="random seed, an integer >= 0 (default 0)"
    )
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="NAME=VALUE",
        help="override any sim.Params field, e.g. --set resistance=0.7 power_distance=0.8",
    )
    args = parser.parse_args(argv)
    try:
        overrides = parse_overrides(args.set)
        settings = {s: Params.create(strategy=s, **overrides) for s in STRATEGIES}
    except (ValueError, ParamsError) as err:
        parser.error(str(err).replace("invalid parameters:\n  ", "").replace("\n  ", "; "))
    rows = []
    for strategy, params in settings.items():
        start = time.perf_counter()
        try:
            result = run(params, seed=args.seed)
        except Exception as err:  # a model failure: say which run, not a traceback
            print(
                f"python -m sim: the {strategy} run (seed {args.seed}) failed: "
                f"{type(err).__name__}: {err}",
                file=sys.stderr,
            )
            return 1
        row = {"strategy": strategy, **result.summary_dict, "seconds": time.perf_counter() - start}
        rows.append(row)
    table = pd.DataFrame(rows).set_index("strategy")[[*SHOWN, "seconds"]]
    table = table.rename(columns=SHOWN)
    p = settings[STRATEGIES[0]]
    print(
        f"One run per strategy, seed {args.seed}: {p.n_teams} teams, {p.weeks} weeks, "
        f"resistance {p.resistance}, power distance {p.power_distance}, "
        f"budget {p.budget_fte:g} FTE every week for every strategy.\n"
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(3).to_string(na_rep="n/a"))
    print("\n'n/a': the measure does not apply (no PMO, or censored at the horizon).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
