"""Retention: raw versions older than the retention period are deleted, the current state is kept.

The raw layer keeps every version of every record; staging reads only the latest one per key (the
`latest_version` dbt macro, whose order this follows). A version extracted before the cut-off that a
later version supersedes is history nobody reads any more and is deleted, with its protected
attributes and the quarantined rows of extracts before the cut-off (their values came from people).
The latest version of a record stays whatever its age: deleting it would delete the current
employee, not their history; a person whose relationship has ended is removed with `erase`.
`raw.ingest_log` keeps its rows (file names and counts, nothing personal): without them the old
landing files would be loaded again. The next dbt build is a full refresh: the incremental
point-in-time features were computed from versions now deleted.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from hr_pipeline.ingest.contracts import CONTRACTS
from hr_pipeline.ingest.parsing import ident
from hr_pipeline.privacy.audit import Removal, record
from hr_pipeline.warehouse.dbt_child import FINGERPRINT_TABLE

DAYS_PER_YEAR = 365.25


def cutoff(years: float, today: date | None = None) -> date:
    """The first extract date that is kept."""
    return (today or date.today()) - timedelta(days=round(years * DAYS_PER_YEAR))


def _delete_superseded(con: duckdb.DuckDBPyConnection, table: str, key: str, order: str, before: date) -> int:
    return con.execute(f"""
        DELETE FROM {table} WHERE _extract_date < $before AND rowid IN (
            SELECT rowid FROM {table}
            QUALIFY row_number() OVER (PARTITION BY {ident(key)} ORDER BY {order}) > 1)""",
        {"before": before}).fetchone()[0]


def apply_retention(con: duckdb.DuckDBPyConnection, before: date) -> list[Removal]:
    """Delete superseded raw and protected versions extracted before `before`, and the quarantine rows
    of extracts before it, in one transaction recorded in the audit table; what each table lost."""
    con.execute("BEGIN TRANSACTION")
    try:
        removals = []
        for contract in CONTRACTS:
            latest_first = f"{ident(contract.updated_at)} DESC, _extract_date DESC, _row_number DESC"
            removals.append(Removal(f"raw.{contract.table}", _delete_superseded(
                con, f"raw.{contract.table}", contract.key, latest_first, before)))
            if contract.protected_columns:
                removals.append(Removal(f"protected.{contract.table}", _delete_superseded(
                    con, f"protected.{contract.table}", contract.key, "_extract_date DESC, _row_number DESC", before)))
        removals.append(Removal("raw.quarantine", con.execute(
            "DELETE FROM raw.quarantine WHERE source_file IN "
            "(SELECT source_file FROM raw.ingest_log WHERE extract_date < $before)", {"before": before}
        ).fetchone()[0]))
        if any(r.removed for r in removals):  # point-in-time features were computed from some of them
            con.execute(f"DROP TABLE IF EXISTS {FINGERPRINT_TABLE}")
        record(con, "retention", f"versions extracted before {before.isoformat()}", removals)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return [r for r in removals if r.removed]
