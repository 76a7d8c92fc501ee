"""The one Definitions object of the code location: assets, checks, jobs, schedules, sensor, resources."""


import dagster as dg

from hr_pipeline.ingest.assets import ingest_assets
from hr_pipeline.ingest.sensor import build_new_extract_sensor
from hr_pipeline.ml.assets import application_scores, hire_success_model, review_queue
from hr_pipeline.monitoring.assets import drift_metrics
from hr_pipeline.privacy.permissions import owner_only
from hr_pipeline.quality.checks import dq_results, suite_checks
from hr_pipeline.resources import Pseudonymiser, Warehouse, pipeline_home
from hr_pipeline.warehouse.dbt import dbt_docs, dbt_resource, review_models, warehouse_models
from hr_pipeline.warehouse.exports import bi_exports

feedback_loop_job = dg.define_asset_job(
    "feedback_loop", selection=dg.AssetSelection.all(),
    description="Everything: ingest, warehouse, quality gate, models, drift and reviews.")
ingest_job = dg.define_asset_job("ingest", selection=dg.AssetSelection.groups("ingest"),
                                 description="Load pending landing files into the raw layer.")
quarterly_job = dg.define_asset_job(
    "quarterly_deep_dive", selection=dg.AssetSelection.groups("monitoring", "reviews"),
    description="Recompute drift and rebuild the review tables for the quarterly deep dive.")

def build_defs() -> dg.Definitions:
    """Built from the environment (`HR_PIPELINE_HOME`, `HR_PIPELINE_SALT`) at call time, so a test can
    point a fresh Definitions at its own home."""
    return dg.Definitions(
        assets=[*ingest_assets, warehouse_models, review_models, dbt_docs, bi_exports, hire_success_model,
                application_scores, review_queue, drift_metrics, dq_results],
        asset_checks=suite_checks,
        jobs=[feedback_loop_job, ingest_job, quarterly_job],
        schedules=[
            dg.ScheduleDefinition(name="weekly_review_schedule", job=feedback_loop_job, cron_schedule="0 6 * * 1",
                                  description="Monday 06:00: the whole loop, so the weekly review is fresh."),
            dg.ScheduleDefinition(name="quarterly_review_schedule", job=quarterly_job, cron_schedule="0 7 1 1,4,7,10 *",
                                  description="First day of each quarter: drift and the quarterly review."),
        ],
        sensors=[build_new_extract_sensor(ingest_job)],
        resources={
            "warehouse": Warehouse(home=str(pipeline_home())),
            "pseudonymiser": Pseudonymiser(salt=dg.EnvVar("HR_PIPELINE_SALT")),
            "dbt": dbt_resource,
        },
        # One DuckDB file takes one writer at a time: steps run one after another in one process.
        executor=dg.in_process_executor,
    )


owner_only(pipeline_home())  # the umask is set on import of the package; here the home folder is closed
defs = build_defs()
