"""The ML and drift assets on a hand-built warehouse: too few matured labels registers no version and
says why, an earlier champion keeps serving, and without one everything downstream materialises empty."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from hr_pipeline.ml.assets import ml_assets, no_champion
from hr_pipeline.ml.spec import ATTRITION_RISK, HIRE_SUCCESS
from hr_pipeline.monitoring.assets import monitoring_assets
from hr_pipeline.resources import Warehouse
from hr_pipeline.settings import Policy

MIN_LABELS = Policy().min_training_labels


def build_warehouse(home: Path, matured: int, open_apps: int = 30) -> None:
    """`matured` hires with a matured 12-month outcome (experience drives success), `open_apps` open
    applications, an employee-month panel without matured labels, and the protected attributes."""
    home.mkdir(exist_ok=True)
    panel_features = ", ".join([*(f"1.0 * (i % 4) AS {c}" for c in ATTRITION_RISK.numerical),
                                *(f"'sales' AS {c}" for c in ATTRITION_RISK.categorical)])
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute(f"""
            CREATE SCHEMA IF NOT EXISTS marts; CREATE SCHEMA IF NOT EXISTS intermediate;
            CREATE SCHEMA IF NOT EXISTS protected;
            CREATE OR REPLACE TABLE intermediate.int_as_of AS SELECT DATE '2026-11-16' AS as_of_date;
            CREATE OR REPLACE TABLE marts.fct_decision_outcomes AS
            SELECT printf('A%05d', i) AS application_id, printf('C%05d', i) AS candidate_id,
                   i >= {matured} AS is_open, i < {matured} AS hired, i < {matured} AS hire_success_label_mature,
                   CASE WHEN i < {matured} THEN (i * 7 % 13) + (i % 3) * 2 >= 9 END AS hire_success,
                   CASE WHEN i < {matured} THEN (i * 7 % 13) + (i % 3) * 2 >= 9 END AS hire_success_training_label,
                   CASE WHEN i < {matured} THEN '12m' END AS hire_success_label_source,
                   CASE WHEN i < {matured} THEN TIMESTAMP '2024-01-01' + to_days(CAST(i * 500 / {matured} AS INTEGER))
                   END AS decided_at,
                   CASE WHEN i < {matured} THEN TIMESTAMP '2024-02-01' + to_days(CAST(i * 500 / {matured} AS INTEGER))
                   END AS offer_accepted_at,
                   TIMESTAMP '2024-01-01' + to_days(CAST(i * 500 / ({matured} + {open_apps}) AS INTEGER)) AS applied_at,
                   CAST(i * 7 % 13 AS DOUBLE) AS years_experience, 2.5 + i % 3 * 0.5 AS grade_average,
                   i % 5 + 1 AS n_skills, i % 3 AS n_soft_skills, ['bachelor', 'master'][i % 2 + 1] AS education,
                   i % 4 = 0 AS international_experience, ['referral', 'job_board'][i % 2 + 1] AS source_channel,
                   ['sales', 'engineering'][i % 2 + 1] AS job_family,
                   CASE WHEN i % 3 > 0 THEN 'communication' END AS soft_skills,
                   CASE WHEN i < {matured} THEN 'advance' END AS human_decision,
                   CASE WHEN i < {matured} THEN 'agrees_with_ai' END AS reason_code,
                   CASE WHEN i < {matured} THEN false END AS overrides_ai, 0.3 + i % 5 * 0.1 AS ai_score,
                   CASE WHEN i % 5 >= 2 THEN 'advance' ELSE 'reject' END AS ai_recommendation
            FROM range({matured} + {open_apps}) AS t(i);
            CREATE OR REPLACE TABLE marts.fct_employee_month AS
            SELECT printf('E%03d', i) AS employee_id, DATE '2026-11-01' AS month_start,
                   printf('P%03d', i) AS person_key, {panel_features},
                   NULL::BOOLEAN AS voluntary_exit_6m, false AS exit_label_mature,
                   true AS is_current_month, true AS is_active
            FROM range(20) AS t(i);
            CREATE OR REPLACE TABLE protected.ats_candidates AS
            SELECT printf('C%05d', i) AS candidate_id, ['female', 'male'][i % 2 + 1] AS gender,
                   '25_34' AS age_band, ['majority', 'minority'][i % 2 + 1] AS ethnicity,
                   DATE '2026-11-16' AS _extract_date, 1 AS _row_number
            FROM range({matured} + {open_apps}) AS t(i);
            CREATE OR REPLACE TABLE protected.hris_employees AS
            SELECT printf('E%03d', i) AS employee_id, 'female' AS gender, '25_34' AS age_band,
                   'majority' AS ethnicity, DATE '2026-11-16' AS _extract_date, 1 AS _row_number
            FROM range(20) AS t(i)""")


def materialize(home: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize([*ml_assets, *monitoring_assets], resources={"warehouse": Warehouse(home=str(home))},
                          instance=dg.DagsterInstance.ephemeral())


def metadata(result: dg.ExecuteInProcessResult, key: str) -> dict:
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == key]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_too_few_matured_labels_registers_nothing_and_everything_downstream_is_empty(tmp_path):
    build_warehouse(tmp_path, matured=20)
    result = materialize(tmp_path)
    assert result.success
    model = metadata(result, "ml/hire_success_model")
    assert model["reason"] == f"too few matured labels: 20 < {MIN_LABELS}; no new version registered"
    assert (model["retrained"], model["serving"]) == (False, no_champion(HIRE_SUCCESS))
    assert metadata(result, "ml/attrition_risk_model")["serving"] == no_champion(ATTRITION_RISK)
    assert metadata(result, "ml/application_scores")["model_version"] == no_champion(HIRE_SUCCESS)
    assert metadata(result, "ml/review_queue")["queued"] == 0
    assert metadata(result, "ml/attrition_high_risk")["listed"] == 0
    drift = metadata(result, "monitoring/drift_metrics")
    assert drift[HIRE_SUCCESS.name] == f"skipped: {no_champion(HIRE_SUCCESS)}, no drift to measure"
    assert drift["alarms"] == {}
    assert metadata(result, "monitoring/performance_estimates")[HIRE_SUCCESS.name].startswith("skipped")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        counts = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (
            "ml.model_registry", "ml.application_scores", "ml.recommendation_log", "ml.review_queue",
            "ml.attrition_scores", "ml.score_explanations", "monitoring.drift_metrics",
            "monitoring.performance_estimates")]
        columns = {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() "
                                             "WHERE table_name = 'recommendation_log'").fetchall()}
    assert counts == [0] * 8
    assert {"model_version", "arm", "features_hash", "reasons", "routing_reason", "run_id"} <= columns


def test_an_earlier_champion_keeps_serving_when_new_data_is_too_thin(tmp_path):
    build_warehouse(tmp_path, matured=200)
    first = materialize(tmp_path)
    assert metadata(first, "ml/hire_success_model")["role"] == "champion"
    build_warehouse(tmp_path, matured=25)  # e.g. after an erasure, or a shorter extract history
    second = materialize(tmp_path)
    assert second.success
    model = metadata(second, "ml/hire_success_model")
    assert (model["retrained"], model["serving"]) == (False, "hire_success-v1")
    scores = metadata(second, "ml/application_scores")
    assert (scores["model_version"], scores["scored"], scores["served_by_champion"]) == ("hire_success-v1", 30, 30)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        versions = con.execute("SELECT version FROM ml.model_registry WHERE model_name = 'hire_success'").fetchall()
        aliases = con.execute("SELECT alias, version FROM ml.model_aliases").fetchall()
        runs = con.execute("SELECT count(DISTINCT run_id), count(*) FROM ml.recommendation_log").fetchone()
        explained = con.execute("SELECT count(DISTINCT subject_id), max(rank) FROM ml.score_explanations "
                                "WHERE model_name = 'hire_success'").fetchone()
    assert versions == [("hire_success-v1",)]
    assert aliases == [("champion", "hire_success-v1")]
    assert runs == (2, 30 + 30)
    assert explained == (30, 3)


def test_an_empty_decision_table_is_not_a_failure(tmp_path):
    build_warehouse(tmp_path, matured=0, open_apps=0)
    result = materialize(tmp_path)
    assert result.success
    assert metadata(result, "ml/hire_success_model")["matured_labels"] == 0
