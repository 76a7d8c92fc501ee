"""The newest run's recommendations as the ATS reads them, under `<home>/outbox/ats/<as-of date>/`: what a real
deployment hands the ATS. Written by DuckDB straight from the recommendation log, shaped by the outbound contract."""

from pathlib import Path

import dagster as dg
import duckdb

from hr_pipeline.ingest.contracts import ATS_RECOMMENDATIONS
from hr_pipeline.ingest.parsing import quote
from hr_pipeline.ml.assets import EXPLANATIONS, LOG_KEY, as_of_date
from hr_pipeline.ml.spec import HIRE_SUCCESS
from hr_pipeline.resources import Warehouse

COPY_FORMAT = {"jsonl": "json"}  # the ATS dialect's file format as DuckDB's COPY names it
# Contract columns not named as in the recommendation log (`scored`) joined to the grouped explanations (`explained`).
SOURCES = {"routing_reasons": "scored.reasons", "top_factors": "coalesce(explained.top_factors, [])"}


def recommendations_sql() -> str:
    """One row per application of the newest scoring run, in the contract's columns and types; its top factors
    from the explanations of the version that scored it, largest first."""
    columns = ", ".join(f"CAST({SOURCES.get(c.name, f'scored.{c.name}')} AS {c.type}) AS {c.name}"
                        for c in ATS_RECOMMENDATIONS.columns)
    return f"""
        WITH explained AS (
            SELECT subject_id, model_version,
                   list({{'feature': feature, 'direction': direction, 'text': text}} ORDER BY rank) AS top_factors
            FROM {EXPLANATIONS} WHERE model_name = '{HIRE_SUCCESS.name}' GROUP BY ALL)
        SELECT {columns}
        FROM ml.recommendation_log scored
        LEFT JOIN explained ON explained.subject_id = scored.application_id
                           AND explained.model_version = scored.model_version
        WHERE scored.run_id = (SELECT arg_max(run_id, scored_at) FROM ml.recommendation_log)
        ORDER BY scored.application_id"""


def write_recommendations(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Write the file under a hidden name and rename it, so a reader sees the old file or the new one whole;
    rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    (rows,) = con.execute(f"COPY ({recommendations_sql()}) TO {quote(str(partial))} "
                          f"(FORMAT {COPY_FORMAT[ATS_RECOMMENDATIONS.file_format]})").fetchone()
    partial.replace(path)
    return rows


@dg.asset(
    key=["outbox", "ats_recommendations"],
    deps=[LOG_KEY, dg.AssetKey(EXPLANATIONS.split("."))],
    group_name="outbox",
    kinds={"json", "duckdb"},
    description="The newest scoring run's recommendation for every open application, as the ATS reads it: "
                f"<home>/outbox/ats/<as-of date>/{ATS_RECOMMENDATIONS.file_name} with the model version and arm, "
                "score, confidence, recommendation, whether a person must decide and why, and the top factors. "
                "Replaced whole when a run for the same date writes it again. Columns: docs/extract-contract.md.",
)
def ats_recommendations(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as con:
        path = ATS_RECOMMENDATIONS.path(warehouse.outbox_dir, as_of_date(con))
        rows = write_recommendations(con, path)
    context.log.info(f"outbox: {rows} recommendations to {path}")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)), "rows": rows})
