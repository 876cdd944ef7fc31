"""How many replicates are enough, and does the headline sweep run that many?

The headline differences (embedded minus centralized, paired by replicate) in sustained own
adoption and in net value, in the default world, over many replicates: how the 95% CI narrows
with n, and the smallest n at which both half-widths are at most a tenth of the difference
itself. The verdict checks that the headline sweep (``configs/experiment/headline.yaml``) runs
at least that many.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from matplotlib import ticker

from experiments.validation import verdict_map
from experiments.validation.design import BaseSetting, Design, Judgement, criterion
from experiments.validation.grid import Grid
from sim.palette import OKABE_ITO
from sim.stats import LEVEL, mean_ci, t_quantile

KEY = "replicates"
TITLE = "How many replicates are enough"
EVIDENCE = (
    "A difference is worth reporting when its confidence interval is narrow beside it; the "
    "replicate count of the committed sweeps must give that in the default world."
)
PANELS = 2
FIGSIZE = (12, 4.4)

HEADLINE_CONFIG = Path(__file__).resolve().parents[2] / "configs" / "experiment" / "headline.yaml"
#: The rule: the 95% half-width of each headline difference at most this share of the
#: difference itself (the difference is known to about one significant digit).
RELATIVE_HALF_WIDTH = 0.10
#: A stricter absolute rule for shares, reported beside the chosen one.
HALF_WIDTH_ADOPTION = 0.02
MEASURES = {"sustained_adoption": "share of teams", "net_value": "FTE-weeks"}
MAX_N = 100_000


@dataclass(frozen=True)
class Setting(BaseSetting):
    counts: tuple[int, ...]
    headline_replicates: int | None

    @property
    def grid(self) -> verdict_map.Setting:
        """Pattern 5's cells, whose spread tells what other worlds need."""
        return verdict_map.setting(self.design)


def headline_replicates(path: Path = HEADLINE_CONFIG) -> int | None:
    """The replicate count of the headline sweep, or None if its config is not there."""
    if not path.is_file():
        return None
    return int(yaml.safe_load(path.read_text(encoding="utf-8"))["replicates"])


def setting(design: Design) -> Setting:
    return Setting(
        design,
        design.n_teams,
        design.weeks,
        design.replicate_study,
        counts=design.replicate_counts,
        headline_replicates=headline_replicates(),
    )


@dataclass
class Result:
    diffs: dict[str, np.ndarray]  # measure -> per-replicate difference
    table: pd.DataFrame  # measure, replicates, mean, observed and expected half-width
    targets: dict[str, float]
    required: dict[str, int]  # default world
    required_cells: dict[str, list[int]]  # pattern 5's worlds
    chosen: int
    strict_adoption: int


def expected_half_width(sd: float, n: np.ndarray | int) -> np.ndarray:
    """t(0.975, n-1) * sd / sqrt(n): the half-width n replicates give at this spread."""
    n = np.asarray(n, dtype=float)
    return t_quantile(n) * sd / np.sqrt(n)


def required(sd: float, half_width: float) -> int:
    """The smallest n whose expected half-width is at most ``half_width`` (capped)."""
    n = np.arange(2, MAX_N + 1)
    ok = np.flatnonzero(expected_half_width(sd, n) <= half_width)
    return int(n[ok[0]]) if len(ok) else MAX_N


def run(s: Setting, grid: Grid) -> Result:
    emb, cen = grid.runs(
        [s.design.params(strategy=t) for t in (verdict_map.TREATMENT, verdict_map.CONTROL)],
        s.replicates,
        KEY,
    )
    diffs = {m: (emb.column(m) - cen.column(m)).to_numpy(float) for m in MEASURES}
    targets = {m: RELATIVE_HALF_WIDTH * abs(float(d.mean())) for m, d in diffs.items()}
    rows = []
    for m, d in diffs.items():
        sd = float(d.std(ddof=1))
        for n in (n for n in s.counts if n <= len(d)):
            ci = mean_ci(d[:n])
            rows.append(
                {
                    "measure": m,
                    "replicates": n,
                    "mean_difference": ci["mean"],
                    "half_width_observed": (ci["hi"] - ci["lo"]) / 2,
                    "half_width_expected": float(expected_half_width(sd, n)),
                }
            )
    req = {m: required(float(d.std(ddof=1)), targets[m]) for m, d in diffs.items()}
    cells = verdict_map.run(s.grid, grid).diffs  # read from the stored cells of pattern 5
    spread = cells.groupby(["resistance", "power_distance"])[list(MEASURES)].std(ddof=1)
    req_cells = {m: [required(float(v), targets[m]) for v in spread[m]] for m in MEASURES}
    return Result(
        diffs=diffs,
        table=pd.DataFrame(rows),
        targets=targets,
        required=req,
        required_cells=req_cells,
        chosen=int(np.ceil(max(req.values()) / 10.0) * 10),
        strict_adoption=required(
            float(diffs["sustained_adoption"].std(ddof=1)), HALF_WIDTH_ADOPTION
        ),
    )


def judge(result: Result, s: Setting) -> Judgement:
    need = max(result.required.values())
    have = s.headline_replicates
    return Judgement(
        (
            criterion(
                f"the headline sweep runs enough replicates: its count ({HEADLINE_CONFIG.name}) "
                f"is at least the n at which both 95% half-widths are ≤ "
                f"{RELATIVE_HALF_WIDTH:.0%} of their difference in the default world",
                f"runs {have if have is not None else 'n/a (no config)'}, needs {need} "
                f"(adoption {result.required['sustained_adoption']}, net value "
                f"{result.required['net_value']})",
                have is not None and have >= need,
            ),
        )
    )


def draw(result: Result, s: Setting, axes) -> None:
    for ax, (m, unit) in zip(axes, MEASURES.items(), strict=True):
        g = result.table[result.table["measure"] == m]
        d = result.diffs[m]
        n_fine = np.arange(3, max(len(d), result.chosen) + 1)
        ax.plot(
            n_fine,
            expected_half_width(float(d.std(ddof=1)), n_fine),
            color=OKABE_ITO["blue"],
            label=f"expected (SD from all {len(d)} runs)",
        )
        ax.plot(
            g["replicates"],
            g["half_width_observed"],
            "o",
            color=OKABE_ITO["vermillion"],
            label="observed on the first n replicates",
        )
        ax.axhline(
            result.targets[m],
            color="0.3",
            ls="--",
            lw=1,
            label=f"rule: {RELATIVE_HALF_WIDTH:.0%} of the difference = {_num(result.targets[m])}",
        )
        ax.axvline(
            result.chosen,
            color=OKABE_ITO["bluish_green"],
            ls=":",
            lw=1.5,
            label=f"chosen n={result.chosen}",
        )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ticks = [n for n in 5 * 2 ** np.arange(20) if n <= n_fine.max()]
        ax.set_xticks([3, *ticks], [str(n) for n in [3, *ticks]])
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(ticker.FuncFormatter(_two_and_five))
        ax.tick_params(axis="y", which="minor", labelsize=7)
        ax.set_xlabel("replicates (paired)")
        ax.set_ylabel(f"{LEVEL:.0%} CI half-width ({unit})")
        ax.set_title(
            f"embedded − centralized: {m}\n(mean difference {_num(d.mean(), '+')} {unit}; "
            f"defaults, {s.n_teams} teams, {s.weeks} weeks)",
            fontsize=9,
        )
        ax.legend(fontsize=8)


def _num(value: float, sign: str = "") -> str:
    """3 significant digits, or whole numbers with thousands separators when large."""
    return f"{value:{sign},.0f}" if abs(value) >= 1000 else f"{value:{sign}.3g}"


def _two_and_five(value: float, _pos: int) -> str:
    """Label the minor ticks 2 and 5 of each decade (all nine would overlap)."""
    lead = round(value / 10 ** np.floor(np.log10(value)))
    return f"{value:g}" if lead in (2, 5) else ""


def describe(s: Setting) -> str:
    return (
        f"Defaults ({s.n_teams} teams, {s.weeks} weeks), {s.replicates} paired replicates; the "
        "headline differences embedded − centralized in sustained own adoption and in "
        "cumulative net value. The expected half-width uses the SD of all paired "
        "differences: t(0.975, n−1)·SD/√n."
    )


def numbers(result: Result) -> pd.DataFrame:
    return result.table


def reading(result: Result, s: Setting) -> str:
    t, req = result.targets, result.required
    med = {m: int(np.median(v)) for m, v in result.required_cells.items()}
    top = {m: int(np.max(v)) for m, v in result.required_cells.items()}
    return (
        f"**Rule.** The smallest n at which the expected 95% half-width of *both* headline "
        f"differences is at most {RELATIVE_HALF_WIDTH:.0%} of the difference itself in the "
        "default world, rounded up to a multiple of 10: half-width ≤ "
        f"{t['sustained_adoption']:.3g} (share of teams) for sustained adoption and ≤ "
        f"{t['net_value']:,.0f} FTE-weeks for net value. The stricter absolute rule "
        f"half-width < {HALF_WIDTH_ADOPTION:g} for sustained adoption would need "
        f"{result.strict_adoption} replicates. Required in the default world: "
        f"{req['sustained_adoption']} (sustained adoption), {req['net_value']} (net value). "
        f"Over the cells of pattern 5 the same rule needs a median of "
        f"{med['sustained_adoption']} and {med['net_value']}, at most "
        f"{top['sustained_adoption']} and {top['net_value']} (the same absolute half-widths, "
        "with SDs from that pattern's replicates; cells whose outcome tips between "
        f"organizations vary most). **Chosen default: {result.chosen} replicates per cell.** "
        "Cells far from the default world may need more for the same precision; a sweep that "
        "must resolve differences there should use the larger count."
    )
