"""Run the patterns, draw their figures and write the validation document.

:func:`evaluate` runs and judges every pattern; :func:`write` draws one PNG per pattern and
writes the Markdown: a summary with each verdict beside its pin, then per pattern the evidence,
the setting, the figure, the criteria (rule, value, PASS/FAIL), the numbers and a reading; then
the calibration's own section when ``lean-sim-calibrate`` has written one, and the references.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import optimize
from scipy import stats as sps

from experiments import style
from experiments.report import md_table
from experiments.validation import (
    capability_trap,
    commitment_tipping,
    diffusion,
    replicates,
    verdict_map,
    worse_before_better,
)
from experiments.validation.design import Design, Judgement, kw_text
from experiments.validation.grid import Grid
from experiments.validation.verdicts import Pin
from sim.provenance import git_commit, model_version
from sim.stats import LEVEL

#: The patterns, in the document's order.
PATTERNS: tuple[ModuleType, ...] = (
    diffusion,
    worse_before_better,
    capability_trap,
    commitment_tipping,
    verdict_map,
    replicates,
)
#: What the calibration writes for this document (Markdown; links relative to docs/).
CALIBRATION_SECTION = "validation_section.md"
#: The folder the calibration's links are relative to (where docs/validation.md goes).
DOCS = Path(__file__).resolve().parents[2] / "docs"
DPI = 110


@dataclass
class Outcome:
    """One pattern's setting, result and judgement."""

    pattern: ModuleType
    setting: Any
    result: Any
    judgement: Judgement

    @property
    def key(self) -> str:
        return self.pattern.KEY

    @property
    def figure(self) -> str:
        return f"{self.key}.png"


def evaluate(
    design: Design,
    grid: Grid,
    patterns: Sequence[ModuleType] = PATTERNS,
    say: Callable[[str], None] | None = None,
) -> list[Outcome]:
    """Run and judge each pattern (runs come from ``grid``'s cells)."""
    out = []
    with warnings.catch_warnings():
        # fits on tiny designs may be degenerate; the numbers say so themselves
        warnings.filterwarnings("ignore", category=optimize.OptimizeWarning)
        warnings.filterwarnings("ignore", category=sps.ConstantInputWarning)
        warnings.filterwarnings("ignore", message="(Mean of empty slice|Degrees of freedom)")
        for pattern in patterns:
            if say:
                say(f"pattern: {pattern.KEY}")
            setting = pattern.setting(design)
            result = pattern.run(setting, grid)
            out.append(Outcome(pattern, setting, result, pattern.judge(result, setting)))
    return out


def draw(outcome: Outcome) -> Figure:
    """The pattern's figure, on a plain Figure (no pyplot state)."""
    p = outcome.pattern
    fig = Figure(figsize=p.FIGSIZE, layout="constrained")
    axes = list(np.atleast_1d(fig.subplots(1, p.PANELS)))
    for ax in axes:
        style.style_axes(ax)
    p.draw(outcome.result, outcome.setting, axes)
    return fig


def write_figures(outcomes: Sequence[Outcome], fig_dir: Path) -> list[Path]:
    fig_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for o in outcomes:
        path = fig_dir / o.figure
        draw(o).savefig(path, dpi=DPI, metadata={"Software": None})
        paths.append(path)
    return paths


# --- Markdown -------------------------------------------------------------------------------
def fmt(value: Any) -> str:
    """A table value: bools on/off, floats with 4 significant digits, NaN as n/a."""
    if isinstance(value, bool | np.bool_):
        return "on" if value else "off"
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return "n/a"
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def cell(text: str) -> str:
    """Text for a Markdown table cell (a '|' in a rule such as |effect| would end the cell)."""
    return str(text).replace("|", "\\|")


def frame_table(frame: pd.DataFrame) -> str:
    rows = [[cell(fmt(v)) for v in row] for row in frame.itertuples(index=False)]
    return md_table([cell(c) for c in frame.columns], rows)


def anchor(title: str) -> str:
    keep = "".join(ch for ch in title.lower() if ch.isalnum() or ch in " -")
    return keep.replace(" ", "-")


def bold(verdict: str) -> str:
    return f"**{verdict}**"


def markdown(
    outcomes: Sequence[Outcome],
    design: Design,
    pins: dict[str, Pin] | None,
    fig_rel: str,
    calibration: list[str],
    runtime: float,
    command: str,
) -> str:
    commit = git_commit()
    where = f"commit {commit['commit']}" + (" with local changes" if commit["dirty"] else "")
    out = [
        "# Validation: does the model reproduce the evidence?",
        "",
        f"*Generated by `{command}` on {dt.date.today().isoformat()} in {runtime:.0f} s "
        f"(model version {model_version()}, {where}); do not edit by hand.*",
        "",
        "Pattern-oriented validation (Grimm et al. 2005): each pattern of the model brief's "
        '"Evidence" is a check with a stated setting, a figure, the numbers and a verdict. The '
        "criteria live in `experiments/validation/<pattern>.py` beside the numbers they judge; "
        "a failed pattern is reported as a failure, and every verdict is pinned in "
        "`experiments/validation/verdicts.yaml` with its reason, so `lean-sim-validate` exits "
        "non-zero when one changes. Runs are sweep cells (`results/validation/cells/`, "
        "resumable); replicate r of two points in the same world meets the same organization, "
        f"so their differences are paired. Intervals are {LEVEL:.0%} t intervals over "
        "replicates. The Holweg, Staats & Upton (2018) figures are used for calibration (last "
        "section), so they are not also a validation.",
        "",
        "Parameters: "
        + (
            f"the `{design.preset}` preset (`sim/data/presets/{design.preset}.yaml`: "
            f"`{kw_text(design.preset_values)}`) on top of the model defaults."
            if design.preset
            else "the model defaults (`sim.Params`), except where a setting says otherwise."
        )
        + f" Design: `{design.name}`.",
        "",
        "## Summary",
        "",
        "| # | Pattern | Verdict | Pinned | Criteria passed |",
        "|---|---|---|---|---|",
    ]
    for i, o in enumerate(outcomes, 1):
        pin = pins.get(o.key) if pins is not None else None
        pinned = pin.verdict if pin else ("not pinned" if pins is not None else "n/a")
        out.append(
            f"| {i} | [{o.pattern.TITLE}](#{i}-{anchor(o.pattern.TITLE)}) | "
            f"{bold(o.judgement.verdict)} | {pinned} | {o.judgement.score} |"
        )
    if pins is None:
        out += ["", "Pins apply to the `full` and `quick` designs at the model defaults only."]
    out.append("")
    for i, o in enumerate(outcomes, 1):
        p = o.pattern
        pin = pins.get(o.key) if pins else None
        out += [
            f"## {i} {p.TITLE}",
            "",
            f"**Verdict:** {bold(o.judgement.verdict)}"
            + (f" (pinned {pin.verdict}: {pin.reason})" if pin else ""),
            "",
            f"**Evidence.** {p.EVIDENCE}",
            "",
            f"**Setting.** {p.describe(o.setting)}",
            "",
            f"![{p.TITLE}]({fig_rel}/{o.figure})",
            "",
            "**Criteria.**",
            "",
            md_table(
                ["Criterion", "Value", "Result"],
                [
                    [c.rule, c.value, bold(c.result) if c.judged else c.result]
                    for c in o.judgement.criteria
                ],
            ),
            "",
            "**Numbers.**",
            "",
            frame_table(p.numbers(o.result)),
            "",
            f"**Reading.** {p.reading(o.result, o.setting)}",
            "",
        ]
    out += calibration
    out += REFERENCES
    return "\n".join(out)


REFERENCES = [
    "## References",
    "",
    "- Bass, F. M. (1969). A new product growth model for consumer durables. *Management "
    "Science* 15(5), 215-227.",
    "- Granovetter, M. (1978). Threshold models of collective behavior. *American Journal of "
    "Sociology* 83(6), 1420-1443.",
    "- Grimm, V. et al. (2005). Pattern-oriented modeling of agent-based complex systems: "
    "lessons from ecology. *Science* 310, 987-991.",
    "- Holweg, M., Staats, B. R. & Upton, D. M. (2018). Making process improvements stick. "
    "*Harvard Business Review* 96(6), 104-111.",
    "- Repenning, N. P. (2002). A simulation-based approach to understanding the dynamics of "
    "innovation implementation. *Organization Science* 13(2), 109-127.",
    "- Repenning, N. P. & Sterman, J. D. (2001). Nobody ever gets credit for fixing problems "
    "that never happened. *California Management Review* 43(4), 64-88.",
    "- Repenning, N. P. & Sterman, J. D. (2002). Capability traps and self-confirming "
    "attribution errors in the dynamics of process improvement. *Administrative Science "
    "Quarterly* 47(2), 265-295.",
    "- Sultan, F., Farley, J. U. & Lehmann, D. R. (1990). A meta-analysis of applications of "
    "diffusion models. *Journal of Marketing Research* 27(1), 70-77.",
    "",
]


# --- the calibration's section --------------------------------------------------------------
_LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))")
_HEADING = re.compile(r"^(#{1,6})(\s)")


def calibration_section(calibration_dir: Path, doc_dir: Path, links_from: Path = DOCS) -> list[str]:
    """The calibration's own section under this document's heading, or a note that the
    calibration has not been run.

    ``lean-sim-calibrate`` writes its links relative to ``docs/`` (``links_from``), where this
    document usually goes; a document written elsewhere (``--out``) gets them rewritten.
    """
    head = ["## Calibration (not a validation)", ""]
    path = calibration_dir / CALIBRATION_SECTION
    if not path.is_file():
        return [
            *head,
            f"The calibration has not been run: there is no `{_show(path)}`. Run "
            "`lean-sim-calibrate`, then `lean-sim-validate` again.",
            "",
        ]
    text = path.read_text(encoding="utf-8")
    lines = [_relink(line, links_from, doc_dir) for line in text.splitlines()]
    return [
        *head,
        f"*From `{_show(path)}`, written by `lean-sim-calibrate`.*",
        "",
        *_demote(lines, top=3),
        "",
    ]


def _show(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _relink(line: str, source_dir: Path, doc_dir: Path) -> str:
    def fix(m: re.Match) -> str:
        target = m.group(2)
        if re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", target, flags=re.I):
            return m.group(0)  # absolute, a URL or an anchor: leave it
        if Path(source_dir).resolve() == Path(doc_dir).resolve():
            return m.group(0)
        moved = os.path.relpath(Path(source_dir).resolve() / target, Path(doc_dir).resolve())
        return f"{m.group(1)}{Path(moved).as_posix()}{m.group(3)}"

    return _LINK.sub(fix, line)


def _demote(lines: list[str], top: int) -> list[str]:
    """Shift the headings (outside code fences) so that the highest becomes level ``top``."""
    fenced, levels = False, []
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := _HEADING.match(line)):
            levels.append(len(m.group(1)))
    shift = top - min(levels) if levels else 0
    out, fenced = [], False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := _HEADING.match(line)):
            level = min(6, len(m.group(1)) + shift)
            line = "#" * level + line[len(m.group(1)) :]
        out.append(line)
    return out


# --- all of it ------------------------------------------------------------------------------
def write(
    outcomes: Sequence[Outcome],
    design: Design,
    pins: dict[str, Pin] | None,
    doc: Path,
    fig_dir: Path,
    calibration_dir: Path,
    started: float,
    command: str,
) -> list[Path]:
    """Write the figures and the document; returns the figures' paths."""
    doc.parent.mkdir(parents=True, exist_ok=True)
    figures = write_figures(outcomes, fig_dir)
    fig_rel = Path(os.path.relpath(fig_dir, doc.parent)).as_posix()
    calibration = calibration_section(calibration_dir, doc.parent)
    runtime = time.perf_counter() - started
    text = markdown(outcomes, design, pins, fig_rel, calibration, runtime, command)
    doc.write_text(text, encoding="utf-8")
    return figures
