"""SQL that reads a landing file as text and parses each value by the system's dialect.

Everything is parsed inside DuckDB (no per-row Python): a value that is empty or only whitespace
is null; a value that is present but does not parse stays null in the parsed column, which is how
the loader finds the rows to quarantine.
"""

from __future__ import annotations

from pathlib import Path

from hr_pipeline.ingest.contracts import Column, Contract, Dialect

EMAIL_PATTERN = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
PHONE_PATTERN = r"\+?\d[\d ()./-]{6,}\d"
# A field holding only what exporters pad with (spaces, tabs, line breaks, no-break and other
# Unicode spaces, a byte-order mark) is empty.
BLANK_PATTERN = r"[\s\p{Z}\x{FEFF}]*"


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_sql(contract: Contract, paths: list[Path]) -> str:
    """One relation over the files, with `_source_file`, the row's `_row_number` in its file and one
    column per contract column: text for text formats, typed for Parquet. JSON lines also keep the
    whole record in `json`, for fields the contract does not know."""
    d, files = contract.dialect, "[" + ", ".join(quote(str(p)) for p in paths) + "]"
    if d.file_format == "parquet":
        return (f"(SELECT filename AS _source_file, file_row_number + 1 AS _row_number, * EXCLUDE (filename, "
                f"file_row_number) FROM read_parquet({files}, filename=true, file_row_number=true, union_by_name=true))")
    if d.file_format == "jsonl":
        # One multi-path extraction parses each record once, however many fields the contract has.
        scalars = [c for c in contract.columns if not c.type.endswith("[]")]
        lists = [c for c in contract.columns if c.type.endswith("[]")]
        fields = [f"_text[{i}] AS {ident(c.name)}" for i, c in enumerate(scalars, 1)]
        fields += [f"_json[{i}] AS {ident(c.name)}" for i, c in enumerate(lists, 1)]
        listed = {name: "[" + ", ".join(quote("$." + c.source_path) for c in cols) + "]"
                  for name, cols in (("text", scalars), ("json", lists)) if cols}
        extracted = [f"json_extract_string(json, {listed['text']}) AS _text"] if "text" in listed else []
        extracted += [f"json_extract(json, {listed['json']}) AS _json"] if "json" in listed else []
        source = (f"(SELECT filename, json, {', '.join(extracted)} "
                  f"FROM read_json_objects({files}, format='newline_delimited', filename=true))")
        columns = f"json, {', '.join(fields)}"
    else:
        source = (f"read_csv({files}, header=true, all_varchar=true, delim={quote(d.delimiter)}, quote='\"', "
                  f"escape='\"', encoding='utf-8', skip=0, filename=true, union_by_name=true)")
        columns = "* EXCLUDE (filename, _seq)"
    # Scan order is file order (DuckDB preserves insertion order), so numbering within a file is its row.
    return (f"(SELECT filename AS _source_file, row_number() OVER (PARTITION BY filename ORDER BY _seq) AS _row_number, "
            f"{columns} FROM (SELECT *, row_number() OVER () AS _seq FROM {source}))")


def _blank(value: str) -> str:
    return f"regexp_full_match(CAST({value} AS VARCHAR), {quote(BLANK_PATTERN)})"


def _text(value: str) -> str:
    return f"CASE WHEN NOT {_blank(value)} THEN trim(CAST({value} AS VARCHAR)) END"


def parse_sql(column: Column, dialect: Dialect, value: str) -> str:
    """`value` parsed to the column's type by the dialect; null when absent or unparseable."""
    if dialect.file_format == "parquet" and not column.type.endswith("[]"):
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
    if column.type == "VARCHAR[]":
        return f"CASE WHEN json_type({value}) = 'ARRAY' THEN from_json({value}, '[\"VARCHAR\"]') END"
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


def scrub_sql(value: str) -> str:
    """Free text with e-mail addresses and phone numbers replaced by placeholders."""
    no_email = f"regexp_replace({value}, {quote(EMAIL_PATTERN)}, '[e-mail removed]', 'g')"
    return f"regexp_replace({no_email}, {quote(PHONE_PATTERN)}, '[phone removed]', 'g')"
