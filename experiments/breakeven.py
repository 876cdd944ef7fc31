"""Break-even: where the verdict between two strategies flips, over two deciding assumptions.

The paired difference (by default embedded minus centralized, on the same organizations) of a
measure on a grid of two assumptions, each over its documented plausible range (the ranges of
the sensitivity analysis, ``experiments.sensitivity.space``, which include 0 for every remaining
asymmetry). By default the two assumptions are the two that the committed sensitivity analysis
ranks as deciding the comparison most (``results/sensitivity/sobol_indices.csv``, total order);
``--x`` and ``--y`` choose others. The figure shades each cell by the mean difference, marks
cells whose 95% interval includes 0, and draws the break-even line (difference 0).

``python -m experiments.breakeven`` writes ``results/breakeven/`` (``grid.csv``,
``breakeven.md``, ``figures/breakeven.png``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from experiments import style
from sim import Params, palette, run
from sim.seeds import replicate_seeds
from sim.stats import LEVEL, paired_effect

MEASURES = ("sustained_adoption", "net_value")
SOBOL = Path("results/sensitivity/sobol_indices.csv")


def deciding_assumptions(path: Path = SOBOL, measure: str = "sustained_adoption") -> list[str]:
    """The assumptions with the largest total-order Sobol' index for ``measure`` (if the
    committed analysis exists), most deciding first; world fields are left out (they are the
    organization, not an assumption)."""
    from sim.params import ASSUMPTION_FIELDS

    if not path.is_file():
        return []
    table = pd.read_csv(path)
    column = "ST" if "ST" in table.columns else None
    if column is None or "parameter" not in table.columns:
        return []
    if "output" in table.columns:
        table = table[table["output"].astype(str).str.contains(measure.split("_")[0])]
    table = table[table["parameter"].isin(ASSUMPTION_FIELDS)]
    return table.sort_values(column, ascending=False)["parameter"].drop_duplicates().tolist()


def plausible_range(name: str) -> tuple[float, float]:
    """The sensitivity analysis's range for a parameter (one home for plausible ranges)."""
    from experiments.sensitivity import space

    factor = space.factors([name])[0]
    return float(factor.low), float(factor.high)


def _pair(x: str, xv: float, y: str, yv: float, a: str, b: str, seed: int, world: dict):
    out = {x: xv, y: yv, "seed": seed}
    for strategy in (a, b):
        summary = run(Params(strategy=strategy, **world, **{x: xv, y: yv}), seed=seed).summary_dict
        for m in MEASURES:
            out[f"{strategy}:{m}"] = summary[m]
    return out


def grid(
    x: str,
    y: str,
    *,
    points: int,
    replicates: int,
    a: str = "embedded",
    b: str = "centralized",
    world: dict | None = None,
    jobs: int = -1,
) -> pd.DataFrame:
    """Paired runs of strategies ``a`` and ``b`` at every grid point (same seeds everywhere)."""
    world = dict(world or {})
    xs = np.linspace(*plausible_range(x), points)
    ys = np.linspace(*plausible_range(y), points)
    seeds = replicate_seeds(Params(**world), 0, replicates)
    rows = Parallel(n_jobs=jobs)(
        delayed(_pair)(x, float(xv), y, float(yv), a, b, s, world)
        for xv in xs
        for yv in ys
        for s in seeds
    )
    return pd.DataFrame(rows)


def differences(runs: pd.DataFrame, x: str, y: str, a: str, b: str) -> pd.DataFrame:
    """Mean paired difference (a - b) with its interval at each grid point, per measure."""
    rows = []
    for (xv, yv), g in runs.groupby([x, y]):
        for m in MEASURES:
            e = paired_effect((g[f"{a}:{m}"] - g[f"{b}:{m}"]).to_numpy())
            rows.append({x: xv, y: yv, "measure": m, **e})
    return pd.DataFrame(rows)


def draw(table: pd.DataFrame, x: str, y: str, a: str, b: str, out_dir: Path) -> list[Path]:
    from matplotlib.colors import TwoSlopeNorm

    fig = style.new_figure(11.0, 4.8)
    axes = fig.subplots(1, 2)
    for ax, m in zip(axes, MEASURES, strict=True):
        t = table[table["measure"] == m]
        xs, ys = np.sort(t[x].unique()), np.sort(t[y].unique())
        grid_ = t.pivot(index=y, columns=x, values="mean").reindex(index=ys, columns=xs)
        lo = t.pivot(index=y, columns=x, values="lo").reindex(index=ys, columns=xs)
        hi = t.pivot(index=y, columns=x, values="hi").reindex(index=ys, columns=xs)
        vmax = float(np.nanmax(np.abs(grid_.to_numpy()))) or 1e-9
        image = ax.pcolormesh(
            xs, ys, grid_.to_numpy(), cmap=palette.DIVERGING_CMAP,
            norm=TwoSlopeNorm(0.0, -vmax, vmax), shading="nearest",
        )  # fmt: skip
        if (grid_.to_numpy() > 0).any() and (grid_.to_numpy() < 0).any():
            ax.contour(xs, ys, grid_.to_numpy(), levels=[0.0], colors="black", linewidths=1.5)
        unclear = (lo.to_numpy() <= 0) & (hi.to_numpy() >= 0)
        for j, yv in enumerate(ys):
            for i, xv in enumerate(xs):
                if unclear[j, i]:
                    ax.plot(xv, yv, marker="o", markersize=4, color="black", alpha=0.6)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(f"{style.label(m).splitlines()[0]}: {a} − {b}", fontsize=10)
        bar = fig.colorbar(image, ax=ax)
        bar.set_label(f"paired difference ({style.unit(m)})")
    n = int(table["n"].min())
    style.title_and_legend(fig, f"Break-even: {a} − {b} over {x} and {y}")
    style.footnote(
        fig,
        f"n = {n} organizations per grid point (the same at every point); colour: mean paired "
        f"difference; black line: break-even (difference 0); dots: the {LEVEL:.0%} interval "
        "of the mean includes 0. Ranges: the sensitivity analysis's plausible ranges.",
    )
    return style.save(fig, out_dir / "figures", "breakeven")


def markdown(table: pd.DataFrame, x: str, y: str, a: str, b: str) -> str:
    lines = [
        f"# Break-even: {a} − {b} over `{x}` and `{y}`",
        "",
        "Paired differences on the same organizations; generated by "
        "`python -m experiments.breakeven`.",
        "",
    ]
    for m in MEASURES:
        t = table[table["measure"] == m]
        ahead = (t["lo"] > 0).mean()
        behind = (t["hi"] < 0).mean()
        lines += [
            f"**{style.label(m).splitlines()[0]}**: {a} ahead (interval above 0) at "
            f"{ahead:.0%} of grid points, behind at {behind:.0%}, unclear at "
            f"{1 - ahead - behind:.0%}.",
            "",
        ]
        flips = t[t["hi"] < 0].sort_values([x, y])
        if len(flips):
            lines.append(f"Grid points where {b} is ahead: " + ", ".join(
                f"({r[x]:.3g}, {r[y]:.3g})" for _, r in flips.iterrows()
            ) + ".")  # fmt: skip
            lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.breakeven",
        description="Where the paired difference between two strategies flips, over two "
        "assumptions (default: the two the sensitivity analysis ranks highest).",
    )
    parser.add_argument("--x", help="first assumption (default: the top-ranked one)")
    parser.add_argument("--y", help="second assumption (default: the second-ranked one)")
    parser.add_argument("--points", type=int, default=5, help="grid points per axis")
    parser.add_argument("--replicates", type=int, default=6)
    parser.add_argument("--a", default="embedded")
    parser.add_argument("--b", default="centralized")
    parser.add_argument("--jobs", type=int, default=-1)
    parser.add_argument("--out", type=Path, default=Path("results/breakeven"))
    args = parser.parse_args(argv)
    ranked = deciding_assumptions()
    x = args.x or (ranked[0] if ranked else "duty_weight")
    y = args.y or (ranked[1] if len(ranked) > 1 else "escape_hatch_strength")
    for name in (x, y):
        if name not in Params.model_fields:
            parser.error(f"{name!r} is not a Params field")
    tic = time.perf_counter()
    print(
        f"break-even grid: {x} x {y}, {args.points}x{args.points} points, "
        f"{args.replicates} organizations each (source of the axes: "
        f"{'sensitivity ranking' if ranked and not (args.x or args.y) else 'chosen'})"
    )
    runs = grid(x, y, points=args.points, replicates=args.replicates, a=args.a, b=args.b,
                jobs=args.jobs)  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    runs.to_csv(args.out / "runs.csv", index=False)
    table = differences(runs, x, y, args.a, args.b)
    table.to_csv(args.out / "grid.csv", index=False)
    paths = draw(table, x, y, args.a, args.b, args.out)
    (args.out / "breakeven.md").write_text(markdown(table, x, y, args.a, args.b))
    print(
        f"wrote {args.out}/ ({', '.join(p.name for p in paths)}) in "
        f"{time.perf_counter() - tic:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
