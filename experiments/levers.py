"""Equal budget, equal total effort, and zero budget: three fair comparisons of the strategies.

At equal *budget* every strategy gets the same improvement FTE every week, but a duty asks line
time that no budget pays for, and an office that finds no willing teams leaves money unspent.
So the same world is also compared at equal *total effort* (every strategy's budget solved with
``sim.effort.equal_effort_budget`` so that its mean booked effort matches the reference
strategy's at the reference budget, within 2%), and at a *zero budget*, where only the unpaid
levers (a duty) act, next to ``none``.

Every strategy in every condition runs on the same organizations (``sim.seeds``: seeds derive
from the world only), so differences are paired. ``python -m experiments.levers`` writes into
``results/levers/``: ``budgets.csv`` (each strategy's solved budget, its effort, the target),
``runs.parquet`` (one row per run), ``levers.md`` (tables) and ``figures/levers.png``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed

from experiments import style
from sim import STRATEGIES, Params, run
from sim.effort import EffortMatch, equal_effort_budget, total_effort
from sim.seeds import replicate_seeds
from sim.stats import LEVEL, grouped_mean_ci, paired_effect

CONDITIONS = ("equal budget", "equal effort", "zero budget")
MEASURES = ("sustained_adoption", "net_value", "total_effort")


def solve_budgets(world: dict, reference: str, seeds: list[int], jobs: int = 1) -> pd.DataFrame:
    """Each strategy's equal-effort budget (``none`` spends nothing and is left out; the
    reference keeps its own budget, which matches its own effort by definition, even where a
    smaller budget would book nearly the same effort)."""
    params = Params(strategy=reference, **world)
    target = total_effort(params, seeds)
    strategies = [s for s in STRATEGIES if s not in ("none", reference)]
    matches = Parallel(n_jobs=jobs)(
        delayed(equal_effort_budget)(Params(strategy=s, **world), target, seeds) for s in strategies
    )
    own = EffortMatch(reference, params.budget_fte_per_100_teams, target, target, True, "reference")
    matches = sorted([own, *matches], key=lambda m: STRATEGIES.index(m.strategy))
    return pd.DataFrame(
        [
            {
                "strategy": m.strategy,
                "budget_fte_per_100_teams": m.budget,
                "effort": m.effort,
                "target": m.target,
                "gap": m.gap,
                "matched": m.matched,
                "note": m.note,
            }
            for m in matches
        ]
    )


def _one(strategy: str, condition: str, budget: float, world: dict, replicate: int, seed: int):
    params = Params(strategy=strategy, budget_fte_per_100_teams=budget, **world)
    summary = run(params, seed=seed).summary_dict
    return {
        "strategy": strategy,
        "condition": condition,
        "budget_fte_per_100_teams": budget,
        "replicate": replicate,
        "seed": seed,
        **{m: summary[m] for m in MEASURES},
    }


def run_conditions(
    world: dict, budgets: pd.DataFrame, replicates: int, jobs: int = 1
) -> pd.DataFrame:
    """Every strategy under each condition, on the same ``replicates`` organizations."""
    reference_budget = Params(**world).budget_fte_per_100_teams
    seeds = replicate_seeds(Params(**world), 0, replicates)
    solved = dict(zip(budgets["strategy"], budgets["budget_fte_per_100_teams"], strict=True))
    matched = dict(zip(budgets["strategy"], budgets["matched"], strict=True))
    tasks = []
    for strategy in STRATEGIES:
        plan = {"equal budget": reference_budget, "zero budget": 0.0}
        if strategy != "none" and matched.get(strategy, False):
            plan["equal effort"] = solved[strategy]
        elif strategy == "none":
            plan["equal effort"] = reference_budget  # none spends nothing at any budget
        for condition, budget in plan.items():
            tasks += [(strategy, condition, budget, r, s) for r, s in enumerate(seeds)]
    rows = Parallel(n_jobs=jobs)(
        delayed(_one)(s, c, b, world, r, seed) for s, c, b, r, seed in tasks
    )
    return pd.DataFrame(rows)


def tables(runs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Means with CIs per strategy and condition, and each strategy's paired difference from
    ``none`` (zero budget) and from the reference condition's leader."""
    means = pd.concat(
        [grouped_mean_ci(runs, ["condition", "strategy"], m).assign(measure=m) for m in MEASURES],
        ignore_index=True,
    )
    rows = []
    none = runs[runs["strategy"] == "none"].set_index(["condition", "replicate"])
    for (condition, strategy), g in runs.groupby(["condition", "strategy"]):
        if strategy == "none":
            continue
        g = g.set_index(["condition", "replicate"])
        for m in ("sustained_adoption", "net_value"):
            base = none.loc[condition, m] if condition in none.index.get_level_values(0) else None
            if base is None:
                continue
            e = paired_effect((g[m] - base.reindex(g.index)).to_numpy())
            rows.append({"condition": condition, "strategy": strategy, "measure": m, **e})
    return {"means": means, "vs_none": pd.DataFrame(rows)}


def draw(runs: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Sustained adoption and net value per strategy under each condition."""
    fig = style.new_figure(11.0, 4.6)
    axes = fig.subplots(1, 2)
    for ax, measure in zip(axes, ("sustained_adoption", "net_value"), strict=True):
        t = grouped_mean_ci(runs, ["condition", "strategy"], measure)
        for i, strategy in enumerate(STRATEGIES):
            g = t[t["strategy"] == strategy].set_index("condition").reindex(list(CONDITIONS))
            x = [j + (i - 2) * 0.12 for j in range(len(CONDITIONS))]
            ax.errorbar(
                x,
                g["mean"],
                yerr=[g["mean"] - g["lo"], g["hi"] - g["mean"]],
                fmt=style.marker(strategy),
                color=style.color(strategy),
                capsize=3,
                label=strategy,
                linestyle="none",
            )
        ax.set_xticks(range(len(CONDITIONS)))
        ax.set_xticklabels(CONDITIONS)
        ax.set_ylabel(style.label(measure))
        style.style_axes(ax)
        if measure == "net_value":
            style.thousands(ax.yaxis)
    handles, labels = axes[0].get_legend_handles_labels()
    style.title_and_legend(
        fig,
        "Strategies at equal budget, at equal total effort, and at a zero budget",
        handles,
        labels,
        ncols=5,
    )
    n = int(runs.groupby(["condition", "strategy"]).size().min())
    style.footnote(
        fig,
        f"n = {n} organizations per point (the same in every condition); bars: {LEVEL:.0%} CI of "
        "the mean (t interval across runs). Equal effort: each budget solved so the strategy's "
        "mean booked effort matches the reference's within 2% (a strategy with no such budget "
        "is left out). Zero budget: only unpaid levers (a duty) act.",
    )
    return style.save(fig, out_dir / "figures", "levers")


def means_table(means: pd.DataFrame, digits: int) -> list[str]:
    """Markdown rows of one measure's means [CI]: a row per strategy, a column per condition
    (``means`` as in means.csv, one measure). The README's verdict block reuses it."""
    lines = [
        "| strategy | " + " | ".join(CONDITIONS) + " |",
        "|---|" + "---:|" * len(CONDITIONS),
    ]
    for strategy in STRATEGIES:
        cells = []
        for condition in CONDITIONS:
            r = means[(means["strategy"] == strategy) & (means["condition"] == condition)]
            cells.append(
                "n/a"
                if r.empty
                else f"{r['mean'].iloc[0]:,.{digits}f} "
                f"[{r['lo'].iloc[0]:,.{digits}f}, {r['hi'].iloc[0]:,.{digits}f}]"
            )
        lines.append(f"| {strategy} | " + " | ".join(cells) + " |")
    return lines


def markdown(budgets: pd.DataFrame, t: dict[str, pd.DataFrame], reference: str) -> str:
    lines = [
        "# Equal budget, equal total effort, zero budget",
        "",
        f"Reference: `{reference}` at the default budget; every other strategy's budget is solved "
        "so that its mean total booked effort (specialists, funded, pilot and duty-induced team "
        "time, FTE-weeks) matches the reference's within 2%. Generated by "
        "`python -m experiments.levers`.",
        "",
        "| strategy | budget (FTE per 100 teams) | total effort | target | matched | note |",
        "|---|---:|---:|---:|---|---|",
    ]
    for _, r in budgets.iterrows():
        lines.append(
            f"| {r['strategy']} | {r['budget_fte_per_100_teams']:.2f} | {r['effort']:,.0f} | "
            f"{r['target']:,.0f} | {'yes' if r['matched'] else 'no'} | {r['note'] or ''} |"
        )
    lines += ["", "**Means** (95% t intervals over the same organizations)", ""]
    means = t["means"]
    for measure in ("sustained_adoption", "net_value", "total_effort"):
        m = means[means["measure"] == measure]
        digits = 3 if measure == "sustained_adoption" else 0
        lines += [f"*{style.label(measure).splitlines()[0]}*", "", *means_table(m, digits)]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.levers",
        description="Compare the strategies at equal budget, equal total effort and zero budget "
        "on the same organizations (the headline reference world unless --set says otherwise).",
    )
    parser.add_argument("--out", type=Path, default=Path("results/levers"))
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--solver-seeds", type=int, default=4, help="seeds per effort evaluation")
    parser.add_argument(
        "--reference",
        default="embedded",
        choices=STRATEGIES[1:],
        help="the strategy whose total effort at the default budget the others match "
        "(default embedded: at equal budget its duty asks the most effort)",
    )
    parser.add_argument("--jobs", type=int, default=-1, help="processes (default: all cores)")
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="NAME=VALUE",
        help="world settings, e.g. --set resistance=0.7 n_teams=100",
    )
    args = parser.parse_args(argv)
    try:
        world = dict(item.split("=", 1) for item in args.set)
        Params.create(**world)
    except ValueError as err:
        parser.error(str(err))
    world = Params.create(**world).model_dump(include=set(world))
    args.out.mkdir(parents=True, exist_ok=True)
    tic = time.perf_counter()
    seeds = replicate_seeds(Params(**world), 1, args.solver_seeds)  # other seeds than the runs
    print(f"solving equal-effort budgets ({args.solver_seeds} seeds per evaluation)...")
    budgets = solve_budgets(world, args.reference, seeds, args.jobs)
    budgets.to_csv(args.out / "budgets.csv", index=False)
    print(budgets.round(3).to_string(index=False))
    print(f"running {args.replicates} replicates per strategy and condition...")
    runs = run_conditions(world, budgets, args.replicates, args.jobs)
    runs.to_parquet(args.out / "runs.parquet", index=False)
    t = tables(runs)
    t["means"].to_csv(args.out / "means.csv", index=False)
    t["vs_none"].to_csv(args.out / "vs_none.csv", index=False)
    paths = draw(runs, args.out)
    (args.out / "levers.md").write_text(markdown(budgets, t, args.reference))
    print(
        f"wrote {args.out}/ (levers.md, {', '.join(p.name for p in paths)}) "
        f"in {time.perf_counter() - tic:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
