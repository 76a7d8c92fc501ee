"""Drift of each model's champion (data, prediction, target) and its estimated performance before labels mature."""

from datetime import date, datetime, timedelta

import dagster as dg
import duckdb

from hr_pipeline.ml import registry
from hr_pipeline.ml.assets import as_of_date, model_key, no_champion, table_key
from hr_pipeline.ml.spec import MODELS, ModelSpec, scored_share
from hr_pipeline.resources import Warehouse
from hr_pipeline.settings import Policy

DRIFT_KEY = dg.AssetKey(["monitoring", "drift_metrics"])
ALARMS = "alarms"  # metadata: {model_name: champion version} of the models whose drift alarm fired this run
POLICY = Policy()


@dg.asset(
    key=DRIFT_KEY,
    deps=[key for spec in MODELS for key in (model_key(spec), table_key(spec))],
    group_name="monitoring",
    kinds={"evidently", "duckdb"},
    description="Per model (hire_success, attrition_risk), Evidently's drift of its champion: data drift of the "
                "features and prediction drift of the scores on the rows of the champion's reference (the last "
                f"{POLICY.drift_reference_months} months of its training window and holdout; for a seasonal model "
                f"only their rows on the current window's calendar days) against those of the latest "
                f"{POLICY.drift_window_weeks} weeks, and target drift of its matured labels (reference against the "
                f"latest {POLICY.drift_window_weeks} weeks of matured labels). "
                "Per column method, score, threshold and verdict are appended here with both windows and their "
                "sizes; one HTML report per model and run under <home>/reports/drift/. A kind is not judged on "
                "too few rows (the row says so); the data kind's verdict is the model's drift alarm, which "
                "triggers its retraining (sensor retrain_on_drift). Without a champion nothing is compared.",
)
def drift_metrics(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from hr_pipeline.monitoring.drift import ChampionWindows, alarm, model_drift, save_report
    from hr_pipeline.monitoring.tables import create_monitoring_tables

    policy, metadata, alarms = warehouse.settings.policy, {}, {}
    run_at = datetime.now()  # one timestamp for the whole run: BI picks the latest run by it
    with warehouse.connect() as con:
        create_monitoring_tables(con)  # the reviews read them, drift or not
        as_of = as_of_date(con)
        for spec in MODELS:
            champion = registry.serving(con, spec.name)[0]
            if champion is None:
                metadata[spec.name] = f"skipped: {no_champion(spec)}, no drift to measure"
                context.log.warning(f"drift: {metadata[spec.name]}")
                continue
            kinds, snapshots = model_drift(ChampionWindows(con, spec, champion, as_of, policy), as_of)
            data = kinds[0]
            report = warehouse.reports_dir / "drift" / (
                f"{spec.name}_{champion.version.removeprefix(spec.name + '-')}_"
                f"{data.current.start:%Y-%m-%d}_{as_of:%Y-%m-%d}.html")
            title = (f"Drift of {champion.version} ({spec.name}) for the run of {as_of:%Y-%m-%d}: reference is the "
                     f"last {policy.drift_reference_months} months of its training window and holdout, current the "
                     "latest window. The data kind drifts (the model's alarm) when "
                     f"at least {policy.drift_share:.0%} of its features drift"
                     + (f", not counting {', '.join(policy.drift_alarm_ignores)}" if policy.drift_alarm_ignores
                        else "") + ".")
            save_report(kinds, snapshots, title, report)
            _insert(con, context.run.run_id, run_at, spec, champion.version, kinds, report)
            if alarm(kinds):
                alarms[spec.name] = champion.version
            context.log.info(f"drift {spec.name}: " + ", ".join(
                f"{k.kind} {'not judged' if k.drift is None else 'DRIFT' if k.drift else 'none'}" for k in kinds))
            metadata.update({
                f"{spec.name}_{k.kind}": k.not_judged or (
                    ("DRIFT" if k.drift else "no drift") + f" ({k.current.rows} vs {k.reference.rows} rows"
                    + (", sampled" if k.sampled else "") + "; drifted: "
                    + (", ".join(f.feature for f in k.features if f.drift_detected) or "none") + ")")
                for k in kinds})
            metadata[f"{spec.name}_report"] = dg.MetadataValue.path(str(report))
    if alarms:
        context.log.warning(f"drift alarm: {', '.join(f'{m} ({v})' for m, v in alarms.items())}")
    return dg.MaterializeResult(metadata={**metadata, ALARMS: dg.MetadataValue.json(alarms)})


def _insert(con: duckdb.DuckDBPyConnection, run_id: str, run_at: datetime, spec: ModelSpec, version: str, kinds,
            report) -> None:
    last = timedelta(days=1)  # windows end exclusive in code, on their last day in the table
    rows = [(run_id, run_at, spec.name, version, k.kind, f.feature, f.method, f.score, f.threshold, f.drift_detected,
             k.drift, k.reference.start, k.reference.end - last, k.reference.rows, k.current.start,
             k.current.end - last, k.current.rows, k.sampled, str(report))
            for k in kinds for f in k.features]
    con.executemany(f"INSERT INTO monitoring.drift_metrics VALUES ({', '.join(['?'] * len(rows[0]))})", rows)


@dg.asset(
    key=["monitoring", "performance_estimates"],
    deps=[key for spec in MODELS for key in (model_key(spec), table_key(spec))],
    group_name="monitoring",
    kinds={"duckdb"},
    description="Each champion's ROC AUC per week after its training window, estimated from its calibrated scores "
                "alone (confidence-based, as NannyML's CBPE) over the rows of the latest "
                f"{POLICY.performance_window_weeks} weeks to the week's end that will get a label, beside the "
                "realised AUC once their labels have matured and the difference (estimation_error). Fewer than "
                f"{POLICY.performance_min_rows} rows estimate nothing. At most {POLICY.history_max_scored:,} rows "
                "are scored, a stable random sample of them, and the metadata says so.",
)
def performance_estimates(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from hr_pipeline.monitoring.performance import METRIC, weekly_estimates
    from hr_pipeline.monitoring.tables import create_monitoring_tables

    metadata, run_at, policy = {}, datetime.now(), warehouse.settings.policy
    with warehouse.connect() as con:
        create_monitoring_tables(con)
        as_of: date = as_of_date(con)
        for spec in MODELS:
            champion = registry.serving(con, spec.name)[0]
            if champion is None:
                metadata[spec.name] = f"skipped: {no_champion(spec)}"
                continue
            weeks, population = weekly_estimates(con, spec, champion, as_of, policy)
            weeks = weeks.assign(
                run_id=context.run.run_id, run_at=run_at, model_name=spec.name, model_version=champion.version,
                metric=METRIC)
            with con.cursor() as cur:  # a frame registers on a connection with no result pending
                cur.register("weeks", weeks)
                cur.execute("INSERT INTO monitoring.performance_estimates BY NAME SELECT * FROM weeks")
            metadata[f"{spec.name}_scored"] = scored_share(min(population, policy.history_max_scored), population)
            latest = weeks.dropna(subset=["estimated"]).tail(1)
            matured = weeks.dropna(subset=["estimation_error"])
            metadata[f"{spec.name}_estimated_auc"] = (
                dg.MetadataValue.float(float(latest["estimated"].iloc[0])) if len(latest) else "too few rows")
            if len(matured):
                metadata[f"{spec.name}_mean_abs_error"] = dg.MetadataValue.float(
                    float(matured["estimation_error"].abs().mean()))
    return dg.MaterializeResult(metadata=metadata)


monitoring_assets = [drift_metrics, performance_estimates]
