"""The panel "Compare strategies for this organization": what it runs, says and draws.

The panel runs :func:`sim.compare.compare` on the organization on screen: its world and every
setting the page controls (budget, mechanism switches), every strategy on the same
organizations. It shows the estimated run time before it starts and refuses a comparison
estimated to take longer than :data:`CAP_SECONDS`; a running one stops at the cap too.

The runs go to a worker process (:func:`compare_in_process`), not a thread of the server: a
thread running the model would hold the interpreter lock most of the time, and the page's
other controls would answer slowly while it runs. Plain functions, no solara: ``sim.app``
wires them into the page.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.compare import (
    BOXES_FILE,
    OUTCOMES,
    Cancelled,
    Comparison,
    compare,
    compositions,
    describe_box,
    discovery_boxes,
    estimate_seconds,
)
from sim.palette import STRATEGY_COLORS, strategy_color
from sim.params import POLICY_FIELDS, STRATEGIES, Params
from sim.seeds import non_default

#: Longest comparison the page runs, in seconds (estimated before, enforced while running).
CAP_SECONDS = 120.0
DEFAULT_REPLICATES = 8
MIN_REPLICATES, MAX_REPLICATES = 2, 30
DISTRIBUTION_SIZE = (7.4, 3.3)
#: Seconds a worker process takes to start (spawn, then import the model), added to estimates.
START_SECONDS = 2.0
#: How often the waiting thread looks at the worker's messages and the cancel button.
POLL_SECONDS = 0.1


def shared_settings(params: Params) -> dict[str, Any]:
    """What every compared strategy shares: the fields of ``params`` that differ from the
    defaults, except the strategy and its policy levers (what is compared)."""
    skip = {"strategy", *POLICY_FIELDS}
    return {k: v for k, v in non_default(params).items() if k not in skip}


def per_run_seconds(world: dict[str, Any]) -> float:
    """Estimated seconds of one run of this world (two short probe runs)."""
    return estimate_seconds(world, STRATEGIES, 1) / len(compositions(STRATEGIES))


def estimate_text(per_run: float, replicates: int, cap: float = CAP_SECONDS) -> tuple[str, bool]:
    """What the panel says before a run, and whether the run is allowed under the cap."""
    runs = len(STRATEGIES) * replicates
    seconds = START_SECONDS + per_run * runs
    about = f"about {seconds:.0f} s" if seconds >= 1.5 else "about a second"
    text = (
        f"{len(STRATEGIES)} strategies × {replicates} organizations = {runs} runs: {about} "
        f"(cap {cap:.0f} s)."
    )
    if seconds > cap:
        return text + " Over the cap: lower the organizations or the teams.", False
    return text, True


#: The worker's niceness: the comparison is background work, the page's controls come first.
WORKER_NICENESS = 10


def _worker(messages, stop, kwargs: dict[str, Any]) -> None:
    """In the worker process: run the comparison, report progress, send the result."""
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)
    try:
        result = compare(
            **kwargs,
            progress=lambda done, total: messages.put(("progress", done, total)),
            cancel=stop.is_set,
        )
        messages.put(("done", result))
    except Cancelled as err:
        messages.put(("cancelled", str(err)))
    except Exception as err:  # sent to the page, which shows it
        messages.put(("error", f"{type(err).__name__}: {err}"))


def compare_in_process(
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    **kwargs: Any,
) -> Comparison:
    """:func:`sim.compare.compare` in a worker process; this thread only waits and relays.

    ``progress`` and ``cancel`` behave as in :func:`sim.compare.compare` (called and polled in
    this thread); raises :class:`Cancelled` when cancelled, RuntimeError when the worker fails.
    """
    context = multiprocessing.get_context("spawn")  # no fork of a threaded server
    messages, stop = context.Queue(), context.Event()
    worker = context.Process(target=_worker, args=(messages, stop, kwargs), daemon=True)
    worker.start()
    try:
        while True:
            if cancel is not None and cancel():
                stop.set()
            try:
                message = messages.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not worker.is_alive():
                    raise RuntimeError(
                        f"the comparison's worker process ended (exit {worker.exitcode})"
                    ) from None
                continue
            kind, *rest = message
            if kind == "progress" and progress is not None:
                progress(*rest)
            elif kind == "done":
                return rest[0]
            elif kind == "cancelled":
                raise Cancelled(rest[0])
            elif kind == "error":
                raise RuntimeError(rest[0])
    finally:
        stop.set()
        worker.join(timeout=5)
        if worker.is_alive():
            worker.kill()


def _interval(row, outcome: str, digits: int) -> str:
    mean, lo, hi = row[f"{outcome}_mean"], row[f"{outcome}_lo"], row[f"{outcome}_hi"]
    if math.isnan(lo):
        return f"{mean:,.{digits}f}"
    return f"{mean:,.{digits}f} [{lo:,.{digits}f}, {hi:,.{digits}f}]"


def result_markdown(result: Comparison) -> str:
    """The comparison as a Markdown table: mean [95% interval] and probability best."""
    level = f"{result.level:.0%}"
    lines = [
        f"| strategy | sustained adoption, mean [{level} CI] | P(best) "
        f"| net value (FTE-weeks), mean [{level} CI] | P(best) |",
        "|---|---|---|---|---|",
    ]
    best = {o: result.best(o) for o in OUTCOMES}
    for arm, row in result.table.iterrows():
        cells = [str(arm)]
        for outcome, digits in (("sustained_adoption", 3), ("net_value", 0)):
            p = f"{row[f'{outcome}_p_best']:.2f}"
            cells += [_interval(row, outcome, digits), f"**{p}**" if arm == best[outcome] else p]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def result_caption(result: Comparison) -> str:
    """What the table is about, in a sentence (the world, the seeds, the posterior)."""
    p = result.params
    return (
        f"{result.replicates} organizations of {p.n_teams:,} teams (resistance "
        f"{p.resistance:.2f}, power distance {p.power_distance:.2f}, {p.weeks} weeks), the same "
        f"for every strategy (seeds from the world and base seed {result.base_seed}); took "
        f"{result.seconds:.0f} s. P(best): share of these organizations in which the strategy "
        f"is best (ties shared). {result.posterior[0].upper()}{result.posterior[1:]}."
    )


def draw_distributions(fig: Figure, result: Comparison) -> None:
    """One panel per outcome: every organization's value per strategy (dots) with the mean and
    its interval (black), strategies in their fixed colours."""
    arms = list(result.arms)
    axes = fig.subplots(1, len(OUTCOMES))
    fig.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.27, wspace=0.3)
    rng = np.random.default_rng(0)  # jitter only; the same picture for the same result
    for ax, (outcome, label) in zip(axes, OUTCOMES.items(), strict=True):
        for i, arm in enumerate(arms):
            values = result.runs.loc[result.runs["strategy"] == arm, outcome].to_numpy()
            colour = strategy_color(arm, i - len(STRATEGY_COLORS))
            jitter = rng.uniform(-0.18, 0.18, len(values))
            ax.scatter(i + jitter, values, s=14, color=colour, alpha=0.75, linewidths=0)
            row = result.table.loc[arm]
            lo, hi = row[f"{outcome}_lo"], row[f"{outcome}_hi"]
            if not math.isnan(lo):
                ax.plot([i, i], [lo, hi], color="black", linewidth=1.6)
            ax.plot([i - 0.28, i + 0.28], [row[f"{outcome}_mean"]] * 2, color="black", lw=1.6)
        ax.set_xticks(range(len(arms)), arms, rotation=30, ha="right", fontsize=9)
        ax.set_title(label, fontsize=10)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(True, axis="y", color="#e6e6e6", linewidth=0.7)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.suptitle(
        f"Each dot one organization; black: mean and {result.level:.0%} interval",
        fontsize=9,
        color="#444444",
    )


def where_markdown(params: Params, path: str | Path = BOXES_FILE) -> str:
    """Which committed discovery box this organization falls in, in words (or why none)."""
    verdict = discovery_boxes(params, path)
    lines = [verdict.message, ""]  # a blank line: the boxes are a list of their own
    lines += [f"- {describe_box(box)}" for box in verdict.boxes]
    return "\n".join(lines).strip()
