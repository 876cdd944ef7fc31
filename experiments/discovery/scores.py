"""Feature scores: which parameters the verdicts depend on (EMA Workbench, extra trees).

For each measure: the score of every parameter for each pair's mean difference (regression)
and for the best-strategy class (classification). Scores of one column sum to 1; a parameter
the verdict ignores scores about 1 / (number of parameters) or less.
"""

from __future__ import annotations

import warnings

import pandas as pd

from experiments.discovery.outcomes import MEASURES, Worlds, best_verdicts, pair_verdicts

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from ema_workbench.analysis.feature_scoring import get_ex_feature_scores
    from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

TREES = 200


def feature_scores(worlds: Worlds, dims: list[str], seed: int) -> pd.DataFrame:
    """Rows: parameters; columns: ``<measure>: <a> - <b>`` and ``<measure>: best``."""
    x = worlds.points[dims].astype(float).reset_index(drop=True)
    columns: dict[str, pd.Series] = {}
    for measure in MEASURES:
        table = pair_verdicts(worlds, measure)
        for (a, b), group in table.groupby(["a", "b"], sort=False):
            y = group["diff"].to_numpy(dtype=float)
            scores, _ = get_ex_feature_scores(
                x, y, mode=RuleInductionType.REGRESSION, nr_trees=TREES, random_state=seed
            )
            columns[f"{measure}: {a} - {b}"] = scores.iloc[:, 0]
        best = best_verdicts(worlds, measure)["verdict"].to_numpy()
        if len(set(best)) > 1:
            scores, _ = get_ex_feature_scores(
                x, best, mode=RuleInductionType.CLASSIFICATION, nr_trees=TREES, random_state=seed
            )
            columns[f"{measure}: best"] = scores.iloc[:, 0]
    table = pd.DataFrame(columns).reindex(dims)
    table.index.name = "parameter"
    return table
