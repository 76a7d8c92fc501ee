"""SQL that reads landing files as sent and parses each value by the system's dialect.

Everything is parsed inside DuckDB (no per-row Python): a value that is empty or only whitespace
is null; a value that is present but does not parse stays null in the parsed column, which is how
the loader finds the rows to quarantine. Each reader yields `_source_file`, `_row_number` and one
column per contract column (text, or typed for Parquet); columns the contract does not know come
as `_u_<name>` (CSV, Parquet) or stay in the record (`json`, JSON lines).
"""

from __future__ import annotations

import re
from pathlib import Path

from hr_pipeline.ingest.contracts import Column, Contract, Dialect

# Unicode-aware (RE2): `søren.æblegård@eksempel.dk`, `müller@bücher.de`.
EMAIL_PATTERN = r"[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.\p{L}\p{L}+"
# A phone number: `+` and seven digits or more in any grouping (`+45 20 12 34 56`), eight digits or
# more grouped by spaces (`20 12 34 56`), nine or more grouped by `-` or `/` (`030-1234567`); a
# date (`31.02.2025`, `2025-02-31`) is none of these.
PHONE_PATTERN = r"\+\(?\d(?:[ ()./-]{0,2}\d){6,}|\d(?:[ ()]{0,2}\d){7,}|\d(?:[-/]?\d){8,}"
# A field holding only what exporters pad with (spaces, tabs, line breaks, no-break and other
# Unicode spaces, a byte-order mark) is empty.
BLANK_PATTERN = r"[\s\p{Z}\x{FEFF}]*"
UNKNOWN_PREFIX = "_u_"  # landed columns the contract does not know; never collide with the loader's own


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def normalise_name(name: str) -> str:
    """A header or column name as the contract spells it: `" Employee ID"` and `'EMPLOYEE_ID'` are `employee_id`."""
    return re.sub(r"[\s-]+", "_", name.strip().strip("\"'").strip().lower())


def _files(paths: list[Path]) -> str:
    return "[" + ", ".join(quote(str(p)) for p in paths) + "]"


def csv_sql(dialect: Dialect, paths: list[Path], names: list[str | None], rejects: str) -> str:
    """Files sharing one header (`names[i]` the landed name of field i, None to drop it), read past the
    header with every field as text; a row DuckDB cannot split goes to the temp tables
    `<rejects>_errors`/`<rejects>_scans` instead of failing the file."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names))) + "}"
    fields = [f"c{i} AS {ident(n)}" for i, n in enumerate(names) if n is not None]
    source = (f"read_csv({_files(paths)}, header=false, skip=1, columns={columns}, auto_detect=false, "
              f"delim={quote(dialect.delimiter)}, quote='\"', escape='\"', encoding='utf-8', strict_mode=true, "
              f"store_rejects=true, rejects_table={quote(rejects + '_errors')}, "
              f"rejects_scan={quote(rejects + '_scans')}, filename=true)")
    return (f"SELECT filename AS _source_file, row_number() OVER (PARTITION BY filename ORDER BY _seq) AS _row_number, "
            f"{', '.join(fields)} FROM (SELECT *, row_number() OVER () AS _seq FROM {source})")


def jsonl_lines_sql(paths: list[Path]) -> str:
    """JSON lines, one row per non-blank line numbered as in the file, whatever the line holds, as `json`:
    what `jsonl_sql` parses once they are landed."""
    # A line: split on line feeds (a carriage return or byte-order mark around it is the exporter's).
    lines = (f"SELECT filename, unnest(s) AS json, unnest(range(1, len(s) + 1)) AS _row_number "
             f"FROM (SELECT filename, string_split(content, chr(10)) AS s FROM read_text({_files(paths)}))")
    return (f"SELECT filename AS _source_file, _row_number, json FROM "
            f"(SELECT filename, _row_number, trim(json, chr(13) || chr(65279)) AS json FROM ({lines})) "
            f"WHERE NOT regexp_full_match(json, {quote(BLANK_PATTERN)})")


def jsonl_sql(contract: Contract, lines: str) -> str:
    """The landed lines in table `lines` (`jsonl_lines_sql`'s rows) parsed: the record as `json`, its kind
    (`OBJECT`, another JSON type, or null when it is not JSON), the JSON type found at each contract path and
    parent object (`_types`), and the contract's fields. `json` is null for a line that is not an object, so
    nothing downstream reads it. A statement of its own over a table: there DuckDB spreads the JSON functions
    over its threads, while over the files' text (a row per file) it keeps to one."""
    scalars = [c for c in contract.columns if not c.type.endswith("[]")]
    lists = [c for c in contract.columns if c.type.endswith("[]")]
    fields = [f"_text[{i}] AS {ident(c.name)}" for i, c in enumerate(scalars, 1)]
    fields += [f"_json[{i}] AS {ident(c.name)}" for i, c in enumerate(lists, 1)]

    def paths_of(cols):
        return "[" + ", ".join(quote("$." + c.source_path) for c in cols) + "]"

    record = "CASE WHEN _kind = 'OBJECT' THEN json END"
    extracted = [f"json_type({record}, {json_type_paths(contract)}) AS _types"]
    extracted += [f"json_extract_string({record}, {paths_of(scalars)}) AS _text"] if scalars else []
    extracted += [f"json_extract({record}, {paths_of(lists)}) AS _json"] if lists else []
    kinds = f"SELECT *, CASE WHEN json_valid(json) THEN json_type(json) END AS _kind FROM {lines}"
    return (f"SELECT _source_file, _row_number, {record} AS json, _kind, _types, {', '.join(fields)} "
            f"FROM (SELECT *, {', '.join(extracted)} FROM ({kinds}))")


def json_type_paths(contract: Contract) -> str:
    """The paths whose JSON type the reader records: every column's, then every parent object's."""
    return "[" + ", ".join(quote("$." + p) for p in [c.source_path for c in contract.columns] + parents(contract)) + "]"


def parents(contract: Contract) -> list[str]:
    """The objects nested fields sit in (`profile`, `contact`, ...), in contract order."""
    return list(dict.fromkeys(c.source_path.split(".")[0] for c in contract.columns if "." in c.source_path))


def parquet_sql(path: Path, columns: dict[str, str], cast: set[str]) -> str:
    """One Parquet file, its columns renamed (`columns`: file column -> landed name); those in `cast`
    (a type other than the contract's, or unknown) are read as text and parsed like a text format."""
    fields = [f"{'CAST(' + ident(src) + ' AS VARCHAR)' if src in cast else ident(src)} AS {ident(name)}"
              for src, name in columns.items()]
    return (f"SELECT filename AS _source_file, file_row_number + 1 AS _row_number, {', '.join(fields)} "
            f"FROM read_parquet({quote(str(path))}, filename=true, file_row_number=true)")


def _blank(value: str) -> str:
    return f"regexp_full_match(CAST({value} AS VARCHAR), {quote(BLANK_PATTERN)})"


def _text(value: str) -> str:
    return f"CASE WHEN NOT {_blank(value)} THEN trim(CAST({value} AS VARCHAR)) END"


def parse_sql(column: Column, dialect: Dialect, value: str) -> str:
    """`value` parsed to the column's type by the dialect; null when absent or unparseable."""
    if dialect.file_format == "parquet" and not column.type.endswith("[]") and column.type != "VARCHAR":
        return f"TRY_CAST({value} AS {column.type})"
    if column.type == "VARCHAR":
        return f"CASE WHEN NOT {_blank(value)} THEN CAST({value} AS VARCHAR) END"
    text = _text(value)
    if column.type in ("DOUBLE", "INTEGER", "BIGINT"):
        number = f"replace({text}, ',', '.')" if dialect.decimal == "," else text
        return f"TRY_CAST({number} AS {column.type})"
    if column.type == "BOOLEAN":
        return f"TRY_CAST(lower({text}) AS BOOLEAN)"
    if column.type in ("DATE", "TIMESTAMP"):
        formats = dialect.date_formats + dialect.timestamp_formats
        if column.type == "TIMESTAMP":
            formats = dialect.timestamp_formats + dialect.date_formats
        listed = ", ".join(quote(f) for f in formats)
        return f"CAST(try_strptime({text}, [{listed}]) AS {column.type})"
    if column.type == "VARCHAR[]":  # a list of single values; a list holding objects or lists does not parse
        return (f"CASE WHEN json_type({value}) = 'ARRAY' AND NOT list_has_any(json_type({value}, '$[*]'), "
                f"['OBJECT', 'ARRAY']) THEN from_json({value}, '[\"VARCHAR\"]') END")
    raise ValueError(f"no parser for type {column.type} of column {column.name}")


def present_sql(column: Column, dialect: Dialect, value: str) -> str:
    """True when the file holds a value for the column (so a null parse means it did not parse)."""
    if column.type.endswith("[]"):
        return f"coalesce(json_type({value}), 'NULL') <> 'NULL'"
    if dialect.file_format == "parquet":
        return f"{value} IS NOT NULL"
    return f"coalesce(NOT {_blank(value)}, false)"


def expected(column: Column, dialect: Dialect) -> str:
    """What a valid value looks like, for the quarantine reason."""
    if column.type == "DATE":
        return f"a date as {' or '.join(dialect.date_formats)}"
    if column.type == "TIMESTAMP":
        return f"a timestamp as {' or '.join(dialect.timestamp_formats)}"
    if column.type in ("DOUBLE", "INTEGER", "BIGINT"):
        return f"a number with decimal '{dialect.decimal}'" if column.type == "DOUBLE" else "a whole number"
    if column.type == "VARCHAR[]":
        return "a list of text"
    return f"a {column.type}"


def scrub_sql(value: str, phones: bool = True) -> str:
    """Text with e-mail addresses and phone numbers replaced by placeholders (an identifier keeps
    its digits: `phones=False`)."""
    no_email = f"regexp_replace({value}, {quote(EMAIL_PATTERN)}, '[e-mail removed]', 'g')"
    return f"regexp_replace({no_email}, {quote(PHONE_PATTERN)}, '[phone removed]', 'g')" if phones else no_email


def scrub_names_sql(value: str, names: tuple[str, ...]) -> str:
    """Text with the given names (SQL for the row's own first and last name) replaced wherever they
    stand as a whole word, in any case; a one-letter name is left alone. `value` should be cheap
    (a column): it is repeated, so that the pattern is only built for rows that hold the name."""
    for name in names:
        n = f"trim({name})"
        value = (f"CASE WHEN length({n}) >= 2 AND contains(lower({value}), lower({n})) THEN regexp_replace({value}, "
                 f"'(?i)(^|[^\\p{{L}}])' || regexp_escape({n}) || '([^\\p{{L}}]|$)', '\\1[name removed]\\2', 'g') "
                 f"ELSE {value} END")
    return value


def looks_like_email_sql(value: str) -> str:
    return f"regexp_matches({value}, {quote(EMAIL_PATTERN)})"
