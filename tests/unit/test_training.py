"""Training refuses data that cannot support a model, a null scores the same however it arrives, and the
decision log's feature hash has one canonical form."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from hr_pipeline.ml.features import FEATURES, LABEL, features_hash, features_hashes
from hr_pipeline.ml.training import MIN_TRAINING_ROWS, NotTrainable, fingerprint, score, train


def decisions(rows: int, seed: int = 0, success: np.ndarray | None = None) -> pd.DataFrame:
    """Matured hires ordered by decision time; experience and soft skills raise success."""
    rng = np.random.default_rng(seed)
    experience = rng.uniform(0, 15, rows)
    soft = rng.integers(0, 4, rows)
    if success is None:
        success = rng.random(rows) < 1 / (1 + np.exp(-(0.3 * experience + 0.8 * soft - 3.5)))
    frame = pd.DataFrame({
        "application_id": [f"A{i:05d}" for i in range(rows)],
        "decided_at": pd.date_range("2024-01-01", periods=rows, freq="D"),
        "years_experience": experience, "n_skills": soft + rng.integers(1, 6, rows), "n_soft_skills": soft,
        "education": rng.choice(["bachelor", "master", None], rows, p=[0.6, 0.3, 0.1]),
        "international_experience": rng.choice(["true", "false"], rows),
        "source_channel": rng.choice(["referral", "job_board"], rows),
        "job_family": rng.choice(["sales", "engineering"], rows),
        LABEL: success,
    })
    frame.loc[frame.index % 9 == 0, "years_experience"] = np.nan
    return frame


def fit(frame: pd.DataFrame):
    return train(frame, fingerprint(frame))


def test_too_few_matured_decisions_is_refused_with_the_counts():
    with pytest.raises(NotTrainable, match=f"^too few matured decisions: 20 < {MIN_TRAINING_ROWS}$"):
        fit(decisions(20))


def test_a_holdout_of_one_outcome_only_registers_no_coin_flip():
    rows = 80
    success = np.r_[np.arange(60) % 2 == 0, np.ones(20, bool)]  # the newest quarter all succeeded
    with pytest.raises(NotTrainable, match="^degenerate holdout: all 20 holdout decisions have hire_success = True$"):
        fit(decisions(rows, success=success))


def test_too_few_of_one_outcome_to_calibrate_on_is_refused():
    success = np.r_[np.zeros(58, bool), [True, True], [True, False] * 10]
    with pytest.raises(NotTrainable, match="^too few of one outcome in the training window: 2 < 3$"):
        fit(decisions(80, success=success))


def test_a_learnable_frame_trains_with_a_real_auc():
    trained = fit(decisions(400))
    assert 0.5 < trained.metrics["holdout_auc"] <= 1 and trained.n_holdout == 100


def test_a_null_scores_the_same_as_none_or_nan():
    model = fit(decisions(400)).pipeline
    applicants = decisions(30, seed=1)[list(FEATURES)]
    applicants.loc[:9, ["education", "source_channel", "years_experience"]] = None
    as_none = applicants.astype(object).where(applicants.notna(), None)
    as_nan = applicants.astype(object).where(applicants.notna(), np.nan)
    assert as_none.loc[0, "education"] is None and as_nan.loc[0, "education"] is not None
    np.testing.assert_array_equal(score(model, as_none), score(model, as_nan))


def test_features_hash_is_sha256_of_the_canonical_json():
    features = {"years_experience": 4, "n_skills": 3, "n_soft_skills": np.int64(1), "education": None,
                "international_experience": "true", "source_channel": "referral", "job_family": "sales"}
    canonical = ('{"education":null,"international_experience":"true","job_family":"sales","n_skills":3.0,'
                 '"n_soft_skills":1.0,"source_channel":"referral","years_experience":4.0}')
    assert features_hash(features) == hashlib.sha256(canonical.encode()).hexdigest()
    assert json.loads(canonical).keys() == set(FEATURES)
    assert features_hash({**features, "education": np.nan}) == features_hash(features)
    assert features_hash({**features, "years_experience": 4.0, "unused": "x"}) == features_hash(features)
    assert features_hash({**features, "years_experience": 5}) != features_hash(features)
    frame = pd.DataFrame([features, {**features, "education": float("nan")}])
    assert features_hashes(frame) == [features_hash(features)] * 2
