"""Routing sends a row to a person for every reason that applies, in precedence order, the same way every time."""

from __future__ import annotations

import json
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from hr_pipeline.ml.registry import CHALLENGER, arm
from hr_pipeline.ml.routing import RANDOM_SAMPLE_SALT, build_profile, route, stable_draw
from hr_pipeline.ml.spec import HIRE_SUCCESS
from hr_pipeline.settings import Policy

POLICY = Policy()
QUEUED_AT = datetime(2026, 3, 2, 9, 0)
TRAINING = pd.DataFrame({
    "application_id": ["T1", "T2", "T3"],
    "decided_at": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]),
    "years_experience": [1.0, 6.0, 20.0],
    "grade_average": [2.0, None, 4.0],
    "n_skills": [2, 5, 9],
    "n_soft_skills": [0, 1, 3],
    "education": ["bachelor", "master", None],
    "international_experience": ["true", "false", "false"],
    "source_channel": ["referral", "linkedin", "agency"],
    "job_family": ["sales", "engineering", "sales"],
    "soft_skills": ["communication", None, "teamwork;communication"],
})
ORDINARY = {"years_experience": 5.0, "grade_average": 3.0, "n_skills": 4, "n_soft_skills": 1,
            "education": "master", "international_experience": "false",
            "source_channel": "referral", "job_family": "sales", "soft_skills": "communication",
            "score": 0.8, "vote_share": 1.0}


def ids(sampled: bool, n: int) -> list[str]:
    """Application ids that the random sample does (or does not) draw."""
    frame = pd.DataFrame({"application_id": [f"A{i:08d}" for i in range(500)]})
    drawn = stable_draw(HIRE_SUCCESS, frame, RANDOM_SAMPLE_SALT) < POLICY.random_sample_share
    return frame["application_id"][drawn == sampled].head(n).tolist()


def routed(rows: dict[str, dict], **kwargs) -> pd.DataFrame:
    """Route one row per application id, each the ordinary applicant changed as given."""
    frame = pd.DataFrame([{"application_id": app, **ORDINARY, **changes} for app, changes in rows.items()])
    return route(HIRE_SUCCESS, frame, build_profile(HIRE_SUCCESS, TRAINING), POLICY, QUEUED_AT,
                 **kwargs).set_index("application_id")


def test_profile_is_what_training_saw_as_json():
    profile = json.loads(json.dumps(build_profile(HIRE_SUCCESS, TRAINING)))
    assert profile["numeric"]["years_experience"] == [1.0, 20.0]
    assert profile["numeric"]["grade_average"] == [2.0, 4.0]  # a missing value widens nothing
    assert profile["categories"]["job_family"] == ["engineering", "sales"]
    assert profile["categories"]["education"] == ["bachelor", "master"]
    assert set(profile["numeric"]) == set(HIRE_SUCCESS.numerical)
    assert set(profile["categories"]) == set(HIRE_SUCCESS.categorical)


def test_every_reason_appears_on_rows_built_to_have_it():
    plain, sampled = ids(False, 6), ids(True, 1)
    out = routed({
        plain[0]: {},
        plain[1]: {"job_family": "astronaut"},
        plain[2]: {"years_experience": 35.0},
        plain[3]: {"n_skills": 1},
        plain[4]: {"education": "wizardry"},
        plain[5]: {"vote_share": 0.4},
        sampled[0]: {},
    })
    assert out.loc[plain[0], "reasons"] == []
    assert out.loc[plain[1], "reasons"] == ["new_job_family"]
    assert out.loc[plain[1], "outside_training"] == []  # job family is its own reason, not also out of range
    assert out.loc[plain[2], "outside_training"] == ["years_experience"]  # above the training maximum
    assert out.loc[plain[3], "outside_training"] == ["n_skills"]  # below the training minimum
    assert out.loc[plain[4], "outside_training"] == ["education"]  # a category never seen
    for app in plain[2:5]:
        assert out.loc[app, "reasons"] == ["out_of_distribution"]
    assert out.loc[plain[5], "reasons"] == ["low_confidence"]
    assert out.loc[sampled[0], "reasons"] == ["random_sample"]
    assert out["priority"].tolist() == [pd.NA, 1, 1, 1, 1, 2, 3]
    assert (out["due_date"] == date(2026, 3, 2 + POLICY.review_due_days)).all()


def test_precedence_and_every_reason_listed():
    (sampled,) = ids(True, 1)
    (plain,) = ids(False, 1)
    out = routed({sampled: {"job_family": "astronaut", "grade_average": 1.0, "source_channel": "carrier_pigeon",
                            "vote_share": 0.6},
                  plain: {"years_experience": 0.5, "vote_share": 0.4}})
    assert out.loc[sampled, "reasons"] == ["new_job_family", "out_of_distribution", "low_confidence",
                                           "random_sample"]
    assert out.loc[sampled, "outside_training"] == ["grade_average", "source_channel"]
    assert out.loc[sampled, "priority"] == 1
    assert out.loc[plain, "reasons"] == ["out_of_distribution", "low_confidence"]


def test_confidence_is_how_sure_the_ensemble_is_of_its_recommendation():
    apps = ids(False, 3)
    rows = {apps[0]: {"score": 0.55, "vote_share": 1.0}, apps[1]: {"score": 0.9, "vote_share": 0.6},
            apps[2]: {"score": 0.1, "vote_share": 0.0}}
    out = routed(rows)
    assert out["confidence"].tolist() == pytest.approx([1.0, 0.6, 1.0])
    assert out["reasons"].tolist() == [[], ["low_confidence"], []]
    by_score = routed(rows, confidence_from="score")  # the switch the lead keeps
    assert by_score["reasons"].tolist() == [["low_confidence"], [], []]


def test_missing_values_route_the_same_as_none_or_nan_and_are_never_out_of_distribution():
    missing = dict.fromkeys(HIRE_SUCCESS.numerical + HIRE_SUCCESS.categorical)
    as_none = routed({app: missing for app in ids(False, 2)})
    as_nan = routed({app: dict.fromkeys(missing, np.nan) for app in ids(False, 2)})
    columns = ["confidence", "random_sample", "outside_training", "reasons", "priority", "due_date"]
    pd.testing.assert_frame_equal(as_none[columns], as_nan[columns])
    assert as_none["reasons"].tolist() == [[], []]


def test_random_sample_is_a_stable_tenth_independent_of_confidence():
    n = 5_000
    frame = pd.DataFrame({"application_id": [f"A{i:08d}" for i in range(n)], **ORDINARY})
    frame["vote_share"] = np.linspace(0.0, 1.0, n)  # confidence runs with the id: a leaky draw would show
    out = route(HIRE_SUCCESS, frame, build_profile(HIRE_SUCCESS, TRAINING), POLICY, QUEUED_AT)
    assert abs(out["random_sample"].mean() - POLICY.random_sample_share) <= 0.02
    decile = pd.qcut(out["confidence"].rank(method="first"), 10, labels=False)
    assert chi2_contingency(pd.crosstab(decile, out["random_sample"])).pvalue > 0.01
    low = out["confidence"] < POLICY.confidence_threshold
    assert abs(out.loc[low, "random_sample"].mean() - out.loc[~low, "random_sample"].mean()) < 0.02

    reordered = frame.sample(frac=1, random_state=1).reset_index(drop=True)  # a draw follows the key, not the row
    again = route(HIRE_SUCCESS, reordered, build_profile(HIRE_SUCCESS, TRAINING), POLICY, QUEUED_AT)
    assert again.set_index("application_id")["random_sample"].equals(
        out.set_index("application_id")["random_sample"].reindex(reordered["application_id"]))


def test_the_random_sample_is_independent_of_the_challenger_arm():
    frame = pd.DataFrame({"application_id": [f"A{i:08d}" for i in range(5_000)]})
    sampled = stable_draw(HIRE_SUCCESS, frame, RANDOM_SAMPLE_SALT) < POLICY.random_sample_share
    challenger = frame["application_id"].map(lambda a: arm(a, POLICY.challenger_share) == CHALLENGER)
    expected = POLICY.random_sample_share * POLICY.challenger_share
    assert abs((sampled & challenger).mean() - expected) < 0.01
