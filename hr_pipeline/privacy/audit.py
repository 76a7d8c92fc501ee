"""The privacy audit trail: when an erasure or a retention run removed what, with no personal data.

`governance.erasure_log` has one row per table or file touched. An erasure names its person only
by a keyed hash of the person key (HMAC with the salt): whoever holds the salt and an address can
check that it was erased, nobody can read the key from it. `governance.erased_ids` keeps the same
keyed hash of every id erased, so that a later extract that still carries the person is dropped
on ingest (see `hr_pipeline.privacy.erasure.forget_erased`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import duckdb

from hr_pipeline.ingest.pseudonymise import GOVERNANCE_SCHEMA

AUDIT_TABLE = f"{GOVERNANCE_SCHEMA}.erasure_log"
ERASED_IDS_TABLE = f"{GOVERNANCE_SCHEMA}.erased_ids"
DDL = f"""
CREATE SCHEMA IF NOT EXISTS {GOVERNANCE_SCHEMA};
CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (
    erasure_id VARCHAR, recorded_at TIMESTAMP, action VARCHAR, subject VARCHAR, target VARCHAR,
    rows_removed BIGINT, rows_scrubbed BIGINT);
CREATE TABLE IF NOT EXISTS {ERASED_IDS_TABLE} (id_hash VARCHAR, erased_at TIMESTAMP);
"""


@dataclass(frozen=True)
class Removal:
    """What one table or file lost: rows deleted, and rows (or the file) whose values were blanked."""

    target: str  # schema.table, or a file path relative to the home
    removed: int
    scrubbed: int = 0


def ensure_audit_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def record(con: duckdb.DuckDBPyConnection, action: str, subject: str, removals: list[Removal]) -> str:
    """One audit row per touched target (a single row with no target when nothing was found, so the
    request itself is on record); returns the erasure id."""
    ensure_audit_tables(con)
    erasure_id = str(uuid.uuid4())
    rows = [(r.target, r.removed, r.scrubbed) for r in removals if r.removed or r.scrubbed] or [(None, 0, 0)]
    con.executemany(f"INSERT INTO {AUDIT_TABLE} VALUES (?, now(), ?, ?, ?, ?, ?)",
                    [(erasure_id, action, subject, *row) for row in rows])
    return erasure_id
