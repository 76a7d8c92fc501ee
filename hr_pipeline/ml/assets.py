"""ML assets: train and version hire_success, score and route open applications, fill the review queue.

scikit-learn is imported inside the assets, not here: the code location must load fast.

Too few matured decisions is a normal state of a small firm or a first year, not a failure: no
version is registered, an earlier champion keeps serving, and without one the scoring, queue and
drift assets materialise empty with metadata saying why.
"""


import dagster as dg

from hr_pipeline.ml import registry
from hr_pipeline.ml.features import LABEL, feature_select, features_hashes
from hr_pipeline.quality.checks import GATED_ASSETS
from hr_pipeline.resources import Warehouse

MODEL = "hire_success"
DECISIONS_KEY = dg.AssetKey(["marts", "fct_decision_outcomes"])
SCORES_KEY = dg.AssetKey(["ml", "application_scores"])
LOG_KEY = dg.AssetKey(["ml", "recommendation_log"])
NO_CHAMPION = f"no champion {MODEL} model yet"
# A hire whose recruiter decision sits in quarantine has no decision time to order it by.
MATURED = "hired AND matured_12m AND hire_success IS NOT NULL AND decided_at IS NOT NULL"
ADVANCE_AT = 0.5  # score from which the recommendation is to advance

# One row per application and scoring run: the current run in application_scores, every run in
# the append-only recommendation_log (the record the EU AI Act asks to keep).
RECOMMENDATION_COLUMNS = """
    application_id VARCHAR, model_version VARCHAR, features_hash VARCHAR, score DOUBLE, confidence DOUBLE,
    recommendation VARCHAR, routed_to_human BOOLEAN, routing_reason VARCHAR, random_sample BOOLEAN,
    scored_at TIMESTAMP, run_id VARCHAR"""
SCORES_DDL = f"""
CREATE SCHEMA IF NOT EXISTS ml;
CREATE TABLE IF NOT EXISTS ml.recommendation_log ({RECOMMENDATION_COLUMNS});
CREATE OR REPLACE TABLE ml.application_scores ({RECOMMENDATION_COLUMNS});
"""
QUEUE_DDL = """
CREATE OR REPLACE TABLE ml.review_queue (
    application_id VARCHAR, model_version VARCHAR, score DOUBLE, confidence DOUBLE,
    recommendation VARCHAR, reason VARCHAR, random_sample BOOLEAN, queued_at TIMESTAMP);
"""


@dg.asset(
    key=["ml", "hire_success_model"],
    # After every gated table (fct_decision_outcomes, which it reads, among them): its labels come
    # through the same hire identity and skill mapping, and no model trains on a warehouse that failed its gate.
    deps=GATED_ASSETS,
    group_name="ml",
    kinds={"scikitlearn"},
    description="Calibrated logistic regression for P(hire success: employed at 12 months with rating >= 3), "
                "trained only on matured decisions, judged on a time-ordered holdout, versioned in "
                "ml.model_registry. Outcomes exist only for hired candidates (selective labels): the "
                "holdout AUC describes hires, not all applicants. Too few matured decisions, or a holdout "
                "of one outcome only, registers no version and says so in the metadata.",
)
def hire_success_model(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    import joblib

    from hr_pipeline.ml.training import NotTrainable, fingerprint, train

    with warehouse.connect() as con:
        frame = con.execute(feature_select(MATURED, extra=("application_id", "decided_at", LABEL))).df()
        data_fingerprint = fingerprint(frame)
        existing = registry.find_by_fingerprint(con, MODEL, data_fingerprint)
        if existing:
            context.log.info(f"training data unchanged: keeping {existing.version} ({existing.status})")
            return dg.MaterializeResult(metadata={"version": existing.version, "status": existing.status,
                                                  "holdout_auc": existing.holdout_auc, "retrained": False})
        try:
            trained = train(frame, data_fingerprint)
        except NotTrainable as refused:
            current = registry.champion(con, MODEL)
            serving = current.version if current else NO_CHAMPION
            reason = f"{refused}; no new version registered"
            context.log.warning(f"{MODEL}: {reason}; serving: {serving}")
            return dg.MaterializeResult(metadata={"retrained": False, "reason": reason, "serving": serving,
                                                  "matured_decisions": len(frame)})
        context.log.info(f"training {MODEL} on {len(frame)} matured decisions")
        version = registry.next_version(con, MODEL)
        artifact = warehouse.models_dir / f"{version}.joblib"
        joblib.dump(trained.pipeline, artifact)
        status = registry.register(con, MODEL, version, trained, str(artifact))
    return dg.MaterializeResult(metadata={
        "version": version, "status": status, "retrained": True,
        "n_train": trained.n_train, "n_holdout": trained.n_holdout,
        "train_window": f"{trained.train_window[0]:%Y-%m-%d} .. {trained.train_window[1]:%Y-%m-%d}",
        "holdout_window": f"{trained.holdout_window[0]:%Y-%m-%d} .. {trained.holdout_window[1]:%Y-%m-%d}",
        **{k: dg.MetadataValue.float(v) for k, v in trained.metrics.items()},
    })


@dg.multi_asset(
    specs=[
        dg.AssetSpec(SCORES_KEY, deps=[hire_success_model, DECISIONS_KEY], kinds={"duckdb"},
                     description="Every open application scored by the champion hire_success model (this run "
                                 "only): the hash of the features it saw, the score, its confidence "
                                 "max(p, 1 - p), the recommendation and whether and why a person must review it. "
                                 "Empty while there is no champion."),
        dg.AssetSpec(LOG_KEY, deps=[hire_success_model, DECISIONS_KEY], kinds={"duckdb"},
                     description="Append-only log of every recommendation the pipeline's model made, one row per "
                                 "application and scoring run, never rewritten: the record-keeping behind "
                                 "marts.ai_decision_log."),
    ],
    group_name="ml",
    name="application_scores",
)
def application_scores(context: dg.AssetExecutionContext, warehouse: Warehouse):
    import joblib

    from hr_pipeline.ml.routing import route
    from hr_pipeline.ml.training import score

    with warehouse.connect() as con:
        con.execute(SCORES_DDL)
        model = registry.champion(con, MODEL)
        if model is None:
            context.log.warning(f"{NO_CHAMPION}: no application scored")
            for key in (SCORES_KEY, LOG_KEY):
                yield dg.MaterializeResult(asset_key=key, metadata={"model_version": NO_CHAMPION, "scored": 0})
            return
        apps = con.execute(feature_select("is_open", extra=("application_id",))).df()
        apps["score"] = score(joblib.load(model.artifact_path), apps) if len(apps) else []
        apps["features_hash"] = features_hashes(apps)
        con.register("routed", route(apps, model.metadata["job_families"]))
        con.execute("BEGIN TRANSACTION")
        con.execute(f"""
            INSERT INTO ml.application_scores
            SELECT application_id, ?, features_hash, score, confidence,
                   CASE WHEN score >= {ADVANCE_AT} THEN 'advance' ELSE 'reject' END,
                   reason IS NOT NULL, reason, random_sample, now(), ?
            FROM routed""", [model.version, context.run.run_id])
        con.execute("INSERT INTO ml.recommendation_log SELECT * FROM ml.application_scores")
        con.execute("COMMIT")
    context.log.info(f"scored {len(apps)} open applications with {model.version}")
    for key in (SCORES_KEY, LOG_KEY):
        yield dg.MaterializeResult(asset_key=key, metadata={"model_version": model.version, "scored": len(apps)})


@dg.asset(
    key=["ml", "review_queue"],
    deps=[SCORES_KEY],
    group_name="ml",
    kinds={"duckdb"},
    description="The scored applications a person must review, with the reason: a job family the model never "
                "saw, confidence below 0.70, or the 10 % random sample taken whatever the confidence.",
)
def review_queue(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        con.execute(QUEUE_DDL)
        con.execute("""INSERT INTO ml.review_queue SELECT application_id, model_version, score, confidence,
                       recommendation, routing_reason, random_sample, now()
                       FROM ml.application_scores WHERE routed_to_human""")
        (scored,) = con.execute("SELECT count(*) FROM ml.application_scores").fetchone()
        counts = dict(con.execute("SELECT reason, count(*) FROM ml.review_queue GROUP BY reason").fetchall())
    if not scored:
        return dg.MaterializeResult(metadata={"queued": 0, "scored": 0, "note": "nothing scored (no champion yet "
                                                                                "or no open application)"})
    queued = sum(counts.values())
    context.log.info(f"{queued} of {scored} scored applications routed to people")
    return dg.MaterializeResult(metadata={
        "queued": queued, "scored": scored,
        "queue_share": dg.MetadataValue.float(queued / scored),
        **{f"reason_{k}": v for k, v in counts.items()},
    })
