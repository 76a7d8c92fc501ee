"""Explanations find planted effects with the right direction, are exact, speak the spec's names, and the
model card is a self-contained page."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy.special import logit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from hr_pipeline.ml.explain import background, contributions, member_contributions, top_factors, words
from hr_pipeline.ml.model_card import global_effects, render_model_card
from hr_pipeline.ml.spec import ATTRITION_RISK, HIRE_SUCCESS
from hr_pipeline.ml.training import ALGORITHMS, build_pipeline

SPEC = HIRE_SUCCESS
SOFT_SKILLS = ("communication", "teamwork", "leadership", "problem_solving")


def applications(rows: int = 1500, seed: int = 0) -> pd.DataFrame:
    """Applications where international experience strongly raises success and the agency channel strongly
    lowers it; every other feature is noise."""
    rng = np.random.default_rng(seed)
    international = rng.random(rows) < 0.3
    agency = rng.random(rows) < 0.3
    skills = [";".join(s for s in SOFT_SKILLS if rng.random() < 0.4) for _ in range(rows)]
    frame = pd.DataFrame({
        "application_id": [f"A{i:05d}" for i in range(rows)],
        "decided_at": pd.date_range("2024-01-01", periods=rows, freq="h"),
        "years_experience": rng.uniform(0, 15, rows), "grade_average": rng.normal(7, 2, rows),
        "n_skills": rng.integers(1, 8, rows), "n_soft_skills": [s.count(";") + bool(s) for s in skills],
        "education": rng.choice(["bachelor", "master", None], rows, p=[0.6, 0.3, 0.1]),
        "international_experience": np.where(international, "true", "false"),
        "source_channel": np.where(agency, "agency", rng.choice(["referral", "job_board"], rows)),
        "job_family": rng.choice(["sales", "engineering"], rows),
        "soft_skills": skills,
    })
    log_odds = 2.5 * international - 2.5 * agency - 0.3
    frame["label"] = rng.random(rows) < 1 / (1 + np.exp(-log_odds))
    return frame


@pytest.fixture(scope="module", params=list(ALGORITHMS))
def fitted(request):
    """The training module's own algorithms and pipeline, calibrated as it calibrates them."""
    frame = applications()
    classifier = CalibratedClassifierCV(ALGORITHMS[request.param](), method="sigmoid", cv=3, ensemble=True)
    with threadpool_limits(limits=1, user_api="openmp"):  # boosting's threads only contend on a shared machine
        pipeline = build_pipeline(SPEC, classifier).fit(frame, frame["label"])
    return pipeline, frame, background(pipeline, frame)


def leading(explained: pd.DataFrame, frame: pd.DataFrame, rows: pd.Series) -> pd.DataFrame:
    ids = frame.loc[rows, "application_id"]
    return explained[(explained["rank"] == 1) & explained["application_id"].isin(ids)]


def test_planted_effects_lead_the_explanations_with_their_direction(fitted):
    pipeline, frame, reference = fitted
    explained = top_factors(SPEC, pipeline, frame, reference)
    international = frame["international_experience"] == "true"
    agency = frame["source_channel"] == "agency"

    raised = leading(explained, frame, international & ~agency)
    assert (raised["feature"] == "international_experience").mean() >= 0.95
    assert set(raised.loc[raised["feature"] == "international_experience", "text"]) == {
        "international experience: yes, raises the estimate"}

    lowered = leading(explained, frame, agency & ~international)
    assert (lowered["feature"] == "source_channel").mean() >= 0.95
    assert set(lowered.loc[lowered["feature"] == "source_channel", "direction"]) == {"lowers"}
    assert set(lowered.loc[lowered["feature"] == "source_channel", "value"]) == {"agency"}


def test_top_factors_shape_names_and_words(fitted):
    pipeline, frame, reference = fitted
    explained = top_factors(SPEC, pipeline, frame.head(40), reference, n=3)
    assert list(explained.columns) == ["application_id", "rank", "feature", "value", "direction", "contribution",
                                       "text"]
    assert set(explained["feature"]) <= set(SPEC.features)
    assert explained.groupby("application_id")["rank"].agg(list).map(lambda r: r == list(range(1, len(r) + 1))).all()
    assert (np.sign(explained["contribution"]) == explained["direction"].map({"raises": 1, "lowers": -1})).all()
    pattern = r"^[a-z0-9 ,]+: [^,]+, (raises|lowers) the estimate$"
    assert explained["text"].map(lambda t: re.match(pattern, t) is not None).all(), explained["text"].head()


def test_contributions_are_exact_per_member(fitted):
    """Each member's contributions plus its base value give back its own log-odds."""
    pipeline, frame, reference = fitted
    encoded = pipeline[:-1].transform(frame.head(200))
    for member in pipeline[-1].calibrated_classifiers_:
        model = member.estimator
        phi = member_contributions(model, encoded, reference)
        if isinstance(model, LogisticRegression):
            base = model.decision_function(reference[None, :])[0]
        else:  # the forest's base: its mean log-odds over the rows it was trained on, by the node counts
            base = model._baseline_prediction.ravel()[0] + sum(
                (tree.nodes["value"] * tree.nodes["count"] * tree.nodes["is_leaf"]).sum() / tree.nodes["count"][0]
                for (tree,) in model._predictors)
        np.testing.assert_allclose(phi.sum(axis=1) + base, model.decision_function(encoded), atol=1e-9)


def test_tree_contributions_are_the_shapley_values_of_the_path_dependent_game():
    """Against Shapley's formula by enumeration: an absent feature follows the training rows by node counts."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 4))
    y = (x[:, 0] + x[:, 1] * x[:, 2] + rng.normal(size=400)) > 0
    forest = HistGradientBoostingClassifier(max_depth=3, max_iter=5, random_state=0).fit(x, y)

    def expected(nodes, row, coalition, index=0):
        node = nodes[index]
        if node["is_leaf"]:
            return node["value"]
        if node["feature_idx"] in coalition:
            return expected(nodes, row, coalition, node["left" if row[node["feature_idx"]] <= node["num_threshold"]
                                                      else "right"])
        return sum(nodes[child]["count"] * expected(nodes, row, coalition, child)
                   for child in (node["left"], node["right"])) / node["count"]

    def shapley(row):
        value = {frozenset(c): sum(expected(tree.nodes, row, set(c)) for (tree,) in forest._predictors)
                 for k in range(5) for c in itertools.combinations(range(4), k)}
        return [sum(math.factorial(len(c)) * math.factorial(3 - len(c)) / 24 * (value[c | {i}] - value[c])
                    for c in value if i not in c) for i in range(4)]

    rows = x[:12]
    np.testing.assert_allclose(member_contributions(forest, rows, x.mean(axis=0)), [shapley(r) for r in rows],
                               atol=1e-12)


def test_factor_contributions_are_exact_on_the_calibrated_log_odds(fitted):
    """Summed over factors they give back the members' mean calibrated log-odds, up to one constant."""
    pipeline, frame, reference = fitted
    rows = frame.head(200)
    _, per_factor = contributions(SPEC, pipeline, rows, reference)
    encoded = pipeline[:-1].transform(rows)
    calibrated = np.mean([logit(m.predict_proba(encoded)[:, 1]) for m in pipeline[-1].calibrated_classifiers_],
                         axis=0)
    remainder = calibrated - per_factor.sum(axis=1)
    np.testing.assert_allclose(remainder, remainder[0], atol=1e-9)


def test_no_rows_no_explanations(fitted):
    pipeline, frame, reference = fitted
    assert top_factors(SPEC, pipeline, frame.head(0), reference).empty


def test_missing_values_read_as_unknown(fitted):
    pipeline, frame, reference = fitted
    row = frame.head(1).assign(international_experience=None, years_experience=np.nan)
    explained = top_factors(SPEC, pipeline, row, reference, n=len(SPEC.features) + len(SOFT_SKILLS))
    values = explained.set_index("feature")["value"]
    assert values["international_experience"] == "unknown"  # imputed, it still moves the score: it is listed
    assert values.get("years_experience", "unknown") == "unknown"


@pytest.mark.parametrize(("column", "said"), [
    ("years_experience", "years of experience"), ("n_soft_skills", "number of soft skills"),
    ("avg_weekly_overtime_hours", "average weekly overtime hours"), ("sick_days_3m", "sick days, last 3 months"),
    ("trainings_last_12m", "trainings, last 12 months"), ("source_channel", "source channel"),
])
def test_words_are_derived_from_the_spec_columns(column, said):
    assert column in SPEC.features + ATTRITION_RISK.features
    assert words(column) == said


def test_global_effects_rank_the_planted_features_first(fitted):
    pipeline, frame, _ = fitted
    effects = global_effects(SPEC, pipeline, frame)
    assert set(effects.head(2)["feature"]) == {"international_experience", "source_channel"}
    assert effects.set_index("feature").loc["international_experience", "direction"] == "yes raises"
    assert effects.set_index("feature").loc["source_channel", "direction"].endswith("lowest for agency")


def test_model_card_renders_offline_with_version_and_selective_labels(fitted, tmp_path):
    pipeline, frame, _ = fitted
    entry = {
        "model_name": SPEC.name, "version": "hire_success-v7", "algorithm": "logistic_regression",
        "train_start": "2024-01-01", "train_end": "2024-02-10", "holdout_start": "2024-02-11",
        "holdout_end": "2024-03-03", "n_train": 1100, "n_holdout": 400,
        "metrics": {"holdout_auc": 0.81, "holdout_brier": 0.17, "cv_auc_logistic_regression": 0.8},
        "fairness": {"impact_ratio_gender": 0.93},
        "trained_on": "1,100 matured outcomes and 40 recruiter overrides (weighted 0.5).",
    }
    path = render_model_card(tmp_path / "models" / "hire_success-v7.html", SPEC, entry,
                             global_effects(SPEC, pipeline, frame))
    page = path.read_text(encoding="utf-8")
    assert "hire_success-v7" in page and SPEC.selective_labels in page
    assert "<svg" in page and "international experience" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)
    assert "http" not in page
