"""The review report as an asset: written after the review tables, the monitoring and the quality gate."""

import dagster as dg

from hr_pipeline.resources import Warehouse

# Every table the page reads that another asset writes; the review tables come after the drift and ML assets.
REPORT_DEPS = [dg.AssetKey(["marts", "weekly_review"]), dg.AssetKey(["marts", "quarterly_review"]),
               dg.AssetKey(["monitoring", "drift_metrics"]), dg.AssetKey(["quality", "dq_results"]),
               dg.AssetKey(["ml", "review_queue"]), dg.AssetKey(["staging", "kpi_targets"]),
               dg.AssetKey(["monitoring", "fairness_audit"]), dg.AssetKey(["monitoring", "performance_estimates"])]


@dg.asset(
    key=["reviews", "review_report"],
    deps=REPORT_DEPS,
    group_name="reviews",
    kinds={"html"},
    description="The review report people open (offline, one file each): <home>/reports/review_week_<date>.html and "
                "review_quarter_<date>.html for the latest complete week and quarter. KPIs against their targets, "
                "the funnel, the review queue, model versions, drift per feature, fairness impact ratios and the "
                "data-quality history. `hr-pipeline report` writes it for any period.",
)
def review_report(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from hr_pipeline.reviews.report import PERIODS, render_report

    with warehouse.connect(read_only=True) as con:
        paths = {period: render_report(con, warehouse.reports_dir, period) for period in PERIODS}
    for path in paths.values():
        context.log.info(f"review report: {path}")
    return dg.MaterializeResult(metadata={f"{period}_report": dg.MetadataValue.path(str(path))
                                          for period, path in paths.items()})
