"""Reading landing files in tests, independently of the loader."""

from __future__ import annotations

from pathlib import Path

from hr_pipeline.ingest.contracts import Column, Contract


def landing_relation(home: Path, contract: Contract) -> str:
    """Every row of an entity's landing files, flat, as text (JSON lists as JSON), read independently of
    the loader: what the tests hold the raw layer to."""
    pattern = f"{home}/landing/{contract.system}/*/{contract.file_name}"
    if contract.file_format == "jsonl":
        fields = ", ".join(f"json_extract{'' if c.type.endswith('[]') else '_string'}(json, '$.{c.source_path}') "
                           f'AS "{c.name}"' for c in contract.columns)
        return f"(SELECT {fields} FROM read_json_objects('{pattern}', format='newline_delimited'))"
    if contract.file_format == "csv":
        return (f"(SELECT * FROM read_csv('{pattern}', delim='{contract.dialect.delimiter}', all_varchar=true, "
                "union_by_name=true))")
    return f"(SELECT * FROM read_parquet('{pattern}', union_by_name=true))"


def _typed(contract: Contract, column: Column) -> str:
    """SQL for a column's value as the contract types it (null when it does not parse), from the text in the file."""
    text, d = f'"{column.name}"', contract.dialect
    if contract.file_format == "parquet" or column.type == "VARCHAR" and not column.allowed:
        return text
    if column.allowed:
        return f"nullif(lower(trim({text})), '')"
    formats = {"DATE": d.date_formats, "TIMESTAMP": d.timestamp_formats}.get(column.type)
    if formats:
        parsed = ", ".join(f"try_strptime({text}, '{f}')" for f in formats)
        return f"CAST(coalesce({parsed}) AS {column.type})"
    if column.type == "DOUBLE":
        return f"try_cast(replace({text}, '{d.decimal}', '.') AS DOUBLE)"
    return f"try_cast(lower(trim({text})) AS {column.type})"


def latest_records(home: Path, contract: Contract) -> str:
    """The latest version of each record of an entity, typed, read from its landing files independently of the
    loader: rows the contract refuses (a value that does not parse, a blank required key) are left out, as the
    loader quarantines them; the newest `updated_at` wins, then the later extract."""
    pattern = f"{home}/landing/{contract.system}/*/{contract.file_name}"
    extract = "CAST(regexp_extract(filename, '/(\\d{4}-\\d{2}-\\d{2})/', 1) AS DATE) AS _extract"
    if contract.file_format == "jsonl":
        fields = ", ".join(f"json_extract_string(json, '$.{c.source_path}') AS \"{c.name}\""
                           for c in contract.columns if not c.type.endswith("[]"))
        text = (f"SELECT {fields}, {extract} "
                f"FROM read_json_objects('{pattern}', format='newline_delimited', filename=true)")
    elif contract.file_format == "csv":
        text = (f"SELECT *, {extract} FROM read_csv('{pattern}', delim='{contract.dialect.delimiter}', "
                "all_varchar=true, union_by_name=true, filename=true)")
    else:
        text = f"SELECT *, {extract} FROM read_parquet('{pattern}', union_by_name=true, filename=true)"
    columns = [c for c in contract.columns if not c.type.endswith("[]") and not c.personal or c.name == "email"]
    typed = ", ".join(f'{_typed(contract, c)} AS "{c.name}"' for c in columns)
    refused = " OR ".join(
        [f"(nullif(trim(CAST(\"{c.name}\" AS VARCHAR)), '') IS NOT NULL AND {_typed(contract, c)} IS NULL)"
         for c in columns if c.type != "VARCHAR"]
        + [f"nullif(trim(CAST(\"{c.name}\" AS VARCHAR)), '') IS NULL" for c in columns if not c.nullable]) or "false"
    updated = _typed(contract, next(c for c in contract.columns if c.name == contract.updated_at))
    return f"""(SELECT * EXCLUDE (_rank) FROM (
        SELECT {typed}, _extract,
               row_number() OVER (PARTITION BY "{contract.key}" ORDER BY {updated} DESC, _extract DESC) AS _rank
        FROM ({text}) WHERE NOT ({refused})) WHERE _rank = 1)"""
