"""Drift on synthetic windows whose true difference is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hr_pipeline.monitoring.drift import compute_drift

NUMERICAL = ["years_experience", "ai_score", "salary"]
CATEGORICAL = ["education", "source_channel", "job_family"]
EDUCATION = ["bachelor", "master", "phd"]


def applications(
    rows: int, seed: int, experience_shift: float = 0.0, education_mix=(0.6, 0.3, 0.1)
) -> pd.DataFrame:
    """Fixed distributions; `experience_shift` is in standard deviations (sd 4 years)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "years_experience": rng.normal(8 + 4 * experience_shift, 4, rows),
            "ai_score": rng.beta(2, 3, rows),
            "salary": rng.lognormal(11, 0.3, rows),
            "education": rng.choice(EDUCATION, rows, p=education_mix),
            "source_channel": rng.choice(["referral", "job_board", "agency"], rows, p=[0.2, 0.5, 0.3]),
            "job_family": rng.choice(["engineering", "sales", "finance", "hr"], rows),
            "free_text": "not a feature",
        }
    )


def run(reference: pd.DataFrame, current: pd.DataFrame, tmp_path, **kwargs):
    html_path = tmp_path / "reports" / "drift.html"
    return compute_drift(reference, current, NUMERICAL, CATEGORICAL, html_path, **kwargs)


def test_same_distribution_is_not_drift(tmp_path):
    result = run(applications(2_000, seed=1), applications(2_000, seed=2), tmp_path)

    assert [f.feature for f in result.features] == NUMERICAL + CATEGORICAL
    assert not result.dataset_drift
    assert sum(f.drift_detected for f in result.features) <= 1
    assert result.drifted_share <= 1 / 6
    assert (result.reference_rows, result.current_rows, result.sampled) == (2_000, 2_000, False)


def shifted(reference_rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Years of experience up by 1 sd and more master/phd applicants; nothing else changes."""
    reference = applications(reference_rows, seed=1)
    current = applications(reference_rows, seed=2, experience_shift=1.0, education_mix=(0.3, 0.4, 0.3))
    return reference, current


def test_shifted_feature_and_mix_are_flagged(tmp_path):
    result = run(*shifted(2_000), tmp_path)

    assert {f.feature for f in result.features if f.drift_detected} == {"years_experience", "education"}
    assert not result.dataset_drift
    assert result.drifted_share == pytest.approx(2 / 6)
    methods = {f.feature: (f.method, f.threshold) for f in result.features}
    assert methods["years_experience"] == ("Wasserstein distance (normed)", 0.1)
    assert methods["education"] == ("Jensen-Shannon distance", 0.1)
    for feature in result.features:
        assert feature.drift_detected == (feature.score >= feature.threshold)
    assert result.html_path.stat().st_size > 100_000
    assert "Reference: all 2,000 rows." in result.html_path.read_text(encoding="utf-8")


def test_small_reference_switches_to_p_values(tmp_path):
    """Up to 1,000 reference rows Evidently tests p-values, where drift is a score below threshold.

    Other features are not asserted clean: at p < 0.05, four unchanged features flag by chance
    about one run in five.
    """
    result = run(*shifted(800), tmp_path)

    by_feature = {f.feature: f for f in result.features}
    experience, education = by_feature["years_experience"], by_feature["education"]
    assert (experience.method, experience.threshold) == ("K-S p_value", 0.05)
    assert (education.method, education.threshold) == ("chi-square p_value", 0.05)
    assert experience.drift_detected and education.drift_detected
    for feature in result.features:
        assert feature.drift_detected == (feature.score < feature.threshold)


def test_large_windows_are_sampled_deterministically_and_say_so(tmp_path):
    reference, current = applications(3_000, seed=1), applications(2_500, seed=2, experience_shift=1.0)

    first = run(reference, current, tmp_path, max_rows=1_000, seed=3)
    html = first.html_path.read_text(encoding="utf-8")
    again = run(reference, current, tmp_path, max_rows=1_000, seed=3)
    other_seed = run(reference, current, tmp_path, max_rows=1_000, seed=4)

    assert (first.reference_rows, first.current_rows, first.sampled) == (3_000, 2_500, True)
    assert first.features == again.features
    assert [f.score for f in first.features] != [f.score for f in other_seed.features]
    # A 1,000-row reference gets the small-sample test: proof that the sample is what was compared.
    assert first.features[0].method == "K-S p_value"
    assert "Reference: random sample of 1,000 of 3,000 rows (seed 3)." in html
    assert "Current: random sample of 1,000 of 2,500 rows (seed 3)." in html
