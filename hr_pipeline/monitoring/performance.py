"""A label-free estimate of a champion's ROC AUC, confidence-based as NannyML's CBPE (written here, not imported).

With calibrated probabilities p, a row with score p is a positive with probability p: the expected true and
false positives above each threshold are the sums of p and of 1 - p above it, and the expected ROC curve (and
its area) follows from the scores alone. So the AUC of decisions whose outcomes have not matured is estimated
now; once they mature the realised AUC stands beside it and the difference is `estimation_error`. The estimate
holds as long as the model stays calibrated: a relation that changes (concept drift) shows as estimation error.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from hr_pipeline.ml import registry
from hr_pipeline.ml.spec import ModelSpec
from hr_pipeline.settings import Policy

METRIC = "roc_auc"


def expected_auc(probabilities: np.ndarray) -> float | None:
    """The ROC AUC expected when each row's label is drawn from its probability; None without rows of both
    kinds to expect. Tied scores share one point of the curve, as in `sklearn.metrics.roc_auc_score`."""
    p = np.asarray(probabilities, dtype=float)
    positives, negatives = p.sum(), (1 - p).sum()
    if len(p) == 0 or positives <= 0 or negatives <= 0:
        return None
    values, inverse = np.unique(-p, return_inverse=True)  # distinct scores, highest first
    tp = np.concatenate([[0.0], np.cumsum(np.bincount(inverse, weights=p, minlength=len(values)))]) / positives
    fp = np.concatenate([[0.0], np.cumsum(np.bincount(inverse, weights=1 - p, minlength=len(values)))]) / negatives
    return float(np.sum(np.diff(fp) * (tp[1:] + tp[:-1]) / 2))


def realised_auc(labels: pd.Series, scores: pd.Series) -> float | None:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores)) if labels.nunique() == 2 else None


def weekly_estimates(con: duckdb.DuckDBPyConnection, spec: ModelSpec, champion: registry.ModelVersion,
                     as_of: date, policy: Policy) -> tuple[pd.DataFrame, int]:
    """One row per week after the champion's training window, up to `as_of`: the estimated AUC over the rows of
    the `policy.performance_window_weeks` to the week's end that will get a label, each counted in the week it
    joined the label population (`spec.population_time`), and the realised AUC over those whose label has
    matured (null below `policy.performance_min_rows` rows, or without both outcomes).

    Scores at most `policy.history_max_scored` of those rows (a stable random sample, so each week's window
    holds its share of it); returns the weeks and how many rows the sample was drawn from."""
    from hr_pipeline.ml.training import score_version

    time, joined = spec.time_column, spec.population_time or spec.time_column
    train_end = pd.Timestamp(champion.train_end).normalize() + pd.Timedelta(days=1)
    where, since = f"({spec.label_population}) AND {time} >= ? AND {joined} < ?", [train_end, as_of + timedelta(days=1)]
    (population,) = con.execute(spec.count(where), since).fetchone()
    rows = con.execute(spec.select(where, (spec.label, joined, f"({spec.labelled}) AS label_matured"),
                                   limit=policy.history_max_scored), since).df()
    rows["score"] = score_version(champion, rows)
    rows["day"] = pd.to_datetime(rows[joined]).dt.normalize()
    width = pd.Timedelta(weeks=policy.performance_window_weeks)
    first_monday = train_end + pd.Timedelta(days=(7 - train_end.weekday()) % 7)
    out = []
    for week_start in pd.date_range(first_monday, pd.Timestamp(as_of), freq="7D"):
        end = week_start + pd.Timedelta(days=6)  # the week's Sunday, inclusive like the weekly review's week_end
        window = rows[(rows["day"] > end - width) & (rows["day"] <= end)]
        matured = window[window["label_matured"]]
        enough, enough_matured = len(window) >= policy.performance_min_rows, len(matured) >= policy.performance_min_rows
        estimated = expected_auc(window["score"].to_numpy()) if enough else None
        realised = realised_auc(matured[spec.label].astype(bool), matured["score"]) if enough_matured else None
        out.append({"window_start": (end - width + pd.Timedelta(days=1)).date(), "window_end": end.date(),
                    "rows": len(window), "estimated": estimated, "matured_rows": len(matured), "realised": realised,
                    "estimation_error": None if estimated is None or realised is None else estimated - realised})
    return pd.DataFrame(out, columns=["window_start", "window_end", "rows", "estimated", "matured_rows", "realised",
                                      "estimation_error"]), population
