"""Why a model gave a score: exact contributions per feature, in words HR reads.

A contribution says how far a feature moved the score from what the training population would
get, on the log-odds (exact Shapley values, no approximation):

- logistic regression: coef x (x - the mean encoded training row), summed over a feature's encoded
  columns. The mean row (`background`) is computed at training time and saved beside the pipeline.
- gradient-boosted trees: path-dependent tree SHAP, the default of shap's TreeExplainer, where an
  absent feature follows the training rows down the tree by the node counts the trees keep. Written
  here, vectorised over rows, rather than adding shap (which pulls numba and llvmlite).

Either way a row's contributions sum to its log-odds minus the training population's. The
classifier is a CalibratedClassifierCV: each member's sigmoid calibration is linear in its log-odds
(logit p = -(a f + b)), so a member's contributions times -a are exact on its calibrated log-odds,
direction included, and the members' are averaged.

Only the ML assets import this module (it imports scikit-learn at the top).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from hr_pipeline.ml.spec import ModelSpec
from hr_pipeline.ml.training import LIST_SEPARATOR, VENDOR_HELD, RecruiterView

UNITS = ("years", "months", "weeks", "days", "hours")
BOOLEAN_WORDS = {"true": "yes", "false": "no"}


@cache  # a few dozen names and terms, asked for once per explained value
def words(column: str) -> str:
    """A column name as HR says it: 'years_experience' -> 'years of experience', 'n_skills' -> 'number of
    skills', 'avg_weekly_hours' -> 'average weekly hours', 'sick_days_3m' -> 'sick days, last 3 months'."""
    text = re.sub(r"_(?:last_)?(\d+)m$", r", last \1 months", column)
    text = re.sub(r"^n_", "number of ", text)
    text = re.sub(r"^avg_", "average ", text)
    text = re.sub(r"^years_", "years of ", text)
    return text.replace("_", " ")


@dataclass(frozen=True)
class Factor:
    """One explained quantity: a numerical or categorical feature, or one term of a list feature."""

    feature: str
    kind: str  # "num", "cat" or "list"
    term: str | None = None

    @property
    def label(self) -> str:
        return f"{words(self.feature)}: {words(self.term)}" if self.term else words(self.feature)

    def describe(self, values: pd.Series) -> pd.Series:
        """The factor's value in each row, as text: '7.5 years', 'referral', 'yes', 'communication listed'."""
        if self.kind == "list":
            listed = values.map(lambda terms: isinstance(terms, str) and self.term in terms.split(LIST_SEPARATOR))
            return listed.map({True: f"{words(self.term)} listed", False: f"{words(self.term)} not listed"})
        if self.kind == "cat":
            return values.map(lambda v: "unknown" if pd.isna(v) else BOOLEAN_WORDS.get(v, words(str(v))))
        return values.map(lambda v: "unknown" if pd.isna(v) else number(self.feature, float(v)))


def number(column: str, value: float) -> str:
    """A share as a percentage; otherwise one decimal at most, with the unit the column name carries."""
    if column.endswith("_share"):
        return f"{value:.0%}"
    tokens = column.split("_")
    unit = next((t for t in (tokens[0], tokens[-1]) if t in UNITS), "")
    text = f"{round(value, 1):g}"
    if unit:
        text += " " + (unit[:-1] if text == "1" else unit)
    return text


def encode(pipeline: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    """The rows as the classifier sees them: dense floats in the order of the encode step's feature names."""
    encoded = pipeline[:-1].transform(frame)
    return np.asarray(encoded.toarray() if hasattr(encoded, "toarray") else encoded, dtype=float)


def background(pipeline: Pipeline, train_frame: pd.DataFrame) -> np.ndarray:
    """The reference every contribution is measured from: the mean encoded training row.

    Computed once at training time and saved beside the pipeline: scoring runs have no training rows.
    """
    return encode(pipeline, train_frame).mean(axis=0)


def member_contributions(estimator, encoded: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Exact Shapley values per encoded column of the estimator's log-odds (`decision_function`).

    A logistic regression's rows sum to decision_function(x) - decision_function(reference); a forest's,
    which carries its training population in its node counts, to decision_function(x) minus its mean
    over the rows it was trained on.
    """
    if isinstance(estimator, LogisticRegression):
        return estimator.coef_[0] * (encoded - reference)
    if isinstance(estimator, HistGradientBoostingClassifier):
        return _forest_contributions(estimator, encoded)
    raise TypeError(f"no exact contributions for {type(estimator).__name__}")


def _forest_contributions(forest: HistGradientBoostingClassifier, x: np.ndarray) -> np.ndarray:
    """Path-dependent tree SHAP (shap's TreeExplainer default), exact, leaf by leaf, for all rows at once.

    A feature left out of the coalition follows the training rows down the tree in proportion to
    the node counts, so a leaf pays v x (for each of its path's features: inside its box if in the
    coalition, else the share of training rows inside). The Shapley shares of that product depend on x
    only through which of the leaf's boxes x is inside: one small table per leaf, looked up per row.
    """
    by_feature = np.ascontiguousarray(x.T)  # one contiguous row per feature: the loop reads a few features at a time
    phi = np.zeros_like(by_feature)
    for iteration in forest._predictors:
        for value, features, low, high, cover in _leaf_paths(iteration[0].nodes):
            pattern = np.zeros(len(x), dtype=np.intp)
            for bit, (feature, lo, hi) in enumerate(zip(features, low, high, strict=True)):
                column = by_feature[feature]
                inside = (column > lo if hi == np.inf else column <= hi if lo == -np.inf
                          else (column > lo) & (column <= hi))  # a box is mostly open on one side
                pattern |= inside.astype(np.intp) << bit
            table = value * _pattern_shares(cover)
            for i, feature in enumerate(features):  # a 1-d take per feature: several times a 2-d fancy index
                phi[feature] += table[:, i].take(pattern)
    return phi.T


def _pattern_shares(cover: np.ndarray) -> np.ndarray:
    """Shapley values of v(S) = prod(inside_j if j in S else cover_j) for every inside-pattern (bit j of
    the row index: inside feature j's box): phi_i = (inside_i - cover_i) x sum over coalitions S of the
    others of |S|! (d - |S| - 1)! / d! x the product over the others."""
    d = len(cover)
    inside = (np.arange(2**d)[:, None] >> np.arange(d)) & 1
    sizes = np.arange(d)
    weights = np.array([math.factorial(k) * math.factorial(d - k - 1) for k in sizes]) / math.factorial(d)
    shares = np.empty(inside.shape)
    for i in range(d):
        poly = np.zeros(inside.shape)  # coefficient k: coalitions of k of the others
        poly[:, 0] = 1.0
        for j in np.flatnonzero(sizes != i):
            grown = poly * cover[j]
            grown[:, 1:] += inside[:, [j]] * poly[:, :-1]
            poly = grown
        shares[:, i] = (inside[:, i] - cover[i]) * (poly @ weights)
    return shares


def _leaf_paths(nodes: np.ndarray) -> list[tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Each leaf of a fitted HistGradientBoosting tree as (value, features, low, high, cover): the leaf holds
    the rows with low < x[features] <= high, and `cover` is the share of training rows that follow the
    leaf's path at the splits on each feature. Inputs are imputed before the classifier: nothing is missing."""
    if nodes["is_categorical"].any():
        raise TypeError("trees with native categorical splits are not supported: categories are one-hot encoded")
    leaves, stack = [], [(0, {})]
    while stack:
        index, box = stack.pop()
        node = nodes[index]
        if node["is_leaf"]:
            features = np.array(sorted(box), dtype=int)
            low, high, cover = (np.array([box[f][k] for f in features], dtype=float) for k in range(3))
            leaves.append((float(node["value"]), features, low, high, cover))
            continue
        feature, threshold = int(node["feature_idx"]), float(node["num_threshold"])
        low, high, cover = box.get(feature, (-np.inf, np.inf, 1.0))
        sides = ((node["left"], low, min(high, threshold)), (node["right"], max(low, threshold), high))
        for child, child_low, child_high in sides:
            share = nodes[child]["count"] / node["count"]
            stack.append((int(child), {**box, feature: (child_low, child_high, cover * share)}))
    return leaves


def factors(spec: ModelSpec, pipeline: Pipeline) -> tuple[list[Factor], np.ndarray]:
    """The factors HR reads, and for each encoded column the index of the factor it belongs to.

    Encoded names follow the pipeline's transformers: 'num__<column>', 'cat__<column>_<category>' (every
    category of a column is one factor) and 'list_<column>__<term>' (one factor per term).
    """
    found: dict[Factor, int] = {}
    owner = []
    for name in pipeline.named_steps["encode"].get_feature_names_out():
        transformer, rest = name.split("__", 1)
        if transformer == "num":
            factor = Factor(rest, "num")
        elif transformer == "cat":
            column = max((c for c in spec.categorical if rest.startswith(f"{c}_")), key=len)
            factor = Factor(column, "cat")
        else:
            factor = Factor(transformer.removeprefix("list_"), "list", rest)
        owner.append(found.setdefault(factor, len(found)))
    return list(found), np.array(owner)


def contributions(spec: ModelSpec, pipeline: Pipeline, frame: pd.DataFrame,
                  reference: np.ndarray) -> tuple[list[Factor], np.ndarray]:
    """The factors and a rows x factors matrix of their contributions to the calibrated log-odds."""
    encoded = encode(pipeline, frame)
    members = pipeline[-1].calibrated_classifiers_
    per_column = sum(-member.calibrators[0].a_ * member_contributions(member.estimator, encoded, reference)
                     for member in members) / len(members)
    return _per_factor(spec, pipeline, per_column)


def _per_factor(spec: ModelSpec, pipeline: Pipeline, per_column: np.ndarray) -> tuple[list[Factor], np.ndarray]:
    found, owner = factors(spec, pipeline)
    per_factor = np.zeros((len(per_column), len(found)))
    np.add.at(per_factor.T, owner, per_column.T)
    return found, per_factor


def view_drivers(view: RecruiterView, inputs: pd.DataFrame) -> np.ndarray:
    """What moves the recruiter view most in each row, as HR reads it ('communication listed'): the view is
    a number, its largest term says what recruiters see in this candidate."""
    rows = inputs.assign(**VENDOR_HELD)
    inner = view.pipeline[0].spec
    found, per_factor = _per_factor(inner, view.pipeline, member_contributions(
        view.pipeline[-1], encode(view.pipeline, rows), view.reference))
    top = np.argmax(np.abs(per_factor), axis=1)
    seen = view.pipeline[0].transform(rows)
    out = np.empty(len(rows), dtype=object)
    for index in np.unique(top):
        at, factor = top == index, found[index]
        said = factor.describe(seen[factor.feature][at])
        out[at] = said if factor.kind == "list" else words(factor.feature) + " " + said
    return out


def top_factors(spec: ModelSpec, pipeline: Pipeline, frame: pd.DataFrame, reference: np.ndarray,
                n: int = 3) -> pd.DataFrame:
    """The `n` factors that moved each row's score most, one row per (key..., rank).

    `frame`: the spec's key and feature columns (`spec.select`); `reference`: the model's `background`.
    Columns: the key, rank (1 = largest), feature (the spec's column), value and text as HR reads
    them, direction ('raises' | 'lowers') and contribution (calibrated log-odds). A factor that did not
    move the score at all is no reason, so a row can have fewer than `n`.
    """
    columns = [*spec.key, "rank", "feature", "value", "direction", "contribution", "text"]
    if frame.empty:  # nothing to score this run
        return pd.DataFrame(columns=columns)
    found, per_factor = contributions(spec, pipeline, frame, reference)
    order = np.argsort(-np.abs(per_factor), axis=1, kind="stable")[:, :n]
    rows = np.repeat(np.arange(len(frame)), order.shape[1])
    picked = order.ravel()
    out = frame.iloc[rows][list(spec.key)].reset_index(drop=True)
    out["rank"] = np.tile(np.arange(1, order.shape[1] + 1), len(frame))
    out["contribution"] = per_factor[rows, picked]
    seen = pipeline[0].transform(frame)  # the values as the model received them
    view, taught = pipeline[0].view, spec.recruiter_decisions
    out["feature"] = [found[i].feature for i in picked]
    out["value"] = ""
    for index in np.unique(picked):
        at, factor = picked == index, found[index]
        if view is not None and factor.feature == taught.feature:
            out.loc[at, "value"] = view_drivers(view, seen.iloc[rows[at]])
        else:
            out.loc[at, "value"] = factor.describe(seen[factor.feature].iloc[rows[at]]).to_numpy()
    out["direction"] = np.where(out["contribution"] > 0, "raises", "lowers")
    out["text"] = out["feature"].map(words) + ": " + out["value"] + ", " + out["direction"] + " the estimate"
    out = out[out["contribution"] != 0]
    return out[columns].reset_index(drop=True)
