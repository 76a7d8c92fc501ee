"""int_quarterly_operations against a hand-made registry, gate and audit history in a small warehouse: each
figure is known in advance, so the model is held to the KPI definitions without building a world."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest
from dbt_cli import dbt_on

from hr_pipeline.ml import registry
from hr_pipeline.monitoring.tables import create_monitoring_tables
from hr_pipeline.quality.checks import DQ_RESULTS_DDL

AS_OF = date(2025, 11, 16)


def event(as_of, model, version, kind, figures=None, logged_at="2025-12-01 09:00:00", actor="pipeline"):
    return (logged_at, as_of, model, version, kind, "hand-made", json.dumps(figures) if figures else None, actor)


def evaluation(champion_auc: float, challenger_auc: float) -> dict:
    return {"champion": {"auc": champion_auc, "impact_ratio": {}}, "challenger": {"auc": challenger_auc,
                                                                                   "impact_ratio": {}}, "margin": 0.01}


EVENTS = [
    event("2025-01-06", "hire_success", "hire_success-v1", "trained"),
    event("2025-01-06", "hire_success", "hire_success-v1", "became_champion"),
    event("2025-04-07", "hire_success", "hire_success-v2", "trained"),
    event("2025-04-07", "hire_success", "hire_success-v2", "became_challenger"),
    event("2025-05-05", "hire_success", "hire_success-v2", "promoted", evaluation(0.70, 0.77)),  # +10 %, 28 days
    event("2025-05-05", "hire_success", "hire_success-v1", "retired"),
    event("2025-04-14", "attrition_risk", "attrition_risk-v2", "trained"),
    event("2025-06-16", "attrition_risk", "attrition_risk-v2", "promoted", evaluation(0.80, 0.84)),  # +5 %, 63 days
    event("2025-05-12", "hire_success", "hire_success-v3", "trained"),
    event("2025-06-09", "hire_success", "hire_success-v3", "refused", evaluation(0.77, 0.76)),  # not a promotion
    event("2025-07-07", "hire_success", "hire_success-v4", "trained"),
    # by hand from the command line: no data date, no evaluation figures; 25 days after its training data
    event(None, "hire_success", "hire_success-v4", "promoted", logged_at="2025-08-01 10:00:00", actor="cli"),
]


def gate(run_id, table, validated_at, success, severity="critical"):
    return (run_id, table, "expect_column_values_to_not_be_null", "x", 1.0, 0.95, success, validated_at,
            "completeness", severity)


GATE = [
    gate("r1", "marts.fct_hires", "2025-04-01 08:00:00", True),
    gate("r2", "marts.fct_hires", "2025-04-08 08:00:00", False),  # first failure ...
    gate("r2", "marts.fct_hires", "2025-04-08 08:00:00", True),
    gate("r3", "marts.fct_hires", "2025-04-08 20:00:00", False),  # ... still failing ...
    gate("r4", "marts.fct_hires", "2025-04-09 14:00:00", True),  # ... fixed: 30 hours
    gate("r5", "marts.fct_applications", "2025-07-01 00:00:00", False),  # its first validation fails ...
    gate("r5", "quality.extract_freshness", "2025-07-01 00:00:00", False, "warning"),  # a warning blocks nothing
    gate("r6", "marts.fct_applications", "2025-07-03 00:00:00", True),  # ... fixed: 48 hours
    gate("r6", "quality.extract_freshness", "2025-07-03 00:00:00", False, "warning"),
    gate("r7", "marts.fct_hires", "2025-10-01 00:00:00", False),  # not fixed yet: no figure
]


def audit(run_at, quarter, group, ratio, flagged):
    return ("a-" + run_at, run_at, quarter, "recruiter_advance", None, "ethnicity", group, 100, 50, 0.5, "majority",
            ratio, None if ratio is not None else "below_min_group", flagged)


AUDIT = [
    # an earlier audit of the quarter, superseded by the later one
    audit("2025-07-01 06:00:00", "2025-04-01", "minority", 0.5, True),
    audit("2025-07-01 06:00:00", "2025-04-01", "other", 0.6, True),
    audit("2025-07-01 06:00:00", "2025-04-01", "mixed", 0.7, True),
    audit("2025-07-08 06:00:00", "2025-04-01", "majority", 1.0, False),
    audit("2025-07-08 06:00:00", "2025-04-01", "minority", 0.7, True),
    audit("2025-07-08 06:00:00", "2025-04-01", "other", 0.75, True),
    audit("2025-07-08 06:00:00", "2025-04-01", "mixed", None, False),
]


@pytest.fixture(scope="module")
def operations(tmp_path_factory) -> dict[date, tuple]:
    home = tmp_path_factory.mktemp("operations")
    path = home / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(f"""
            CREATE SCHEMA marts; CREATE SCHEMA intermediate;
            CREATE TABLE marts.fct_applications AS SELECT TIMESTAMP '2025-01-15 10:00:00' AS applied_at;
            CREATE TABLE intermediate.int_as_of AS
                SELECT DATE '{AS_OF}' AS as_of_date, DATE '{AS_OF}' AS hris_as_of_date;
            {DQ_RESULTS_DDL}""")
        registry.ensure_tables(con)
        create_monitoring_tables(con)
        con.executemany("INSERT INTO ml.model_events (logged_at, as_of, model_name, version, event, reason, figures, "
                        "actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", EVENTS)
        con.executemany("INSERT INTO quality.dq_results (run_id, table_name, expectation, column_name, observed, "
                        "threshold, success, validated_at, expectation_class, severity) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", GATE)
        con.executemany(f"INSERT INTO monitoring.fairness_audit VALUES ({', '.join('?' * 14)})", AUDIT)
    dbt_on(path, "build", "int_quarterly_operations")
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("""SELECT quarter_start, model_improvement_share, promotions, time_to_impact_days,
                                     error_fix_hours, gate_failures_fixed, fairness_flags, fairness_ratios_audited
                              FROM marts.int_quarterly_operations ORDER BY quarter_start""").fetchall()
    return {row[0]: row[1:] for row in rows}


def test_one_row_per_quarter_from_the_first_application_to_the_as_of_quarter(operations):
    assert list(operations) == [date(2025, 1, 1), date(2025, 4, 1), date(2025, 7, 1), date(2025, 10, 1)]


def test_model_improvement_and_time_to_impact_from_the_registry_events(operations):
    improvement, promotions, days = operations[date(2025, 4, 1)][:3]
    assert promotions == 2  # the refused challenger is no promotion
    assert improvement == pytest.approx((0.10 + 0.05) / 2)
    assert days == pytest.approx((28 + 63) / 2)
    # a promotion by hand has no evaluation on a shared holdout: counted, without an improvement figure
    assert operations[date(2025, 7, 1)][:3] == (None, 1, pytest.approx(25))
    assert operations[date(2025, 1, 1)][:3] == (None, 0, None)  # the first champion is no promotion


def test_error_fix_hours_from_the_first_blocking_failure_to_the_next_passing_run(operations):
    assert operations[date(2025, 4, 1)][3:5] == (pytest.approx(30), 1)
    assert operations[date(2025, 7, 1)][3:5] == (pytest.approx(48), 1)
    assert operations[date(2025, 10, 1)][3:5] == (None, 0)  # still failing


def test_fairness_flags_from_the_latest_audit_and_null_where_none_ran(operations):
    assert operations[date(2025, 4, 1)][5:] == (2, 3)
    assert operations[date(2025, 7, 1)][5:] == (None, None)
