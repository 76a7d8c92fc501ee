"""Start one ingest run per new extract folder, oldest first, never the same folder twice."""


import dagster as dg

from hr_pipeline.ingest.contracts import CONTRACTS
from hr_pipeline.resources import Warehouse


def new_extract_dates(warehouse: Warehouse, cursor: str | None) -> list[str]:
    """Extract folders (any system) dated after the cursor, in date order."""
    folders = {path.name for path in warehouse.landing_dir.glob("*/*") if path.is_dir()}
    return sorted(d for d in folders if cursor is None or d > cursor)


def ingest_run_config(extract_date: str) -> dict:
    """Every ingest asset restricted to one extract folder."""
    return {"ops": {f"raw__{c.table}": {"config": {"extract_dates": [extract_date]}} for c in CONTRACTS}}


def build_new_extract_sensor(ingest_job) -> dg.SensorDefinition:
    @dg.sensor(job=ingest_job, minimum_interval_seconds=60,
               description="Watches <home>/landing for new extract folders and loads each one in its own run.")
    def new_extract_sensor(context: dg.SensorEvaluationContext, warehouse: Warehouse):
        dates = new_extract_dates(warehouse, context.cursor)
        for extract_date in dates:
            yield dg.RunRequest(run_key=f"extract-{extract_date}", run_config=ingest_run_config(extract_date),
                                tags={"extract_date": extract_date})
        if dates:
            context.update_cursor(dates[-1])

    return new_extract_sensor
