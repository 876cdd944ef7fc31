"""`python -m sim`: run every strategy once on the default organization and print a table."""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim",
        description="Run each strategy once on the same organization (same seed) and compare.",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="NAME=VALUE",
        help="override any sim.Params field, e.g. --set resistance=0.7 power_distance=0.8",
    )
    args = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.set)
    rows = []
    for strategy in STRATEGIES:
        try:
            params = Params.create(strategy=strategy, **overrides)
        except ParamsError as err:
            parser.error(str(err))
        start = time.perf_counter()
        result = run(params, seed=args.seed)
        row = {"strategy": strategy, **result.summary_dict, "seconds": time.perf_counter() - start}
        rows.append(row)
    table = pd.DataFrame(rows).set_index("strategy")[[*SHOWN, "seconds"]]
    table = table.rename(columns=SHOWN)
    p = Params.create(**overrides)
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
