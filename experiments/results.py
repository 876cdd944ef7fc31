"""One results folder (``results/<experiment>/``): its tables, conditions and paired runs.

Reads only the files of the results contract (docs/results.md). Terms used by every figure:

* a *condition* is one combination of the non-strategy parameters that vary in the experiment
  (e.g. resistance=0.7, power_distance=0.2); the columns that vary are the *condition columns*;
* two runs are *paired* when they share the condition and the replicate: they then share the
  seed and so the organization, and their difference is free of the organization's variance;
* the *reference condition* is the one a single-condition figure shows: each condition column
  at the model's default if the experiment has it, else at its middle value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import MECHANISMS, Params
from sim.stats import grouped_mean_ci

RUNS = "runs.parquet"
SERIES = "series.parquet"
SERIES_SUMMARY = "series_summary.parquet"
PILOTS = "pilots.parquet"
MANIFEST = "manifest.json"
FIGURES = "figures"

#: Per-week measures kept in the series summary (what figures 1, 3 and 7 draw).
SUMMARY_MEASURES: tuple[str, ...] = (
    "adoption",
    "own_adoption",
    "capability",
    "own_capability",
    "ownership",
    "performance",
    "cumulative_net_value",
    "pmo_active",
    "pmo_headcount",
    "pmo_morale",
    "pmo_legitimacy",
    "pmo_blame",
    "pmo_attrition",
    "pmo_staff_prospects",
)

#: Columns of runs.parquet that identify a run rather than describe it.
ID_COLUMNS: tuple[str, ...] = ("run_id", "cell_id", "replicate", "seed", "model_version")
#: Labels that are part of a condition without being Params fields.
LABEL_COLUMNS: tuple[str, ...] = ("culture",)


class ResultsError(ValueError):
    """A results folder is missing or lacks a file the caller needs; the message says which."""


class SkipFigure(Exception):  # a signal, not an error: the figure does not apply
    """The experiment lacks what a figure needs (a column, or variation); the message says what."""


@dataclass
class Results:
    """The tables of one results folder, loaded lazily."""

    path: Path
    runs: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)

    # --- loading ---------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> Results:
        """Load ``path``; fails early, naming the folder and the file that is missing."""
        path = Path(path)
        if not path.is_dir():
            raise ResultsError(f"{path}: no such results folder (expected results/<experiment>)")
        runs_path = path / RUNS
        if not runs_path.is_file():
            raise ResultsError(
                f"{path}: no {RUNS} (run a sweep into it first: lean-sim -m experiment=<name>)"
            )
        try:
            runs = pd.read_parquet(runs_path)
        except (OSError, ValueError) as err:  # ArrowInvalid is a ValueError
            raise ResultsError(
                f"{runs_path}: not a readable Parquet file ({str(err).splitlines()[0]}); "
                f"merge again with lean-sim-merge {path}"
            ) from None
        if runs.empty:
            raise ResultsError(f"{runs_path}: holds no runs (see {path / MANIFEST} for why)")
        missing = [c for c in ("run_id", "replicate", "strategy") if c not in runs.columns]
        if missing:
            raise ResultsError(f"{runs_path}: missing columns {missing} (see docs/results.md)")
        manifest: dict[str, Any] = {}
        if (path / MANIFEST).is_file():
            try:
                manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                raise ResultsError(
                    f"{path / MANIFEST}: not valid JSON ({err}); merge again with "
                    f"lean-sim-merge {path}"
                ) from None
        return cls(path=path, runs=runs, manifest=manifest)

    @property
    def name(self) -> str:
        return str(self.manifest.get("experiment") or self.path.name)

    @property
    def figures_dir(self) -> Path:
        return self.path / FIGURES

    @cached_property
    def pilots(self) -> pd.DataFrame | None:
        """pilots.parquet, or None when the folder has none (it need not be committed)."""
        p = self.path / PILOTS
        return pd.read_parquet(p) if p.is_file() else None

    @cached_property
    def series_summary(self) -> pd.DataFrame:
        """Per-week mean/CI table (long: cell_id, strategy, week, measure, mean, lo, hi, n).

        Computed from series.parquet and written next to it when series.parquet exists (it is
        the source of truth); otherwise read from the committed series_summary.parquet."""
        raw = self.path / SERIES
        if raw.is_file():
            table = compact_summary(summarize_series(pd.read_parquet(raw)))
            write_summary(table, self.path / SERIES_SUMMARY)
            return table
        stored = self.path / SERIES_SUMMARY
        if stored.is_file():
            return pd.read_parquet(stored)
        raise SkipFigure(f"{self.path} has neither {SERIES} nor {SERIES_SUMMARY}")

    # --- parameters and conditions ---------------------------------------------------------
    @cached_property
    def param_columns(self) -> list[str]:
        """The sim.Params fields recorded in runs.parquet, in Params order."""
        return [c for c in Params.model_fields if c in self.runs.columns]

    @cached_property
    def condition_columns(self) -> list[str]:
        """Non-strategy parameters (and labels) that take more than one value in this experiment."""
        candidates = [c for c in self.param_columns if c != "strategy"]
        candidates += [c for c in LABEL_COLUMNS if c in self.runs.columns]
        return [c for c in candidates if self.runs[c].astype(str).nunique() > 1]

    @cached_property
    def strategies(self) -> list[str]:
        """Strategies present, in the model's order (unknown names last, sorted)."""
        from sim import STRATEGIES

        present = set(self.runs["strategy"])
        return [s for s in STRATEGIES if s in present] + sorted(present - set(STRATEGIES))

    def values(self, column: str) -> list[Any]:
        """Sorted distinct values of a column."""
        return sorted(self.runs[column].dropna().unique().tolist())

    def reference_condition(self) -> dict[str, Any]:
        """The condition single-condition figures show (see the module docstring)."""
        cols = self.condition_columns
        if not cols:
            return {}
        wanted = {c: _reference_value(c, self.values(c)) for c in cols}
        existing = self.runs[cols].drop_duplicates()
        matches = (existing == pd.Series(wanted)).sum(axis=1)
        return existing.loc[matches.idxmax()].to_dict()

    def select(self, frame: pd.DataFrame, condition: dict[str, Any]) -> pd.DataFrame:
        """Rows of ``frame`` (with condition columns) that belong to ``condition``."""
        mask = np.ones(len(frame), dtype=bool)
        for col, value in condition.items():
            mask &= (frame[col] == value).to_numpy()
        return frame[mask]

    def reference_runs(self, keep: tuple[str, ...] = ()) -> pd.DataFrame:
        """Runs at the reference condition, except that the columns in ``keep`` may vary."""
        ref = {k: v for k, v in self.reference_condition().items() if k not in keep}
        return self.select(self.runs, ref)

    def cells_for(self, runs: pd.DataFrame) -> pd.DataFrame:
        """One row per cell of ``runs``: cell_id, strategy and the condition columns."""
        return runs[["cell_id", "strategy", *self.condition_columns]].drop_duplicates("cell_id")

    def replicates(self, runs: pd.DataFrame | None = None) -> str:
        """The replicate count n of ``runs`` per cell, as text ('10', or '8-10' if unequal)."""
        runs = self.runs if runs is None else runs
        counts = runs.groupby("cell_id")["replicate"].nunique()
        if counts.empty:
            return "0"
        lo, hi = int(counts.min()), int(counts.max())
        return str(lo) if lo == hi else f"{lo}-{hi}"

    # --- pairs ------------------------------------------------------------------------------
    def paired_differences(
        self,
        outcome: str,
        treatment: str = "embedded",
        control: str = "centralized",
        runs: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Per condition and replicate: ``outcome`` of ``treatment`` minus that of ``control``.

        Columns: the condition columns, ``replicate``, ``diff``. Only complete pairs appear."""
        runs = self.runs if runs is None else runs
        if outcome not in runs.columns:
            raise SkipFigure(f"runs.parquet has no column {outcome!r}")
        key = [*self.condition_columns, "replicate"]
        treat = runs.loc[runs["strategy"] == treatment, [*key, outcome]]
        ctrl = runs.loc[runs["strategy"] == control, [*key, outcome]]
        both = treat.merge(ctrl, on=key, suffixes=("_t", "_c"), validate="one_to_one")
        both["diff"] = both[f"{outcome}_t"] - both[f"{outcome}_c"]
        return both.loc[both["diff"].notna(), [*key, "diff"]].reset_index(drop=True)


def _reference_value(column: str, values: list[Any]) -> Any:
    """The model's default if the experiment has it, else the middle value."""
    default = Params.model_fields[column].default if column in Params.model_fields else "custom"
    if default in values:
        return default
    return values[len(values) // 2]


def summarize_series(series: pd.DataFrame) -> pd.DataFrame:
    """series.parquet (one row per run and week) -> long per-week mean/CI table.

    Columns: cell_id, strategy, week, measure, mean, lo, hi, n; one row per cell, week and
    measure of :data:`SUMMARY_MEASURES` present. NaN values (a closed office has no morale) are
    left out of that week's mean, so ``n`` can fall below the replicate count."""
    measures = [m for m in SUMMARY_MEASURES if m in series.columns]
    long = series.melt(
        id_vars=["cell_id", "strategy", "week"], value_vars=measures, var_name="measure"
    )
    out = grouped_mean_ci(long, ["cell_id", "strategy", "measure", "week"], "value")
    out["measure"] = pd.Categorical(out["measure"], categories=measures)
    out = out.sort_values(["cell_id", "measure", "week"], kind="stable").reset_index(drop=True)
    out["measure"] = out["measure"].astype(str)
    out["week"] = out["week"].astype(int)
    return out[["cell_id", "strategy", "week", "measure", "mean", "lo", "hi", "n"]]


#: Significant digits kept in the committed per-week table (plenty to redraw a figure).
SUMMARY_DIGITS = 4


def compact_summary(table: pd.DataFrame, digits: int = SUMMARY_DIGITS) -> pd.DataFrame:
    """The per-week table as committed: PMO rows only for cells that had an office, and
    mean/lo/hi rounded to ``digits`` significant digits (float32), which makes it ~3x smaller.

    Figures are always drawn from this compact table, so a redraw from the committed file gives
    the same picture as the first drawing."""
    active = table[table["measure"] == "pmo_active"].groupby("cell_id")["mean"].max()
    no_office = set(active[active.fillna(0) == 0].index)
    drop = table["measure"].str.startswith("pmo_") & table["cell_id"].isin(no_office)
    out = table[~drop].reset_index(drop=True)
    for col in ("mean", "lo", "hi"):
        out[col] = significant(out[col].to_numpy(float), digits).astype("float32")
    out["n"] = out["n"].astype("int32")
    return out


def significant(x: np.ndarray, digits: int) -> np.ndarray:
    """``x`` rounded to ``digits`` significant digits (NaN, inf and 0 unchanged)."""
    finite = np.isfinite(x) & (x != 0)
    exponent = np.floor(np.log10(np.abs(np.where(finite, x, 1.0))))
    scale = 10.0 ** (digits - 1 - exponent)
    return np.where(finite, np.round(x * scale) / scale, x)


def write_summary(table: pd.DataFrame, path: Path) -> None:
    """Parquet, zstd, byte-stream-split floats (what compresses rounded floats best)."""
    table.to_parquet(
        path, index=False, compression="zstd", use_byte_stream_split=["mean", "lo", "hi"]
    )


def describe_condition(condition: dict[str, Any]) -> str:
    """'resistance 0.5, power distance 0.4' (empty: 'all runs')."""
    if not condition:
        return "all runs"
    return ", ".join(f"{k.replace('_', ' ')} {_fmt(v)}" for k, v in condition.items())


def _fmt(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "on" if value else "off"
    if isinstance(value, float | np.floating):
        return f"{value:g}"
    return str(value)


def mechanism_variant(row: pd.Series) -> str:
    """'full model' when every mechanism is on, else the names of those switched off."""
    off = [m for m in MECHANISMS if m in row.index and not bool(row[m])]
    return "full model" if not off else " + ".join(off)


__all__ = [
    "FIGURES",
    "Results",
    "ResultsError",
    "SkipFigure",
    "describe_condition",
    "mechanism_variant",
    "summarize_series",
]
