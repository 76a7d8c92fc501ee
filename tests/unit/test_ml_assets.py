"""The ML and drift assets on a hand-built warehouse: too few matured decisions registers no version and
says why, an earlier champion keeps serving, and without one everything downstream materialises empty."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from hr_pipeline.ml.assets import NO_CHAMPION, application_scores, hire_success_model, review_queue
from hr_pipeline.ml.training import MIN_TRAINING_ROWS
from hr_pipeline.monitoring.assets import drift_metrics
from hr_pipeline.resources import Warehouse

ML_ASSETS = [hire_success_model, application_scores, review_queue, drift_metrics]


def build_warehouse(home: Path, matured: int, open_apps: int = 30) -> None:
    """`matured` hires with a 12-month outcome (experience drives success) and `open_apps` open applications."""
    home.mkdir(exist_ok=True)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("""
            CREATE SCHEMA IF NOT EXISTS marts; CREATE SCHEMA IF NOT EXISTS intermediate;
            CREATE OR REPLACE TABLE intermediate.int_as_of AS SELECT DATE '2026-11-16' AS as_of_date;
            CREATE OR REPLACE TABLE marts.fct_decision_outcomes AS
            SELECT printf('A%05d', i) AS application_id,
                   i >= $matured AS is_open, i < $matured AS hired, i < $matured AS matured_12m,
                   CASE WHEN i < $matured THEN (i * 7 % 13) + (i % 3) * 2 >= 9 END AS hire_success,
                   TIMESTAMP '2024-01-01' + to_days(CAST(i * 500 / ($matured + $open) AS INTEGER)) AS decided_at,
                   TIMESTAMP '2024-01-01' + to_days(CAST(i * 500 / ($matured + $open) AS INTEGER)) AS applied_at,
                   CAST(i * 7 % 13 AS DOUBLE) AS years_experience, i % 5 + 1 AS n_skills, i % 3 AS n_soft_skills,
                   ['bachelor', 'master'][i % 2 + 1] AS education, i % 4 = 0 AS international_experience,
                   ['referral', 'job_board'][i % 2 + 1] AS source_channel,
                   ['sales', 'engineering'][i % 2 + 1] AS job_family
            FROM range($matured + $open) AS t(i)""", {"matured": matured, "open": open_apps})


def materialize(home: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(ML_ASSETS, resources={"warehouse": Warehouse(home=str(home))},
                          instance=dg.DagsterInstance.ephemeral())


def metadata(result: dg.ExecuteInProcessResult, key: str) -> dict:
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == key]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_too_few_matured_decisions_registers_nothing_and_everything_downstream_is_empty(tmp_path):
    build_warehouse(tmp_path, matured=20)
    result = materialize(tmp_path)
    assert result.success
    model = metadata(result, "ml/hire_success_model")
    assert model["reason"] == f"too few matured decisions: 20 < {MIN_TRAINING_ROWS}; no new version registered"
    assert (model["retrained"], model["serving"]) == (False, NO_CHAMPION)
    assert metadata(result, "ml/application_scores")["model_version"] == NO_CHAMPION
    assert metadata(result, "ml/review_queue")["scored"] == 0
    assert metadata(result, "monitoring/drift_metrics")["skipped"] == f"{NO_CHAMPION}: no drift to measure"
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        counts = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (
            "ml.model_registry", "ml.application_scores", "ml.recommendation_log", "ml.review_queue",
            "monitoring.drift_metrics")]
        columns = {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() "
                                             "WHERE table_name = 'recommendation_log'").fetchall()}
    assert counts == [0] * 5
    assert {"model_version", "features_hash", "routing_reason", "run_id"} <= columns


def test_an_earlier_champion_keeps_serving_when_new_data_is_too_thin(tmp_path):
    build_warehouse(tmp_path, matured=200)
    first = materialize(tmp_path)
    assert metadata(first, "ml/hire_success_model")["status"] == "champion"
    build_warehouse(tmp_path, matured=25)  # e.g. after an erasure, or a shorter extract history
    second = materialize(tmp_path)
    assert second.success
    model = metadata(second, "ml/hire_success_model")
    assert (model["retrained"], model["serving"]) == (False, "hire_success-v1")
    assert metadata(second, "ml/application_scores") == {"model_version": "hire_success-v1", "scored": 30}
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        versions = con.execute("SELECT version, status FROM ml.model_registry").fetchall()
        runs = con.execute("SELECT count(DISTINCT run_id), count(*) FROM ml.recommendation_log").fetchone()
    assert versions == [("hire_success-v1", "champion")]
    assert runs == (2, 30 + 30)


def test_an_empty_decision_table_is_not_a_failure(tmp_path):
    build_warehouse(tmp_path, matured=0, open_apps=0)
    result = materialize(tmp_path)
    assert result.success
    assert metadata(result, "ml/hire_success_model")["matured_decisions"] == 0
