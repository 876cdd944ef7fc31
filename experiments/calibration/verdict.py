"""The verdict under uncertainty: the headline comparison over posterior draws.

The headline compares strategies at one value of every rate. The calibration gives a posterior
instead, so the verdict is rerun over it: each *unit* is one posterior draw with one
organization, and every strategy meets the same organization and the same draw. Per condition
of the headline grid, each strategy's *probability best* (``sim.stats.probability_best``: the
share of units in which it is best, ties shared) is reported on sustained adoption and on net
value, next to its mean over units.

The headline's ``centralized`` is the strategy preset (``coach_share=0``); the calibrated
programme is ``centralized`` with ``coach_share=0.25``. Both are run and labelled: the
*headline set* has the preset, the *programme set* replaces it by the programme.

A before/after table compares the headline verdict at the defaults the calibration started from
(``defaults_at_fit`` in the record) with the verdict at the posterior medians, both computed
here on the same organizations (the headline's seeds), next to the verdict under the posterior.

Work is cut into chunks (one condition and one draw, or one side of the before/after table),
each written atomically as it finishes; a rerun skips finished chunks, so an interrupted run
loses nothing. A chunk's name digests its inputs and the model version, so nothing stale is
ever reused.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from joblib import Parallel, delayed

from experiments.calibration.fit import draws as posterior_draws
from experiments.calibration.outputs import read, rounded
from experiments.calibration.spec import PROGRAMME
from sim import Params, run
from sim.params import STRATEGIES
from sim.provenance import file_digest, package_versions, provenance
from sim.seeds import canonical_json, params_dict, replicate_seeds, sha256_hex
from sim.stats import mean_ci, paired_effect, probability_best
from sim.sweep.store import write_bytes_atomic, write_parquet_atomic

REPO = Path(__file__).resolve().parents[2]
HEADLINE = REPO / "configs" / "experiment" / "headline.yaml"
MEASURES = ("sustained_adoption", "net_value")
PROGRAMME_ARM = "centralized_programme"
ARM_LABELS = {
    "centralized": "centralized (preset)",
    PROGRAMME_ARM: "centralized, calibrated programme ("
    + ", ".join(f"{k}={v}" for k, v in PROGRAMME.items() if k != "strategy")
    + ")",
}
SETS = {
    "headline": "headline set: centralized is the strategy preset",
    "programme": "programme set: centralized is the calibrated programme mapping",
}
SOURCES = {
    "before": "defaults before calibration",
    "after": "posterior medians",
    "posterior": "over the posterior",
}


def headline_design(path: Path = HEADLINE) -> tuple[tuple[str, ...], tuple[dict[str, float], ...]]:
    """Strategies and conditions of the headline experiment, read from its Hydra config (the
    one home of the headline design)."""
    config = yaml.safe_load(path.read_text())
    params = config["hydra"]["sweeper"]["params"]
    split = {k: [v.strip() for v in str(s).split(",")] for k, s in params.items()}
    strategies = tuple(split.pop("strategy", STRATEGIES))
    names = sorted(split)
    grid = itertools.product(*(split[n] for n in names))
    conditions = tuple({n: float(v) for n, v in zip(names, values, strict=True)} for values in grid)
    return strategies, conditions


@dataclass(frozen=True)
class VerdictSettings:
    """What the verdict runs; written into its manifest."""

    draws: int = 50  # posterior draws
    replicates: int = 2  # organizations per draw: draws x replicates units per condition
    point_replicates: int = 10  # organizations per condition at fixed values (before/after)
    n_teams: int = 200
    weeks: int = 520
    base_seed: int = 0  # the headline's base seed: before/after meet its organizations
    jobs: int = 2
    strategies: tuple[str, ...] = field(default_factory=lambda: headline_design()[0])
    conditions: tuple[dict[str, float], ...] = field(default_factory=lambda: headline_design()[1])

    def __post_init__(self) -> None:
        for name in ("draws", "replicates", "point_replicates", "n_teams", "weeks", "jobs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r}: must be a whole number >= 1")
        unknown = sorted(set(self.strategies) - set(STRATEGIES))
        if unknown:
            raise ValueError(f"strategies={unknown}: allowed {list(STRATEGIES)}")
        if "centralized" not in self.strategies:
            raise ValueError("strategies: the verdict needs 'centralized' (the headline's office)")
        for condition in self.conditions:
            Params.create(**condition, n_teams=self.n_teams, weeks=self.weeks)

    @property
    def arms(self) -> dict[str, dict[str, Any]]:
        """Every arm's Params overrides: the strategies, plus the calibrated programme."""
        out = {s: {"strategy": s} for s in self.strategies}
        out[PROGRAMME_ARM] = dict(PROGRAMME)
        return out


QUICK_VERDICT = replace(
    VerdictSettings(),
    draws=3,
    replicates=1,
    point_replicates=2,
    n_teams=24,
    weeks=104,
    jobs=1,
    conditions=({"power_distance": 0.4, "resistance": 0.5},),
)


def set_arms(settings: VerdictSettings, which: str) -> list[str]:
    """The arms of one comparison set (the programme replaces the preset ``centralized``)."""
    arms = list(settings.strategies)
    if which == "programme":
        arms[arms.index("centralized")] = PROGRAMME_ARM
    return arms


# --- the plan: chunks of runs ------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    """One condition under one set of values: every arm on the same organizations."""

    source: str  # before, after or posterior
    condition: int
    draw: int  # the posterior draw (-1 for before/after)
    values: dict[str, float]  # rates and margin applied on top of the defaults
    units: tuple[tuple[int, int, int], ...]  # (unit, replicate, seed)

    def runs(self, settings: VerdictSettings) -> list[tuple[str, int, int, int, Params]]:
        world = {
            **settings.conditions[self.condition],
            "n_teams": settings.n_teams,
            "weeks": settings.weeks,
        }
        return [
            (arm, unit, replicate, seed, Params.create(**world, **self.values, **overrides))
            for arm, overrides in settings.arms.items()
            for unit, replicate, seed in self.units
        ]

    def key(self, settings: VerdictSettings, model_version: str) -> str:
        inputs = [model_version, [[params_dict(p), seed] for *_, seed, p in self.runs(settings)]]
        return sha256_hex(canonical_json(inputs))[:16]

    def path(self, folder: Path, settings: VerdictSettings, model_version: str) -> Path:
        name = f"{self.source}-c{self.condition}-d{self.draw}-{self.key(settings, model_version)}"
        return folder / "cells" / f"{name}.parquet"


def plan(settings: VerdictSettings, record: dict[str, Any], draws: pd.DataFrame) -> list[Chunk]:
    """Every chunk: before and after at each condition, and each posterior draw."""
    names = record["fitted_parameters"]
    margin = float(record["baseline_margin"]["baseline_margin"])
    before = {
        **record["defaults_at_fit"],
        "baseline_margin": float(record["baseline_margin_default_at_fit"]),
    }
    after = {**{n: rounded(v) for n, v in record["fitted"].items()}, "baseline_margin": margin}
    chunks = []
    for c, condition in enumerate(settings.conditions):
        world = Params.create(**condition, n_teams=settings.n_teams, weeks=settings.weeks)
        point_seeds = replicate_seeds(world, settings.base_seed, settings.point_replicates)
        point_units = tuple((r, r, s) for r, s in enumerate(point_seeds))
        chunks.append(Chunk("before", c, -1, before, point_units))
        chunks.append(Chunk("after", c, -1, after, point_units))
        seeds = replicate_seeds(world, settings.base_seed, settings.draws * settings.replicates)
        for d, row in draws.iterrows():
            values = {n: float(row[n]) for n in names} | {"baseline_margin": margin}
            units = tuple(
                (int(d) * settings.replicates + r, r, seeds[int(d) * settings.replicates + r])
                for r in range(settings.replicates)
            )
            chunks.append(Chunk("posterior", c, int(d), values, units))
    return chunks


def run_chunk(chunk: Chunk, settings: VerdictSettings, path: Path) -> float:
    """Run one chunk and write its rows atomically; returns its seconds."""
    started = time.perf_counter()
    rows = []
    for arm, unit, replicate, seed, params in chunk.runs(settings):
        summary = run(params, seed=seed).summary_dict
        rows.append(
            {
                "source": chunk.source,
                "condition": chunk.condition,
                **settings.conditions[chunk.condition],
                "draw": chunk.draw,
                "unit": unit,
                "replicate": replicate,
                "seed": seed,
                "arm": arm,
                "strategy": params.strategy,
                **{m: float(summary[m]) for m in MEASURES},
                **chunk.values,
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_parquet_atomic(path, pd.DataFrame(rows))
    return time.perf_counter() - started


def execute(
    settings: VerdictSettings, chunks: list[Chunk], folder: Path, progress: bool = True
) -> pd.DataFrame:
    """Run the chunks not yet on disk (``jobs`` processes), then read them all."""
    version = provenance()["model_version"]
    paths = [c.path(folder, settings, version) for c in chunks]
    todo = [(c, p) for c, p in zip(chunks, paths, strict=True) if not p.is_file()]
    if progress:
        print(
            f"[verdict] {len(chunks)} chunks, {len(chunks) - len(todo)} already done, "
            f"{len(todo)} to run ({sum(len(c.runs(settings)) for c, _ in todo)} runs)",
            file=sys.stderr,
            flush=True,
        )
    started = time.perf_counter()
    jobs = Parallel(n_jobs=settings.jobs, return_as="generator_unordered")
    for i, _ in enumerate(jobs(delayed(run_chunk)(c, settings, p) for c, p in todo), 1):
        if progress and (i == len(todo) or i % max(1, len(todo) // 20) == 0):
            elapsed = time.perf_counter() - started
            eta = elapsed / i * (len(todo) - i)
            print(
                f"[verdict] {i}/{len(todo)} chunks, {elapsed:.0f} s, ETA {eta:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    return pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)


# --- analysis ----------------------------------------------------------------------------------


def probability_table(runs: pd.DataFrame, settings: VerdictSettings) -> pd.DataFrame:
    """Per source, set, condition, measure and arm: probability best and mean [95% CI]."""
    rows = []
    keys = ["source", "condition", *settings.conditions[0]]
    for (source, condition, *levels), g in runs.groupby(keys, sort=True):
        for which in SETS:
            arms = set_arms(settings, which)
            for measure in MEASURES:
                wide = g.pivot(index="unit", columns="arm", values=measure)[arms]
                best = probability_best(wide)
                for arm in arms:
                    ci = mean_ci(wide[arm])
                    rows.append(
                        {
                            "source": source,
                            "set": which,
                            "condition": condition,
                            **dict(zip(settings.conditions[0], levels, strict=True)),
                            "measure": measure,
                            "arm": arm,
                            "label": ARM_LABELS.get(arm, arm),
                            "probability_best": float(best[arm]),
                            "mean": ci["mean"],
                            "lo": ci["lo"],
                            "hi": ci["hi"],
                            "units": int(ci["n"]),
                        }
                    )
    return pd.DataFrame(rows)


def before_after(
    runs: pd.DataFrame, table: pd.DataFrame, settings: VerdictSettings
) -> pd.DataFrame:
    """Per condition and measure: the best strategy (headline set) before calibration, after
    it (posterior medians) and over the posterior, each with its probability best, and the
    paired difference embedded - centralized (preset and programme) on each side."""
    rows = []
    levels = list(settings.conditions[0])
    headline = table[table["set"] == "headline"]
    for condition, measure in itertools.product(sorted(headline["condition"].unique()), MEASURES):
        g = headline[(headline["condition"] == condition) & (headline["measure"] == measure)]
        row: dict[str, Any] = {
            "condition": condition,
            **{k: g[k].iloc[0] for k in levels},
            "measure": measure,
        }
        for source in SOURCES:
            s = g[g["source"] == source]
            if s.empty:
                continue
            top = s.loc[s["probability_best"].idxmax()]
            row[f"best_{source}"] = top["arm"]
            row[f"probability_best_{source}"] = float(top["probability_best"])
            r = runs[(runs["source"] == source) & (runs["condition"] == condition)]
            wide = r.pivot(index="unit", columns="arm", values=measure)
            for other, tag in (("centralized", "preset"), (PROGRAMME_ARM, "programme")):
                if "embedded" in wide and other in wide:
                    e = paired_effect(wide["embedded"] - wide[other])
                    row[f"embedded_minus_{tag}_{source}"] = e["mean"]
                    row[f"embedded_minus_{tag}_{source}_lo"] = e["lo"]
                    row[f"embedded_minus_{tag}_{source}_hi"] = e["hi"]
        rows.append(row)
    return pd.DataFrame(rows)


# --- Markdown ----------------------------------------------------------------------------------


def _number(x: float, measure: str) -> str:
    return f"{x:,.0f}" if measure == "net_value" else f"{x:.2f}"


def markdown(
    table: pd.DataFrame, ba: pd.DataFrame, settings: VerdictSettings, manifest: dict[str, Any]
) -> str:
    """verdict.md: probability-best tables (both sets, both measures) and before/after."""
    levels = list(settings.conditions[0])
    units = settings.draws * settings.replicates
    out = [
        "## The verdict under uncertainty",
        "",
        f"*Generated by `lean-sim-calibrate verdict` on {manifest['created'][:10]} "
        f"({manifest['runs']} runs, {manifest['runtime_s']:.0f} s; model version "
        f"`{manifest['model_version']}`, commit `{manifest['commit']}`); posterior from "
        f"`{manifest['posterior']}` (fitted on model version "
        f"`{manifest['posterior_model_version']}`).*",
        "",
        f"Each cell: **probability best** (the share of {units} units in which the strategy is "
        f"best, ties shared; `sim.stats.probability_best`) and, after it, the strategy's mean "
        f"over those units. A unit is one posterior draw ({settings.draws} draws of the "
        f"calibrated rates) with one organization ({settings.replicates} per draw); every "
        f"strategy meets the same organization and the same draw ({settings.n_teams} teams, "
        f"{settings.weeks} weeks). Two sets: in the headline set `centralized` is the strategy "
        f"preset; in the programme set it is replaced by the calibrated programme mapping "
        f"({ARM_LABELS[PROGRAMME_ARM]}).",
        "",
    ]
    post = table[table["source"] == "posterior"]
    for measure in MEASURES:
        for which, title in SETS.items():
            arms = set_arms(settings, which)
            s = post[(post["set"] == which) & (post["measure"] == measure)]
            out += [f"### {measure.replace('_', ' ')}: probability best ({title})", ""]
            header = [
                *(k.replace("_", " ") for k in levels),
                *(
                    ARM_LABELS.get(a, a) if a != "centralized" else "centralized (preset)"
                    for a in arms
                ),
            ]
            out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            for _, g in s.groupby("condition", sort=True):
                cells = {r["arm"]: r for r in g.to_dict("records")}
                best = max(cells.values(), key=lambda r: r["probability_best"])["arm"]
                row = [f"{g[k].iloc[0]:g}" for k in levels]
                for a in arms:
                    p = f"{cells[a]['probability_best']:.2f}"
                    p = f"**{p}**" if a == best else p
                    row.append(f"{p} ({_number(cells[a]['mean'], measure)})")
                out.append("| " + " | ".join(row) + " |")
            out.append("")
    out += [
        "### Before and after calibration (headline set)",
        "",
        f"Best strategy by probability best: *before* at the defaults the calibration started "
        f"from and *after* at the posterior medians (each over the headline's "
        f"{settings.point_replicates} organizations per condition), and *posterior* over the "
        f"{units} units above. Embedded − centralized: paired mean difference [95% CI] on the "
        "same organizations.",
        "",
    ]
    header = [
        *(k.replace("_", " ") for k in levels),
        "measure",
        *(f"best {SOURCES[s]}" for s in SOURCES),
        *(f"embedded − centralized, {SOURCES[s]}" for s in SOURCES),
    ]
    out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for _, r in ba.iterrows():
        m = r["measure"]
        cells = [f"{r[k]:g}" for k in levels] + [m.replace("_", " ")]
        cells += [f"{r[f'best_{s}']} ({r[f'probability_best_{s}']:.2f})" for s in SOURCES]
        cells += [
            f"{_number(r[f'embedded_minus_preset_{s}'], m)} "
            f"[{_number(r[f'embedded_minus_preset_{s}_lo'], m)}, "
            f"{_number(r[f'embedded_minus_preset_{s}_hi'], m)}]"
            for s in SOURCES
        ]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    return "\n".join(out)


# --- the command -------------------------------------------------------------------------------


def verdict(
    settings: VerdictSettings,
    calibration_dir: Path,
    out_dir: Path,
    progress: bool = True,
) -> list[Path]:
    """Run (or resume) the verdict and write its tables; returns the paths written."""
    started = time.perf_counter()
    files = read(calibration_dir)
    record = files["record"]
    draws = posterior_draws(
        files["posterior"],
        tuple(record["fitted_parameters"]),
        settings.draws,
        settings.base_seed + 13,
    )
    version = provenance()["model_version"]
    if record.get("model_version") != version and progress:
        print(
            f"[verdict] note: the posterior was fitted on model version "
            f"{record.get('model_version')}, this is {version}",
            file=sys.stderr,
        )
    chunks = plan(settings, record, draws)
    runs = execute(settings, chunks, out_dir, progress)
    table = probability_table(runs, settings)
    ba = before_after(runs, table, settings)
    posterior_csv = calibration_dir / "posterior.csv"
    manifest = {
        "settings": asdict(settings),
        "arms": settings.arms,
        "sets": SETS,
        "sources": SOURCES,
        "posterior": _relative(posterior_csv),
        "posterior_sha256": file_digest(posterior_csv),
        "posterior_model_version": record.get("model_version"),
        "runs": len(runs),
        "chunks": len(chunks),
        **provenance(),
        "versions": package_versions(),
        "runtime_s": round(time.perf_counter() - started, 1),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "runs": out_dir / "runs.parquet",
        "draws": out_dir / "draws.csv",
        "probability_best": out_dir / "probability_best.csv",
        "before_after": out_dir / "before_after.csv",
        "verdict": out_dir / "verdict.md",
        "manifest": out_dir / "manifest.json",
    }
    write_parquet_atomic(paths["runs"], runs)
    for name, frame in (("draws", draws), ("probability_best", table), ("before_after", ba)):
        write_bytes_atomic(paths[name], frame.to_csv(index=False, float_format="%.10g").encode())
    write_bytes_atomic(paths["verdict"], markdown(table, ba, settings, manifest).encode())
    write_bytes_atomic(paths["manifest"], (json.dumps(manifest, indent=2) + "\n").encode())
    return list(paths.values())


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO).as_posix()
    except ValueError:
        return str(path)
