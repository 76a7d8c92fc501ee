"""Human in the loop: which scored rows a person must look at, why, and by when.

A row goes to a person for every reason that applies, listed in precedence order:
`new_job_family` (a job family the model never saw in training), `out_of_distribution` (a
numerical value beyond the smallest or largest the model saw in training, or a category of another
feature it never saw), `low_confidence` (the model's own recommendation is not sure enough) and
`random_sample` (a stable share whatever the confidence, so the AI's confident decisions are checked
too). A missing value is never a reason: the model imputes it as it did in training.

The range check uses the training minimum and maximum rather than percentiles: a percentile rule
flags a fixed share of perfectly ordinary rows per feature, while "beyond anything the model saw"
flags only extrapolation and says so in words a reviewer understands. Wild values are stopped earlier,
by the quality gate.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from hr_pipeline.ml.registry import draw
from hr_pipeline.ml.spec import ModelSpec
from hr_pipeline.settings import Policy

# Reasons in precedence order, each with its priority (1 = most urgent).
PRIORITY = {"new_job_family": 1, "out_of_distribution": 1, "low_confidence": 2, "random_sample": 3}
NEW_CATEGORY_FEATURE = "job_family"  # an unseen value of this feature is its own reason
# The column the confidence is read from: the share of the calibrated ensemble's members that recommend
# 'advance', so confidence says how sure the model is of its recommendation, not of the outcome.
CONFIDENCE_FROM = "vote_share"
RANDOM_SAMPLE_SALT = "random_sample"


def build_profile(spec: ModelSpec, train_frame: pd.DataFrame) -> dict:
    """What a model saw in training, JSON-ready for the registry; routing compares every scored row with it.

    `{"numeric": {column: [min, max]}, "categories": {column: [sorted values as text]}}`; a column with no
    value in training has no range (nothing can be outside it).
    """
    numeric = {}
    for column in spec.numerical:
        values = pd.to_numeric(train_frame[column], errors="coerce").dropna()
        if len(values):
            numeric[column] = [float(values.min()), float(values.max())]
    categories = {column: sorted(train_frame[column].dropna().astype(str).unique().tolist())
                  for column in spec.categorical}
    return {"numeric": numeric, "categories": categories}


def stable_draw(spec: ModelSpec, frame: pd.DataFrame, salt: str) -> np.ndarray:
    """A uniform number in [0, 1) per row from a hash of its key, so re-scoring never changes a draw.

    The salt keeps draws for different purposes (the random sample, the challenger arm) independent.
    """
    keys = ("|".join(map(str, key)) for key in frame[list(spec.key)].itertuples(index=False))
    return np.array([draw(salt, key) for key in keys], dtype=float)


def outside_training(frame: pd.DataFrame, profile: dict) -> pd.DataFrame:
    """One boolean column per feature: the row's value is present and beyond what the model saw in training (a
    missing value is not beyond it)."""
    flags = {}
    for column, (low, high) in profile["numeric"].items():
        values = pd.to_numeric(frame[column], errors="coerce")
        flags[column] = ((values < low) | (values > high)).fillna(False).astype(bool)
    for column, seen in profile["categories"].items():
        values = frame[column]
        flags[column] = values.notna() & ~values.astype(str).isin(seen)
    return pd.DataFrame(flags, index=frame.index)


def _true_columns(flags: pd.DataFrame) -> pd.Series:
    """Per row, the list of the columns that are true (a list even when the frame has no rows)."""
    names = np.array(flags.columns, dtype=object)
    return pd.Series([names[row].tolist() for row in flags.to_numpy(dtype=bool)], index=flags.index, dtype=object)


def route(spec: ModelSpec, scored: pd.DataFrame, profile: dict, policy: Policy, queued_at: datetime,
          confidence_from: str = CONFIDENCE_FROM) -> pd.DataFrame:
    """Add `confidence`, `random_sample`, `outside_training` (the features beyond training), `reasons`
    (empty when the AI may decide alone), `priority` (None without a reason), `queued_at` and `due_date`.

    `queued_at` is the run's as-of time, not the wall clock, so due dates live in the data's own time.
    """
    out = scored.copy()
    out["confidence"] = np.maximum(out[confidence_from], 1 - out[confidence_from])
    out["random_sample"] = stable_draw(spec, out, RANDOM_SAMPLE_SALT) < policy.random_sample_share
    outside = outside_training(out, profile)
    new_family = outside.pop(NEW_CATEGORY_FEATURE) if NEW_CATEGORY_FEATURE in outside else False
    out["outside_training"] = _true_columns(outside)
    reasons = pd.DataFrame({
        "new_job_family": new_family,
        "out_of_distribution": outside.any(axis=1),
        "low_confidence": out["confidence"] < policy.confidence_threshold,
        "random_sample": out["random_sample"],
    }, index=out.index)[list(PRIORITY)]
    out["reasons"] = _true_columns(reasons)
    out["priority"] = pd.array([min((PRIORITY[r] for r in rs), default=None) for rs in out["reasons"]],
                               dtype="Int64")
    out["queued_at"] = queued = pd.Timestamp(queued_at)
    out["due_date"] = (queued + pd.Timedelta(days=policy.review_due_days)).date()
    return out
