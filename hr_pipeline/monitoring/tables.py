"""The tables the monitoring assets write, in one place: the review models read them as dbt sources.

Every monitoring asset creates all of them (empty until their own asset fills them), so the
review models build whichever monitoring assets have run.
"""

from __future__ import annotations

import duckdb

MONITORING_DDL = """
CREATE SCHEMA IF NOT EXISTS monitoring;
CREATE TABLE IF NOT EXISTS monitoring.drift_metrics (
    run_id VARCHAR, run_at TIMESTAMP, model_name VARCHAR, model_version VARCHAR, drift_kind VARCHAR,
    feature VARCHAR, method VARCHAR, score DOUBLE, threshold DOUBLE, drift_detected BOOLEAN,
    kind_drift BOOLEAN, reference_start DATE, reference_end DATE, reference_rows BIGINT,
    current_start DATE, current_end DATE, current_rows BIGINT, sampled BOOLEAN, report_path VARCHAR);
CREATE TABLE IF NOT EXISTS monitoring.performance_estimates (
    run_id VARCHAR, run_at TIMESTAMP, model_name VARCHAR, model_version VARCHAR, metric VARCHAR,
    window_start DATE, window_end DATE, rows BIGINT, estimated DOUBLE,
    matured_rows BIGINT, realised DOUBLE, estimation_error DOUBLE);
CREATE TABLE IF NOT EXISTS monitoring.fairness_audit (
    run_id VARCHAR, run_at TIMESTAMP, quarter_start DATE, decision VARCHAR, model_version VARCHAR,
    attribute VARCHAR, group_value VARCHAR, group_size BIGINT, selected BIGINT, selection_rate DOUBLE,
    reference_group VARCHAR, impact_ratio DOUBLE, not_ratioed_because VARCHAR, flagged BOOLEAN);
"""


def create_monitoring_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the monitoring schema's tables if missing; an older drift_metrics (before model_name) is
    replaced, since its rows cannot say which model or kind of drift they were about."""
    has_old_drift = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'monitoring' AND table_name = 'drift_metrics'"
    ).fetchone()[0] and not con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'monitoring' AND table_name = 'drift_metrics' "
        "AND column_name = 'model_name'").fetchone()[0]
    if has_old_drift:
        con.execute("DROP TABLE monitoring.drift_metrics")
    con.execute(MONITORING_DDL)
