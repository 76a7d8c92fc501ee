"""Drift of the hire_success model's features: its training window against the latest quarter."""



from datetime import datetime

import dagster as dg

from hr_pipeline.ml import registry
from hr_pipeline.ml.assets import model_key, no_champion, table_key
from hr_pipeline.ml.spec import HIRE_SUCCESS as SPEC
from hr_pipeline.resources import Warehouse
from hr_pipeline.settings import Policy

CURRENT_WINDOW_DAYS = Policy().drift_window_days



@dg.asset(
    key=["monitoring", "drift_metrics"],
    deps=[model_key(SPEC), table_key(SPEC)],
    group_name="monitoring",
    kinds={"evidently", "duckdb"},
    description="Evidently data-drift report comparing the applications of the champion's training window "
                f"with those of the latest {CURRENT_WINDOW_DAYS} days; per-feature method, score, threshold and "
                "verdict are appended here, the HTML report goes to <home>/reports/. Without a champion (or without "
                "applications in a window) nothing is compared and the metadata says so.",
)
def drift_metrics(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from hr_pipeline.monitoring.drift import compute_drift
    from hr_pipeline.monitoring.tables import create_monitoring_tables

    with warehouse.connect() as con:
        create_monitoring_tables(con)  # the reviews read them, drift or not
        model = registry.serving(con, SPEC.name)[0]
        if model is None:
            return _skipped(context, f"{no_champion(SPEC)}: no drift to measure")
        as_of = con.execute("SELECT as_of_date FROM intermediate.int_as_of").fetchone()[0]
        reference = con.execute(SPEC.select("decided_at BETWEEN ? AND ?", extra=("applied_at",)),
                                [model.train_start, model.train_end]).df()
        current = con.execute(SPEC.select(f"applied_at >= CAST(? AS DATE) - INTERVAL {CURRENT_WINDOW_DAYS} DAY",
                                          extra=("applied_at",)), [as_of]).df()
        if reference.empty or current.empty:
            return _skipped(context, f"no applications in the {'reference' if reference.empty else 'current'} "
                                     f"window of {model.version}: no drift to measure")
        current_start = current["applied_at"].min()
        report = warehouse.reports_dir / f"drift_{SPEC.name}_{as_of:%Y-%m-%d}.html"
        context.log.info(f"drift: {len(reference)} reference rows vs {len(current)} current rows")
        title = (f"Features of {model.version}. Reference: its training window "
                 f"{model.train_start:%Y-%m-%d} to {model.train_end:%Y-%m-%d}. "
                 f"Current: applications of the {CURRENT_WINDOW_DAYS} days up to {as_of:%Y-%m-%d}.")
        result = compute_drift(reference, current, list(SPEC.numerical), list(SPEC.categorical), report, title=title)
        run_id = context.run.run_id
        run_at = datetime.now()  # one timestamp for the whole run: BI picks the latest run by it
        con.executemany(
            f"INSERT INTO monitoring.drift_metrics VALUES ({', '.join(['?'] * 19)})",
            [(run_id, run_at, SPEC.name, model.version, "data", f.feature, f.method, f.score, f.threshold,
              f.drift_detected, result.dataset_drift, model.train_start, model.train_end, result.reference_rows,
              current_start, as_of, result.current_rows, result.sampled, str(report))
             for f in result.features])
    drifted = [f.feature for f in result.features if f.drift_detected]
    return dg.MaterializeResult(metadata={
        "dataset_drift": result.dataset_drift,
        "drifted_share": dg.MetadataValue.float(result.drifted_share),
        "drifted_features": ", ".join(drifted) or "none",
        "reference_rows": result.reference_rows, "current_rows": result.current_rows,
        "sampled": result.sampled,
        "report": dg.MetadataValue.path(str(report)),
        **{f"{f.feature}": f"{f.method}: {f.score:.4g} (threshold {f.threshold:g})"
           f"{' DRIFT' if f.drift_detected else ''}" for f in result.features},
    })


def _skipped(context: dg.AssetExecutionContext, reason: str) -> dg.MaterializeResult:
    context.log.warning(f"drift: {reason}")
    return dg.MaterializeResult(metadata={"skipped": reason})
