"""Train the calibrated hire_success pipeline on matured decisions with a time-ordered holdout."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from hr_pipeline.ml.features import CATEGORICAL, FEATURES, LABEL, NUMERICAL, coerce_missing

HOLDOUT_SHARE = 0.25
MIN_TRAINING_ROWS = 40
CALIBRATION_FOLDS = 3


class NotTrainable(ValueError):
    """The matured decisions cannot support a model worth registering; the message says why."""


@dataclass
class TrainedModel:
    pipeline: Pipeline
    metrics: dict[str, float]
    train_window: tuple[pd.Timestamp, pd.Timestamp]
    holdout_window: tuple[pd.Timestamp, pd.Timestamp]
    n_train: int
    n_holdout: int
    fingerprint: str
    job_families: list[str]


def build_pipeline() -> Pipeline:
    encode = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), list(NUMERICAL)),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")),
         list(CATEGORICAL)),
    ])
    # ensemble=False: one model fitted on all training rows, calibrated on out-of-fold predictions.
    # Strong regularisation (C=0.1): matured labels are few, a few hundred at most in a small firm.
    classifier = CalibratedClassifierCV(LogisticRegression(C=0.1, max_iter=1000), method="sigmoid",
                                        cv=CALIBRATION_FOLDS, ensemble=False)
    return Pipeline([("missing", FunctionTransformer(coerce_missing)), ("encode", encode), ("classify", classifier)])


def fingerprint(frame: pd.DataFrame) -> str:
    """Identifies the training data, so the same data never yields a second model version."""
    digest = pd.util.hash_pandas_object(frame[["application_id", *FEATURES, LABEL]], index=False)
    return hashlib.sha256(digest.to_numpy().tobytes()).hexdigest()


def train(frame: pd.DataFrame, data_fingerprint: str) -> TrainedModel:
    """`frame`: one row per matured hire, ordered by `decided_at`, with the features and the label;
    `data_fingerprint`: its `fingerprint`, already computed by the caller to look for an existing version.

    The newest quarter of decisions is held out, never a random split: the model is judged on
    decisions it could not have seen. Raises `NotTrainable` when the data cannot support a model:
    too few matured decisions, too few of either outcome to calibrate on, or a holdout of one
    outcome only (its AUC would be undefined and the model a coin-flip nobody could rank).
    """
    if len(frame) < MIN_TRAINING_ROWS:
        raise NotTrainable(f"too few matured decisions: {len(frame)} < {MIN_TRAINING_ROWS}")
    if not frame["decided_at"].is_monotonic_increasing:
        raise ValueError("training frame must be ordered by decided_at")
    cut = int(len(frame) * (1 - HOLDOUT_SHARE))
    train_part, holdout = frame.iloc[:cut], frame.iloc[cut:]
    y_train, y_holdout = train_part[LABEL].astype(int), holdout[LABEL].astype(int)
    fewest = int(y_train.value_counts().reindex([0, 1], fill_value=0).min())
    if fewest < CALIBRATION_FOLDS:
        raise NotTrainable(f"too few of one outcome in the training window: {fewest} < {CALIBRATION_FOLDS}")
    if y_holdout.nunique() < 2:
        raise NotTrainable(f"degenerate holdout: all {len(holdout)} holdout decisions have "
                           f"hire_success = {bool(y_holdout.iloc[0])}")
    pipeline = build_pipeline().fit(train_part[list(FEATURES)], y_train)
    p = pipeline.predict_proba(holdout[list(FEATURES)])[:, 1]
    metrics = {
        "holdout_auc": float(roc_auc_score(y_holdout, p)),
        "holdout_brier": float(brier_score_loss(y_holdout, p)),
        "holdout_base_rate": float(y_holdout.mean()),
        "train_base_rate": float(y_train.mean()),
    }
    return TrainedModel(
        pipeline=pipeline, metrics=metrics,
        train_window=(train_part["decided_at"].min(), train_part["decided_at"].max()),
        holdout_window=(holdout["decided_at"].min(), holdout["decided_at"].max()),
        n_train=len(train_part), n_holdout=len(holdout), fingerprint=data_fingerprint,
        job_families=sorted(train_part["job_family"].dropna().unique().tolist()),
    )


def score(pipeline: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    return pipeline.predict_proba(frame[list(FEATURES)])[:, 1]
