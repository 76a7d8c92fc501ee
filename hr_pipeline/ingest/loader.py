"""Load extract folders into `raw.<system>_<entity>`: parse by contract, pseudonymise, keep every
version once, lose nothing.

Every entry of the landing zone ends in `raw.ingest_log` (statuses: `contracts.FILE_STATUSES`):
a contract file in a valid extract folder is loaded (its bad rows quarantined one by one) or
quarantined whole; anything else is refused, ignored or reported as not part of the contract.
Files are read and parsed in DuckDB a batch of extract folders at a time (few statements, bounded
memory); then each extract folder is written in one transaction and each file logged with its
checksum: a crash leaves the warehouse as it was, and loading the same folder again changes
nothing. A bad row goes to `raw.quarantine` (file, row, record key, field, a masked value, reason);
protected attributes go to `protected.<table>`, apart from everything a model reads.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from stat import S_ISREG
from typing import Callable, Iterator

import duckdb

from hr_pipeline.ingest.contracts import (
    CONTRACTS,
    DATE_TOLERANCE,
    LINEAGE_COLUMNS,
    Contract,
    contracts_of,
    looks_personal,
)
from hr_pipeline.ingest.landing import Entry, scan
from hr_pipeline.ingest.parsing import (
    UNKNOWN_PREFIX,
    csv_sql,
    expected,
    ident,
    jsonl_lines_sql,
    jsonl_sql,
    looks_like_email_sql,
    normalise_name,
    parents,
    parquet_sql,
    parse_sql,
    present_sql,
    quote,
    scrub_names_sql,
    scrub_sql,
)
from hr_pipeline.ingest.pseudonymise import register_person_key
from hr_pipeline.privacy.erasure import forget_erased

log = logging.getLogger(__name__)

DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS protected;
CREATE TABLE IF NOT EXISTS raw.ingest_log (
    source_file VARCHAR, system VARCHAR, entity VARCHAR, extract_date DATE, checksum VARCHAR, status VARCHAR,
    rows_in_file BIGINT, rows_loaded BIGINT, rows_duplicate BIGINT, rows_quarantined BIGINT,
    unknown_columns VARCHAR[], values_not_allowed BIGINT, message VARCHAR, loaded_at TIMESTAMP,
    file_size BIGINT, file_mtime_ns BIGINT);
ALTER TABLE raw.ingest_log ADD COLUMN IF NOT EXISTS file_size BIGINT;
ALTER TABLE raw.ingest_log ADD COLUMN IF NOT EXISTS file_mtime_ns BIGINT;
CREATE TABLE IF NOT EXISTS raw.quarantine (
    source_file VARCHAR, row_number BIGINT, record_key VARCHAR, field VARCHAR, value VARCHAR, reason VARCHAR,
    quarantined_at TIMESTAMP);
"""
_PROTECTED_LINEAGE = ("_extract_date", "_source_file", "_row_number", "_row_hash", "_loaded_at")
QUARANTINE_VALUE_CHARS = 200  # a failing value is kept (masked) only this long: enough to see what went wrong
# Why DuckDB's CSV reader could not split a row, in words a data engineer can act on.
_SPLIT_REASONS = {
    "TOO MANY COLUMNS": "more fields than the header (a separator inside an unquoted value?)",
    "MISSING COLUMNS": "fewer fields than the header",
    "UNQUOTED VALUE": "a quote that is not closed (the row runs on to the next quote) or text after a closing quote",
    "LINE SIZE OVER MAXIMUM": "a row longer than the reader's limit",
    "INVALID ENCODING": "not UTF-8",
}


class FileRejection(Exception):
    """Why a landing file cannot be loaded as a whole; the message names the file and the column."""

    def __init__(self, message: str, field: str | None = None, rows_in_file: int | None = None):
        super().__init__(message)
        self.message, self.field, self.rows_in_file = message, field, rows_in_file


@dataclass(frozen=True)
class FileLoad:
    """What happened to one entry: rows_in_file = rows_loaded + rows_duplicate + rows_quarantined
    (all null for an entry that was not read)."""

    source_file: str
    table: str | None
    status: str  # see contracts.FILE_STATUSES
    rows_in_file: int | None
    rows_loaded: int | None
    rows_duplicate: int | None
    rows_quarantined: int | None
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
class Content:
    """A landing file's content as the log records it: its SHA-256 (None: the file cannot be opened) and the size
    and modification time it had when hashed."""

    checksum: str | None
    size: int | None = None
    mtime_ns: int | None = None


@dataclass(frozen=True)
class PendingFile:
    contract: Contract
    path: Path
    content: Content
    extract_date: str


def _sha256(path: Path) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None


class _Checksums:
    """Each file's SHA-256, read again only when its size or modification time differs from the log's: a weekly
    run then reads the new extracts, not every extract ever landed (as `make` and rsync's quick check judge). A file
    read again whose content the log knows (copied, touched) has its new size and time remembered."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        logged = con.execute("SELECT source_file, checksum, file_size, file_mtime_ns FROM raw.ingest_log").fetchall()
        self.done = {(path, checksum) for path, checksum, _, _ in logged}
        self._known = {(path, size, mtime): checksum for path, checksum, size, mtime in logged if size is not None}
        self.restamped: list[tuple[int, int, str, str]] = []  # (size, mtime, path, checksum) of logged content

    def content(self, path: Path) -> Content:
        try:
            stat = path.stat()
        except OSError:
            return Content(None)
        if not S_ISREG(stat.st_mode):  # a folder where a file belongs: reported, never hashed
            return Content(None)
        checksum = self._known.get((str(path), stat.st_size, stat.st_mtime_ns))
        if checksum is None:
            checksum = _sha256(path)
            if (str(path), checksum) in self.done:
                self.restamped.append((stat.st_size, stat.st_mtime_ns, str(path), checksum))
        return Content(checksum, stat.st_size, stat.st_mtime_ns)

    def is_new(self, path: Path, content: Content) -> bool:
        return (str(path), content.checksum) not in self.done

    def remember(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.restamped:
            con.executemany("UPDATE raw.ingest_log SET file_size = ?, file_mtime_ns = ? "
                            "WHERE source_file = ? AND checksum = ?", self.restamped)


def pending_folders(con: duckdb.DuckDBPyConnection, landing: Path, system: str, today: date,
                    extract_dates: list[str] | None = None
                    ) -> tuple[list[list[PendingFile]], list[tuple[Entry, Content]]]:
    """Extract folders of one system with files not yet loaded in their current content, oldest
    first, and the entries not reported yet that are not to be loaded."""
    checksums = _Checksums(con)
    folders, others = scan(landing, system, today)
    found = []
    for folder in folders:
        if extract_dates and folder.extract_date not in extract_dates:
            continue
        files = [PendingFile(contract, path, checksums.content(path), folder.extract_date)
                 for path, contract in folder.files]
        files = [f for f in files if checksums.is_new(f.path, f.content)]
        if files:
            found.append(files)
    entries = [(e, checksums.content(e.path)) for e in others]
    checksums.remember(con)
    return found, [(e, content) for e, content in entries if checksums.is_new(e.path, content)]


# -- reading a batch of files of one entity -----------------------------------------------------
FOLDERS_PER_BATCH = 13  # a quarter of weekly extracts is read and parsed at once: few statements, bounded memory


@dataclass
class StagedEntity:
    """The pending files of one entity in a batch, read and parsed into temp tables before any
    folder's transaction starts (a read error inside a DuckDB transaction would abort it)."""

    contract: Contract
    dates: dict[str, str]  # extract date per file
    rows: dict[str, int] = field(default_factory=dict)  # per file
    unknown: dict[str, tuple[str, ...]] = field(default_factory=dict)  # unknown fields kept in _extra, per file
    dropped: dict[str, tuple[str, ...]] = field(default_factory=dict)  # unknown fields that look personal: dropped
    rejected: dict[str, int] = field(default_factory=dict)  # rows failing a check, per file
    not_allowed: dict[str, int] = field(default_factory=dict)  # category values outside the contract, per file
    problems: dict[str, FileRejection] = field(default_factory=dict)  # files that cannot load at all
    present: dict[str, set[str]] = field(default_factory=dict)  # contract fields each file has

    def note_fields(self, path: str, landed: list[str | None], kept: list[str], dropped: list[str]) -> None:
        """A CSV header's or Parquet schema's fields: the contract's present, the unknown kept and dropped."""
        self.present[path] = {n for n in landed if n and not n.startswith(UNKNOWN_PREFIX)}
        self.unknown[path], self.dropped[path] = tuple(kept), tuple(dropped)

    @property
    def landed(self) -> str:  # temp table: the files' rows as sent
        return f"landed_{self.contract.table}"

    @property
    def parsed(self) -> str:  # temp table: parsed values, failed-check flags, content hash
        return f"parsed_{self.contract.table}"

    @property
    def unsplit(self) -> str:  # temp table: CSV rows the reader could not split into fields
        return f"unsplit_{self.contract.table}"

    @property
    def quarantined(self) -> str:  # temp table: the raw.quarantine rows of every staged file
        return f"quarantined_{self.contract.table}"

    @property
    def new(self) -> str:  # temp table: the rows the raw (and protected) table gains, see choose_new
        return f"new_{self.contract.table}"

    @property
    def temp_tables(self) -> list[str]:
        return [self.landed, self.parsed, self.unsplit, self.quarantined, self.new]


def _text_problem(path: Path) -> str | None:
    """Why a text file is not UTF-8 (naming the encoding problem and the line), or None."""
    decoder, line = codecs.getincrementaldecoder("utf-8")(), 1
    with open(path, "rb") as f:
        if f.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "is UTF-16 (it starts with a UTF-16 byte-order mark); export it as UTF-8"
        f.seek(0)
        for chunk in iter(lambda: f.read(1 << 20), b""):
            if b"\0" in chunk:
                line += chunk[:chunk.index(b"\0")].count(b"\n")
                return f"holds a NUL byte on line {line} (UTF-16 without a byte-order mark?); export it as UTF-8"
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk[:exc.start].count(b"\n")
                return (f"is not UTF-8: byte 0x{chunk[exc.start]:02X} on line {line} (latin-1 or Windows-1252?); "
                        "export it as UTF-8")
            line += chunk.count(b"\n")
    return None


def _open_text(path: Path) -> None:
    """Raise a FileRejection when a text file cannot be opened or is not UTF-8."""
    try:
        problem = _text_problem(path)
    except OSError as exc:
        raise FileRejection(f"{path}: cannot be opened: {exc.strerror}") from None
    if problem:
        raise FileRejection(f"{path}: {problem}")


def _shown(name: str) -> str:
    """An unknown field's name as reported: withheld when it is itself an address or a number."""
    if not name:
        return "(a field without a name)"
    return "(a field named like contact data)" if "@" in name or sum(ch.isdigit() for ch in name) >= 8 else name


def _map_fields(contract: Contract, path: Path, names: list[str]) -> tuple[list[str | None], list[str], list[str]]:
    """The landed name of each field of a CSV header or Parquet schema (None: dropped), and the
    unknown fields kept and dropped. A name appearing twice rejects the file."""
    known = {c.name for c in contract.columns}
    landed, kept, dropped, seen = [], [], [], {}
    for i, raw in enumerate(names, 1):
        name = normalise_name(raw)
        if name and name in seen:
            raise FileRejection(f"{path}: column {name} appears twice in the header (fields {seen[name]} and {i}); "
                                "cannot tell which to load", name)
        seen[name] = i
        if name in known:
            landed.append(name)
        elif looks_personal(name):
            landed.append(None)
            dropped.append(_shown(name) if name else f"field {i} (no name)")
        else:
            landed.append(UNKNOWN_PREFIX + name)
            kept.append(name)
    return landed, kept, dropped


@dataclass(frozen=True)
class _Reader:
    """Files read by one SQL statement; `names` is a CSV group's landed name per field."""

    paths: list[Path]
    build: Callable[[list[Path], str], str]  # (paths, a tag naming the reader's reject tables) -> SQL
    names: tuple[str | None, ...] = ()


def _csv_readers(contract: Contract, paths: list[Path], staged: StagedEntity) -> list[_Reader]:
    """Files grouped by their header (one reader each), after their encoding and header are checked."""
    groups: dict[tuple[str | None, ...], list[Path]] = {}
    for path in paths:
        try:
            _open_text(path)
            with open(path, encoding="utf-8-sig", newline="") as f:
                first = f.readline()
            if not first.strip():
                raise FileRejection(f"{path}: empty file, no header row", rows_in_file=0)
            header = next(csv.reader([first], delimiter=contract.dialect.delimiter))
            if len(header) == 1:
                raise FileRejection(f"{path}: the header has a single field; the {contract.system} contract separates "
                                    f"fields by `{contract.dialect.delimiter}`")
            landed, kept, dropped = _map_fields(contract, path, header)
        except FileRejection as rejection:
            staged.problems[str(path)] = rejection
            continue
        staged.note_fields(str(path), landed, kept, dropped)
        groups.setdefault(tuple(landed), []).append(path)
    return [_Reader(group, lambda ps, tag, names=names: csv_sql(contract.dialect, ps, list(names), tag), names)
            for names, group in groups.items()]


def _jsonl_readers(contract: Contract, paths: list[Path], staged: StagedEntity) -> list[_Reader]:
    readable = []
    for path in paths:
        try:
            _open_text(path)
            with open(path, encoding="utf-8-sig") as f:
                if f.read(4096).lstrip().startswith("["):
                    raise FileRejection(f"{path}: a JSON array, not JSON lines; write one object per line")
            readable.append(path)
        except FileRejection as rejection:
            staged.problems[str(path)] = rejection
    return [_Reader(readable, lambda ps, tag: jsonl_lines_sql(ps))] if readable else []


def _parquet_readers(con: duckdb.DuckDBPyConnection, contract: Contract, paths: list[Path],
                     staged: StagedEntity) -> list[_Reader]:
    """One reader per Parquet file, its columns named for the contract; a column of another type
    than the contract's (or unknown) is read as text and parsed like a text format."""
    types, readers = {c.name: c.type for c in contract.columns}, []
    for path in paths:
        try:
            schema = [(name, type_) for name, type_, *_ in con.execute(
                f"DESCRIBE SELECT * FROM read_parquet({quote(str(path))})").fetchall()]
            landed, kept, dropped = _map_fields(contract, path, [name for name, _ in schema])
        except duckdb.Error as exc:
            staged.problems[str(path)] = FileRejection(
                f"{path}: cannot be read as Parquet: {_scrubbed(con, str(exc).splitlines()[0])}")
            continue
        except FileRejection as rejection:
            staged.problems[str(path)] = rejection
            continue
        staged.note_fields(str(path), landed, kept, dropped)
        columns = {name: to for (name, _), to in zip(schema, landed, strict=True) if to}
        cast = {name for (name, type_), to in zip(schema, landed, strict=True) if to and types.get(to) != type_}
        sql = parquet_sql(path, columns, cast)
        readers.append(_Reader([path], lambda ps, tag, sql=sql: sql))
    return readers


def _land(con: duckdb.DuckDBPyConnection, staged: StagedEntity, paths: list[Path]) -> list[str]:
    """Read the files into the temp table `staged.landed` (and the CSV rows that cannot be split
    into `staged.unsplit`); returns the files read, and gives every other one a rejection naming it."""
    contract = staged.contract
    readers = (_csv_readers(contract, paths, staged) if contract.file_format == "csv" else
               _jsonl_readers(contract, paths, staged) if contract.file_format == "jsonl" else
               _parquet_readers(con, contract, paths, staged))
    tags: list[str] = []

    def create(chosen: list[_Reader]) -> None:
        tags.clear()
        tags.extend(f"{staged.unsplit}_{i}" for i in range(len(chosen)))
        for tag in tags:  # a failed attempt may have left rejected rows behind
            con.execute(f"DROP TABLE IF EXISTS {tag}_errors; DROP TABLE IF EXISTS {tag}_scans")
        selects = [f"({r.build(r.paths, tag)})" for r, tag in zip(chosen, tags, strict=True)]
        con.execute(f"CREATE OR REPLACE TEMP TABLE {staged.landed} AS {' UNION ALL BY NAME '.join(selects)}")

    if not readers:
        return []
    try:
        create(readers)
    except duckdb.Error:
        singles, readers = [_Reader([p], r.build, r.names) for r in readers for p in r.paths], []
        for reader in singles:  # the rare path: find the culprits one by one
            try:
                create([reader])
                readers.append(reader)
            except duckdb.Error as exc:
                staged.problems[str(reader.paths[0])] = FileRejection(
                    f"{reader.paths[0]}: cannot be read as {contract.dialect.describe}: "
                    f"{_scrubbed(con, str(exc).splitlines()[0])}")
        if not readers:
            return []
        create(readers)
    if contract.file_format == "jsonl":
        con.execute(f"CREATE OR REPLACE TEMP TABLE {staged.landed} AS {jsonl_sql(contract, staged.landed)}")
    if contract.file_format == "csv":
        _collect_unsplit(con, staged, {str(p): r.names for r in readers for p in r.paths}, tags)
        for tag in tags:
            con.execute(f"DROP TABLE IF EXISTS {tag}_errors; DROP TABLE IF EXISTS {tag}_scans")
    return [str(p) for r in readers for p in r.paths]


def _collect_unsplit(con: duckdb.DuckDBPyConnection, staged: StagedEntity, names_of: dict[str, tuple],
                     tags: list[str]) -> None:
    """The CSV rows DuckDB could not split, one per row with its reason, numbered as rows of their
    file (the header not counted); the rows read are renumbered around them."""
    contract = staged.contract
    if not sum(con.execute(f"SELECT count(*) FROM {tag}_errors").fetchone()[0] for tag in tags):
        return
    errors = " UNION ALL ".join(
        f"SELECT s.file_path AS _source_file, e.line - 1 AS _row_number, e.error_type, e.error_message, "
        f"e.column_name, e.csv_line FROM {tag}_errors e JOIN {tag}_scans s USING (scan_id, file_id)" for tag in tags)
    reasons = ("CASE CAST(error_type AS VARCHAR) " + " ".join(f"WHEN {quote(k)} THEN {quote(v)}"
                                                           for k, v in _SPLIT_REASONS.items())
               + " ELSE 'cannot be split into fields' END")
    fields = [f"WHEN _source_file = {quote(f)} AND column_name = 'c{i}' THEN {quote(n.removeprefix(UNKNOWN_PREFIX))}"
              for f, names in names_of.items() for i, n in enumerate(names) if n]
    keys = [f"WHEN _source_file = {quote(f)} THEN split_part(trim(csv_line, chr(10) || chr(13)), "
            f"{quote(contract.dialect.delimiter)}, {names.index(contract.key) + 1})"
            for f, names in names_of.items() if contract.key in names]
    key = f"CASE {' '.join(keys)} END" if keys else "NULL"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {staged.unsplit} AS
        SELECT _source_file, _row_number, left({scrub_sql(key, phones=False)}, {QUARANTINE_VALUE_CHARS}) AS record_key,
               {f"CASE {' '.join(fields)} END" if fields else "NULL"} AS field,
               {reasons} || CASE WHEN CAST(error_type AS VARCHAR) IN ('TOO MANY COLUMNS', 'MISSING COLUMNS',
                                                                     'LINE SIZE OVER MAXIMUM')
                                 THEN ': ' || error_message ELSE '' END AS reason
        FROM ({errors})
        QUALIFY row_number() OVER (PARTITION BY _source_file, _row_number ORDER BY error_type DESC) = 1""")
    con.execute(f"""
        UPDATE {staged.landed} AS l SET _row_number = s.n FROM (
            WITH bad AS (SELECT _source_file, _row_number AS n FROM {staged.unsplit}),
                 sizes AS (SELECT _source_file, count(*) AS good FROM {staged.landed}
                           WHERE _source_file IN (SELECT _source_file FROM bad) GROUP BY 1),
                 slots AS (SELECT z._source_file, unnest(range(1, z.good + 1 + (
                               SELECT count(*) FROM bad b WHERE b._source_file = z._source_file))) AS n FROM sizes z)
            SELECT _source_file, n, row_number() OVER (PARTITION BY _source_file ORDER BY n) AS k
            FROM slots ANTI JOIN bad USING (_source_file, n)) AS s
        WHERE l._source_file = s._source_file AND l._row_number = s.k""")


def _scrubbed(con: duckdb.DuckDBPyConnection, text: str) -> str:
    """A reader's message with any e-mail address or phone number in it masked."""
    return con.execute(f"SELECT {scrub_sql('$1')}", [text]).fetchone()[0]


def _json_fields(con: duckdb.DuckDBPyConnection, staged: StagedEntity, paths: list[str]) -> None:
    """The fields each JSON-lines file really has: its records' top-level keys (the unknown ones
    kept or dropped), and the nested contract fields some record carries."""
    contract, table = staged.contract, staged.landed
    rows = con.execute(f"SELECT _source_file, list(DISTINCT key) FROM (SELECT _source_file, unnest(json_keys(json)) "
                       f"AS key FROM {table}) GROUP BY 1").fetchall()
    keys = {path: set() for path in paths} | {f: set(found) for f, found in rows}
    known = {c.source_path.split(".")[0] for c in contract.columns}
    for path in paths:
        staged.present[path] = set(keys[path])
        unknown = sorted(keys[path] - known)
        staged.unknown[path] = tuple(k for k in unknown if not looks_personal(k))
        staged.dropped[path] = tuple(_shown(k) for k in unknown if looks_personal(k))
    nested = [c for c in contract.columns if c.required and "." in c.source_path]
    if nested:  # a nested field counts as present only if some record has it
        found = con.execute("SELECT _source_file, " + ", ".join(
            f"bool_or(json_exists(json, {quote('$.' + c.source_path)}))" for c in nested) + f" FROM {table} GROUP BY 1"
        ).fetchall()
        for f, *present in found:
            staged.present[f] |= {c.source_path for c, ok in zip(nested, present, strict=True) if ok}


def _names(contract: Contract, prefix: str = "", table: str = "") -> tuple[str, ...]:
    """SQL for the row's own first and last name, scrubbed from every text stored beside them."""
    return tuple(table + ident(prefix + c.name) for c in contract.columns if c.personal and c.name.endswith("_name"))


def _extra_sql(contract: Contract, kept: list[str]) -> str:
    """The row's fields the contract does not know (and that do not look personal), read by exact
    name, as a JSON object of text scrubbed of contact details (nulls left out, so a row's value
    never depends on the other files read with it); `_parse` removes the row's names from it."""
    if not kept:
        return "NULL"
    if contract.file_format == "jsonl":
        entries = (f"list_transform(list_filter(map_entries(from_json(json, '\"MAP(VARCHAR, JSON)\"')), "
                   f"lambda e: list_contains([{', '.join(map(quote, kept))}], e.key) AND e.value <> 'null'), "
                   f"lambda e: {{'k': e.key, 'v': e.value ->> '$'}})")
    else:
        entries = "list_filter([" + ", ".join(
            f"{{'k': {quote(k)}, 'v': CAST({ident(UNKNOWN_PREFIX + k)} AS VARCHAR)}}" for k in kept
        ) + "], lambda e: e.v IS NOT NULL AND trim(e.v) <> '')"
    as_json = f"CAST(to_json(map_from_entries({entries})) AS VARCHAR)"
    return f"CASE WHEN len({entries}) > 0 THEN {scrub_sql(as_json)} END"


def _checks(contract: Contract) -> list[tuple[str | None, str, str]]:
    """(field, condition, reason) for every way a row can fail the contract; a condition reads the
    landed value as `"<name>"`, the parsed one as `"_p_<name>"` and the folder's date as `_extract_date`."""
    d = contract.dialect
    checks = []
    for c in contract.columns:
        raw, parsed = ident(c.name), ident(f"_p_{c.name}")
        if c.type != "VARCHAR":
            checks.append((c.name, f"{present_sql(c, d, raw)} AND {parsed} IS NULL", f"not {expected(c, d)}"))
        if not c.nullable:
            missing = f"{parsed} IS NULL" if c.type == "VARCHAR" else f"NOT {present_sql(c, d, raw)}"
            checks.append((c.name, missing, "required value missing"))
        if c.type == "TIMESTAMP":
            checks.append((c.name, f"{parsed} > _extract_date + INTERVAL {DATE_TOLERANCE.days} DAY",
                           f"in the future: after its extract folder's date plus {DATE_TOLERANCE.days} day(s)"))
        if c.type == "VARCHAR" and contract.identifier(c):
            checks.append((c.name, looks_like_email_sql(parsed),
                           "looks like an e-mail address; identifiers must not hold personal data"))
    if contract.file_format != "jsonl":
        return checks
    types = {c.source_path: i for i, c in enumerate(contract.columns, 1)}
    types |= {p: i for i, p in enumerate(parents(contract), len(contract.columns) + 1)}
    shapes = [(c.name, f"_types[{types[c.source_path]}] IN ('OBJECT', 'ARRAY')",
               "a list or object where a single value is expected") for c in contract.columns if c.type[-2:] != "[]"]
    shapes += [(p, f"_types[{types[p]}] <> 'OBJECT'", "not an object (the contract nests fields in it)")
               for p in parents(contract)]
    record = [(None, "_kind IS NULL", "not valid JSON (one object per line expected)"),
              (None, "_kind <> 'OBJECT'", "a JSON value that is not an object (one object per line expected)"),
              (None, "_kind = 'OBJECT' AND len(json_keys(json)) > len(list_distinct(json_keys(json)))",
               "a field name appears twice in the record")]
    return record + [(f, f"_kind = 'OBJECT' AND {condition}", reason) for f, condition, reason in checks + shapes]


def _parse(con: duckdb.DuckDBPyConnection, staged: StagedEntity, extra: str) -> None:
    """Parse every landed row in one scan: values (text scrubbed), one flag per failed check, the content hash."""
    contract, d = staged.contract, staged.contract.dialect
    parsed = [f"{parse_sql(c, d, ident(c.name))} AS {ident(f'_p_{c.name}')}" for c in contract.columns]
    values = {c.name: ident(f"_p_{c.name}") for c in contract.columns}
    for c in contract.columns:  # every stored text but identifiers, which must match exactly
        if c.type == "VARCHAR" and not (c.personal or contract.identifier(c)):
            values[c.name] = scrub_sql(values[c.name])
        elif c.type == "VARCHAR[]":
            values[c.name] = f"list_transform({values[c.name]}, lambda s: {scrub_sql('s')})"
    kept = [c.name for c in contract.columns if not c.personal]
    selected = [f"{values[name]} AS {ident(name)}" for name in kept]
    if contract.pseudonymised:
        kept.append("person_key")
        selected.append(f"person_key({ident('_p_email')}) AS person_key")
    flags = [f"coalesce(({condition}), false) AS _fails_{i}" for i, (_, condition, _) in enumerate(_checks(contract))]
    names = _names(contract, "_p_")
    struct = ", ".join(f"{ident(n)} := {ident(n)}" for n in kept + ["_extra"])
    dates = ", ".join(f"({quote(f)}, DATE {quote(day)})" for f, day in staged.dates.items())
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {staged.parsed} AS
        SELECT *, md5_number(CAST(struct_pack({struct}) AS VARCHAR)) AS _row_hash,
               {' OR '.join(f'_fails_{i}' for i in range(len(flags))) or 'false'} AS _rejected
        FROM (SELECT * EXCLUDE (_extra{''.join(', ' + n for n in names)}),
                     CAST({scrub_names_sql('_extra', names)} AS JSON) AS _extra
              FROM (SELECT _source_file, _row_number, _extract_date, {', '.join(selected + flags + list(names))},
                           {extra} AS _extra
                    FROM (SELECT l.*, d._extract_date, {', '.join(parsed)}
                          FROM {staged.landed} AS l JOIN (VALUES {dates}) AS d(_source_file, _extract_date)
                          USING (_source_file))))""")


def stage(con: duckdb.DuckDBPyConnection, contract: Contract, files: list[PendingFile]) -> StagedEntity:
    """Read and parse the files of one entity at once; note per file its rows, unknown fields,
    rejected rows, or why it cannot load at all."""
    staged = StagedEntity(contract, {str(f.path): f.extract_date for f in files})
    con.execute(f"CREATE OR REPLACE TEMP TABLE {staged.unsplit} (_source_file VARCHAR, _row_number BIGINT, "
                "record_key VARCHAR, field VARCHAR, reason VARCHAR)")
    readable = _land(con, staged, [f.path for f in files])
    if not readable:
        return staged
    columns = {row[0] for row in con.execute(f"DESCRIBE {staged.landed}").fetchall()}
    for c in contract.columns:  # a column no file has: null, so that parsing binds (the files get rejected)
        if c.name not in columns:
            con.execute(f"ALTER TABLE {staged.landed} ADD COLUMN {ident(c.name)} VARCHAR")
    if contract.file_format == "jsonl":
        _json_fields(con, staged, readable)
    counts = dict(con.execute(f"SELECT _source_file, count(*) FROM (SELECT _source_file FROM {staged.landed} "
                              f"UNION ALL SELECT _source_file FROM {staged.unsplit}) GROUP BY 1").fetchall())
    for path in readable:
        staged.rows[path] = rows = counts.get(path, 0)
        missing = [c.name for c in contract.columns
                   if c.required and c.source_path not in staged.present[path]
                   and (rows or contract.file_format != "jsonl")]
        if missing:
            staged.problems[path] = FileRejection(f"{path}: required column {', '.join(missing)} missing", missing[0],
                                                  rows)
    kept = sorted({k for path in readable for k in staged.unknown[path]})
    _parse(con, staged, _extra_sql(contract, kept))
    allowed = [f"count(*) FILTER (WHERE NOT _rejected AND lower(trim({ident(c.name)})) NOT IN "
               f"({', '.join(map(quote, c.allowed))}))" for c in contract.columns if c.allowed]
    for name, rejected, not_allowed in con.execute(
            f"SELECT _source_file, count(*) FILTER (WHERE _rejected), {' + '.join(allowed) or '0'} "
            f"FROM {staged.parsed} GROUP BY 1").fetchall():
        staged.rejected[name], staged.not_allowed[name] = rejected, not_allowed
    for name, unsplit in con.execute(f"SELECT _source_file, count(*) FROM {staged.unsplit} GROUP BY 1").fetchall():
        staged.rejected[name] = staged.rejected.get(name, 0) + unsplit
    if any(staged.rejected.values()):
        _collect_quarantine(con, staged)
    return staged


# -- writing one folder ----------------------------------------------------------------------------
def _masked(contract: Contract, value: str, phones: bool = True) -> str:
    """A failing value as quarantine keeps it: scrubbed of contact details and the row's names, cut short."""
    return (f"left({scrub_names_sql(scrub_sql(f'CAST({value} AS VARCHAR)', phones), _names(contract, table='l.'))}, "
            f"{QUARANTINE_VALUE_CHARS})")


def _collect_quarantine(con: duckdb.DuckDBPyConnection, staged: StagedEntity) -> None:
    """Every failed check of the staged rows, and every row that could not be split, as the
    `raw.quarantine` rows they become: file, row, key, field and reason; a value is kept masked, and
    never for a personal or protected field."""
    contract = staged.contract
    checks = ", ".join(f"{{'field': {quote(field) if field else 'NULL'}, "
                       f"'reason': {quote(reason)}, 'fails': _fails_{i}}}"
                       for i, (field, _, reason) in enumerate(_checks(contract)))
    value = "CASE f.field " + " ".join(f"WHEN {quote(c.name)} THEN CAST(l.{ident(c.name)} AS VARCHAR)"
                                       for c in contract.columns if not (c.personal or c.protected)) + " END"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {staged.quarantined} AS
        SELECT _source_file, f._row_number, {_masked(contract, 'l.' + ident(contract.key), phones=False)} AS record_key,
               f.field,
               {_masked(contract, value)} AS value, f.reason
        FROM (SELECT _source_file, _row_number, unnest(list_filter([{checks}], lambda c: c.fails), recursive := true)
              FROM {staged.parsed} WHERE _rejected) AS f
        JOIN {staged.landed} AS l USING (_source_file, _row_number)
        UNION ALL
        SELECT _source_file, _row_number, record_key, field, NULL, reason FROM {staged.unsplit}""")


def _stored(contract: Contract) -> list[str]:
    """The contract columns `raw.<table>` stores (the protected table stores the key and its own)."""
    return [c.name for c in contract.stored_columns] + (["person_key"] if contract.pseudonymised else []) + ["_extra"]


def _apart(contract: Contract) -> list[str]:
    """The columns of `protected.<table>`: the key, the person key and the protected attributes."""
    return [contract.key] + (["person_key"] if contract.pseudonymised else []) + [
        c.name for c in contract.protected_columns]


def choose_new(con: duckdb.DuckDBPyConnection, staged: StagedEntity) -> None:
    """The rows the staged files that load add, chosen once for the batch before its folders are written: of each
    content (`_row_hash`) that `raw.<table>` does not hold, the first row in folder order. An anti join built on
    the batch's rows and probed with the table's hashes: memory grows with the new folders, not with the table,
    which is read once per batch rather than once per file. Protected attributes are stored for the same rows."""
    contract = staged.contract
    loadable = [quote(path) for path in staged.rows if path not in staged.problems]
    if not loadable:
        return
    columns = dict.fromkeys(_stored(contract) + (_apart(contract) if contract.protected_columns else []))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {staged.new} AS
        SELECT {', '.join(map(ident, columns))}, _extract_date, _source_file, _row_number, _row_hash
        FROM {staged.parsed} ANTI JOIN raw.{contract.table} USING (_row_hash)
        WHERE NOT _rejected AND _source_file IN ({', '.join(loadable)})
        QUALIFY row_number() OVER (PARTITION BY _row_hash ORDER BY _extract_date, _source_file, _row_number) = 1""")


def _insert_new(con: duckdb.DuckDBPyConnection, staged: StagedEntity, target: str, columns: list[str],
                path: str) -> int:
    """Insert the file's rows `choose_new` chose into the target's columns; returns how many."""
    names = ", ".join(ident(c) for c in columns + ["_extract_date", "_source_file", "_row_number", "_row_hash"])
    return con.execute(f"INSERT INTO {target} ({names}, _loaded_at) SELECT {names}, now() FROM {staged.new} "
                       "WHERE _source_file = $file", {"file": path}).fetchone()[0]


def load_file(con: duckdb.DuckDBPyConnection, staged: StagedEntity, path: str) -> FileLoad:
    """Write one staged file into its raw (and protected) table, inside the caller's transaction."""
    contract = staged.contract
    problem = staged.problems.get(path)
    if problem:
        con.execute("INSERT INTO raw.quarantine VALUES (?, NULL, NULL, ?, NULL, ?, now())",
                    [path, problem.field, problem.message])
        log.warning("quarantined whole file: %s", problem.message)
        rows = problem.rows_in_file
        return FileLoad(path, contract.table, "quarantined", rows, None if rows is None else 0,
                        None if rows is None else 0, rows, message=problem.message)
    rows, rejected = staged.rows[path], staged.rejected.get(path, 0)
    if rejected:
        con.execute(f"INSERT INTO raw.quarantine SELECT *, now() FROM {staged.quarantined} WHERE _source_file = ?",
                    [path])
    inserted = _insert_new(con, staged, f"raw.{contract.table}", _stored(contract), path)
    if contract.protected_columns:
        _insert_new(con, staged, f"protected.{contract.table}", _apart(contract), path)
    unknown, dropped = staged.unknown.get(path, ()), staged.dropped.get(path, ())
    notes = ([f"{rejected} row(s) quarantined (see raw.quarantine)"] if rejected else []) + \
            ([f"unknown field(s) kept in _extra: {', '.join(unknown)}"] if unknown else []) + \
            ([f"unknown field(s) that may hold personal data dropped: {', '.join(dropped)}"] if dropped else [])
    if unknown or dropped:
        log.warning("%s: %s", path, "; ".join(notes))
    return FileLoad(path, contract.table, "loaded", rows, inserted, rows - rejected - inserted, rejected,
                    unknown + dropped, staged.not_allowed.get(path, 0),
                    f"{path}: {'; '.join(notes)}" if notes else None)


_LOGGED = ("source_file", "system", "entity", "extract_date", "checksum", "file_size", "file_mtime_ns", "status",
           "rows_in_file", "rows_loaded", "rows_duplicate", "rows_quarantined", "unknown_columns",
           "values_not_allowed", "message")


def _log(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """`raw.ingest_log` rows (`_LOGGED`, stamped now), written in one statement."""
    if rows:
        placeholders = ", ".join(["(" + "?, " * len(_LOGGED) + "now())"] * len(rows))
        con.execute(f"INSERT INTO raw.ingest_log ({', '.join(_LOGGED)}, loaded_at) VALUES {placeholders}",
                    [value for row in rows for value in row])


def _file_row(load: FileLoad, system: str, entity: str | None, extract_date: str | None, content: Content) -> tuple:
    return (load.source_file, system, entity, extract_date, content.checksum, content.size, content.mtime_ns,
            load.status, load.rows_in_file, load.rows_loaded, load.rows_duplicate, load.rows_quarantined,
            list(load.unknown_columns), load.values_not_allowed, load.message)


def load_folder(con: duckdb.DuckDBPyConnection, files: list[PendingFile],
                staged: dict[str, StagedEntity]) -> list[FileLoad]:
    """Write the pending files of one extract folder in one transaction: all of them or nothing."""
    loads = []
    con.execute("BEGIN TRANSACTION")
    try:
        for pending in files:
            loads.append(load_file(con, staged[pending.contract.table], str(pending.path)))
        for system, extract_date in {(p.contract.system, p.extract_date) for p in files}:  # erased stay erased
            forget_erased(con, system, extract_date)
        _log(con, [_file_row(load, p.contract.system, p.contract.entity, p.extract_date, p.content)
                   for p, load in zip(files, loads, strict=True)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return loads


def _report(con: duckdb.DuckDBPyConnection, system: str, entries: list[tuple[Entry, Content]]) -> list[FileLoad]:
    """Log the entries of the landing zone that are not loaded (each once, until its content changes)."""
    loads = [FileLoad(str(e.path), None, e.status, None, None, None, None, message=e.message) for e, _ in entries]
    for load in loads:
        log.warning("%s: %s", load.status, load.message)
    _log(con, [_file_row(load, system, None, e.extract_date, content)
               for (e, content), load in zip(entries, loads, strict=True)])
    return loads


def _stage_error(con: duckdb.DuckDBPyConnection, contract: Contract, files: list[PendingFile]) -> str | None:
    try:
        stage(con, contract, files)
        return None
    except duckdb.Error as exc:
        return _scrubbed(con, str(exc).splitlines()[0])


def _stage_safely(con: duckdb.DuckDBPyConnection, contract: Contract, files: list[PendingFile]) -> StagedEntity:
    """`stage`, and should DuckDB still fail on some content, the files it fails on are found one by
    one and quarantined whole with its message: no file blocks the others, now or in later runs."""
    try:
        return stage(con, contract, files)
    except duckdb.Error as exc:
        error = _scrubbed(con, str(exc).splitlines()[0])
    broken = {str(f.path): message for f in files if (message := _stage_error(con, contract, [f]))} \
        if len(files) > 1 else {str(files[0].path): error}
    rest = [f for f in files if str(f.path) not in broken]
    staged = stage(con, contract, rest) if rest else StagedEntity(contract, {})
    staged.problems |= {path: FileRejection(f"{path}: cannot be loaded: {message}") for path, message in broken.items()}
    return staged


@contextmanager
def _checkpoint_per_batch(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB checkpoints when a commit leaves its write-ahead log over `checkpoint_threshold` (16 MiB), which at
    scale is every folder's commit, each writing the tables out again. Raised while the batches load, with a
    checkpoint after each batch instead: the log holds one batch at most."""
    (before,) = con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()
    con.execute("SET checkpoint_threshold = '1TB'")
    try:
        yield
    finally:
        con.execute(f"SET checkpoint_threshold = {quote(before)}")


def load_system(con: duckdb.DuckDBPyConnection, landing: Path, system: str, salt: str,
                extract_dates: list[str] | None = None, today: date | None = None) -> list[FileLoad]:
    """Every pending extract folder of one system, oldest first, one transaction each, after
    reporting what in the landing zone is not to be loaded; the files are read and parsed a batch
    of folders at a time. `today` (default: the clock) bounds the extract dates."""
    ensure_raw_tables(con)
    register_person_key(con, salt)
    folders, others = pending_folders(con, landing, system, today or date.today(), extract_dates)
    loads = _report(con, system, others)
    with _checkpoint_per_batch(con):
        for start in range(0, len(folders), FOLDERS_PER_BATCH):
            batch = folders[start:start + FOLDERS_PER_BATCH]
            staged = {}
            try:
                for contract in contracts_of(system):
                    files = [f for folder in batch for f in folder if f.contract is contract]
                    if files:
                        staged[contract.table] = entity = _stage_safely(con, contract, files)
                        choose_new(con, entity)
                        for table in (entity.landed, entity.parsed, entity.unsplit):  # the writes read the others
                            con.execute(f"DROP TABLE IF EXISTS {table}")
                for files in batch:
                    loads += load_folder(con, files, staged)
            finally:
                for entity in staged.values():
                    for table in entity.temp_tables:
                        con.execute(f"DROP TABLE IF EXISTS {table}")
            con.execute("CHECKPOINT")
            log.info("%s: %d/%d extract folders loaded", system, start + len(batch), len(folders))
    return loads


def load_landing(con: duckdb.DuckDBPyConnection, landing: Path, salt: str, today: date | None = None) -> list[FileLoad]:
    """Every system at once: what the ingest assets do one by one."""
    return [load for system in dict.fromkeys(c.system for c in CONTRACTS)
            for load in load_system(con, landing, system, salt, today=today)]
