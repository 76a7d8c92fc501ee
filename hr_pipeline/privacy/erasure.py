"""Erase one person (GDPR art. 17) from every schema of the warehouse, the BI exports and the reports.

What belongs to a person follows from the extract contract: the records of a pseudonymised entity
with their person key (ATS candidates, HRIS employees), then every record that refers to one of
those by key (applications of the candidate, stage events and decisions of those applications,
timesheets and reviews of the employee, ...), parents first. Every table of every schema then loses
the rows whose person key or id column (a contract key, or a column holding any record's key) is
one of those values; in the rows that stay, a text value equal to one is blanked (a manager id
pointing at the person) and one containing one has it replaced by `[erased]`. The next run rebuilds
the dbt tables from the cleaned raw layer; until then they hold nobody erased either.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import duckdb

from hr_pipeline.ingest.contracts import CONTRACTS, SYSTEMS, Contract, contracts_of
from hr_pipeline.ingest.parsing import ident, quote
from hr_pipeline.ingest.pseudonymise import GOVERNANCE_SCHEMA, register_person_key
from hr_pipeline.privacy.audit import ERASED_IDS_TABLE, Removal, ensure_audit_tables, record
from hr_pipeline.settings import DuckDBLimits, Settings

log = logging.getLogger(__name__)

ERASED = "[erased]"
PERSON_KEY = "person_key"
ANY_ID_COLUMNS = ("record_key", "person_id")  # columns holding the key of a record of whichever entity
_TEXT_TYPES = ("VARCHAR", "JSON")


def person_entities() -> list[tuple[Contract, tuple[str, ...]]]:
    """Each contract whose records belong to one person, with the columns that tie a record to
    them (`person_key`, or the key of another such entity), parents before children."""
    found: dict[str, tuple[Contract, tuple[str, ...]]] = {}
    owned_keys: set[str] = set()
    while True:
        new = [(c, links) for c in CONTRACTS if c.table not in found
               and (links := (PERSON_KEY,) if c.pseudonymised else
                    tuple(col.name for col in c.columns if col.name != c.key and col.name in owned_keys))]
        if not new:
            return list(found.values())
        for contract, links in new:
            found[contract.table] = (contract, links)
            owned_keys.add(contract.key)


def id_columns() -> set[str]:
    """Column names whose value identifies a person's record wherever they appear."""
    return {PERSON_KEY, *ANY_ID_COLUMNS, *(c.key for c, _ in person_entities())}


def collect_ids(con: duckdb.DuckDBPyConnection, match: Callable[[str], str] = str, scope: str = "true",
                systems: tuple[str, ...] = SYSTEMS) -> None:
    """Add to the temp table `_erased(id)` the key (as `match` turns it) of every raw record of
    `systems` within `scope` tied to a value already there."""
    for contract, links in person_entities():
        if contract.system not in systems:
            continue
        tied = " OR ".join(f"{match(link)} IN (SELECT id FROM _erased)" for link in links)
        con.execute(f"""INSERT INTO _erased SELECT DISTINCT {match(contract.key)} FROM raw.{contract.table}
                        WHERE {scope} AND ({tied}) EXCEPT SELECT id FROM _erased""")


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, dict[str, str]]]:
    """(schema, table, {column: type}) of every base table outside the governance schema."""
    rows = con.execute("""SELECT schema_name, table_name, list(column_name ORDER BY column_index),
                                 list(data_type ORDER BY column_index)
                          FROM duckdb_columns() JOIN duckdb_tables() USING (database_name, schema_name, table_name)
                          WHERE database_name = current_database() AND NOT temporary AND schema_name <> ?
                          GROUP BY 1, 2 ORDER BY 1, 2""", [GOVERNANCE_SCHEMA]).fetchall()
    return [(schema, table, dict(zip(names, types, strict=True))) for schema, table, names, types in rows]


def pattern(values: list[str]) -> str:
    """A regular expression finding any of the values as a whole word."""
    return r"\b(?:" + "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)) + r")\b"


def scrub_warehouse(con: duckdb.DuckDBPyConnection, values: list[str]) -> tuple[list[Removal], set[str]]:
    """Delete from every table the rows whose id columns hold one of the values; blank or replace them
    in the other text columns. Returns what each table lost and the landing files the deleted rows
    came from."""
    ids, regex = id_columns(), pattern(values)
    removals, sources = [], set()
    for schema, table, columns in _tables(con):
        name, target = f"{schema}.{table}", f"{ident(schema)}.{ident(table)}"
        keyed = [c for c, type_ in columns.items() if c in ids and type_ in _TEXT_TYPES]  # not a sequence number
        removed = 0
        if keyed:
            returning = "_source_file" if "_source_file" in columns else "NULL"
            deleted = con.execute(f"DELETE FROM {target} WHERE " + " OR ".join(
                f"{ident(c)} IN (SELECT id FROM _erased)" for c in keyed) + f" RETURNING {returning}").fetchall()
            removed = len(deleted)
            sources |= {row[0] for row in deleted if row[0]}
        text = [c for c, type_ in columns.items() if type_ in _TEXT_TYPES and c not in ids]
        scrubbed = 0
        if text:
            sets = ", ".join(
                f"{ident(c)} = CASE WHEN CAST({ident(c)} AS VARCHAR) IN (SELECT id FROM _erased) THEN NULL "
                f"ELSE CAST(regexp_replace(CAST({ident(c)} AS VARCHAR), $p, {quote(ERASED)}, 'g') AS {columns[c]}) END"
                for c in text)
            found = " OR ".join(f"regexp_matches(CAST({ident(c)} AS VARCHAR), $p)" for c in text)
            scrubbed = con.execute(f"UPDATE {target} SET {sets} WHERE {found}", {"p": regex}).fetchone()[0]
        removals.append(Removal(name, removed, scrubbed))
    return removals, sources


@dataclass(frozen=True)
class ErasureReport:
    erasure_id: str
    removals: list[Removal]
    landing_files: list[str]  # source extracts that still hold the person: the source systems must erase too


def erase_person(con: duckdb.DuckDBPyConnection, home: Path, person_key: str, salt: str) -> ErasureReport:
    """Remove the person with `person_key` from the warehouse, `<home>/exports`, `<home>/outbox` and `<home>/reports`,
    and keep keyed hashes of their ids so that a re-sent extract does not bring them back; all in one
    transaction (the files are rewritten before it commits, while their ids are still known)."""
    from hr_pipeline.privacy.files import drop_outbox_lines, rewrite_exports, scrub_reports

    register_person_key(con, salt)
    ensure_audit_tables(con)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _erased (id VARCHAR)")
        con.execute("INSERT INTO _erased VALUES (?)", [person_key])
        collect_ids(con)
        values = [row[0] for row in con.execute("SELECT id FROM _erased").fetchall()]
        removals, sources = scrub_warehouse(con, values)
        settings = Settings(home=home)
        removals += rewrite_exports(con, settings.exports_dir, values)
        removals += scrub_reports(settings.reports_dir, values, home)
        removals += drop_outbox_lines(settings.outbox_dir, values, home)
        con.execute(f"INSERT INTO {ERASED_IDS_TABLE} SELECT person_key(id), now() FROM _erased")
        (subject,) = con.execute("SELECT person_key(?)", [person_key]).fetchone()
        erasure_id = record(con, "erase", subject, removals)
        con.execute("DROP TABLE _erased")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return ErasureReport(erasure_id, [r for r in removals if r.removed or r.scrubbed], sorted(sources))


def forget_erased(con: duckdb.DuckDBPyConnection, system: str, extract_date: str | date) -> int:
    """Drop the records of one extract that belong to erased people, and blank its references to them
    in other records (a manager id), when a source system that has not erased them yet sends them
    again; matched by the keyed hashes erasure kept (systems share only the person key, so one
    system's records suffice). Returns the rows dropped. Needs `person_key()` registered on the
    connection, as loading does."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name || '.' || table_name = ?",
                       [ERASED_IDS_TABLE]).fetchone()[0]:
        return 0  # nobody was ever erased
    con.execute(f"CREATE OR REPLACE TEMP TABLE _erased AS SELECT DISTINCT id_hash AS id FROM {ERASED_IDS_TABLE}")
    scope = f"_extract_date = CAST({quote(str(extract_date))} AS DATE)"
    collect_ids(con, match=lambda column: f"person_key({ident(column)})", scope=scope, systems=(system,))
    links_of = {contract.table: links for contract, links in person_entities()}
    dropped = 0
    for contract in contracts_of(system):
        links = links_of.get(contract.table, ())
        if contract.table in links_of:
            for schema in ("raw", "protected") if contract.protected_columns else ("raw",):
                dropped += con.execute(f"""DELETE FROM {schema}.{contract.table} WHERE {scope}
                    AND person_key({ident(contract.key)}) IN (SELECT id FROM _erased)""").fetchone()[0]
        for column in (c.name for c in contract.stored_columns
                       if contract.identifier(c) and c.name != contract.key and c.name not in links):
            con.execute(f"""UPDATE raw.{contract.table} SET {ident(column)} = NULL WHERE {scope}
                AND person_key({ident(column)}) IN (SELECT id FROM _erased)""")
    dropped += con.execute("DELETE FROM raw.quarantine WHERE person_key(record_key) IN (SELECT id FROM _erased)"
                           ).fetchone()[0]
    con.execute(f"INSERT INTO {ERASED_IDS_TABLE} SELECT id, now() FROM _erased "
                f"WHERE id NOT IN (SELECT id_hash FROM {ERASED_IDS_TABLE})")
    con.execute("DROP TABLE _erased")
    if dropped:
        log.warning("%s extract %s: %d rows of erased people dropped (the source system still sends them)",
                    system, extract_date, dropped)
    return dropped


def compact(path: Path) -> None:
    """Copy the warehouse into a fresh file and put it in place: DuckDB's DELETE leaves the old bytes
    in the file's free blocks, where an erased person could still be read. Call it with no
    connection open; another process must not write between the copy and the swap."""
    fresh = path.with_name(path.name + ".compacting")
    fresh.unlink(missing_ok=True)
    con = duckdb.connect(str(path), config=DuckDBLimits.from_env().config())
    try:
        (name,) = con.execute("SELECT current_database()").fetchone()
        con.execute(f"ATTACH {quote(str(fresh))} AS _fresh; COPY FROM DATABASE {ident(name)} TO _fresh; DETACH _fresh")
    finally:
        con.close()
    os.replace(fresh, path)
