"""The dbt `raw` source, rendered from the extract contract so dbt docs describe exactly the
columns the loader writes (`hr-pipeline contract --dbt-sources > dbt_project/models/raw_sources.yml`)."""

from __future__ import annotations

import yaml

from hr_pipeline.ingest.contracts import CONTRACTS, LINEAGE_COLUMNS
from hr_pipeline.settings import Policy

# Lineage columns are described once, in dbt_project/models/docs.md.
_LINEAGE_DOCS = {"person_key": "person_key", "_extra": "extra_columns", "_extract_date": "extract_date",
                 "_source_file": "source_file", "_row_number": "row_number", "_row_hash": "row_hash",
                 "_loaded_at": "loaded_at"}


def render_raw_sources() -> str:
    tables = []
    for contract in CONTRACTS:
        columns = [{"name": c.name, "description": c.description} for c in contract.stored_columns]
        columns += [{"name": name, "description": f"{{{{ doc('{_LINEAGE_DOCS[name]}') }}}}"}
                    for name, _ in LINEAGE_COLUMNS if name != "person_key" or contract.pseudonymised]
        tables.append({
            "name": contract.table,
            "description": f"{contract.description} One row per version sent ({contract.file_name}).",
            "config": {"meta": {"dagster": {"asset_key": ["raw", contract.table]}}},
            "columns": columns,
        })
    # Checked with `dbt source freshness`.
    policy = Policy()
    freshness = {"warn_after": {"count": policy.freshness_warn_days, "period": "day"},
                 "error_after": {"count": policy.freshness_error_days, "period": "day"}}
    source = {"name": "raw", "schema": "raw", "loaded_at_field": "_loaded_at", "freshness": freshness,
              "tables": tables,
              "description": "Landing extracts from the ATS, the HRIS and time tracking, loaded as sent, one row per "
                             "record version. Personal data is pseudonymised and protected attributes are kept apart."}
    header = ("# Rendered from hr_pipeline/ingest/contracts.py; do not edit by hand:\n"
              "#   hr-pipeline contract --dbt-sources > dbt_project/models/raw_sources.yml\n")
    return header + yaml.safe_dump({"version": 2, "sources": [source]}, sort_keys=False, allow_unicode=True, width=120)
