"""Train a model spec's calibrated pipeline: the better of two algorithms by time-ordered cross-validation.

Rows are ordered by the spec's time column and never split at random: the newest quarter of
labelled rows is the holdout every version is judged on, and the algorithm is chosen by
forward-chaining folds over the rest. The chosen algorithm is then calibrated (sigmoid) as an
ensemble of members fitted on different folds; how many members recommend advancing is the
model's confidence in its recommendation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import wraps

import numpy as np
import pandas as pd
from scipy.special import logit
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from hr_pipeline.ml import registry
from hr_pipeline.ml.features import coerce_missing
from hr_pipeline.ml.routing import build_profile
from hr_pipeline.ml.spec import ModelSpec
from hr_pipeline.settings import DuckDBLimits, Policy

HOLDOUT_SHARE = 0.25
CV_SPLITS = 4
ENSEMBLE_MEMBERS = 5  # calibrated members; their votes are the confidence of a recommendation
PARALLEL_SCORING_ROWS = 20_000  # from this many rows on, scoring uses more than one thread (`scoring_threads`)
LIST_SEPARATOR = ";"
# The recruiter view's covariates: the vendor AI's score on the log-odds, and whether it advises to advance
# (recruiters follow the advice unless their own reading is clearly on the other side).
VENDOR_LOGIT, VENDOR_ADVISES = "vendor_logit", "vendor_advises"
VENDOR_HELD = {VENDOR_LOGIT: 0.0, VENDOR_ADVISES: 0.0}  # held fixed: what is left is the recruiters' own view

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


def scoring_threads(rows: int) -> int:
    """OpenMP threads to score `rows` with: the pipeline's threads (`DuckDBLimits`) from
    `PARALLEL_SCORING_ROWS` on, where each tree's pass over the rows is long enough to share (200,000
    employee-months scored in 4.4 s with one thread, 2.5 s with two, on an idle 2-core machine); one below."""
    return DuckDBLimits.from_env().threads if rows >= PARALLEL_SCORING_ROWS else 1


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


def _terms(text: str) -> list[str]:
    return [t for t in text.split(LIST_SEPARATOR) if t]


@dataclass
class RecruiterView:
    """What recruiters see in a candidate beyond the vendor AI's score, learned from their decisions.

    A logistic regression of 'advanced' on the spec's features and the vendor's log-odds: holding the
    vendor's score fixed, its feature terms are what moves recruiters away from the AI, which is where
    their overrides come from. `signal` is that part alone (centred on the decisions learned from),
    and 0 outside the families where their decisions count. Protected attributes are no features, so
    it cannot learn a recruiter's bias against a group, only what the records show.
    """

    pipeline: Pipeline
    families: tuple[str, ...]
    group: str
    center: float
    reference: np.ndarray  # the mean encoded decision, vendor held: what explanations measure the view's terms from
    decisions: int

    def signal(self, inputs: pd.DataFrame) -> np.ndarray:
        raw = self.pipeline.decision_function(inputs.assign(**VENDOR_HELD)) - self.center
        return np.where(inputs[self.group].isin(self.families), raw, 0.0)


def fit_recruiter_view(spec: ModelSpec, decisions: pd.DataFrame, families: tuple[str, ...]) -> RecruiterView | None:
    """The view learned from `decisions` (the spec's features, the vendor's score and recommendation, the
    recruiter's decision); None without two kinds of decision to learn from. Not regularised: thousands of
    decisions support it, and a shrunken vendor term would leak into the features the vendor weighs."""
    taught = spec.recruiter_decisions
    advanced = decisions[taught.decision] == taught.advance
    if advanced.nunique() < 2:
        return None
    inner = replace(spec, numerical=(*spec.numerical, *VENDOR_HELD), recruiter_decisions=None)
    rows = decisions.assign(**{VENDOR_LOGIT: logit(decisions[taught.score].clip(1e-4, 1 - 1e-4)),
                               VENDOR_ADVISES: (decisions[taught.recommendation] == taught.advance).astype(float)})
    pipeline = build_pipeline(inner, LogisticRegression(C=np.inf, max_iter=5000)).fit(rows, advanced)
    held = rows.assign(**VENDOR_HELD)
    center = float(pipeline.decision_function(held).mean())
    reference = np.asarray(pipeline[:-1].transform(held), dtype=float).mean(axis=0)
    return RecruiterView(pipeline, tuple(families), taught.group, center, reference, len(rows))


class ModelInputs(TransformerMixin, BaseEstimator):
    """The first step of every model: the spec's features with one form for a missing value
    (`coerce_missing`), and the recruiter view beside them when the model learns from one. The view
    is fitted beforehand on decisions, not on the labels, so `fit` learns nothing."""

    def __init__(self, spec: ModelSpec, view: RecruiterView | None = None):
        self.spec = spec
        self.view = view

    def fit(self, frame: pd.DataFrame, y=None):
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = coerce_missing(frame, self.spec)
        if self.view is not None:
            out[self.spec.recruiter_decisions.feature] = self.view.signal(out)
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray(model_features(self.spec, self.view), dtype=object)


def model_features(spec: ModelSpec, view: RecruiterView | None) -> list[str]:
    """The columns a model's first step hands on: the spec's features, and the recruiter view's when it has one."""
    return [*spec.features, *((spec.recruiter_decisions.feature,) if view is not None else ())]


def build_pipeline(spec: ModelSpec, estimator, view: RecruiterView | None = None) -> Pipeline:
    """inputs -> encode (num, cat, list_<col>) -> estimator, the structure explanations rely on."""
    derived = model_features(spec, view)[len(spec.features):]
    encoders = [
        ("num", make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()),
         [*spec.numerical, *derived]),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="unknown"),
                              OneHotEncoder(handle_unknown="ignore")), list(spec.categorical)),
        *((f"list_{c}", CountVectorizer(tokenizer=_terms, lowercase=False, binary=True, token_pattern=None), c)
          for c in spec.lists),
    ]
    encode = ColumnTransformer(encoders, sparse_threshold=0)
    return Pipeline([("inputs", ModelInputs(spec, view)), ("encode", encode), ("classify", estimator)])


def fingerprint(frame: pd.DataFrame, spec: ModelSpec, label: str) -> str:
    """Identifies the training data, so the same data never yields a second model version: an early signal
    replaced by the matured outcome is new data even where the two agree."""
    extra = [c for c in ("outcome", "label_source") if spec.early_labels and c in frame and c != label]
    digest = pd.util.hash_pandas_object(frame[[*spec.key, *spec.features, label, *extra]], index=False)
    return hashlib.sha256(digest.to_numpy().tobytes()).hexdigest()


def _auc(y: pd.Series, p: np.ndarray) -> float:
    return float(roc_auc_score(y, p)) if y.nunique() == 2 else float("nan")


def time_ordered_cv(spec: ModelSpec, frame: pd.DataFrame, y: pd.Series, view: RecruiterView | None) -> dict[str, float]:
    """Mean AUC of each algorithm over forward-chaining folds."""
    scores = {}
    for name, make in ALGORITHMS.items():
        aucs = []
        for fit_rows, test_rows in TimeSeriesSplit(n_splits=CV_SPLITS).split(frame):
            if y.iloc[fit_rows].nunique() < 2 or y.iloc[test_rows].nunique() < 2:
                continue
            model = build_pipeline(spec, make(), view).fit(frame.iloc[fit_rows], y.iloc[fit_rows])
            aucs.append(_auc(y.iloc[test_rows], model.predict_proba(frame.iloc[test_rows])[:, 1]))
        scores[name] = float(np.mean(aucs)) if aucs else float("nan")
    return scores


Decisions = Callable[[pd.Timestamp], pd.DataFrame]  # the recruiters' decisions dated before a time


@one_thread
def train(spec: ModelSpec, frame: pd.DataFrame, data_fingerprint: str, policy: Policy,
          decisions: Decisions | None = None) -> TrainedModel:
    """`frame`: labelled rows ordered by the spec's time column, with the features, `label` (what is learned) and,
    for a spec that learns from early signals, `outcome` (the matured outcome, missing where it has not matured)
    and `label_source`. Without `outcome` every label is a matured outcome.

    The holdout is the newest `HOLDOUT_SHARE` of the matured outcomes, judged on the outcome alone; training
    takes the labelled rows before it (for labels looking ahead, the spec's gap before it) and the rows after it,
    which only early signals label: no row dated within the holdout window is learned from. With `decisions` (for
    a spec that learns from recruiters), the recruiter view is learned from those dated before the holdout (and
    its gap), so it knows nothing of the holdout either.

    Raises `NotTrainable` when the data cannot support a model: too few matured outcomes, too few of either
    label, or a holdout of one outcome only (its AUC would be undefined).
    """
    if not frame[spec.time_column].is_monotonic_increasing:
        raise ValueError(f"training frame must be ordered by {spec.time_column}")
    if "outcome" not in frame:
        frame = frame.assign(outcome=frame["label"])
    matured = frame[frame["outcome"].notna()]
    if len(matured) < policy.min_training_labels:
        raise NotTrainable(f"too few matured labels: {len(matured)} < {policy.min_training_labels}")
    holdout = matured.iloc[int(len(matured) * (1 - HOLDOUT_SHARE)):]
    times = frame[spec.time_column]
    holdout_window = (holdout[spec.time_column].iloc[0], holdout[spec.time_column].iloc[-1])
    train_end = holdout_window[0] - pd.DateOffset(months=spec.holdout_gap_months)
    train_part = frame[(times < train_end) | (times > holdout_window[1])]
    available = len(train_part)
    if available > policy.train_max_rows:
        train_part = train_part.sample(n=policy.train_max_rows, random_state=0).sort_index()
    y_train, y_holdout = train_part["label"].astype(int), holdout["outcome"].astype(int)
    fewest = int(y_train.value_counts().reindex([0, 1], fill_value=0).min())
    if fewest < ENSEMBLE_MEMBERS:
        raise NotTrainable(f"too few of one outcome in the training window: {fewest} < {ENSEMBLE_MEMBERS}")
    if y_holdout.nunique() < 2:
        raise NotTrainable(f"degenerate holdout: all {len(holdout)} holdout labels are {bool(y_holdout.iloc[0])}")

    view = None
    if decisions is not None and spec.recruiter_decisions is not None and policy.override_learning_families:
        view = fit_recruiter_view(spec, decisions(train_end), policy.override_learning_families)
    cv = time_ordered_cv(spec, train_part, y_train, view)
    algorithm = max(cv, key=lambda name: -np.inf if np.isnan(cv[name]) else cv[name])
    calibrated = CalibratedClassifierCV(ALGORITHMS[algorithm](), method="sigmoid", cv=ENSEMBLE_MEMBERS,
                                        ensemble=True)
    pipeline = build_pipeline(spec, calibrated, view).fit(train_part, y_train)
    p = score(pipeline, holdout)
    sources = label_sources(spec, train_part)
    metrics = {
        "holdout_auc": _auc(y_holdout, p),
        "holdout_brier": float(brier_score_loss(y_holdout, p)),
        "holdout_base_rate": float(y_holdout.mean()),
        "holdout_mean_score": float(p.mean()),
        "train_base_rate": float(y_train.mean()),
        "train_rows_available": available,
        "recruiter_decisions": view.decisions if view else 0,
        **{f"cv_auc_{name}": auc for name, auc in cv.items()},
        **({f"train_labels_{source}": n for source, n in sources.items()} if spec.early_labels else {}),
    }
    window = (train_part[spec.time_column].min(), train_part[spec.time_column].max())
    return TrainedModel(
        pipeline=pipeline, algorithm=algorithm, metrics=metrics, train_window=window, holdout_window=holdout_window,
        n_train=len(train_part), n_holdout=len(holdout), fingerprint=data_fingerprint,
        profile=build_profile(spec, train_part), train_frame=train_part,
        description=describe(spec, sources, window, holdout_window, len(holdout), algorithm, view, available),
    )


def label_sources(spec: ModelSpec, rows: pd.DataFrame) -> dict[str, int]:
    """How many of `rows` each label source gave, in the spec's order (the outcome's first); sources that gave
    none included, so a version says it learned from no early signal."""
    if spec.early_labels is None:
        return {"outcome": len(rows)}
    counts = rows["label_source"].value_counts() if "label_source" in rows else pd.Series(
        {spec.early_labels.outcome_source: len(rows)})
    unknown = set(counts.index) - set(spec.early_labels.sources)
    if unknown:
        raise ValueError(f"{spec.name}: label sources {sorted(unknown)} are not the spec's")
    return {source: int(counts.get(source, 0)) for source in spec.early_labels.sources}


def describe(spec: ModelSpec, sources: dict[str, int], window, holdout_window, n_holdout: int, algorithm: str,
             view: RecruiterView | None, available: int) -> str:
    """What a version learned from and was judged on, in a sentence for the registry and the model card;
    `available`: the labelled rows of the training window, of which `sources` counts those learned from."""
    n_train = sum(sources.values())
    sample = f"a random sample of {n_train} of {available} " if n_train < available else f"{n_train} "
    if spec.early_labels is None:
        learned = f"{sample}matured outcomes"
    else:
        words = spec.early_labels.sources
        learned = f"{sample}rows: " + ", ".join(f"{n} with {words[source]}" for source, n in sources.items())
    return (f"Learned {spec.label} from {learned} (one row per {spec.unit}), "
            f"dated {window[0]:%Y-%m-%d} to {window[1]:%Y-%m-%d}"
            + (f", with what recruiters see beyond the vendor AI ({spec.recruiter_decisions.feature}), "
               f"learned from {view.decisions:,} of their decisions in {', '.join(view.families)} "
               "and weighted by the outcomes" if view else "")
            + f"; {algorithm.replace('_', ' ')} chosen by time-ordered cross-validation; judged on the newest "
            f"{n_holdout} matured {words[spec.early_labels.outcome_source] if spec.early_labels else 'outcomes'} "
            f"(holdout, dated {holdout_window[0]:%Y-%m-%d} to {holdout_window[1]:%Y-%m-%d}), none learned from.")


def score(pipeline: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    if not len(frame):
        return np.array([])
    with threadpool_limits(limits=scoring_threads(len(frame)), user_api="openmp"):
        return pipeline.predict_proba(frame)[:, 1]


def score_version(version: registry.ModelVersion, frame: pd.DataFrame) -> np.ndarray:
    """A registered version's scores on `frame`: its checked artifact loaded, then `score`."""
    return score(registry.load(version)["pipeline"], frame)


@one_thread
def vote_share(pipeline: Pipeline, frame: pd.DataFrame, advance_at: float) -> np.ndarray:
    """The share of the calibrated members whose own probability recommends advancing."""
    if not len(frame):
        return np.array([])
    encoded = pipeline[:-1].transform(frame)
    members = pipeline[-1].calibrated_classifiers_
    return np.mean([m.predict_proba(encoded)[:, 1] >= advance_at for m in members], axis=0)
