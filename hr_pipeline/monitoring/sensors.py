"""Retrain a model once when its drift alarm fires.

The drift asset's materialisation names the models whose alarm fired and the champion version it fired on.
Each alarm starts one run of that model's ML assets (training, scoring and what reads the scores); the
cursor keeps the last materialisation seen and the alarms already acted on, so an alarm that persists
week after week on the same champion retrains once, and fires again only after it cleared or a new
champion took over. Retraining still only registers a version when the matured labels changed.
"""

import json

import dagster as dg

from hr_pipeline.ml.assets import ml_assets, model_assets, scores_assets
from hr_pipeline.monitoring.assets import ALARMS, DRIFT_KEY


def retrain_keys(model_name: str) -> list[dg.AssetKey]:
    """The model's training and scoring assets and the ML assets that read its scores (ml_assets is in
    dependency order, so one pass finds them; specs of tables written elsewhere, like the registry's event log,
    are not materialised)."""
    keys = set(model_assets[model_name].keys) | set(scores_assets[model_name].keys)
    for asset in (a for a in ml_assets if isinstance(a, dg.AssetsDefinition)):
        if any(dep in keys for deps in asset.asset_deps.values() for dep in deps):
            keys |= set(asset.keys)
    return sorted(keys, key=lambda k: k.to_user_string())


def retrain_requests(cursor: dict, storage_id: int, run_id: str, alarms: dict[str, str]):
    """(run requests, new cursor) for a drift materialisation: one request per alarm not yet acted on."""
    acted = cursor.get("alarmed", {})
    requests = [dg.RunRequest(run_key=f"retrain-{model}-{run_id}", asset_selection=retrain_keys(model),
                              tags={"drift_alarm": model, "champion": version, "drift_run": run_id})
                for model, version in sorted(alarms.items()) if acted.get(model) != version]
    return requests, {"storage_id": storage_id, "alarmed": alarms}


def build_retrain_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(job=job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
               description="When monitoring/drift_metrics raises a model's drift alarm, retrains that model once "
                           "(its training and scoring assets), logged with the version the alarm fired on.")
    def retrain_on_drift(context: dg.SensorEvaluationContext):
        cursor = json.loads(context.cursor) if context.cursor else {}
        records = context.instance.fetch_materializations(DRIFT_KEY, limit=1).records
        if not records or records[0].storage_id <= cursor.get("storage_id", -1):
            return dg.SkipReason("no new drift run")
        record, event = records[0], records[0].event_log_entry
        metadata = record.asset_materialization.metadata
        alarms = metadata[ALARMS].value if ALARMS in metadata else {}
        requests, new_cursor = retrain_requests(cursor, record.storage_id, event.run_id, alarms)
        for request in requests:
            keys = ", ".join(k.to_user_string() for k in request.asset_selection)
            context.log.info(f"drift alarm on {request.tags['drift_alarm']} ({request.tags['champion']}) in run "
                             f"{event.run_id}: retraining {keys}")
        context.update_cursor(json.dumps(new_cursor, sort_keys=True))
        return requests or dg.SkipReason(f"no new drift alarm (alarms: {', '.join(alarms) or 'none'})")

    return retrain_on_drift
