"""Train a model spec's calibrated pipeline: the better of two algorithms by time-ordered cross-validation.

Rows are ordered by the spec's time column and never split at random: the newest quarter of
labelled rows is the holdout every version is judged on, and the algorithm is chosen by
forward-chaining folds over the rest. The chosen algorithm is then calibrated (sigmoid) as an
ensemble of members fitted on different folds; how many members recommend advancing is the
model's confidence in its recommendation.
"""

from __future__ import annotations

import hashlib
from functools import partial, wraps
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from hr_pipeline.ml.features import coerce_missing
from hr_pipeline.ml.routing import build_profile
from hr_pipeline.ml.spec import ModelSpec
from hr_pipeline.settings import Policy

HOLDOUT_SHARE = 0.25
CV_SPLITS = 4
ENSEMBLE_MEMBERS = 5  # calibrated members; their votes are the confidence of a recommendation
LIST_SEPARATOR = ";"
OUTCOME, OVERRIDE = "outcome", "override"  # where a training row's label comes from

# Regularised for the few hundred labels of a mid-sized firm; chosen between by time-ordered CV.
ALGORITHMS = {
    "logistic_regression": lambda: LogisticRegression(C=0.3, max_iter=2000),
    "gradient_boosting": lambda: HistGradientBoostingClassifier(
        max_depth=3, learning_rate=0.05, max_iter=150, l2_regularization=1.0, early_stopping=False, random_state=0),
}


def one_thread(func):
    """Run with one OpenMP thread. Gradient boosting's OpenMP threads spin while they wait: on a busy
    2-core machine a few hundred rows took 64 s to train with two threads and 1.5 s with one."""
    @wraps(func)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="openmp"):
            return func(*args, **kwargs)

    return wrapper


class NotTrainable(ValueError):
    """The labelled rows cannot support a model worth registering; the message says why."""


@dataclass
class TrainedModel:
    pipeline: Pipeline
    algorithm: str
    metrics: dict[str, float]
    train_window: tuple[pd.Timestamp, pd.Timestamp]
    holdout_window: tuple[pd.Timestamp, pd.Timestamp]
    n_train: int
    n_holdout: int
    fingerprint: str
    profile: dict  # what the model saw, for routing's out-of-distribution rule
    description: str  # what this version learned from, in a sentence for the registry and the model card
    train_frame: pd.DataFrame = field(repr=False)  # what the model saw, for its explanations


def _feature_names(transformer, input_features, spec: ModelSpec) -> list[str]:
    return list(spec.features)


def _terms(text: str) -> list[str]:
    return [t for t in text.split(LIST_SEPARATOR) if t]


def build_pipeline(spec: ModelSpec, estimator) -> Pipeline:
    """missing -> encode (num, cat, list_<col>) -> estimator, the structure explanations rely on."""
    encoders = [
        ("num", make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()),
         list(spec.numerical)),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent", keep_empty_features=True),
                              OneHotEncoder(handle_unknown="ignore")), list(spec.categorical)),
        *((f"list_{c}", CountVectorizer(tokenizer=_terms, lowercase=False, binary=True, token_pattern=None), c)
          for c in spec.lists),
    ]
    encode = ColumnTransformer(encoders, sparse_threshold=0)
    missing = FunctionTransformer(coerce_missing, kw_args={"spec": spec},
                                  feature_names_out=partial(_feature_names, spec=spec))
    return Pipeline([("missing", missing),
                     ("encode", encode), ("classify", estimator)])


def fingerprint(frame: pd.DataFrame, spec: ModelSpec, label: str) -> str:
    """Identifies the training data, so the same data never yields a second model version."""
    digest = pd.util.hash_pandas_object(frame[[*spec.key, *spec.features, label]], index=False)
    return hashlib.sha256(digest.to_numpy().tobytes()).hexdigest()


def _auc(y: pd.Series, p: np.ndarray) -> float:
    return float(roc_auc_score(y, p)) if y.nunique() == 2 else float("nan")


def time_ordered_cv(spec: ModelSpec, frame: pd.DataFrame, y: pd.Series, weight: np.ndarray,
                    outcome: np.ndarray) -> dict[str, float]:
    """Mean AUC of each algorithm over forward-chaining folds, judged on outcome labels only."""
    scores = {}
    for name, make in ALGORITHMS.items():
        aucs = []
        for fit_rows, test_rows in TimeSeriesSplit(n_splits=CV_SPLITS).split(frame):
            test_rows = test_rows[outcome[test_rows]]
            if y.iloc[fit_rows].nunique() < 2 or y.iloc[test_rows].nunique() < 2:
                continue
            model = build_pipeline(spec, make()).fit(frame.iloc[fit_rows], y.iloc[fit_rows],
                                                     classify__sample_weight=weight[fit_rows])
            aucs.append(_auc(y.iloc[test_rows], model.predict_proba(frame.iloc[test_rows])[:, 1]))
        scores[name] = float(np.mean(aucs)) if aucs else float("nan")
    return scores


@one_thread
def train(spec: ModelSpec, frame: pd.DataFrame, data_fingerprint: str, policy: Policy) -> TrainedModel:
    """`frame`: labelled rows ordered by the spec's time column, with the features, `label`, `label_source`
    (OUTCOME or OVERRIDE) and `weight`. The newest `HOLDOUT_SHARE` of the outcome rows is the holdout;
    override rows from before it may join the training rows, never the holdout.

    Raises `NotTrainable` when the data cannot support a model: too few outcome labels, too few of
    either outcome, or a holdout of one outcome only (its AUC would be undefined).
    """
    if not frame[spec.time_column].is_monotonic_increasing:
        raise ValueError(f"training frame must be ordered by {spec.time_column}")
    outcomes = frame[frame["label_source"] == OUTCOME]
    if len(outcomes) < policy.min_training_labels:
        raise NotTrainable(f"too few matured labels: {len(outcomes)} < {policy.min_training_labels}")
    holdout = outcomes.iloc[int(len(outcomes) * (1 - HOLDOUT_SHARE)):]
    holdout_start = holdout[spec.time_column].iloc[0]
    train_end = holdout_start - pd.DateOffset(months=spec.holdout_gap_months)
    train_part = frame[(frame[spec.time_column] < train_end) & ~frame.index.isin(holdout.index)]
    y_train, y_holdout = train_part["label"].astype(int), holdout["label"].astype(int)
    fewest = int(y_train.value_counts().reindex([0, 1], fill_value=0).min())
    if fewest < ENSEMBLE_MEMBERS:
        raise NotTrainable(f"too few of one outcome in the training window: {fewest} < {ENSEMBLE_MEMBERS}")
    if y_holdout.nunique() < 2:
        raise NotTrainable(f"degenerate holdout: all {len(holdout)} holdout labels are {bool(y_holdout.iloc[0])}")

    weight = train_part["weight"].to_numpy(dtype=float)
    cv = time_ordered_cv(spec, train_part, y_train, weight, (train_part["label_source"] == OUTCOME).to_numpy())
    algorithm = max(cv, key=lambda name: -np.inf if np.isnan(cv[name]) else cv[name])
    calibrated = CalibratedClassifierCV(ALGORITHMS[algorithm](), method="sigmoid", cv=ENSEMBLE_MEMBERS,
                                        ensemble=True)
    pipeline = build_pipeline(spec, calibrated).fit(train_part, y_train, classify__sample_weight=weight)
    p = pipeline.predict_proba(holdout)[:, 1]
    metrics = {
        "holdout_auc": _auc(y_holdout, p),
        "holdout_brier": float(brier_score_loss(y_holdout, p)),
        "holdout_base_rate": float(y_holdout.mean()),
        "holdout_mean_score": float(p.mean()),
        "train_base_rate": float(y_train.mean()),
        "override_rows": int((train_part["label_source"] == OVERRIDE).sum()),
        **{f"cv_auc_{name}": auc for name, auc in cv.items()},
    }
    window = (train_part[spec.time_column].min(), train_part[spec.time_column].max())
    overrides = metrics["override_rows"]
    description = (f"Learned {spec.label} from {len(train_part) - overrides} matured outcomes (one row per "
                   f"{spec.unit}), dated {window[0]:%Y-%m-%d} to {window[1]:%Y-%m-%d}"
                   + (f", and {overrides} recruiter overrides as labels" if overrides else "")
                   + f"; {algorithm.replace('_', ' ')} chosen by time-ordered cross-validation.")
    return TrainedModel(
        pipeline=pipeline, algorithm=algorithm, metrics=metrics, train_window=window,
        holdout_window=(holdout[spec.time_column].min(), holdout[spec.time_column].max()),
        n_train=len(train_part), n_holdout=len(holdout), fingerprint=data_fingerprint,
        profile=build_profile(spec, train_part), description=description, train_frame=train_part,
    )


@one_thread
def score(pipeline: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    return pipeline.predict_proba(frame)[:, 1] if len(frame) else np.array([])


@one_thread
def vote_share(pipeline: Pipeline, frame: pd.DataFrame, advance_at: float) -> np.ndarray:
    """The share of the calibrated members whose own probability recommends advancing."""
    if not len(frame):
        return np.array([])
    encoded = pipeline[:-1].transform(frame)
    members = pipeline[-1].calibrated_classifiers_
    return np.mean([m.predict_proba(encoded)[:, 1] >= advance_at for m in members], axis=0)
