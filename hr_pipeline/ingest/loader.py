"""Load extract folders into `raw.<system>_<entity>`: parse by contract, pseudonymise, keep every
version once, lose nothing.

Files are read and parsed in DuckDB a batch of extract folders at a time (few statements, bounded
memory); then each extract folder (`landing/<system>/<date>/`) is written in one transaction and
each file is logged with its checksum in `raw.ingest_log`: a crash leaves the warehouse as it was, and loading the same
folder again changes nothing. A row whose field does not parse goes to `raw.quarantine` (file,
row, field, value, reason) and the rest of the file loads; a file that cannot be read or lacks a
required column is quarantined whole. Protected attributes go to `protected.<table>`, apart from
everything a model reads.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from dataclasses import dataclass, field
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
            with open(path, "rb") as f:
                checksum = hashlib.file_digest(f, "sha256").hexdigest()
            if (str(path), checksum) not in done:
                files.append(PendingFile(by_name[path.name], path, checksum))
        if files:
            found.append((folder, files))
    return found


# -- reading a batch of files of one entity -----------------------------------------------------
FOLDERS_PER_BATCH = 13  # a quarter of weekly extracts is read and parsed at once: few statements, bounded memory


@dataclass
class StagedEntity:
    """The pending files of one entity in a batch, read and parsed into temp tables before any
    folder's transaction starts (a read error inside a DuckDB transaction would abort it)."""

    contract: Contract
    landed: str  # temp table: the files' rows as sent
    parsed: str  # temp table: parsed values, failed-check flags, content hash
    rows: dict[str, int] = field(default_factory=dict)  # per file
    unknown: dict[str, tuple[str, ...]] = field(default_factory=dict)  # per file
    rejected: dict[str, int] = field(default_factory=dict)  # rows failing a check, per file
    not_allowed: dict[str, int] = field(default_factory=dict)  # category values outside the contract, per file
    problems: dict[str, FileRejection] = field(default_factory=dict)  # files that cannot load at all


def _land(con: duckdb.DuckDBPyConnection, contract: Contract, table: str, paths: list[Path],
          problems: dict[str, FileRejection]) -> list[Path]:
    """Read the files into the temp table `table`; returns those DuckDB could read, and gives each
    other one a rejection naming the file and DuckDB's reason."""
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {read_sql(contract, paths)}")
        return paths
    except duckdb.Error:
        pass
    readable = []
    for path in paths:  # the rare path: find the culprits one by one
        try:
            con.execute(f"SELECT count(*) FROM {read_sql(contract, [path])}").fetchall()
            readable.append(path)
        except duckdb.Error as exc:
            problems[str(path)] = FileRejection(
                f"{path}: cannot be read as {contract.dialect.describe}: {str(exc).splitlines()[0]}")
    if readable:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {read_sql(contract, readable)}")
    return readable


def _fields(con: duckdb.DuckDBPyConnection, contract: Contract, table: str, paths: list[Path]) -> dict[str, set[str]]:
    """The top-level fields each file really has (a JSON field: if any record of the file carries it)."""
    if contract.file_format == "csv":
        fields = {}
        for path in paths:
            with open(path, encoding="utf-8", newline="") as f:
                fields[str(path)] = set(next(csv.reader(f, delimiter=contract.dialect.delimiter), []))
        return fields
    if contract.file_format == "parquet":
        return {str(path): {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet({quote(str(path))})")
                            .fetchall()} for path in paths}
    rows = con.execute(f"SELECT _source_file, list(DISTINCT key) FROM (SELECT _source_file, unnest(json_keys(json)) "
                       f"AS key FROM {table}) GROUP BY 1").fetchall()
    fields = {str(path): set() for path in paths} | {f: set(keys) for f, keys in rows}
    nested = [c for c in contract.columns if c.required and "." in c.source_path]
    if nested:  # a nested field counts as present only if some record has it
        found = con.execute("SELECT _source_file, " + ", ".join(
            f"bool_or(json_exists(json, {quote('$.' + c.source_path)}))" for c in nested) + f" FROM {table} GROUP BY 1"
        ).fetchall()
        for f, *present in found:
            fields[f] |= {c.source_path for c, ok in zip(nested, present) if ok}
    return fields


def _extra_sql(contract: Contract, unknown: set[str]) -> str:
    """The row's fields the contract does not know, as a scrubbed JSON object of text (nulls left out,
    so a row's value never depends on the other files read with it)."""
    if not unknown:
        return "NULL"
    entries = ", ".join(
        f"{{'k': {quote(k)}, 'v': " + (f"json ->> {quote('$.' + k)}" if contract.file_format == "jsonl"
                                       else f"CAST({ident(k)} AS VARCHAR)") + "}" for k in sorted(unknown))
    kept = f"list_filter([{entries}], lambda e: e.v IS NOT NULL)"
    as_json = f"CAST(to_json(map_from_entries({kept})) AS VARCHAR)"
    return f"CASE WHEN len({kept}) > 0 THEN CAST({scrub_sql(as_json)} AS JSON) END"


def _checks(contract: Contract) -> list[tuple[str, str, str]]:
    """(field, condition, reason) for every way a row can fail the contract; a condition reads the
    landed value as `"<name>"` and the parsed one as `"_p_<name>"`."""
    d = contract.dialect
    checks = []
    for c in contract.columns:
        raw, parsed = ident(c.name), ident(f"_p_{c.name}")
        if c.type != "VARCHAR":
            checks.append((c.name, f"{present_sql(c, d, raw)} AND {parsed} IS NULL", f"not {expected(c, d)}"))
        if not c.nullable:
            missing = f"{parsed} IS NULL" if c.type == "VARCHAR" else f"NOT {present_sql(c, d, raw)}"
            checks.append((c.name, missing, "required value missing"))
    return checks


def _parse(con: duckdb.DuckDBPyConnection, staged: StagedEntity, extra: str) -> None:
    """Parse every landed row in one scan: values, one flag per failed check, the content hash."""
    contract, d = staged.contract, staged.contract.dialect
    parsed = [f"{parse_sql(c, d, ident(c.name))} AS {ident(f'_p_{c.name}')}" for c in contract.columns]
    values = {c.name: ident(f"_p_{c.name}") for c in contract.columns}
    values.update({c.name: scrub_sql(values[c.name]) for c in contract.columns if c.free_text})
    kept = [c.name for c in contract.columns if not c.personal]
    selected = [f"{values[name]} AS {ident(name)}" for name in kept]
    if contract.pseudonymised:
        kept.append("person_key")
        selected.append(f"person_key({values['email']}) AS person_key")
    flags = [f"({condition}) AS _fails_{i}" for i, (_, condition, _) in enumerate(_checks(contract))]
    struct = ", ".join(f"{ident(n)} := {ident(n)}" for n in kept + ["_extra"])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {staged.parsed} AS
        SELECT *, md5_number(CAST(struct_pack({struct}) AS VARCHAR)) AS _row_hash,
               {' OR '.join(f'_fails_{i}' for i in range(len(flags))) or 'false'} AS _rejected
        FROM (SELECT _source_file, _row_number, {', '.join(selected + flags)}, {extra} AS _extra
              FROM (SELECT *, {', '.join(parsed)} FROM {staged.landed}))""")


def stage(con: duckdb.DuckDBPyConnection, contract: Contract, paths: list[Path]) -> StagedEntity:
    """Read and parse the files of one entity at once; note per file its rows, unknown columns,
    rejected rows, or why it cannot load at all."""
    staged = StagedEntity(contract, f"landed_{contract.table}", f"parsed_{contract.table}")
    readable = _land(con, contract, staged.landed, paths, staged.problems)
    if not readable:
        return staged
    columns = {row[0] for row in con.execute(f"DESCRIBE {staged.landed}").fetchall()}
    for c in contract.columns:  # a column no file has: null, so that parsing binds (the files get rejected)
        if c.name not in columns:
            con.execute(f"ALTER TABLE {staged.landed} ADD COLUMN {ident(c.name)} VARCHAR")
    fields = _fields(con, contract, staged.landed, readable)
    counts = dict(con.execute(f"SELECT _source_file, count(*) FROM {staged.landed} GROUP BY 1").fetchall())
    known = {c.source_path for c in contract.columns} | {c.source_path.split(".")[0] for c in contract.columns}
    for path in readable:
        name, present = str(path), fields[str(path)]
        staged.rows[name] = rows = counts.get(name, 0)
        missing = [c.name for c in contract.columns
                   if c.required and c.source_path not in present and (rows or contract.file_format != "jsonl")]
        if missing:
            staged.problems[name] = FileRejection(f"{path}: required column {', '.join(missing)} missing", missing[0],
                                                  rows)
        staged.unknown[name] = tuple(sorted(present - known))
    _parse(con, staged, _extra_sql(contract, {col for cols in staged.unknown.values() for col in cols}))
    allowed = [f"count(*) FILTER (WHERE NOT _rejected AND lower(trim({ident(c.name)})) NOT IN "
               f"({', '.join(map(quote, c.allowed))}))" for c in contract.columns if c.allowed]
    for name, rejected, not_allowed in con.execute(
            f"SELECT _source_file, count(*) FILTER (WHERE _rejected), {' + '.join(allowed) or '0'} "
            f"FROM {staged.parsed} GROUP BY 1").fetchall():
        staged.rejected[name], staged.not_allowed[name] = rejected, not_allowed
    return staged


# -- writing one folder ----------------------------------------------------------------------------
def _quarantine_rows(con: duckdb.DuckDBPyConnection, staged: StagedEntity, path: str) -> None:
    """Every failed check of the file's rows becomes a `raw.quarantine` row naming file, row, key, field and value."""
    contract = staged.contract
    failures = " UNION ALL ".join(
        f"SELECT _row_number, {quote(field)} AS field, {quote(reason)} AS reason FROM {staged.parsed} "
        f"WHERE _source_file = $file AND _fails_{i}" for i, (field, _, reason) in enumerate(_checks(contract)))
    value = "CASE f.field " + " ".join(f"WHEN {quote(c.name)} THEN CAST(l.{ident(c.name)} AS VARCHAR)"
                                         for c in contract.columns) + " END"
    con.execute(f"""
        INSERT INTO raw.quarantine
        SELECT $file, f._row_number, CAST(l.{ident(contract.key)} AS VARCHAR), f.field, {value}, f.reason, now()
        FROM ({failures}) AS f JOIN (SELECT * FROM {staged.landed} WHERE _source_file = $file) AS l USING (_row_number)
        """, {"file": path})


def _insert_new(con: duckdb.DuckDBPyConnection, staged: StagedEntity, target: str, columns: list[str],
                extract_date: str, path: str) -> int:
    """Insert the file's accepted rows whose content the target does not hold yet; returns how many."""
    names = ", ".join(ident(c) for c in columns)
    return con.execute(f"""
        INSERT INTO {target} ({names}, _extract_date, _source_file, _row_number, _row_hash, _loaded_at)
        SELECT {names}, CAST($date AS DATE), _source_file, _row_number, _row_hash, now() FROM {staged.parsed}
        WHERE _source_file = $file AND NOT _rejected AND _row_hash NOT IN (SELECT _row_hash FROM {target})
        QUALIFY row_number() OVER (PARTITION BY _row_hash ORDER BY _row_number) = 1""",
        {"date": extract_date, "file": path}).fetchall()[0][0]


def load_file(con: duckdb.DuckDBPyConnection, staged: StagedEntity, path: str, extract_date: str) -> FileLoad:
    """Write one staged file into its raw (and protected) table, inside the caller's transaction."""
    contract = staged.contract
    problem = staged.problems.get(path)
    if problem:
        con.execute("INSERT INTO raw.quarantine VALUES (?, NULL, NULL, ?, NULL, ?, now())",
                    [path, problem.field, problem.message])
        log.warning("quarantined whole file: %s", problem.message)
        return FileLoad(path, contract.table, "quarantined", problem.rows_in_file, 0, 0,
                        problem.rows_in_file or 0, message=problem.message)
    rows, rejected = staged.rows[path], staged.rejected.get(path, 0)
    if rejected:
        _quarantine_rows(con, staged, path)
    stored = [c.name for c in contract.stored_columns] + (["person_key"] if contract.pseudonymised else []) + ["_extra"]
    inserted = _insert_new(con, staged, f"raw.{contract.table}", stored, extract_date, path)
    if contract.protected_columns:
        apart = [contract.key] + (["person_key"] if contract.pseudonymised else [])
        _insert_new(con, staged, f"protected.{contract.table}", apart + [c.name for c in contract.protected_columns],
                    extract_date, path)
    unknown = staged.unknown.get(path, ())
    if unknown:
        log.warning("%s: unknown column(s) %s kept in _extra", path, ", ".join(unknown))
    return FileLoad(path, contract.table, "loaded", rows, inserted, rows - rejected - inserted, rejected, unknown,
                    staged.not_allowed.get(path, 0))


def _log_files(con: duckdb.DuckDBPyConnection, files: list[PendingFile], extract_date: str,
               loads: list[FileLoad]) -> None:
    """One `raw.ingest_log` row per file of the folder, written in one statement."""
    rows = [(load.source_file, p.contract.system, p.contract.entity, extract_date, p.checksum, load.status,
             load.rows_in_file, load.rows_loaded, load.rows_duplicate, load.rows_quarantined,
             list(load.unknown_columns), load.values_not_allowed, load.message) for p, load in zip(files, loads)]
    placeholders = ", ".join(["(" + "?, " * len(rows[0]) + "now())"] * len(rows))
    con.execute(f"INSERT INTO raw.ingest_log VALUES {placeholders}", [value for row in rows for value in row])


def load_folder(con: duckdb.DuckDBPyConnection, folder: Path, files: list[PendingFile],
                staged: dict[str, StagedEntity]) -> list[FileLoad]:
    """Write the pending files of one extract folder in one transaction: all of them or nothing."""
    extract_date = folder.name
    loads = []
    con.execute("BEGIN TRANSACTION")
    try:
        for pending in files:
            loads.append(load_file(con, staged[pending.contract.table], str(pending.path), extract_date))
        _log_files(con, files, extract_date, loads)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return loads


def load_system(con: duckdb.DuckDBPyConnection, landing: Path, system: str, salt: str,
                extract_dates: list[str] | None = None) -> list[FileLoad]:
    """Every pending extract folder of one system, oldest first, one transaction each; the files
    are read and parsed a batch of folders at a time."""
    ensure_raw_tables(con)
    register_person_key(con, salt)
    folders = pending_folders(con, landing, system, extract_dates)
    loads = []
    for start in range(0, len(folders), FOLDERS_PER_BATCH):
        batch = folders[start:start + FOLDERS_PER_BATCH]
        staged = {}
        try:
            for contract in contracts_of(system):
                paths = [f.path for _, files in batch for f in files if f.contract is contract]
                if paths:
                    staged[contract.table] = stage(con, contract, paths)
            for folder, files in batch:
                loads += load_folder(con, folder, files, staged)
        finally:
            for entity in staged.values():
                con.execute(f"DROP TABLE IF EXISTS {entity.landed}; DROP TABLE IF EXISTS {entity.parsed}")
        log.info("%s: %d/%d extract folders loaded", system, start + len(batch), len(folders))
    return loads


def load_landing(con: duckdb.DuckDBPyConnection, landing: Path, salt: str) -> list[FileLoad]:
    """Every system at once: what the ingest assets do one by one."""
    return [load for system in dict.fromkeys(c.system for c in CONTRACTS)
            for load in load_system(con, landing, system, salt)]
