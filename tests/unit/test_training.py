"""Training refuses data that cannot support a model, picks the better algorithm by time-ordered
cross-validation, never trains on its holdout (nor, for labels looking ahead, on the gap before it),
learns what recruiters see beyond the vendor AI only from decisions before its holdout and only where
the policy says their decisions count, scores a null the same however it arrives, and the decision
log's feature hash has one canonical form."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from hr_pipeline.ml.explain import view_drivers
from hr_pipeline.ml.features import features_hash, features_hashes
from hr_pipeline.ml.spec import HIRE_SUCCESS as SPEC
from hr_pipeline.ml.training import (ALGORITHMS, NotTrainable, fingerprint, fit_recruiter_view, score, train,
                                     vote_share)
from hr_pipeline.settings import Policy

POLICY = Policy()


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
        "years_experience": experience, "grade_average": rng.uniform(1, 4, rows),
        "n_skills": soft + rng.integers(1, 6, rows), "n_soft_skills": soft,
        "education": rng.choice(["bachelor", "master", None], rows, p=[0.6, 0.3, 0.1]),
        "international_experience": rng.choice(["true", "false"], rows),
        "source_channel": rng.choice(["referral", "job_board"], rows),
        "job_family": rng.choice(["sales", "engineering"], rows),
        "soft_skills": [";".join(["communication", "teamwork"][:k]) or None for k in np.minimum(soft, 2)],
        "label": success,
    })
    frame.loc[frame.index % 9 == 0, "years_experience"] = np.nan
    return frame


def fit(frame: pd.DataFrame, spec=SPEC):
    return train(spec, frame, fingerprint(frame, spec, "label"), POLICY)


def test_too_few_matured_labels_is_refused_with_the_counts():
    with pytest.raises(NotTrainable, match=f"^too few matured labels: 20 < {POLICY.min_training_labels}$"):
        fit(decisions(20))


def test_a_holdout_of_one_outcome_only_registers_no_coin_flip():
    success = np.r_[np.arange(60) % 2 == 0, np.ones(20, bool)]  # the newest quarter all succeeded
    with pytest.raises(NotTrainable, match="^degenerate holdout: all 20 holdout labels are True$"):
        fit(decisions(80, success=success))


def test_too_few_of_one_outcome_to_calibrate_on_is_refused():
    success = np.r_[np.zeros(56, bool), [True] * 4, [True, False] * 10]
    with pytest.raises(NotTrainable, match="^too few of one outcome in the training window: 4 < 5$"):
        fit(decisions(80, success=success))


def test_a_learnable_frame_trains_the_better_algorithm_on_the_older_rows_only():
    frame = decisions(400)
    trained = fit(frame)
    assert 0.6 < trained.metrics["holdout_auc"] <= 1 and trained.n_holdout == 100
    assert trained.train_window[1] < trained.holdout_window[0]
    cv = {name: trained.metrics[f"cv_auc_{name}"] for name in ALGORITHMS}
    assert trained.algorithm == max(cv, key=cv.get)
    assert set(trained.train_frame["application_id"]) == set(frame["application_id"][:300])


def test_labels_that_look_ahead_leave_a_gap_before_the_holdout():
    frame = decisions(400)
    trained = fit(frame, replace(SPEC, holdout_gap_months=2))
    holdout_start = frame["decided_at"].iloc[300]
    assert trained.train_window[1] < holdout_start - pd.DateOffset(months=2)
    assert trained.n_holdout == 100


def recruiter_decisions(rows: int, seed: int = 3) -> pd.DataFrame:
    """Decided applications: the vendor scores grades only; recruiters also advance those who list communication."""
    frame, rng = decisions(rows, seed), np.random.default_rng(seed)
    vendor = 2.0 * (frame["grade_average"] - 2.5) + rng.normal(0, 1, rows)
    listed = frame["soft_skills"].fillna("").str.contains("communication")
    advanced = vendor + 2.0 * listed + rng.normal(0, 0.5, rows) > 0
    return frame.assign(ai_score=1 / (1 + np.exp(-vendor)),
                        ai_recommendation=np.where(vendor >= 0, "advance", "reject"),
                        human_decision=np.where(advanced, "advance", "reject"))


def test_the_recruiter_view_is_what_moves_recruiters_beyond_the_vendor_and_only_where_it_counts():
    taught = recruiter_decisions(3000)
    view = fit_recruiter_view(SPEC, taught, ("sales",))
    rows = taught[list(SPEC.features)]
    signal = pd.Series(view.signal(rows), index=rows.index)
    sales, listed = rows["job_family"] == "sales", rows["soft_skills"].fillna("").str.contains("communication")
    assert (signal[~sales] == 0).all()
    communication = signal[sales & listed].mean() - signal[sales & ~listed].mean()
    assert communication > 2  # planted: +2 on a reading with noise 0.5, so about 2 / 0.5 x 1.7 on the log-odds
    high_grades = rows["grade_average"] > 2.5  # what the vendor already weighs adds (almost) nothing of theirs
    grades = signal[sales & listed & high_grades].mean() - signal[sales & listed & ~high_grades].mean()
    assert abs(grades) < 0.1 * communication
    # Explanations say what the view saw: in the rows that list communication, that it is listed.
    drivers = pd.Series(view_drivers(view, rows), index=rows.index)
    assert (drivers[listed] == "communication listed").mean() > 0.9


def test_the_recruiter_view_learns_only_from_decisions_before_the_holdout():
    frame, taught, asked = decisions(400), recruiter_decisions(3000), []

    def before(end):
        asked.append(end)
        return taught[taught["decided_at"] < end]

    trained = train(SPEC, frame, fingerprint(frame, SPEC, "label"), POLICY, before)
    holdout_start = frame["decided_at"].iloc[300]
    assert asked == [holdout_start]
    assert trained.metrics["recruiter_decisions"] == (taught["decided_at"] < holdout_start).sum()
    assert f"num__{SPEC.recruiter_decisions.feature}" in trained.pipeline.named_steps["encode"].get_feature_names_out()
    outcomes_only = train(SPEC, frame, "x", replace(POLICY, override_learning_families=()), before)
    assert outcomes_only.metrics["recruiter_decisions"] == 0 and len(asked) == 1


def test_a_null_scores_the_same_as_none_or_nan():
    model = fit(decisions(400)).pipeline
    applicants = decisions(30, seed=1)[list(SPEC.features)]
    applicants.loc[:9, ["education", "source_channel", "years_experience", "soft_skills"]] = None
    as_none = applicants.astype(object).where(applicants.notna(), None)
    as_nan = applicants.astype(object).where(applicants.notna(), np.nan)
    assert as_none.loc[0, "education"] is None and as_nan.loc[0, "education"] is not None
    np.testing.assert_array_equal(score(model, as_none), score(model, as_nan))
    np.testing.assert_array_equal(vote_share(model, as_none, 0.5), vote_share(model, as_nan, 0.5))


def test_the_vote_share_is_the_share_of_members_recommending_to_advance():
    model = fit(decisions(400)).pipeline
    applicants = decisions(50, seed=2)
    votes = vote_share(model, applicants, POLICY.advance_at)
    members = len(model[-1].calibrated_classifiers_)
    assert set(np.round(votes * members, 6)) <= set(range(members + 1))
    # Unanimous members agree with the averaged probability's side.
    p = score(model, applicants)
    assert all((p >= 0.5)[votes == 1]) and not any((p >= 0.5)[votes == 0])


def test_features_hash_is_sha256_of_the_canonical_json():
    features = {"years_experience": 4, "grade_average": 3.1, "n_skills": 3, "n_soft_skills": np.int64(1),
                "education": None, "international_experience": "true", "source_channel": "referral",
                "job_family": "sales", "soft_skills": "communication"}
    canonical = ('{"education":null,"grade_average":3.1,"international_experience":"true","job_family":"sales",'
                 '"n_skills":3.0,"n_soft_skills":1.0,"soft_skills":"communication","source_channel":"referral",'
                 '"years_experience":4.0}')
    assert features_hash(SPEC, features) == hashlib.sha256(canonical.encode()).hexdigest()
    assert json.loads(canonical).keys() == set(SPEC.features)
    assert features_hash(SPEC, {**features, "education": np.nan}) == features_hash(SPEC, features)
    assert features_hash(SPEC, {**features, "education": pd.NA}) == features_hash(SPEC, features)
    assert features_hash(SPEC, {**features, "years_experience": 4.0, "unused": "x"}) == features_hash(SPEC, features)
    assert features_hash(SPEC, {**features, "years_experience": 5}) != features_hash(SPEC, features)
    frame = pd.DataFrame([features, {**features, "education": float("nan")}])
    assert features_hashes(SPEC, frame) == [features_hash(SPEC, features)] * 2


def with_early_signals(frame: pd.DataFrame, newest: int, inside: tuple[int, ...] = ()) -> pd.DataFrame:
    """The newest `newest` rows (and the rows `inside`) labelled by 6-month early signals: no matured outcome."""
    early = np.zeros(len(frame), bool)
    early[len(frame) - newest:] = True
    early[list(inside)] = True
    return frame.assign(outcome=frame["label"].astype("boolean").where(~early),
                        label_source=np.where(early, "6m", "12m"))


def test_early_signals_are_learned_from_and_the_holdout_is_the_newest_matured_outcomes_none_learned_from():
    frame = with_early_signals(decisions(500), newest=100, inside=(350, 360))
    trained = fit(frame)
    matured = frame[frame["outcome"].notna()]
    holdout = matured.iloc[int(len(matured) * 0.75):]
    assert trained.n_holdout == len(holdout)
    assert trained.metrics["holdout_base_rate"] == pytest.approx(holdout["outcome"].astype(float).mean())
    assert trained.holdout_window == (holdout["decided_at"].iloc[0], holdout["decided_at"].iloc[-1])
    learned = set(trained.train_frame["application_id"])
    window = frame["decided_at"].between(*trained.holdout_window)
    assert learned == set(frame["application_id"][~window])  # the early rows inside the window are left out too
    assert trained.train_window[1] == frame["decided_at"].iloc[-1] > trained.holdout_window[1]
    assert (trained.metrics["train_labels_12m"], trained.metrics["train_labels_6m"]) == (
        (~window & frame["outcome"].notna()).sum(), 100)
    assert trained.metrics["train_labels_12m"] + trained.metrics["train_labels_6m"] == trained.n_train
    assert trained.description.startswith(
        f"Learned hire_success from {trained.n_train} rows: {trained.metrics['train_labels_12m']} with 12-month "
        f"outcomes, 100 with 6-month early signals (one row per {SPEC.unit})")
    assert f"judged on the newest {trained.n_holdout} matured 12-month outcomes" in trained.description


def test_only_matured_outcomes_count_towards_the_labels_a_version_needs():
    with pytest.raises(NotTrainable, match=f"^too few matured labels: 30 < {POLICY.min_training_labels}$"):
        fit(with_early_signals(decisions(130), newest=100))


def test_an_early_signal_replaced_by_its_outcome_is_new_data_even_where_they_agree():
    frame = with_early_signals(decisions(200), newest=50)
    matured = frame.assign(outcome=frame["label"].astype("boolean"), label_source="12m")
    assert fingerprint(frame, SPEC, "label") != fingerprint(matured, SPEC, "label")
    assert fingerprint(frame, replace(SPEC, early_labels=None), "label") == fingerprint(
        matured, replace(SPEC, early_labels=None), "label")


def test_a_spec_without_early_signals_says_it_learned_from_matured_outcomes():
    trained = fit(decisions(400), replace(SPEC, early_labels=None))
    assert trained.description.startswith(f"Learned hire_success from {trained.n_train} matured outcomes (")
    assert not any(k.startswith("train_labels_") for k in trained.metrics)


def test_a_training_window_over_the_cap_learns_from_a_random_sample_in_time_order_and_says_so():
    frame = decisions(400)
    policy = replace(POLICY, train_max_rows=120)
    trained = train(replace(SPEC, early_labels=None), frame, fingerprint(frame, SPEC, "label"), policy)
    learned = trained.train_frame
    assert trained.n_train == len(learned) == 120 and learned["decided_at"].is_monotonic_increasing
    assert set(learned["application_id"]) < set(frame["application_id"][:300])  # still none of the holdout
    assert learned.index.max() > 250 and learned.index.min() < 50  # drawn across the window, not its head
    assert trained.n_holdout == 100 and trained.metrics["train_rows_available"] == 300
    assert trained.description.startswith("Learned hire_success from a random sample of 120 of 300 matured outcomes")
