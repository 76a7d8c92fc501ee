"""The one Definitions object of the code location: assets, checks, jobs, schedules, sensor, resources."""


import dagster as dg

from hr_pipeline.ingest.assets import ingest_assets
from hr_pipeline.ingest.pseudonymise import SALT_ENV
from hr_pipeline.ingest.sensor import build_new_extract_sensor
from hr_pipeline.ml.assets import EARLY_WARNINGS_KEY, ml_assets, ml_checks
from hr_pipeline.monitoring.assets import monitoring_assets
from hr_pipeline.monitoring.fairness_audit import fairness_audit, impact_ratios_above_four_fifths
from hr_pipeline.monitoring.sensors import build_retrain_sensor
from hr_pipeline.outbox.assets import ats_recommendations
from hr_pipeline.quality.checks import dq_results, quality_gate
from hr_pipeline.resources import Pseudonymiser, Warehouse
from hr_pipeline.reviews.assets import review_report
from hr_pipeline.settings import Settings
from hr_pipeline.warehouse.dbt import dbt_docs, dbt_resource, review_models, warehouse_models
from hr_pipeline.warehouse.exports import bi_exports

feedback_loop_job = dg.define_asset_job(
    "feedback_loop", selection=dg.AssetSelection.all(),
    description="Everything: ingest, warehouse, quality gate, models, drift, reviews and the outbox.")
ingest_job = dg.define_asset_job("ingest", selection=dg.AssetSelection.groups("ingest"),
                                 description="Load pending landing files into the raw layer.")
quarterly_job = dg.define_asset_job(
    "quarterly_deep_dive",
    selection=dg.AssetSelection.groups("monitoring", "reviews") | dg.AssetSelection.assets(EARLY_WARNINGS_KEY),
    description="Recompute drift, the fairness audit and the attrition model's early warnings, and rebuild the "
                "review tables for the quarterly deep dive.")

def build_defs(settings: Settings | None = None, salt: str | None = None) -> dg.Definitions:
    """The home and salt given, else read from the environment (`HR_PIPELINE_HOME`, `HR_PIPELINE_SALT`)
    at call time, so the CLI or a test can point a fresh Definitions at its own home."""
    return dg.Definitions(
        assets=[*ingest_assets, warehouse_models, review_models, dbt_docs, bi_exports, *ml_assets, *monitoring_assets,
                fairness_audit, dq_results, review_report, ats_recommendations],
        asset_checks=[quality_gate, *ml_checks, impact_ratios_above_four_fifths],
        jobs=[feedback_loop_job, ingest_job, quarterly_job],
        schedules=[
            dg.ScheduleDefinition(name="weekly_review_schedule", job=feedback_loop_job, cron_schedule="0 6 * * 1",
                                  default_status=dg.DefaultScheduleStatus.RUNNING,
                                  description="Monday 06:00: the whole loop, so the weekly review is fresh and "
                                              "both models retrain on the new labels."),
            dg.ScheduleDefinition(name="quarterly_review_schedule", job=quarterly_job, cron_schedule="0 7 1 1,4,7,10 *",
                                  default_status=dg.DefaultScheduleStatus.RUNNING,
                                  description="First day of each quarter: drift and the quarterly review."),
        ],
        sensors=[build_new_extract_sensor(ingest_job), build_retrain_sensor(feedback_loop_job)],
        resources={
            "warehouse": Warehouse(home=str((settings or Settings.from_env()).home)),
            "pseudonymiser": Pseudonymiser(salt=salt or dg.EnvVar(SALT_ENV)),
            "dbt": dbt_resource,
        },
        # One DuckDB file takes one writer at a time: steps run one after another in one process.
        executor=dg.in_process_executor,
    )


defs = build_defs()
