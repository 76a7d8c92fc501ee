"""`hr-pipeline models` as a person runs it, on a small warehouse with real fitted models: list, promote,
rollback, a tampered artifact refused, and a warehouse another process is writing."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import duckdb
import joblib
import numpy as np
import pandas as pd
import pytest
from cli_world import CLI, cli_env
from sklearn.linear_model import LogisticRegression

from hr_pipeline.cli import EXIT_FAILED, EXIT_LOCKED, EXIT_USAGE
from hr_pipeline.ml import registry
from hr_pipeline.resources import LOCK_WAIT_ENV
from hr_pipeline.settings import Settings

pytestmark = [pytest.mark.e2e]

X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])


def fitted(flip: bool) -> LogisticRegression:
    """A tiny real model; `flip` learns the opposite direction, so the two are told apart by their scores."""
    y = np.array([1, 1, 0, 1, 0, 0] if flip else [0, 0, 1, 0, 1, 1])
    return LogisticRegression().fit(X, y)


def trained(n: int, auc: float) -> SimpleNamespace:  # the fields of training.TrainedModel the registry reads
    return SimpleNamespace(
        algorithm="logistic_regression", metrics={"holdout_auc": auc, "holdout_brier": 0.2}, n_train=120 + n,
        n_holdout=40, fingerprint=f"data-{n}", profile={},
        train_window=(pd.Timestamp("2024-01-01"), pd.Timestamp(f"2024-0{n}-28")),
        holdout_window=(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-31")))


@pytest.fixture
def home(tmp_path) -> Path:
    """A warehouse whose hire_success has a champion (v1) and a challenger (v2), each with its artifact."""
    settings = Settings(tmp_path)
    settings.models_dir.mkdir()
    with duckdb.connect(str(settings.warehouse_path)) as con:
        for n, (flip, auc) in enumerate([(False, 0.68), (True, 0.74)], start=1):
            artifact = settings.models_dir / f"{registry.next_version(con, 'hire_success')}.joblib"
            joblib.dump(fitted(flip), artifact)
            fairness = {"impact_ratio": {"gender": 0.93, "ethnicity": 0.81 + n / 100}}
            registry.register(con, "hire_success", trained(n, auc), artifact, fairness, date(2026, 3, n))
    return tmp_path


def models(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, "models", *args, "--home", str(home)], env=cli_env(**env), capture_output=True,
                          text=True, timeout=120)


def serving(home: Path) -> tuple[str, str | None]:
    with duckdb.connect(str(Settings(home).warehouse_path)) as con:
        champion, challenger = registry.serving(con, "hire_success")
        return champion.version, challenger and challenger.version


def test_promote_then_rollback_through_the_cli_each_logged_with_its_reason(home):
    listed = models(home, "list")
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[1]: line.split() for line in listed.stdout.splitlines() if line.startswith("hire_success ")}
    assert rows["hire_success-v1"][2:3] == ["champion"] and rows["hire_success-v2"][2:3] == ["challenger"]
    assert "0.740" in rows["hire_success-v2"] and "0.83" in rows["hire_success-v2"]  # its lowest impact ratio
    assert "became_challenger" in listed.stdout

    promoted = models(home, "promote", "hire_success", "hire_success-v2", "--reason", "won the shared holdout")
    assert promoted.returncode == 0, promoted.stderr
    assert serving(home) == ("hire_success-v2", None)

    rolled = models(home, "rollback", "hire_success", "--reason", "recruiters report odd rankings")
    assert rolled.returncode == 0, rolled.stderr
    assert serving(home) == ("hire_success-v1", None)
    with duckdb.connect(str(Settings(home).warehouse_path)) as con:
        champion, _ = registry.serving(con, "hire_success")
        assert registry.load(champion).predict_proba([[5.0]])[0, 1] > 0.5  # v1's direction, not v2's
        log = con.execute("SELECT version, event, reason FROM ml.model_events WHERE actor = 'cli' "
                          "ORDER BY event_id").fetchall()
    assert log == [("hire_success-v2", "promoted", "won the shared holdout"),
                   ("hire_success-v1", "retired", "replaced as champion by hire_success-v2"),
                   ("hire_success-v2", "rolled_back", "hire_success-v1 restored: recruiters report odd rankings"),
                   ("hire_success-v2", "retired", "rolled back to hire_success-v1")]
    again = models(home, "rollback", "hire_success")
    assert again.returncode == EXIT_USAGE and "no earlier champion" in again.stderr


@pytest.mark.parametrize("args, named", [
    (("promote", "hire_success", "hire_success-v9"), "versions: hire_success-v1, hire_success-v2"),
    (("rollback", "attrition"), "models: hire_success"),
    (("list", "--model", "attrition"), "models: hire_success"),
])
def test_an_unknown_model_or_version_is_a_usage_error_naming_what_exists(home, args, named):
    result = models(home, *args)
    assert result.returncode == EXIT_USAGE and named in result.stderr
    assert serving(home) == ("hire_success-v1", "hire_success-v2")


def test_a_tampered_artifact_is_refused_by_promote_and_by_load(home):
    artifact = Settings(home).models_dir / "hire_success-v2.joblib"
    registered = registry.sha256(artifact)
    joblib.dump(fitted(flip=False), artifact)  # a different model under the registered name
    result = models(home, "promote", "hire_success", "hire_success-v2")
    assert result.returncode == EXIT_FAILED
    assert str(artifact) in result.stderr and registered in result.stderr and registry.sha256(artifact) in result.stderr
    assert serving(home) == ("hire_success-v1", "hire_success-v2")
    with duckdb.connect(str(Settings(home).warehouse_path)) as con:
        with pytest.raises(registry.TamperedArtifactError):
            registry.load(registry.get(con, "hire_success", "hire_success-v2"))
        assert con.execute("SELECT event, actor FROM ml.model_events ORDER BY event_id DESC LIMIT 1").fetchone() \
            == ("refused", "cli")


def test_a_warehouse_held_by_a_writer_is_waited_for_briefly_then_refused_in_one_clear_line(home):
    with duckdb.connect(str(Settings(home).warehouse_path)):
        result = models(home, "promote", "hire_success", "hire_success-v2", **{LOCK_WAIT_ENV: "1"})
    assert result.returncode == EXIT_LOCKED
    refusal = [line for line in result.stderr.splitlines() if line.startswith("hr-pipeline models:")]
    assert len(refusal) == 1 and str(Settings(home).warehouse_path) in refusal[0] and "locked" in refusal[0]
    assert serving(home) == ("hire_success-v1", "hire_success-v2")
