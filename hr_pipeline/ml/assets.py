"""ML assets: train and version hire_success, score open applications, fill the review queue.

scikit-learn is imported inside the assets, not here: the code location must load fast.
"""


import dagster as dg

from hr_pipeline.ml import registry
from hr_pipeline.ml.features import DECISIONS, LABEL, feature_select
from hr_pipeline.quality.checks import GATED_ASSETS
from hr_pipeline.resources import Warehouse

MODEL = "hire_success"
DECISIONS_KEY = dg.AssetKey(["marts", "fct_decision_outcomes"])

SCORES_DDL = """
CREATE SCHEMA IF NOT EXISTS ml;
CREATE OR REPLACE TABLE ml.application_scores (
    application_id VARCHAR, model_version VARCHAR, score DOUBLE, confidence DOUBLE,
    recommendation VARCHAR, scored_at TIMESTAMP);
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
                "holdout AUC describes hires, not all applicants.",
)
def hire_success_model(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    import joblib

    from hr_pipeline.ml.training import fingerprint, train

    with warehouse.connect() as con:
        # A hire whose recruiter decision sits in quarantine has no decision time to order it by.
        matured = "hired AND matured_12m AND hire_success IS NOT NULL AND decided_at IS NOT NULL"
        frame = con.execute(feature_select(matured, extra=("application_id", "decided_at", LABEL))).df()
        data_fingerprint = fingerprint(frame)
        existing = registry.find_by_fingerprint(con, MODEL, data_fingerprint)
        if existing:
            context.log.info(f"training data unchanged: keeping {existing.version} ({existing.status})")
            return dg.MaterializeResult(metadata={"version": existing.version, "status": existing.status,
                                                  "holdout_auc": existing.holdout_auc, "retrained": False})
        context.log.info(f"training {MODEL} on {len(frame)} matured decisions")
        trained = train(frame, data_fingerprint)
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


@dg.asset(
    key=["ml", "application_scores"],
    deps=[hire_success_model, DECISIONS_KEY],
    group_name="ml",
    kinds={"duckdb"},
    description="Every open application scored by the champion hire_success model, with its confidence "
                "max(p, 1 - p) and the recommendation it implies.",
)
def application_scores(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    import joblib

    from hr_pipeline.ml.training import score

    with warehouse.connect() as con:
        model = registry.champion(con, MODEL)
        if model is None:
            raise dg.Failure(f"No champion {MODEL} model in ml.model_registry: materialise ml/hire_success_model first.")
        open_apps = con.execute(feature_select("is_open", extra=("application_id",))).df()
        open_apps["score"] = score(joblib.load(model.artifact_path), open_apps) if len(open_apps) else []
        con.register("scored", open_apps)
        con.execute(SCORES_DDL)
        con.execute("""
            INSERT INTO ml.application_scores
            SELECT application_id, ?, score, greatest(score, 1 - score),
                   CASE WHEN score >= 0.5 THEN 'advance' ELSE 'reject' END, now()
            FROM scored""", [model.version])
    context.log.info(f"scored {len(open_apps)} open applications with {model.version}")
    return dg.MaterializeResult(metadata={"model_version": model.version, "dagster/row_count": len(open_apps)})


@dg.asset(
    key=["ml", "review_queue"],
    deps=[application_scores],
    group_name="ml",
    kinds={"duckdb"},
    description="The scored applications a person must review, with the reason: a job family the model never "
                "saw, confidence below 0.70, or the 10 % random sample taken whatever the confidence.",
)
def review_queue(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from hr_pipeline.ml.routing import route

    with warehouse.connect() as con:
        model = registry.champion(con, MODEL)
        scored = con.execute(f"""SELECT s.*, d.job_family FROM ml.application_scores s
                             JOIN {DECISIONS} d USING (application_id)""").df()
        routed = route(scored, model.metadata["job_families"])
        con.register("routed", routed)
        con.execute(QUEUE_DDL)
        con.execute("""INSERT INTO ml.review_queue SELECT application_id, model_version, score, confidence,
                       recommendation, reason, random_sample, now() FROM routed WHERE reason IS NOT NULL""")
        counts = dict(con.execute("SELECT reason, count(*) FROM ml.review_queue GROUP BY reason").fetchall())
    queued = sum(counts.values())
    context.log.info(f"{queued} of {len(routed)} scored applications routed to people")
    return dg.MaterializeResult(metadata={
        "queued": queued, "scored": len(routed),
        "queue_share": dg.MetadataValue.float(queued / len(routed) if len(routed) else 0.0),
        **{f"reason_{k}": v for k, v in counts.items()},
    })
