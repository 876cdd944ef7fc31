"""Figures of the calibration, drawn only from the files in ``results/calibration/``.

- ``pairs``: the posterior against the flat prior, one panel per rate and per pair of rates:
  what the two shares identify and what they leave open.
- ``predictive``: the posterior predictive check: the whole follow-up curve with the published
  shares, the other readings of the programme, and the profile over the margin.
- ``diagnostics``: epsilon against the sampling error, how the intervals narrowed per
  generation, and the sizing (shares and pilots by organization size).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.calibration.fit import log10_name
from experiments.style import footnote, new_figure, save, style_axes
from sim.palette import NEUTRAL, OKABE_ITO, STRATEGY_COLORS

PROGRAMME_COLOR = STRATEGY_COLORS["centralized"]
TARGET_COLOR = OKABE_ITO["black"]
TRUTH_COLOR = OKABE_ITO["bluish_green"]
RATE_COLORS = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
)
TARGET_AGES = {"sustained_1y": "1 year", "sustained_2y": "2 years"}


def _log_ticks(ax, lo: float, hi: float, axis: str = "x") -> None:
    """Ticks at 1, 2, 5 x 10^k inside [lo, hi] (log10 units), labelled as rates."""
    ticks = [np.log10(m * 10.0**e) for e in range(-4, 1) for m in (1, 2, 5)]
    ticks = [t for t in ticks if lo - 1e-9 <= t <= hi + 1e-9]
    labels = [f"{10**t:g}" for t in ticks]
    if axis == "x":
        ax.set_xticks(ticks, labels)
        ax.set_xlim(lo, hi)
    else:
        ax.set_yticks(ticks, labels)
        ax.set_ylim(lo, hi)


def pairs(record: dict[str, Any], posterior: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Posterior of every fitted rate (diagonal) and of every pair (below it)."""
    names = record["fitted_parameters"]
    k = len(names)
    fig = new_figure(3.6 * k + 0.6, 3.3 * k + 0.9)
    axes = fig.subplots(k, k, squeeze=False)
    for i, row_name in enumerate(names):
        for j, col_name in enumerate(names):
            if j > i:
                axes[i][j].axis("off")
            elif i == j:
                _marginal(axes[i][j], record, posterior, col_name, RATE_COLORS[i % 4])
            else:
                _joint(axes[i][j], record, posterior, col_name, row_name)
    handles, labels = [], []
    for ax in (axes[0][0], axes[-1][-1]):
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    title = "What the two shares identify:\nposterior against the flat prior"
    if k > 1:  # the empty upper corner holds the legend
        axes[0][k - 1].legend(
            handles,
            labels,
            loc="center",
            frameon=False,
            fontsize=9,
            title=title,
            title_fontsize=10,
        )
    else:
        fig.legend(
            handles,
            labels,
            loc="outside upper center",
            ncols=3,
            frameon=False,
            fontsize=9,
            title=title,
            title_fontsize=10,
        )
    abc = record["abc"]
    footnote(
        fig,
        f"ABC-SMC (pyabc): {abc['population_size']} particles, {abc['generations']} "
        f"generations, {abc['simulations']} simulations of "
        f"{_runs(record['settings']['seeds_per_evaluation'])} each; final epsilon "
        f"{abc['final_epsilon']:.3f}, effective sample size "
        f"{abc['effective_sample_size']:.0f}. Dots: particles, area by weight. A posterior as "
        "flat as the prior means the targets say nothing about that rate.",
    )
    return save(fig, out_dir, "pairs", palette=False)


def _reference_lines(ax, record: dict[str, Any], name: str, axis: str, label: bool) -> None:
    """The default before calibration (dotted) and, in a recovery run, the true value."""
    line = ax.axvline if axis == "x" else ax.axhline
    before = record["defaults_at_fit"]
    truth = record.get("recovery_truth") or {}
    if name in before:
        line(
            np.log10(before[name]),
            color=NEUTRAL,
            lw=1,
            ls=":",
            label="default before calibration" if label else None,
        )
    if name in truth:
        line(
            np.log10(truth[name]),
            color=TRUTH_COLOR,
            lw=1.8,
            label="true value (recovery)" if label else None,
        )


def _marginal(ax, record: dict[str, Any], posterior: pd.DataFrame, name: str, colour: str):
    style_axes(ax)
    p, post = record["priors"][name], record["posterior"][name]
    lo, hi = np.log10(p["low"]), np.log10(p["high"])
    x = posterior[log10_name(name)].to_numpy(dtype=float)
    bins = int(np.clip(2 * np.sqrt(len(x)), 8, 25))
    ax.hist(
        x,
        bins=np.linspace(lo, hi, bins + 1),
        weights=posterior["weight"].to_numpy(),
        density=True,
        color=colour,
        alpha=0.75,
        label="posterior",
    )
    ax.axhline(1.0 / (hi - lo), color=NEUTRAL, lw=1.5, ls="--", label="prior")
    ax.axvspan(
        np.log10(post["lo"]),
        np.log10(post["hi"]),
        color="#000000",
        alpha=0.07,
        label="90% interval",
    )
    ax.axvline(np.log10(post["median"]), color="#000000", lw=1.6, label="median")
    _reference_lines(ax, record, name, "x", label=True)
    ax.set_title(
        f"{name}\nmedian {post['median']:.3g}, 90% interval {post['lo']:.3g} to "
        f"{post['hi']:.3g}\n(interval width / prior's: {post['interval_ratio']:.2f})",
        fontsize=9,
    )
    ax.set_ylabel("density (per log10 unit)")
    ax.set_xlabel(f"{name} (per week, log scale)")
    _log_ticks(ax, lo, hi)


def _joint(ax, record: dict[str, Any], posterior: pd.DataFrame, x_name: str, y_name: str):
    style_axes(ax)
    px, py = record["priors"][x_name], record["priors"][y_name]
    w = posterior["weight"].to_numpy(dtype=float)
    ax.scatter(
        posterior[log10_name(x_name)],
        posterior[log10_name(y_name)],
        s=8 + 400 * w,
        color=PROGRAMME_COLOR,
        alpha=0.45,
        edgecolor="none",
    )
    _reference_lines(ax, record, x_name, "x", label=False)
    _reference_lines(ax, record, y_name, "y", label=False)
    _log_ticks(ax, np.log10(px["low"]), np.log10(px["high"]))
    _log_ticks(ax, np.log10(py["low"]), np.log10(py["high"]), axis="y")
    ax.set_xlabel(f"{x_name} (per week, log scale)")
    ax.set_ylabel(f"{y_name} (log scale)")


def predictive(
    record: dict[str, Any],
    pred: pd.DataFrame,
    alternatives: pd.DataFrame,
    profile: pd.DataFrame,
    out_dir: Path,
) -> list[Path]:
    """(a) follow-up curve, (b) other readings of the programme, (c) margin profile."""
    fig = new_figure(15.5, 5.4)
    ax_a, ax_b, ax_c = fig.subplots(1, 3, width_ratios=[1.25, 1.0, 1.0])
    targets = record["targets"]
    published = record["recovery_truth"] is None

    # (a) the whole follow-up curve
    by_age = pd.DataFrame(record["predictive"]["by_age"])
    before = pd.DataFrame(record["predictive"]["before_calibration"])
    style_axes(ax_a)
    ax_a.fill_between(
        by_age["weeks"],
        by_age["lo"],
        by_age["hi"],
        color=PROGRAMME_COLOR,
        alpha=0.18,
        lw=0,
        label="posterior predictive, 90% interval",
    )
    ax_a.plot(
        by_age["weeks"],
        by_age["median"],
        color=PROGRAMME_COLOR,
        marker="s",
        lw=2,
        label="posterior predictive, median",
    )
    ax_a.plot(
        before["weeks"],
        before["share"],
        color=NEUTRAL,
        ls="--",
        marker="o",
        ms=4,
        label="defaults before calibration",
    )
    for key, value in targets.items():
        weeks = 52 if key.endswith("1y") else 104
        ax_a.plot(
            [weeks],
            [value],
            marker="D",
            ms=9,
            color=TARGET_COLOR,
            ls="none",
            label=("published share" if published else "simulated target") + " (fitted)"
            if weeks == 52
            else None,
        )
        ax_a.annotate(
            f"{value:.2f}", (weeks, value), xytext=(8, -4), textcoords="offset points", fontsize=9
        )
    curve = record["follow_up_curve"]
    ax_a.axvspan(0, 26, color="#000000", alpha=0.04)
    ax_a.text(13, 0.03, "pilot\nrunning", ha="center", fontsize=8, color="#555555")
    ax_a.set_xticks(by_age["weeks"], [f"{w}" for w in by_age["weeks"]])
    ax_a.set_xlim(0, 110)
    ax_a.set_ylim(0, 1.02)
    ax_a.set_xlabel("weeks since the pilot started")
    ax_a.set_ylabel("pilots above their baseline (pooled share)")
    ax_a.set_title(
        f"(a) follow-up curve, 26 weeks to 2 years: {curve['verdict']}", fontsize=10, loc="left"
    )
    ax_a.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0.0, 0.08))

    # (b) other readings of the programme
    style_axes(ax_b)
    labels = [
        f"programme: {_mapping_label(record['mapping'])}",
        *alternatives["mapping"].drop_duplicates().tolist(),
    ]
    summary = {(r["tag"]): r for r in record["predictive"]["by_age"]}
    for key, offset, colour in (
        ("sustained_1y", -0.14, OKABE_ITO["blue"]),
        ("sustained_2y", 0.14, OKABE_ITO["orange"]),
    ):
        tag = key.removeprefix("sustained_")
        rows = [summary[tag], *alternatives[alternatives["tag"] == tag].to_dict("records")]
        y = np.arange(len(rows)) + offset
        mid = np.array([r["median"] for r in rows])
        err = np.array([[r["median"] - r["lo"], r["hi"] - r["median"]] for r in rows]).T
        ax_b.errorbar(
            mid, y, xerr=err, fmt="o", color=colour, capsize=3, label=f"at {TARGET_AGES[key]}"
        )
        ax_b.axvline(targets[key], color=colour, ls=":", lw=1.5)
    ax_b.set_yticks(range(len(labels)), [_wrap(lab, 26) for lab in labels], fontsize=8)
    ax_b.invert_yaxis()
    ax_b.set_xlim(0, 1.02)
    ax_b.set_xlabel("pilots above baseline (90% predictive interval)")
    ax_b.set_title(
        "(b) readings of the programme (not refitted)\ndotted: published shares",
        fontsize=10,
        loc="left",
        pad=22,
    )
    ax_b.legend(
        fontsize=8,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=2,
        frameon=False,
        borderaxespad=0.1,
    )

    # (c) margin profile
    style_axes(ax_c)
    rule = record["baseline_margin"]["baseline_margin"]
    for key, colour, mk in (
        ("sustained_1y", OKABE_ITO["blue"], "o"),
        ("sustained_2y", OKABE_ITO["orange"], "s"),
    ):
        ax_c.plot(
            profile["baseline_margin"],
            profile[key],
            marker=mk,
            color=colour,
            label=f"at {TARGET_AGES[key]}",
        )
        ax_c.axhline(targets[key], color=colour, ls=":", lw=1.2)
    ax_c.axvline(rule, color=TARGET_COLOR, lw=1.2, ls="--")
    ax_c.annotate(
        f"rule: {record['baseline_margin']['multiple']:g} SD = {rule:g}",
        (rule, 0.98),
        xytext=(4, 0),
        textcoords="offset points",
        fontsize=8,
        va="top",
    )
    ax_c.set_ylim(0, 1.02)
    ax_c.set_xlabel("baseline_margin (performance above the pre-pilot level)")
    ax_c.set_ylabel("pilots above baseline (pooled share)")
    ax_c.set_title(
        "(c) how much the measure matters\n(posterior medians, margin varied)",
        fontsize=10,
        loc="left",
    )
    ax_c.legend(fontsize=8, loc="upper right", bbox_to_anchor=(1.0, 0.9))

    s = record["settings"]
    source = "published shares" if published else "shares simulated from known rates"
    footnote(
        fig,
        f"Posterior predictive on fresh seeds: {record['predictive']['draws']} posterior draws, "
        f"each pooled over {_runs(s['seeds_per_evaluation'])} ({s['n_teams']} teams, "
        f"{s['weeks']} weeks); (b) {s['alternative_draws']} draws per reading; (c) "
        f"{s['profile_seeds']} runs per point. Targets: {source}. Curve rule: "
        f"{record['follow_up_curve']['rule']}",
    )
    return save(fig, out_dir, "predictive", palette=False)


def diagnostics(
    record: dict[str, Any], generations: pd.DataFrame, sizing: pd.DataFrame, out_dir: Path
) -> list[Path]:
    """(a) epsilon and sampling error, (b) narrowing per generation, (c) sizing."""
    fig = new_figure(15.5, 4.9)
    ax_a, ax_b, ax_c = fig.subplots(1, 3)
    noise = record["sampling_error"]["noise_distance"]

    style_axes(ax_a)
    g = generations["generation"]
    ax_a.plot(g, generations["epsilon"], marker="o", color=PROGRAMME_COLOR, label="epsilon")
    ax_a.axhline(
        noise, color=TARGET_COLOR, ls="--", lw=1.2, label=f"sampling error alone ({noise:.3f})"
    )
    ax_a.set_xlabel("generation")
    ax_a.set_ylabel("epsilon (distance in share units)")
    ax_a.set_ylim(bottom=0)
    ax_a.set_xticks(g)
    twin = ax_a.twinx()
    twin.plot(
        g, generations["ess"], marker="^", color=NEUTRAL, ls=":", label="effective sample size"
    )
    twin.set_ylabel("effective sample size", color=NEUTRAL)
    twin.set_ylim(0, record["abc"]["population_size"] * 1.05)
    handles = [*ax_a.get_legend_handles_labels()[0], *twin.get_legend_handles_labels()[0]]
    ax_a.legend(handles, [h.get_label() for h in handles], fontsize=8, loc="center right")
    ax_a.set_title("(a) epsilon per generation", fontsize=10, loc="left")

    style_axes(ax_b)
    names = record["fitted_parameters"]
    for i, name in enumerate(names):
        p = record["priors"][name]
        span = np.log10(p["high"]) - np.log10(p["low"])
        ratio = np.log10(generations[f"{name}_hi"] / generations[f"{name}_lo"]) / (0.9 * span)
        ax_b.plot(g, ratio, marker="o", color=RATE_COLORS[i % len(RATE_COLORS)], label=name)
    ax_b.axhline(1.0, color=NEUTRAL, ls="--", lw=1, label="prior")
    ax_b.set_ylim(0, 1.15)
    ax_b.set_xticks(g)
    ax_b.set_xlabel("generation")
    ax_b.set_ylabel("width of the 90% interval / prior's\n(widths in log10 units)")
    ax_b.set_title("(b) how far the data narrow each rate", fontsize=10, loc="left")
    ax_b.legend(fontsize=8, loc="lower left")

    style_axes(ax_c)
    for key, colour, mk in (
        ("sustained_1y", OKABE_ITO["blue"], "o"),
        ("sustained_2y", OKABE_ITO["orange"], "s"),
    ):
        ax_c.errorbar(
            sizing["n_teams"],
            sizing[key],
            yerr=1.96 * sizing[f"{key}_se"],
            marker=mk,
            color=colour,
            capsize=3,
            label=f"at {TARGET_AGES[key]} (±1.96 binomial SE)",
        )
    ax_c.set_xscale("log", base=2)
    ax_c.set_xticks(
        sizing["n_teams"],
        [
            f"{n}\n{r2:.0f} pilots/run\n{sec:.2f} s/run"
            for n, r2, sec in zip(
                sizing["n_teams"],
                sizing["pilots_2y_per_run"],
                sizing["seconds_per_run"],
                strict=True,
            )
        ],
        fontsize=8,
    )
    ax_c.minorticks_off()
    ax_c.set_ylim(0, 1.05)
    ax_c.set_xlabel("teams in the organization (pilots followed to 2 years, cost per run)")
    ax_c.set_ylabel("pilots above baseline (pooled share)")
    ax_c.set_title(
        "(c) sizing: shares by organization size\n(defaults before calibration)",
        fontsize=10,
        loc="left",
    )
    ax_c.legend(fontsize=8, loc="lower right")

    s = record["settings"]
    footnote(
        fig,
        f"(a) dashed: median distance of one evaluation ({_runs(s['seeds_per_evaluation'])}) from "
        f"the mean of {record['sampling_error']['blocks']} evaluations at the posterior median; "
        f"an epsilon far above it means the model cannot reach the targets. (c) "
        f"{s['sizing_seeds']} runs per size, {s['weeks']} weeks; seconds per run with "
        f"{s['jobs']} worker(s) on this machine.",
    )
    return save(fig, out_dir, "diagnostics", palette=False)


def _runs(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def _mapping_label(mapping: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in mapping.items())


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def all_figures(out_dir: Path) -> list[Path]:
    """Redraw every figure from the files in ``out_dir`` (no model runs)."""
    from experiments.calibration.outputs import read

    files = read(out_dir)
    return [
        *pairs(files["record"], files["posterior"], out_dir),
        *predictive(
            files["record"], files["predictive"], files["alternatives"], files["profile"], out_dir
        ),
        *diagnostics(files["record"], files["generations"], files["sizing"], out_dir),
    ]
