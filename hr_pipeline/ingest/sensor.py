"""Start one ingest run per new extract folder, oldest first, never the same folder twice.

Only valid extract folders count (a date, not after today plus the tolerance, inside the landing
zone): a folder named `latest` or dated 2099 never enters the cursor, so it cannot stop the
scheduling of its system; the next full ingest reports it in `raw.ingest_log`.
"""


import json
from datetime import date

import dagster as dg

from hr_pipeline.ingest.contracts import SYSTEMS, contracts_of
from hr_pipeline.ingest.landing import folder_problem
from hr_pipeline.resources import Warehouse


def new_extract_folders(warehouse: Warehouse, cursor: dict[str, str],
                        today: date | None = None) -> list[tuple[str, str]]:
    """(extract_date, system) of valid extract folders dated after the system's cursor, in date order."""
    found, landing = [], warehouse.landing_dir
    for system in SYSTEMS:
        root = landing / system
        folders = [p for p in root.iterdir() if p.is_dir()] if root.is_dir() else []
        found += [(p.name, system) for p in folders
                  if p.name > cursor.get(system, "") and not folder_problem(p, landing, today or date.today())]
    return sorted(found)


def ingest_run_request(extract_date: str, system: str) -> dg.RunRequest:
    """The system's ingest multi-asset, restricted to one extract folder."""
    return dg.RunRequest(
        run_key=f"extract-{system}-{extract_date}",
        asset_selection=[dg.AssetKey(["raw", c.table]) for c in contracts_of(system)],
        run_config={"ops": {f"ingest_{system}": {"config": {"extract_dates": [extract_date]}}}},
        tags={"extract_date": extract_date, "system": system},
    )


def build_new_extract_sensor(ingest_job) -> dg.SensorDefinition:
    @dg.sensor(job=ingest_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
               description="Watches <home>/landing/<system>/ for new extract folders and loads each in its own run.")
    def new_extract_sensor(context: dg.SensorEvaluationContext, warehouse: Warehouse):
        cursor = json.loads(context.cursor) if context.cursor else {}
        folders = new_extract_folders(warehouse, cursor)
        for extract_date, system in folders:
            yield ingest_run_request(extract_date, system)
            cursor[system] = extract_date
        if folders:
            context.update_cursor(json.dumps(cursor, sort_keys=True))

    return new_extract_sensor
