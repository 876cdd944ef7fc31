"""Figures of the indices, each saved as PNG and PDF; every one reads only committed tables.

Colours are the Okabe-Ito palette (colour-blind safe); bars that must be told apart also differ
in hatching, so the figures survive grey print. Every figure states what the numbers are
differences of, the sample size and the confidence level.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.mechanisms import WEEKS_PER_YEAR
from sim.palette import NEUTRAL, OKABE_ITO, STRATEGY_COLORS

BLUE, ORANGE, VERMILLION = OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["vermillion"]
GREY = NEUTRAL
#: Who is ahead, in the strategies' own colours (sim.palette).
EMBEDDED, CENTRALIZED = STRATEGY_COLORS["embedded"], STRATEGY_COLORS["centralized"]

#: Axis words per output: what the number is, and its unit after scaling by SCALE.
LABELS = {
    "sustained_adoption": "sustained adoption, embedded - centralized (share of teams)",
    "net_value": "net value, embedded - centralized (FTE-years)",
}
SHORT = {"sustained_adoption": "sustained adoption", "net_value": "net value"}
#: Factor from the model's unit to the figure's (net value: FTE-weeks -> FTE-years).
SCALE = {"sustained_adoption": 1.0, "net_value": 1.0 / WEEKS_PER_YEAR}

plt.rcParams.update(
    {
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "savefig.dpi": 150,
    }
)


def save(fig: Figure, stem: Path) -> list[Path]:
    """Write ``stem``.png and ``stem``.pdf (without time stamps, so reruns give equal files)."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    fig.savefig(paths[0], bbox_inches="tight", metadata={"Software": None})
    fig.savefig(paths[1], bbox_inches="tight", metadata={"CreationDate": None, "Creator": None})
    plt.close(fig)
    return paths


def _note(fig: Figure, text: str) -> None:
    fig.text(0.01, -0.01, text, ha="left", va="top", fontsize=7.5, color="#333333", wrap=True)


def morris_figure(
    morris: pd.DataFrame, floors: dict[str, float], note: str, stem: Path, top: int = 20
) -> list[Path]:
    """Per output: ranked mu* with 95 % intervals (left) and mu* against sigma (right)."""
    outputs = list(dict.fromkeys(morris["output"]))
    fig, axes = plt.subplots(len(outputs), 2, figsize=(11, 4.6 * len(outputs)), squeeze=False)
    for row, output in enumerate(outputs):
        frame = morris[morris["output"] == output].sort_values("mu_star", ascending=False)
        scale = SCALE.get(output, 1.0)
        shown = frame.head(top).iloc[::-1]
        ax = axes[row, 0]
        y = np.arange(len(shown))
        inert = shown["inert"].to_numpy(dtype=bool) if "inert" in shown else np.zeros(len(y), bool)
        ax.barh(y[~inert], shown["mu_star"][~inert] * scale, color=BLUE, height=0.7)
        if inert.any():
            ax.barh(
                y[inert],
                shown["mu_star"][inert] * scale,
                color="#bbbbbb",
                height=0.7,
                hatch="///",
                edgecolor="white",
                label="not read by either strategy",
            )
        mu, half = shown["mu_star"].to_numpy() * scale, shown["mu_star_conf"].to_numpy() * scale
        ax.errorbar(
            mu,
            y,
            xerr=np.vstack([np.minimum(half, mu), half]),  # mu* >= 0: clip the lower whisker
            fmt="none",
            ecolor="black",
            elinewidth=0.8,
            capsize=2,
        )
        ax.set_yticks(y, shown["parameter"], fontsize=8)
        ax.set_xlabel(f"mu* (mean |elementary effect|), {_unit(output)} per range")
        ax.set_title(f"{SHORT.get(output, output)}: top {len(shown)} of {len(frame)} by mu*")
        floor = floors.get(output)
        if floor is not None and np.isfinite(floor):
            ax.axvline(
                floor * scale,
                color=VERMILLION,
                ls="--",
                lw=1,
                label="noise level",
            )
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="lower right", fontsize=7.5, frameon=False)
        ax = axes[row, 1]
        _mu_sigma(ax, frame, scale, output)
    _note(fig, note)
    fig.tight_layout()
    return save(fig, stem)


def _unit(output: str) -> str:
    return "FTE-years" if output == "net_value" else "share"


def _mu_sigma(ax, frame: pd.DataFrame, scale: float, output: str, labelled: int = 8) -> None:
    mu_star, sigma = frame["mu_star"] * scale, frame["sigma"] * scale
    inert = frame["inert"].to_numpy(dtype=bool) if "inert" in frame else np.zeros(len(frame), bool)
    ax.scatter(mu_star[~inert], sigma[~inert], s=14, color=GREY, zorder=2, label="parameter")
    if inert.any():
        ax.scatter(
            mu_star[inert],
            sigma[inert],
            s=16,
            facecolors="none",
            edgecolors=GREY,
            zorder=2,
            label="not read by either strategy",
        )
    frame = frame.reset_index(drop=True)
    top = frame[~inert].head(labelled)
    ax.scatter(top["mu_star"] * scale, top["sigma"] * scale, s=22, color=BLUE, zorder=3)
    key = []
    for rank, r in top.iterrows():  # numbers, not names: names of close points would collide
        ax.annotate(
            str(rank + 1),
            (r["mu_star"] * scale, r["sigma"] * scale),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=7.5,
            color=BLUE,
        )
        key.append(f"{rank + 1}  {r['parameter']}")
    ax.text(
        0.64,
        0.03,
        "rank by mu*\n" + "\n".join(key),
        transform=ax.transAxes,
        ha="left",
        va="bottom",
        fontsize=7.5,
        color=BLUE,
        linespacing=1.25,
    )
    limit = max(float(mu_star.max()), float(sigma.max())) * 1.15 or 1.0
    line = np.linspace(0, limit, 10)
    for ratio, style in ((0.5, ":"), (1.0, "--")):
        ax.plot(line, ratio * line, color="black", lw=0.8, ls=style)
        ax.text(
            0.97 * limit,
            0.97 * ratio * limit,
            f"sigma/mu* = {ratio:g}",
            fontsize=7,
            va="top",
            ha="right",
            rotation=np.degrees(np.arctan(ratio)),
            rotation_mode="anchor",
            transform_rotates_text=True,
        )
    ax.set_xlim(0, limit)
    ax.set_ylim(0, limit)
    ax.legend(loc="upper left", fontsize=7.5, frameon=False)
    ax.set_xlabel(f"mu* ({_unit(output)})")
    ax.set_ylabel(f"sigma of elementary effects ({_unit(output)})")
    ax.set_title("mu* vs sigma: above the dashed line, the effect depends on the others")


def sobol_figure(
    sobol: pd.DataFrame, floors: dict[str, float], note: str, stem: Path
) -> list[Path]:
    """Per output: S1 and ST with 95 % intervals, parameters ordered by ST."""
    outputs = list(dict.fromkeys(sobol["output"]))
    n = sobol.groupby("output").size().max()
    fig, axes = plt.subplots(
        1, len(outputs), figsize=(5.2 * len(outputs), 0.45 * n + 1.8), squeeze=False
    )
    for col, output in enumerate(outputs):
        ax = axes[0, col]
        frame = sobol[sobol["output"] == output].sort_values("ST").reset_index(drop=True)
        y = np.arange(len(frame))
        h = 0.38
        for offset, key, color, hatch, label in (
            (h / 2, "ST", ORANGE, "//", "total order ST"),
            (-h / 2, "S1", BLUE, "", "first order S1"),
        ):
            ax.barh(
                y + offset,
                frame[key],
                height=h,
                color=color,
                hatch=hatch,
                edgecolor="white",
                label=label,
            )
            ax.errorbar(
                frame[key],
                y + offset,
                xerr=frame[f"{key}_conf"],
                fmt="none",
                ecolor="black",
                elinewidth=0.8,
                capsize=2,
            )
        floor = floors.get(output)
        if floor is not None and np.isfinite(floor):
            ax.axvline(
                floor, color=VERMILLION, ls="--", lw=1, label="run-to-run noise (adds to every ST)"
            )
        ax.axvline(0, color="black", lw=0.6)
        ax.set_yticks(y, frame["parameter"])
        ax.set_xlabel("share of the variance of the difference")
        ax.set_title(f"{SHORT.get(output, output)}, embedded - centralized")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    order = [labels.index(x) for x in sorted(labels, key=lambda x: ("noise" in x, x))]
    fig.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="upper center",
        ncol=3,
        fontsize=8,
        frameon=False,
        bbox_to_anchor=(0.5, 1.05),
    )
    _note(fig, note)
    fig.tight_layout()
    return save(fig, stem)


def structural_figure(verdicts: pd.DataFrame, note: str, stem: Path) -> list[Path]:
    """Per output: mean paired difference and 95 % interval per structural variant."""
    outputs = list(dict.fromkeys(verdicts["output"]))
    chosen = verdicts[
        (verdicts["scope"] == "grid")
        | ~verdicts["factor"].isin(verdicts.loc[verdicts["scope"] == "grid", "factor"])
    ]
    first = chosen[chosen["output"] == outputs[0]]
    labels = [
        f"{r.factor} = {r.level}" + (" (default)" if r.is_default else "")
        for r in first.itertuples()
    ]
    fig, axes = plt.subplots(
        1,
        len(outputs),
        figsize=(5.2 * len(outputs), 0.38 * len(labels) + 1.8),
        squeeze=False,
        sharey=True,
    )
    y = np.arange(len(labels))[::-1]
    for col, output in enumerate(outputs):
        ax = axes[0, col]
        frame = chosen[chosen["output"] == output]
        scale = SCALE.get(output, 1.0)
        mean = frame["mean_diff"].to_numpy() * scale
        err = np.vstack([mean - frame["ci_low"] * scale, frame["ci_high"] * scale - mean])
        ax.errorbar(mean, y, xerr=err, fmt="none", ecolor="black", elinewidth=0.9, capsize=2)
        ahead = mean > 0
        ax.scatter(mean[ahead], y[ahead], color=EMBEDDED, zorder=3, s=26, marker="o")
        ax.scatter(mean[~ahead], y[~ahead], color=CENTRALIZED, zorder=3, s=30, marker="^")
        ax.axvline(0, color="black", lw=0.8, ls="--")
        factors = first["factor"].to_numpy()
        for k in np.flatnonzero(factors[1:] != factors[:-1]):
            ax.axhline(y[k] - 0.5, color="#cccccc", lw=0.6)
        ax.set_yticks(y, labels)
        ax.set_xlabel(LABELS.get(output, output))
        left, right = ax.get_xlim()
        ax.set_xlim(min(left, 0), max(right, 0))
        for text, side, color in (
            ("centralized ahead ", "right", CENTRALIZED),
            (" embedded ahead", "left", EMBEDDED),
        ):
            ax.text(
                0,
                1.0,
                text,
                transform=ax.get_xaxis_transform(),
                ha=side,
                va="bottom",
                fontsize=7.5,
                color=color,
            )
        ax.set_title(SHORT.get(output, output), pad=14)
    _note(fig, note)
    fig.tight_layout()
    return save(fig, stem)


def flip_figure(
    pairs: pd.DataFrame, thirds: pd.DataFrame, note: str, stem: Path, per_output: int = 3
) -> list[Path]:
    """Where the verdict flips: each point's difference against the parameters that move the
    share of points with centralized ahead the most (across thirds of their range), with the
    mean per tenth of the range; below zero centralized is ahead, on zero a tie."""
    outputs = list(dict.fromkeys(thirds["output"]))
    fig, axes = plt.subplots(
        len(outputs), per_output, figsize=(3.7 * per_output, 3.1 * len(outputs)), squeeze=False
    )
    for row, output in enumerate(outputs):
        frame = thirds[thirds["output"] == output]
        names = list(dict.fromkeys(frame["parameter"]))[:per_output]
        scale = SCALE.get(output, 1.0)
        y = pairs.groupby("point")[f"{output}_diff"].mean() * scale
        for col, name in enumerate(names):
            ax = axes[row, col]
            x = pairs.groupby("point")[name].first()
            for mask, color, marker, size, label in (
                (y > 0, EMBEDDED, "o", 5, "embedded ahead"),
                (y < 0, CENTRALIZED, "^", 8, "centralized ahead"),
                (y == 0, "black", "|", 14, "tie (equal, e.g. nothing sticks under either)"),
            ):
                ax.scatter(
                    x[mask],
                    y[mask],
                    s=size,
                    color=color,
                    marker=marker,
                    lw=0.6 if marker == "|" else 0,
                    alpha=0.5 if color == EMBEDDED else 0.85,
                    label=label,
                    zorder=3 if marker == "|" else 2,
                )
            bins = pd.cut(x, 10)
            binned = y.groupby(bins, observed=True).mean()
            centres = [b.mid for b in binned.index]
            ax.plot(centres, binned.to_numpy(), color="black", lw=1.6, label="mean per tenth")
            ax.axhline(0, color=GREY, lw=0.7, ls="--", zorder=1)
            ax.set_xlabel(name)
            if col == 0:
                ax.set_ylabel(LABELS.get(output, output).replace(", ", ",\n", 1), fontsize=8)
            shares = frame[frame["parameter"] == name]["share_centralized_ahead"]
            ax.set_title(
                "centralized ahead by third: " + " / ".join(f"{v:.0%}" for v in shares),
                fontsize=8.5,
            )
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="upper center",
        ncol=4,
        fontsize=8,
        frameon=False,
        markerscale=2,
        bbox_to_anchor=(0.5, 1.04),
    )
    _note(fig, note)
    fig.tight_layout()
    return save(fig, stem)
