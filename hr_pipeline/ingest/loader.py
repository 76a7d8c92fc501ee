"""Load landing files into `raw.<system>_<entity>`: parse by contract, pseudonymise, keep every
version once.

Each file loads in one transaction and is logged with its checksum in `raw.ingest_log`, so a crash
leaves the warehouse as it was and loading the same file again changes nothing. A field that does
not parse sends its row to `raw.quarantine` (file, row, field, value, reason); the rest loads.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

from hr_pipeline.ingest.contracts import CONTRACTS, LINEAGE_COLUMNS, Contract
from hr_pipeline.ingest.pseudonymise import register_person_key

log = logging.getLogger(__name__)

DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS raw.ingest_log (
    source_file VARCHAR, system VARCHAR, entity VARCHAR, extract_date DATE, checksum VARCHAR,
    rows_in_file BIGINT, rows_loaded BIGINT, rows_duplicate BIGINT, rows_quarantined BIGINT,
    loaded_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS raw.quarantine (
    source_file VARCHAR, row_number BIGINT, field VARCHAR, value VARCHAR, reason VARCHAR,
    quarantined_at TIMESTAMP);
"""


class ContractViolation(ValueError):
    """A landing file that cannot be loaded as a whole (unreadable, or a required column missing)."""


@dataclass(frozen=True)
class FileLoad:
    source_file: str
    rows_in_file: int
    rows_loaded: int
    rows_duplicate: int
    rows_quarantined: int


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)
    for contract in CONTRACTS:
        cols = [f'"{c.name}" {c.type}' for c in contract.stored_columns]
        cols += [f"{name} {type_}" for name, type_ in LINEAGE_COLUMNS
                 if name != "person_key" or contract.pseudonymised]
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{contract.table} ({', '.join(cols)})")


def pending_files(con: duckdb.DuckDBPyConnection, landing: Path, contract: Contract,
                  extract_dates: list[str] | None = None) -> list[tuple[Path, str]]:
    """Files of this entity not yet loaded with their current content, oldest extract first."""
    loaded = set(con.execute("SELECT source_file, checksum FROM raw.ingest_log").fetchall())
    found = []
    for path in sorted((landing / contract.system).glob(f"*/{contract.file_name}")):
        if extract_dates and path.parent.name not in extract_dates:
            continue
        checksum = hashlib.sha256(path.read_bytes()).hexdigest()
        if (str(path), checksum) not in loaded:
            found.append((path, checksum))
    return found


def _reader(contract: Contract, path: Path) -> str:
    """A DuckDB table function reading the file with every scalar as text, so that parsing is ours."""
    if contract.file_format == "jsonl":
        cols = ", ".join(f"'{c.name}': '{c.type if c.type.endswith('[]') else 'VARCHAR'}'" for c in contract.columns)
        return f"read_json('{path}', format='newline_delimited', columns={{{cols}}})"
    if contract.file_format == "csv":
        return f"read_csv('{path}', header=true, all_varchar=true)"
    return f"read_parquet('{path}')"


def _sniffer(contract: Contract, path: Path) -> str:
    """Like `_reader`, but letting DuckDB find the columns the file really has."""
    if contract.file_format == "jsonl":
        return f"read_json('{path}', format='newline_delimited')"
    return _reader(contract, path)


def _check_columns(con: duckdb.DuckDBPyConnection, contract: Contract, path: Path) -> None:
    try:
        present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {_sniffer(contract, path)}").fetchall()}
    except duckdb.Error as exc:
        raise ContractViolation(f"{path}: cannot be read as {contract.file_format}: {exc}") from exc
    missing = [c.name for c in contract.columns if c.required and c.name not in present]
    if missing:
        raise ContractViolation(f"{path}: required column(s) {', '.join(missing)} missing")


def load_file(con: duckdb.DuckDBPyConnection, contract: Contract, path: Path, checksum: str) -> FileLoad:
    """Load one landing file in one transaction."""
    _check_columns(con, contract, path)
    extract_date = path.parent.name
    cast = {c.name: f'TRY_CAST("{c.name}" AS {c.type})' for c in contract.columns}
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE landed AS
            SELECT row_number() OVER () AS _row_number, * FROM {_reader(contract, path)}""")
        unparsed = [f"""SELECT _row_number, '{c.name}' AS field, CAST("{c.name}" AS VARCHAR) AS value,
                               'not a valid {c.type}' AS reason
                        FROM landed WHERE "{c.name}" IS NOT NULL AND {cast[c.name]} IS NULL"""
                    for c in contract.columns if c.type != "VARCHAR"]
        absent = [f"""SELECT _row_number, '{c.name}', NULL, 'required value missing' FROM landed
                      WHERE "{c.name}" IS NULL""" for c in contract.columns if not c.nullable]
        con.execute(f"CREATE OR REPLACE TEMP TABLE rejected AS {' UNION ALL '.join(unparsed + absent)}")
        con.execute("""INSERT INTO raw.quarantine SELECT ?, _row_number, field, value, reason, now()
                       FROM rejected""", [str(path)])

        stored = [c.name for c in contract.stored_columns]
        typed = [f'{cast[name]} AS "{name}"' for name in stored]
        if contract.pseudonymised:
            stored.append("person_key")
            typed.append("person_key(email) AS person_key")
        struct = ", ".join(f'"{name}" := "{name}"' for name in stored)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE parsed AS
            SELECT *, md5(CAST(struct_pack({struct}) AS VARCHAR)) AS _row_hash FROM (
                SELECT {', '.join(typed)}, _row_number FROM landed
                WHERE _row_number NOT IN (SELECT _row_number FROM rejected))""")
        columns = ", ".join(f'"{name}"' for name in stored)
        inserted = con.execute(f"""
            INSERT INTO raw.{contract.table} ({columns}, _extract_date, _source_file, _row_number, _row_hash, _loaded_at)
            SELECT {columns}, CAST(? AS DATE), ?, _row_number, _row_hash, now() FROM parsed
            WHERE _row_hash NOT IN (SELECT _row_hash FROM raw.{contract.table})
            QUALIFY row_number() OVER (PARTITION BY _row_hash ORDER BY _row_number) = 1""",
            [extract_date, str(path)]).fetchone()[0]
        rows_in_file = con.execute("SELECT count(*) FROM landed").fetchone()[0]
        quarantined = con.execute("SELECT count(DISTINCT _row_number) FROM rejected").fetchone()[0]
        result = FileLoad(str(path), rows_in_file, inserted, rows_in_file - quarantined - inserted, quarantined)
        con.execute("INSERT INTO raw.ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                    [str(path), contract.system, contract.entity, extract_date, checksum, result.rows_in_file,
                     result.rows_loaded, result.rows_duplicate, result.rows_quarantined])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


@dataclass(frozen=True)
class EntityLoad:
    table: str
    files: int
    rows_in_files: int
    rows_loaded: int
    rows_duplicate: int
    rows_quarantined: int


def load_entity(con: duckdb.DuckDBPyConnection, landing: Path, contract: Contract, salt: str,
                extract_dates: list[str] | None = None) -> EntityLoad:
    """Load every pending file of one entity, oldest first."""
    ensure_raw_tables(con)
    register_person_key(con, salt)
    loads = [load_file(con, contract, path, checksum)
             for path, checksum in pending_files(con, landing, contract, extract_dates)]
    summary = EntityLoad(contract.table, len(loads), sum(f.rows_in_file for f in loads),
                         sum(f.rows_loaded for f in loads), sum(f.rows_duplicate for f in loads),
                         sum(f.rows_quarantined for f in loads))
    log.info("%s: %d files, %d rows loaded, %d duplicates, %d quarantined", contract.table, summary.files,
             summary.rows_loaded, summary.rows_duplicate, summary.rows_quarantined)
    return summary


def load_landing(con: duckdb.DuckDBPyConnection, landing: Path, salt: str) -> list[EntityLoad]:
    """Every entity at once: what the ingest assets do one by one."""
    return [load_entity(con, landing, contract, salt) for contract in CONTRACTS]
