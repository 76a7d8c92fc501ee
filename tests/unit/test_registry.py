"""The registry: versions with their artifact's hash, champion and challenger aliases, an event log that says
why, rollback through earlier champions, a stable challenger arm, and the promotion rule."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import joblib
import pandas as pd
import pytest

from hr_pipeline.ml import registry
from hr_pipeline.settings import Policy

AS_OF = date(2026, 3, 2)
FAIRNESS = {"selection_rate": {"gender": {"female": 0.3, "male": 0.33}}, "impact_ratio": {"gender": 0.91}}


@dataclass
class Trained:  # the fields of training.TrainedModel the registry reads
    fingerprint: str
    auc: float = 0.7
    algorithm: str = "logistic_regression"
    n_train: int = 100
    n_holdout: int = 30
    train_window: tuple = (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
    holdout_window: tuple = (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-31"))
    profile: dict = field(default_factory=lambda: {"numeric": {"years_experience": [0.0, 30.0]}, "categories": {}})

    @property
    def metrics(self):
        return {"holdout_auc": self.auc, "holdout_brier": 0.2, "cv_auc_logistic_regression": self.auc - 0.01}


@pytest.fixture
def con():
    return duckdb.connect()


@pytest.fixture
def add(con, tmp_path):
    """Register a version of model `m` with a real artifact file, as the training asset does."""
    def add(fingerprint: str, as_of: date = AS_OF, **trained) -> str:
        artifact = tmp_path / f"{registry.next_version(con, 'm')}.joblib"
        joblib.dump({"model": fingerprint}, artifact)
        return registry.register(con, "m", Trained(fingerprint, **trained), artifact, FAIRNESS, as_of)
    return add


def aliases(con) -> dict[str, str]:
    return dict(con.execute("SELECT alias, version FROM ml.model_aliases WHERE model_name = 'm'").fetchall())


def events(con) -> list[tuple[str, str]]:
    return con.execute("SELECT version, event FROM ml.model_events ORDER BY event_id").fetchall()


def test_first_version_serves_as_champion_later_ones_as_challenger_replacing_the_earlier_challenger(con, add):
    assert add("a", auc=0.70) == "m-v1"
    assert add("b", auc=0.90) == "m-v2"  # better, but promoted only by an evaluation or a person
    assert aliases(con) == {"champion": "m-v1", "challenger": "m-v2"}
    assert add("c") == "m-v3"
    assert aliases(con) == {"champion": "m-v1", "challenger": "m-v3"}
    assert events(con) == [("m-v1", "trained"), ("m-v1", "became_champion"),
                           ("m-v2", "trained"), ("m-v2", "became_challenger"),
                           ("m-v3", "trained"), ("m-v2", "retired"), ("m-v3", "became_challenger")]
    champion, challenger = registry.serving(con, "m")
    assert (champion.version, challenger.version) == ("m-v1", "m-v3")
    assert registry.serving(con, "other") == (None, None)


def test_a_version_keeps_what_it_was_trained_on_and_its_artifact_hash(con, add, tmp_path):
    add("a", auc=0.74, algorithm="hist_gradient_boosting")
    entry = registry.get(con, "m", "m-v1")
    assert (entry.algorithm, entry.holdout_auc, entry.n_train, entry.n_holdout) == ("hist_gradient_boosting", 0.74,
                                                                                    100, 30)
    assert entry.train_start == pd.Timestamp("2024-01-01") and entry.holdout_end == pd.Timestamp("2025-03-31")
    assert entry.fairness == FAIRNESS and entry.profile["numeric"] == {"years_experience": [0.0, 30.0]}
    assert entry.metrics["cv_auc_logistic_regression"] == pytest.approx(0.73)
    assert entry.artifact_sha256 == registry.sha256(tmp_path / "m-v1.joblib") and entry.code_version
    assert registry.find_by_fingerprint(con, "m", "a").version == "m-v1"
    assert registry.find_by_fingerprint(con, "m", "zzz") is None
    with pytest.raises(registry.RegistryError, match="no version m-v9 of m.*versions: m-v1"):
        registry.get(con, "m", "m-v9")


def test_a_changed_or_missing_artifact_is_refused_naming_the_file_and_both_hashes(con, add, tmp_path):
    add("a")
    entry = registry.get(con, "m", "m-v1")
    assert registry.load(entry) == {"model": "a"}
    path = tmp_path / "m-v1.joblib"
    joblib.dump({"model": "swapped"}, path)
    with pytest.raises(registry.TamperedArtifactError) as refused:
        registry.load(entry)
    assert str(path) in str(refused.value)
    assert entry.artifact_sha256 in str(refused.value) and registry.sha256(path) in str(refused.value)
    path.unlink()
    with pytest.raises(registry.TamperedArtifactError, match="is missing"):
        registry.load(entry)


def test_promotion_retires_the_champion_and_rollback_walks_back_through_earlier_champions(con, add):
    for fingerprint in "abc":
        add(fingerprint)
    registry.promote(con, "m", "m-v2", "by hand", "cli")  # a retired version: the challenger stays one
    assert aliases(con) == {"champion": "m-v2", "challenger": "m-v3"}
    registry.promote(con, "m", "m-v3", "better on the shared holdout", "cli")
    assert aliases(con) == {"champion": "m-v3"}
    assert registry.rollback(con, "m", "complaints", "cli") == "m-v2"
    assert registry.rollback(con, "m", "still wrong", "cli") == "m-v1"
    assert aliases(con) == {"champion": "m-v1"}
    with pytest.raises(registry.RegistryError, match="no earlier champion.*m-v1 is its only one"):
        registry.rollback(con, "m", "again", "cli")
    with pytest.raises(registry.RegistryError, match="already the champion"):
        registry.promote(con, "m", "m-v1", "", "cli")
    log = con.execute("""SELECT version, event, reason, figures, actor FROM ml.model_events
                         WHERE event_id > (SELECT max(event_id) FROM ml.model_events WHERE event = 'became_challenger')
                         ORDER BY event_id""").fetchall()
    assert [row[:2] for row in log] == [("m-v2", "promoted"), ("m-v1", "retired"),
                                        ("m-v3", "promoted"), ("m-v2", "retired"),
                                        ("m-v3", "rolled_back"), ("m-v3", "retired"),
                                        ("m-v2", "rolled_back"), ("m-v2", "retired")]
    assert {row[4] for row in log} == {"cli"}
    assert log[4][2] == "m-v2 restored: complaints"
    assert json.loads(log[4][3]) == {"rolled_back": "m-v3", "restored": "m-v2"}


def test_a_tampered_artifact_is_not_put_into_service_and_the_refusal_is_logged(con, add, tmp_path):
    add("a")
    add("b")
    (tmp_path / "m-v2.joblib").write_bytes(b"not the trained model")
    with pytest.raises(registry.TamperedArtifactError):
        registry.promote(con, "m", "m-v2", "by hand", "cli")
    assert aliases(con) == {"champion": "m-v1", "challenger": "m-v2"}
    assert events(con)[-1] == ("m-v2", "refused")


def test_the_challenger_arm_is_stable_and_holds_its_share():
    ids = [f"A{i:08d}" for i in range(2_000)]
    arms = [registry.arm(i, Policy().challenger_share) for i in ids]
    assert abs(arms.count("challenger") / len(ids) - Policy().challenger_share) <= 0.03
    assert arms == [registry.arm(i, Policy().challenger_share) for i in ids]
    assert {registry.arm(i, 0.0) for i in ids} == {"champion"}


def test_the_challenger_arm_is_independent_of_the_random_review_sample():
    from hr_pipeline.ml import routing
    from hr_pipeline.ml.spec import HIRE_SUCCESS

    frame = pd.DataFrame({"application_id": [f"A{i:08d}" for i in range(20_000)]})
    in_sample = routing.stable_draw(HIRE_SUCCESS, frame, routing.RANDOM_SAMPLE_SALT) < Policy().random_sample_share
    challenger = pd.Series([registry.arm(i, Policy().challenger_share) == "challenger"
                            for i in frame["application_id"]])
    assert abs(challenger[in_sample].mean() - Policy().challenger_share) <= 0.03
    same_draw = routing.stable_draw(HIRE_SUCCESS, frame, registry.ARM_SALT) < Policy().challenger_share
    assert challenger.tolist() == same_draw.tolist()


@pytest.mark.parametrize("challenger, promoted, why", [
    ({"auc": 0.75, "impact_ratio": {"gender": 0.9, "ethnicity": 0.8}}, True, "AUC 0.750 against 0.700"),
    ({"auc": 0.705, "impact_ratio": {"gender": 0.9, "ethnicity": 0.8}}, False, "not better by the margin"),
    ({"auc": 0.75, "impact_ratio": {"gender": 0.9, "ethnicity": 0.7}}, False, "ethnicity would fall"),
    ({"auc": 0.75, "impact_ratio": {"gender": 0.9, "ethnicity": None}}, False, "0.800 to undefined"),
])
def test_promotion_needs_the_margin_on_the_same_holdout_and_no_lower_impact_ratio(challenger, promoted, why):
    champion = {"auc": 0.70, "impact_ratio": {"gender": 0.9, "ethnicity": 0.8}}
    decided, reason = registry.decide(champion, challenger, Policy())
    assert decided is promoted and why in reason


def test_the_evaluation_is_due_after_the_window_of_data_time_and_its_decision_is_logged(con, add):
    policy = Policy()
    add("a")
    add("b", as_of=AS_OF)
    window = timedelta(weeks=policy.evaluation_window_weeks)
    assert not registry.evaluation_due(con, "m", AS_OF + window - timedelta(days=1), policy)
    assert registry.evaluation_due(con, "m", AS_OF + window, policy)
    champion = {"auc": 0.70, "impact_ratio": {"gender": 0.9}}
    promoted, _ = registry.conclude_evaluation(con, "m", champion, {"auc": 0.69, "impact_ratio": {"gender": 0.9}},
                                               policy, AS_OF + window)
    assert not promoted and aliases(con) == {"champion": "m-v1"}
    assert events(con)[-2:] == [("m-v2", "refused"), ("m-v2", "retired")]
    assert not registry.evaluation_due(con, "m", AS_OF + 2 * window, policy)  # no challenger left
    add("c", as_of=AS_OF + window)
    promoted, reason = registry.conclude_evaluation(con, "m", champion, {"auc": 0.8, "impact_ratio": {"gender": 1}},
                                                    policy, AS_OF + 2 * window)
    assert promoted and aliases(con) == {"champion": "m-v3"}
    figures = json.loads(con.execute("SELECT figures FROM ml.model_events WHERE event = 'promoted'").fetchone()[0])
    assert figures["challenger"]["auc"] == 0.8 and figures["margin"] == policy.promotion_margin


def test_a_registry_from_before_aliases_is_kept_as_retired_history(con, tmp_path):
    con.execute("""CREATE SCHEMA ml; CREATE TABLE ml.model_registry (
        model_name VARCHAR, version VARCHAR, status VARCHAR, trained_at TIMESTAMP,
        train_start TIMESTAMP, train_end TIMESTAMP, holdout_start TIMESTAMP, holdout_end TIMESTAMP,
        n_train BIGINT, n_holdout BIGINT, holdout_auc DOUBLE, holdout_brier DOUBLE,
        fingerprint VARCHAR, code_version VARCHAR, artifact_path VARCHAR, metadata JSON);
        INSERT INTO ml.model_registry VALUES ('m', 'm-v1', 'champion', now(), '2024-01-01', '2024-12-31',
            '2025-01-01', '2025-03-31', 69, 24, 0.53, 0.29, 'old', '0.1.0', '/gone/m-v1.joblib',
            '{"metrics": {"holdout_auc": 0.53}, "job_families": ["sales"]}')""")
    assert registry.serving(con, "m") == (None, None)  # its features are not the current spec's
    assert events(con) == [("m-v1", "retired")]
    assert registry.get(con, "m", "m-v1").metrics == {"holdout_auc": 0.53}
    artifact = tmp_path / "m-v2.joblib"
    joblib.dump({}, artifact)
    assert registry.register(con, "m", Trained("new"), artifact, FAIRNESS, AS_OF) == "m-v2"
    assert aliases(con) == {"champion": "m-v2"}
    with pytest.raises(registry.TamperedArtifactError, match="no registered content hash"):
        registry.promote(con, "m", "m-v1", "back to the old one", "cli")
