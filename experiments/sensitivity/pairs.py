"""From a sweep's merged runs to paired differences: one row per design point and replicate.

Runs are matched to design points by parameter *values*, not by row number: the sweep runs a
repeated point once (a Morris trajectory can revisit a point, a rounded Sobol' point can
repeat), and every row of the sample still needs its output. Pairing is checked, not assumed:
the two strategies' runs of a point and replicate must carry the same seed.
"""

from __future__ import annotations

import pandas as pd

from experiments.sensitivity.design import COMPARED, OUTPUTS


class PairingError(ValueError):
    """Runs are missing, or two runs that should be paired do not share a seed."""


def paired_outputs(
    runs: pd.DataFrame, points: pd.DataFrame, outputs: tuple[str, ...] = OUTPUTS
) -> pd.DataFrame:
    """One row per point and replicate: ``point``, the point's values, ``replicate``, ``seed``,
    and for each output ``<output>_<strategy>`` and ``<output>_diff`` (second minus first of
    :data:`COMPARED`, e.g. embedded minus centralized)."""
    keys = list(points.columns)
    missing_cols = [c for c in [*keys, "strategy", "replicate", "seed", *outputs] if c not in runs]
    if missing_cols:
        raise PairingError(f"runs lack the columns {missing_cols}")
    left = points.assign(point=range(len(points))).merge(
        pd.DataFrame({"strategy": list(COMPARED)}), how="cross"
    )
    right = runs[[*keys, "strategy", "replicate", "seed", *outputs]]
    right = right[right["strategy"].isin(COMPARED)].drop_duplicates(
        [*keys, "strategy", "replicate"]
    )
    merged = left.merge(right, on=[*keys, "strategy"], how="left")
    lost = merged[merged["seed"].isna()]
    if len(lost):
        raise PairingError(
            f"{lost['point'].nunique()} of {len(points)} points have no run for "
            f"{sorted(lost['strategy'].unique())} (first: point {int(lost['point'].iloc[0])}); "
            "finish the sweep first (rerun the same command: finished cells are kept)"
        )
    merged["replicate"] = merged["replicate"].astype("int64")
    wide = merged.pivot(index=["point", "replicate"], columns="strategy", values=["seed", *outputs])
    if wide[[("seed", s) for s in COMPARED]].isna().any().any():
        raise PairingError("some replicates were run for one strategy only")
    replicates = wide.groupby(level="point").size()
    if replicates.nunique() != 1:
        raise PairingError(f"points hold different numbers of replicates: {replicates.unique()}")
    first, second = COMPARED
    unpaired = wide[("seed", first)] != wide[("seed", second)]
    if unpaired.any():
        raise PairingError(
            f"{int(unpaired.sum())} runs of {first} and {second} do not share a seed: "
            "they are not paired (common random numbers)"
        )
    out = wide.index.to_frame(index=False)
    out.insert(1, "seed", wide[("seed", first)].astype("int64").to_numpy())
    for name in outputs:
        for strategy in COMPARED:
            out[f"{name}_{strategy}"] = wide[(name, strategy)].to_numpy(dtype=float)
        out[f"{name}_diff"] = out[f"{name}_{second}"] - out[f"{name}_{first}"]
    values = points.assign(point=range(len(points)))
    return values.merge(out, on="point").sort_values(["point", "replicate"], ignore_index=True)


def point_means(pairs: pd.DataFrame, output: str) -> pd.Series:
    """The paired difference of ``output`` per point (mean over replicates), in point order."""
    return pairs.groupby("point")[f"{output}_diff"].mean().sort_index()
