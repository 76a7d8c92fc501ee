"""Load extract folders into `raw.<system>_<entity>`: parse by contract, pseudonymise, keep every
version once, lose nothing.

One extract folder (`landing/<system>/<date>/`) loads in one transaction and each file is logged
with its checksum in `raw.ingest_log`: a crash leaves the warehouse as it was, and loading the same
folder again changes nothing. A row whose field does not parse goes to `raw.quarantine` (file,
row, field, value, reason) and the rest of the file loads; a file that cannot be read or lacks a
required column is quarantined whole. Protected attributes go to `protected.<table>`, apart from
everything a model reads.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

from hr_pipeline.ingest.contracts import CONTRACTS, LINEAGE_COLUMNS, Contract, contracts_of
from hr_pipeline.ingest.parsing import expected, ident, parse_sql, present_sql, quote, read_sql, scrub_sql
from hr_pipeline.ingest.pseudonymise import register_person_key

log = logging.getLogger(__name__)

DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS protected;
CREATE TABLE IF NOT EXISTS raw.ingest_log (
    source_file VARCHAR, system VARCHAR, entity VARCHAR, extract_date DATE, checksum VARCHAR, status VARCHAR,
    rows_in_file BIGINT, rows_loaded BIGINT, rows_duplicate BIGINT, rows_quarantined BIGINT,
    unknown_columns VARCHAR[], values_not_allowed BIGINT, message VARCHAR, loaded_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS raw.quarantine (
    source_file VARCHAR, row_number BIGINT, record_key VARCHAR, field VARCHAR, value VARCHAR, reason VARCHAR,
    quarantined_at TIMESTAMP);
"""
_PROTECTED_LINEAGE = ("_extract_date", "_source_file", "_row_number", "_row_hash", "_loaded_at")


@dataclass(frozen=True)
class FileRejection:
    """Why a landing file cannot be loaded as a whole; the message names the file and the column."""

    message: str
    field: str | None = None
    rows_in_file: int | None = None


@dataclass(frozen=True)
class FileLoad:
    """What happened to one file: rows_in_file = rows_loaded + rows_duplicate + rows_quarantined."""

    source_file: str
    table: str
    status: str  # loaded | quarantined
    rows_in_file: int | None
    rows_loaded: int
    rows_duplicate: int
    rows_quarantined: int
    unknown_columns: tuple[str, ...] = ()
    values_not_allowed: int = 0  # category values outside the contract's list even after trim + lower-case
    message: str | None = None


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)
    for contract in CONTRACTS:
        cols = [f"{ident(c.name)} {c.type}" for c in contract.stored_columns]
        cols += [f"{name} {type_}" for name, type_ in LINEAGE_COLUMNS if name != "person_key" or contract.pseudonymised]
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{contract.table} ({', '.join(cols)})")
        if contract.protected_columns:
            cols = [f"{ident(contract.key)} VARCHAR"] + (["person_key VARCHAR"] if contract.pseudonymised else [])
            cols += [f"{ident(c.name)} {c.type}" for c in contract.protected_columns]
            cols += [f"{name} {type_}" for name, type_ in LINEAGE_COLUMNS if name in _PROTECTED_LINEAGE]
            con.execute(f"CREATE TABLE IF NOT EXISTS protected.{contract.table} ({', '.join(cols)})")


# -- finding work --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PendingFile:
    contract: Contract
    path: Path
    checksum: str


def pending_folders(con: duckdb.DuckDBPyConnection, landing: Path, system: str,
                    extract_dates: list[str] | None = None) -> list[tuple[Path, list[PendingFile]]]:
    """Extract folders of one system with files not yet loaded in their current content, oldest first."""
    done = set(con.execute("SELECT source_file, checksum FROM raw.ingest_log").fetchall())
    by_name = {c.file_name: c for c in contracts_of(system)}
    found = []
    for folder in sorted(p for p in (landing / system).glob("*") if p.is_dir()):
        if extract_dates and folder.name not in extract_dates:
            continue
        files = []
        for path in sorted(folder.iterdir()):
            if path.name not in by_name:
                log.warning("%s: not a file of the %s contract; ignored", path, system)
                continue
            checksum = hashlib.sha256(path.read_bytes()).hexdigest()
            if (str(path), checksum) not in done:
                files.append(PendingFile(by_name[path.name], path, checksum))
        if files:
            found.append((folder, files))
    return found


# -- one file --------------------------------------------------------------------------------------
@dataclass
class LandedFile:
    """A pending file read into a temp table before the folder's transaction starts (a read error
    inside a DuckDB transaction would abort it), or the reason it cannot load at all."""

    pending: PendingFile
    table: str
    rows: int | None = None
    fields: frozenset[str] = frozenset()
    problem: FileRejection | None = None


def land(con: duckdb.DuckDBPyConnection, pending: PendingFile, table: str) -> LandedFile:
    """Read one file as text into the temp table `table` and check it has the required columns."""
    contract, path = pending.contract, pending.path
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {read_sql(contract, path)}")
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        return LandedFile(pending, table, problem=FileRejection(
            f"{path}: cannot be read as {contract.dialect.describe}: {reason}"))
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    if contract.file_format == "jsonl":
        fields = {r[0] for r in con.execute(f"SELECT DISTINCT unnest(json_keys(json)) FROM {table}").fetchall()}
    else:
        fields = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()} - {"_row_number", "file_row_number"}
    missing = _missing_required(con, contract, table, fields, rows)
    if missing:
        return LandedFile(pending, table, rows, frozenset(fields), FileRejection(
            f"{path}: required column {', '.join(missing)} missing", missing[0], rows))
    return LandedFile(pending, table, rows, frozenset(fields))


def _missing_required(con: duckdb.DuckDBPyConnection, contract: Contract, table: str, fields: set[str],
                      rows: int) -> list[str]:
    """Required columns the file lacks; in JSON lines, a field no record of the file carries."""
    required = [c for c in contract.columns if c.required]
    if contract.file_format != "jsonl":
        return [c.name for c in required if c.name not in fields]
    if rows == 0:
        return []
    counts = con.execute("SELECT " + ", ".join(f"count({ident(c.name)})" for c in required) + f" FROM {table}"
                         ).fetchall()[0]
    empty = [c for c, n in zip(required, counts) if n == 0]  # only these can be absent from every record
    if not empty:
        return []
    found = con.execute("SELECT " + ", ".join(f"bool_or(json_exists(json, {quote('$.' + c.source_path)}))"
                                              for c in empty) + f" FROM {table}").fetchall()[0]
    return [c.name for c, ok in zip(empty, found) if not ok]


def _extra_sql(contract: Contract, fields: frozenset[str]) -> tuple[str, tuple[str, ...]]:
    """The fields the contract does not know, as one scrubbed JSON object, and their names."""
    known = {c.source_path.split(".")[0] for c in contract.columns}
    unknown = tuple(sorted(fields - known))
    if not unknown:
        return "NULL", ()
    if contract.file_format == "jsonl":
        packed = "json_object(" + ", ".join(f"{quote(k)}, json -> {quote('$.' + k)}" for k in unknown) + ")"
    else:
        packed = "to_json(struct_pack(" + ", ".join(f"{ident(k)} := CAST({ident(k)} AS VARCHAR)" for k in unknown) + "))"
    return f"CAST({scrub_sql(f'CAST({packed} AS VARCHAR)')} AS JSON)", unknown


def _checks(contract: Contract) -> list[tuple[str, str, str]]:
    """(field, condition on the landed row, reason) for every way a row can fail the contract."""
    d = contract.dialect
    checks = []
    for c in contract.columns:
        raw, parsed = ident(c.name), parse_sql(c, d, ident(c.name))
        if c.type != "VARCHAR":
            checks.append((c.name, f"{present_sql(c, d, raw)} AND {parsed} IS NULL", f"not {expected(c, d)}"))
        if not c.nullable:
            checks.append((c.name, f"{parsed} IS NULL", "required value missing"))
    return checks


def _parse(con: duckdb.DuckDBPyConnection, landed: LandedFile, extra: str) -> None:
    """Parse every row of a landed file in one scan into the temp table `parsed`, with one flag per
    failed check and the row's content hash."""
    contract, d = landed.pending.contract, landed.pending.contract.dialect
    values = {c.name: parse_sql(c, d, ident(c.name)) for c in contract.columns}
    values.update({c.name: scrub_sql(values[c.name]) for c in contract.columns if c.free_text})
    kept = [c.name for c in contract.columns if not c.personal]
    selected = [f"{values[name]} AS {ident(name)}" for name in kept]
    if contract.pseudonymised:
        kept.append("person_key")
        selected.append(f"person_key({values['email']}) AS person_key")
    flags = [f"({condition}) AS _fails_{i}" for i, (_, condition, _) in enumerate(_checks(contract))]
    struct = ", ".join(f"{ident(n)} := {ident(n)}" for n in kept + ["_extra"])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE parsed AS
        SELECT *, md5_number(CAST(struct_pack({struct}) AS VARCHAR)) AS _row_hash,
               {' OR '.join(f'_fails_{i}' for i in range(len(flags))) or 'false'} AS _rejected
        FROM (SELECT _row_number, {', '.join(selected + flags)}, {extra} AS _extra FROM {landed.table})""")


def _quarantine_rows(con: duckdb.DuckDBPyConnection, landed: LandedFile) -> int:
    """Every failed check of `parsed` becomes a `raw.quarantine` row naming file, row, key, field and value."""
    contract = landed.pending.contract
    checks = _checks(contract)
    if not checks:
        return 0
    failures = " UNION ALL ".join(f"SELECT _row_number, {quote(field)} AS field, {quote(reason)} AS reason "
                                  f"FROM parsed WHERE _fails_{i}" for i, (field, _, reason) in enumerate(checks))
    value = "CASE f.field " + " ".join(f"WHEN {quote(c.name)} THEN CAST(l.{ident(c.name)} AS VARCHAR)"
                                         for c in contract.columns) + " END"
    con.execute(f"""
        INSERT INTO raw.quarantine
        SELECT ?, f._row_number, CAST(l.{ident(contract.key)} AS VARCHAR), f.field, {value}, f.reason, now()
        FROM ({failures}) AS f JOIN {landed.table} AS l USING (_row_number)""", [str(landed.pending.path)])
    return con.execute("SELECT count(*) FROM parsed WHERE _rejected").fetchall()[0][0]


def _insert_new(con: duckdb.DuckDBPyConnection, target: str, columns: list[str], extract_date: str, path: Path) -> int:
    """Insert the accepted rows of `parsed` whose content the target does not hold yet; returns how many."""
    names = ", ".join(ident(c) for c in columns)
    return con.execute(f"""
        INSERT INTO {target} ({names}, _extract_date, _source_file, _row_number, _row_hash, _loaded_at)
        SELECT {names}, CAST(? AS DATE), ?, _row_number, _row_hash, now() FROM parsed
        WHERE NOT _rejected AND _row_hash NOT IN (SELECT _row_hash FROM {target})
        QUALIFY row_number() OVER (PARTITION BY _row_hash ORDER BY _row_number) = 1""",
        [extract_date, str(path)]).fetchall()[0][0]


def load_file(con: duckdb.DuckDBPyConnection, landed: LandedFile, extract_date: str) -> FileLoad:
    """Parse a landed file into its raw (and protected) table, inside the caller's transaction."""
    contract, path = landed.pending.contract, landed.pending.path
    if landed.problem:
        problem = landed.problem
        con.execute("INSERT INTO raw.quarantine VALUES (?, NULL, NULL, ?, NULL, ?, now())",
                    [str(path), problem.field, problem.message])
        log.warning("quarantined whole file: %s", problem.message)
        return FileLoad(str(path), contract.table, "quarantined", problem.rows_in_file, 0, 0,
                        problem.rows_in_file or 0, message=problem.message)
    extra, unknown = _extra_sql(contract, landed.fields)
    _parse(con, landed, extra)
    quarantined = _quarantine_rows(con, landed)
    stored = [c.name for c in contract.stored_columns] + (["person_key"] if contract.pseudonymised else []) + ["_extra"]
    inserted = _insert_new(con, f"raw.{contract.table}", stored, extract_date, path)
    if contract.protected_columns:
        apart = [contract.key] + (["person_key"] if contract.pseudonymised else [])
        _insert_new(con, f"protected.{contract.table}", apart + [c.name for c in contract.protected_columns],
                    extract_date, path)
    if unknown:
        log.warning("%s: unknown column(s) %s kept in _extra", path, ", ".join(unknown))
    return FileLoad(str(path), contract.table, "loaded", landed.rows, inserted, landed.rows - quarantined - inserted,
                    quarantined, unknown, _values_not_allowed(con, contract))


def _values_not_allowed(con: duckdb.DuckDBPyConnection, contract: Contract) -> int:
    """Category values of `parsed` the contract does not allow: loaded as sent, but counted and reported."""
    counts = [f"count(*) FILTER (WHERE lower(trim({ident(c.name)})) NOT IN ({', '.join(map(quote, c.allowed))}))"
              for c in contract.columns if c.allowed]
    return con.execute(f"SELECT {' + '.join(counts)} FROM parsed WHERE NOT _rejected").fetchall()[0][0] if counts else 0


def _log_file(con: duckdb.DuckDBPyConnection, pending: PendingFile, extract_date: str, load: FileLoad) -> None:
    c = pending.contract
    con.execute("INSERT INTO raw.ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                [load.source_file, c.system, c.entity, extract_date, pending.checksum, load.status, load.rows_in_file,
                 load.rows_loaded, load.rows_duplicate, load.rows_quarantined, list(load.unknown_columns),
                 load.values_not_allowed, load.message])


# -- folders ---------------------------------------------------------------------------------------
def load_folder(con: duckdb.DuckDBPyConnection, folder: Path, files: list[PendingFile]) -> list[FileLoad]:
    """Load the pending files of one extract folder in one transaction: all of them or nothing."""
    extract_date = folder.name
    landed = [land(con, pending, f"landed_{i}") for i, pending in enumerate(files)]
    loads = []
    con.execute("BEGIN TRANSACTION")
    try:
        for file in landed:
            load = load_file(con, file, extract_date)
            _log_file(con, file.pending, extract_date, load)
            loads.append(load)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for file in landed:
            con.execute(f"DROP TABLE IF EXISTS {file.table}")
    return loads


def load_system(con: duckdb.DuckDBPyConnection, landing: Path, system: str, salt: str,
                extract_dates: list[str] | None = None) -> list[FileLoad]:
    """Every pending extract folder of one system, oldest first, one transaction each."""
    ensure_raw_tables(con)
    register_person_key(con, salt)
    folders = pending_folders(con, landing, system, extract_dates)
    loads = []
    for i, (folder, files) in enumerate(folders, 1):
        loads += load_folder(con, folder, files)
        if i % 25 == 0 or i == len(folders):
            log.info("%s: %d/%d extract folders loaded", system, i, len(folders))
    return loads


def load_landing(con: duckdb.DuckDBPyConnection, landing: Path, salt: str) -> list[FileLoad]:
    """Every system at once: what the ingest assets do one by one."""
    return [load for system in dict.fromkeys(c.system for c in CONTRACTS)
            for load in load_system(con, landing, system, salt)]
