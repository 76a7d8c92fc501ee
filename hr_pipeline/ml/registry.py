"""The model registry: every trained model with its version, data window, fingerprint and metrics.

The first model becomes champion; a later one replaces it only if its holdout AUC is at least as
good, otherwise it stays a challenger. Training on data with the same fingerprint as an existing
version registers nothing new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.metadata import version as package_version

import duckdb

DDL = """
CREATE SCHEMA IF NOT EXISTS ml;
CREATE TABLE IF NOT EXISTS ml.model_registry (
    model_name VARCHAR, version VARCHAR, status VARCHAR, trained_at TIMESTAMP,
    train_start TIMESTAMP, train_end TIMESTAMP, holdout_start TIMESTAMP, holdout_end TIMESTAMP,
    n_train BIGINT, n_holdout BIGINT, holdout_auc DOUBLE, holdout_brier DOUBLE,
    fingerprint VARCHAR, code_version VARCHAR, artifact_path VARCHAR, metadata JSON);
"""


@dataclass(frozen=True)
class RegisteredModel:
    model_name: str
    version: str
    status: str
    holdout_auc: float
    artifact_path: str
    fingerprint: str
    train_start: object
    train_end: object
    metadata: dict


def _row_to_model(row) -> RegisteredModel:
    name, version, status, auc, path, fp, start, end, meta = row
    return RegisteredModel(name, version, status, auc, path, fp, start, end, json.loads(meta or "{}"))


_COLUMNS = "model_name, version, status, holdout_auc, artifact_path, fingerprint, train_start, train_end, metadata"


def champion(con: duckdb.DuckDBPyConnection, model_name: str) -> RegisteredModel | None:
    con.execute(DDL)
    row = con.execute(f"SELECT {_COLUMNS} FROM ml.model_registry WHERE model_name = ? AND status = 'champion'",
                      [model_name]).fetchone()
    return _row_to_model(row) if row else None


def find_by_fingerprint(con: duckdb.DuckDBPyConnection, model_name: str, fingerprint: str) -> RegisteredModel | None:
    con.execute(DDL)
    row = con.execute(f"SELECT {_COLUMNS} FROM ml.model_registry WHERE model_name = ? AND fingerprint = ?",
                      [model_name, fingerprint]).fetchone()
    return _row_to_model(row) if row else None


def next_version(con: duckdb.DuckDBPyConnection, model_name: str) -> str:
    con.execute(DDL)
    n = con.execute("SELECT count(*) FROM ml.model_registry WHERE model_name = ?", [model_name]).fetchone()[0]
    return f"{model_name}-v{n + 1}"


def register(con: duckdb.DuckDBPyConnection, model_name: str, version: str, trained, artifact_path: str) -> str:
    """Store a trained model's entry and decide its status; returns the status."""
    current = champion(con, model_name)
    auc = trained.metrics["holdout_auc"]
    promote = current is None or auc >= current.holdout_auc
    status = "champion" if promote else "challenger"
    if promote and current is not None:
        con.execute("UPDATE ml.model_registry SET status = 'retired' WHERE model_name = ? AND version = ?",
                    [model_name, current.version])
    con.execute(
        "INSERT INTO ml.model_registry VALUES (?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [model_name, version, status, *trained.train_window, *trained.holdout_window, trained.n_train,
         trained.n_holdout, auc, trained.metrics["holdout_brier"], trained.fingerprint,
         package_version("hr-pipeline"), artifact_path,
         json.dumps({"metrics": trained.metrics, "job_families": trained.job_families})],
    )
    return status
