"""Reading landing files in tests, independently of the loader."""

from __future__ import annotations

from pathlib import Path

from hr_pipeline.ingest.contracts import Contract


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
