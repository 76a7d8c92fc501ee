"""ML assets, built from each model spec: train and register, score by champion and challenger, explain;
for hire_success also route to people and keep the review queue; for attrition_risk the high-risk list.

scikit-learn is imported inside the assets, not here: the code location must load fast.

Too few matured labels is a normal state of a small firm or a first year, not a failure: no version
is registered, an earlier champion keeps serving, and without one the scoring assets materialise
empty with metadata saying why.
"""


from datetime import date

import dagster as dg
import duckdb

from hr_pipeline.ml import registry
from hr_pipeline.ml.spec import ATTRITION_RISK, HIRE_SUCCESS, MODELS, ModelSpec, scored_share
from hr_pipeline.quality.checks import GATED_ASSETS
from hr_pipeline.resources import Warehouse
from hr_pipeline.settings import Policy

LOG_KEY = dg.AssetKey(["ml", "recommendation_log"])
EARLY_WARNINGS_KEY = dg.AssetKey(["ml", "attrition_early_warnings"])
EXPLANATIONS = "ml.score_explanations"

# One row per scored row and run: the current run in <model>_scores, and for hire_success every run
# in the append-only recommendation_log (the record the EU AI Act asks to keep).
SCORE_COLUMNS = {
    HIRE_SUCCESS.name: """
        application_id VARCHAR, model_version VARCHAR, arm VARCHAR, features_hash VARCHAR, score DOUBLE,
        vote_share DOUBLE, confidence DOUBLE, recommendation VARCHAR, routed_to_human BOOLEAN, reasons VARCHAR[],
        routing_reason VARCHAR, random_sample BOOLEAN, outside_training VARCHAR[], priority INTEGER,
        due_date DATE, scored_at TIMESTAMP, run_id VARCHAR""",
    ATTRITION_RISK.name: """
        employee_id VARCHAR, month_start DATE, model_version VARCHAR, arm VARCHAR, features_hash VARCHAR,
        score DOUBLE, scored_at TIMESTAMP, run_id VARCHAR""",
}
SCORES_TABLE = {HIRE_SUCCESS.name: "ml.application_scores", ATTRITION_RISK.name: "ml.attrition_scores"}
EXPLANATIONS_DDL = f"""
CREATE SCHEMA IF NOT EXISTS ml;
CREATE TABLE IF NOT EXISTS {EXPLANATIONS} (
    model_name VARCHAR, model_version VARCHAR, subject_id VARCHAR, rank INTEGER, feature VARCHAR, value VARCHAR,
    direction VARCHAR, contribution DOUBLE, text VARCHAR, run_id VARCHAR);
"""


def model_key(spec: ModelSpec) -> dg.AssetKey:
    return dg.AssetKey(["ml", f"{spec.name}_model"])


def scores_key(spec: ModelSpec) -> dg.AssetKey:
    return dg.AssetKey(SCORES_TABLE[spec.name].split("."))


def table_key(spec: ModelSpec) -> dg.AssetKey:
    return dg.AssetKey(spec.table.split("."))


def as_of_date(con: duckdb.DuckDBPyConnection) -> date:
    """The warehouse's own date (its newest extract), so everything the loop counts lives in data time."""
    return con.execute("SELECT as_of_date FROM intermediate.int_as_of").fetchall()[0][0]


def no_champion(spec: ModelSpec) -> str:
    return f"no champion {spec.name} model yet"


def training_frame(con: duckdb.DuckDBPyConnection, spec: ModelSpec):
    """The rows a version learns from, ordered by time: `label` what it learns (the outcome, or an early signal
    of it where the spec learns from those and the outcome has not matured), `outcome` the matured outcome
    (missing otherwise: versions are judged on it alone) and `label_source` where the label came from."""
    early = spec.early_labels
    if early is None:
        frame = con.execute(spec.select(spec.labelled, (spec.label,))).df()
        return frame.assign(label=frame[spec.label].astype(bool), outcome=frame[spec.label].astype(bool),
                            label_source="outcome")
    frame = con.execute(spec.select(f"({early.labelled}) OR ({spec.labelled})",
                                    (early.label, early.source, spec.label, f"({spec.labelled}) AS outcome_mature"))
                        ).df()
    outcome = frame[spec.label].astype("boolean").where(frame["outcome_mature"].astype(bool))
    return frame.assign(label=frame[early.label].astype("boolean"), outcome=outcome,
                        label_source=frame[early.source])


def outcomes(frame):
    """The rows of a training frame whose outcome has matured, with the outcome as `label`: what versions are
    judged on."""
    rows = frame[frame["outcome"].notna()] if "outcome" in frame else frame
    return rows.assign(label=rows["outcome"].astype(bool)) if "outcome" in frame else rows


def unseen_by(entry: registry.ModelVersion, times):
    """Whether a version never trained on rows dated `times`: in its holdout window or after its training window
    (a version that learns from early signals trains on rows after its holdout too)."""
    return times.between(entry.holdout_start, entry.holdout_end) | (times > entry.train_end)


def recruiter_decisions(con: duckdb.DuckDBPyConnection, spec: ModelSpec, policy: Policy):
    """The decisions a spec's recruiter view learns from, as a function of the time they must precede: the
    latest `policy.recruiter_view_decisions` in the policy's families. None where the spec or the policy
    learns from outcomes only."""
    taught = spec.recruiter_decisions
    if taught is None or not policy.override_learning_families:
        return None
    where = (f"{taught.decision} IS NOT NULL AND {taught.score} IS NOT NULL AND list_contains(?, {taught.group}) "
             f"AND {spec.time_column} < ?")
    latest = (f"SELECT * FROM ({spec.select(where, (taught.score, taught.recommendation, taught.decision))}) "
              f"ORDER BY {spec.time_column} DESC LIMIT {policy.recruiter_view_decisions}")
    return lambda before: con.execute(latest, [list(policy.override_learning_families), before]).df()


def population(con: duckdb.DuckDBPyConnection, spec: ModelSpec, after, policy: Policy):
    """Every row (labelled or not) dated after `after`, the people a version's recommendations reach, or a stable
    random sample of `policy.history_max_scored` of them; and how many there are."""
    where = f"{spec.time_column} > ?"
    (reached,) = con.execute(spec.count(where), [after]).fetchone()
    return con.execute(spec.select(where, limit=policy.history_max_scored), [after]).df(), reached


def fairness_of(con, spec: ModelSpec, pipeline, rows, policy) -> dict:
    from hr_pipeline.ml.training import score
    from hr_pipeline.monitoring.fairness import selection_figures

    return selection_figures(con, spec.name, spec.key[0], rows.assign(score=score(pipeline, rows)), policy)


def figures_on(con, spec: ModelSpec, entry: registry.ModelVersion, labelled, rows, policy) -> dict:
    """A version's AUC on labelled rows neither version trained on and its impact ratios on everyone
    they reached: the evidence champion and challenger share."""
    from sklearn.metrics import roc_auc_score

    from hr_pipeline.ml.training import score

    pipeline = registry.load(entry)["pipeline"]
    scores = score(pipeline, labelled)
    auc = float(roc_auc_score(labelled["label"], scores)) if labelled["label"].nunique() == 2 else None
    return {"auc": auc, "n": len(labelled),
            "impact_ratio": fairness_of(con, spec, pipeline, rows, policy)["impact_ratio"]}


def evaluate_challenger(context, con, spec: ModelSpec, frame, as_of: date, policy) -> str | None:
    """When the challenger's evaluation window has passed, promote or retire it on one shared holdout:
    the matured outcomes neither version trained on (in its holdout window or after its training window)."""
    champion, challenger = registry.serving(con, spec.name)
    if challenger is None or not registry.evaluation_due(con, spec.name, as_of, policy):
        return None
    judged = outcomes(frame)
    times = judged[spec.time_column]
    shared = judged[unseen_by(champion, times) & unseen_by(challenger, times)]
    rows, _ = population(con, spec, challenger.train_end, policy)
    figures = [figures_on(con, spec, entry, shared, rows, policy) for entry in (champion, challenger)]
    promoted, reason = registry.conclude_evaluation(con, spec.name, *figures, policy, as_of)
    context.log.info(f"{spec.name}: {challenger.version} {'promoted' if promoted else 'retired'}: {reason}")
    return reason


def build_model_asset(spec: ModelSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=model_key(spec),
        # After every gated table: no model trains on a warehouse that failed its gate.
        deps=GATED_ASSETS,
        group_name="ml",
        kinds={"scikitlearn"},
        description=f"{spec.name}: the {spec.title}, one row per {spec.unit}. Trained on matured labels only "
                    "(milestone plus a grace period for late records)"
                    + (f", the outcome where it has matured and else an early signal of it ({spec.early_labels.label}"
                       f", its source in {spec.early_labels.source})" if spec.early_labels else "")
                    + ", time-ordered: logistic regression and "
                    "gradient boosting compared by forward-chaining cross-validation, the better one calibrated, "
                    "judged on the newest quarter of matured outcomes (the holdout, never learned from), "
                    "versioned in ml.model_registry with "
                    "a model card under <home>/reports/models/. The first version becomes champion, later ones "
                    "challenger until their evaluation. "
                    + (spec.selective_labels or "")
                    + (f" What recruiters see beyond the vendor AI is learned from their decisions in "
                       f"{', '.join(Policy().override_learning_families)} (where their overrides are right more "
                       "often than the AI) and enters as one feature, weighted by the outcomes."
                       if spec.recruiter_decisions else "") +
                    " Too few matured labels registers no version and says so.",
    )
    def _model(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        import joblib

        from hr_pipeline.ml import explain, model_card
        from hr_pipeline.ml.training import NotTrainable, fingerprint, train

        policy, settings = warehouse.settings.policy, warehouse.settings
        with warehouse.connect() as con:
            registry.ensure_tables(con)
            as_of = as_of_date(con)
            frame = training_frame(con, spec)
            decision = evaluate_challenger(context, con, spec, frame, as_of, policy)
            champion, challenger = registry.serving(con, spec.name)
            pending = challenger is not None
            base = {"matured_labels": len(frame), "serving": champion.version if champion else no_champion(spec),
                    "challenger": challenger.version if challenger else "none"}
            if decision:
                base["evaluation"] = decision
            if pending:
                reason = (f"challenger {challenger.version} is under evaluation until "
                          f"{policy.evaluation_window_weeks} weeks after it began serving; no new version until then")
                return dg.MaterializeResult(metadata={**base, "retrained": False, "reason": reason})
            data_fingerprint = fingerprint(frame, spec, "label")
            existing = registry.find_by_fingerprint(con, spec.name, data_fingerprint)
            if existing:
                return dg.MaterializeResult(metadata={**base, "retrained": False,
                                                      "reason": f"labels unchanged since {existing.version}"})
            try:
                trained = train(spec, frame, data_fingerprint, policy, recruiter_decisions(con, spec, policy))
            except NotTrainable as refused:
                reason = f"{refused}; no new version registered"
                context.log.warning(f"{spec.name}: {reason}; serving: {base['serving']}")
                return dg.MaterializeResult(metadata={**base, "retrained": False, "reason": reason})
            context.log.info(f"trained {spec.name} ({trained.algorithm}) on {trained.n_train} rows")
            version = registry.next_version(con, spec.name)
            artifact = settings.models_dir / f"{version}.joblib"
            artifact.parent.mkdir(parents=True, exist_ok=True)
            reference = explain.background(trained.pipeline, trained.train_frame)
            joblib.dump({"pipeline": trained.pipeline, "background": reference}, artifact)
            reached, reached_count = population(con, spec, trained.train_window[1], policy)
            fairness = fairness_of(con, spec, trained.pipeline, reached, policy)
            registry.register(con, spec.name, trained, artifact, fairness, as_of,
                              description=trained.description)
            entry = registry.get(con, spec.name, version)
            role = "champion" if registry.serving(con, spec.name)[0].version == version else "challenger"
        card = model_card.render_model_card(
            settings.model_cards_dir / f"{version}.html", spec,
            {**entry.__dict__, "trained_on": trained.description},
            model_card.global_effects(spec, trained.pipeline, trained.train_frame))
        return dg.MaterializeResult(metadata={
            **base, "version": version, "role": role, "retrained": True, "algorithm": trained.algorithm,
            "n_train": trained.n_train, "n_holdout": trained.n_holdout,
            "train_window": f"{trained.train_window[0]:%Y-%m-%d} .. {trained.train_window[1]:%Y-%m-%d}",
            "holdout_window": f"{trained.holdout_window[0]:%Y-%m-%d} .. {trained.holdout_window[1]:%Y-%m-%d}",
            "model_card": dg.MetadataValue.path(str(card)),
            **{k: dg.MetadataValue.float(float(v)) for k, v in trained.metrics.items()},
            **{f"impact_ratio_{a}": dg.MetadataValue.float(r) for a, r in fairness["impact_ratio"].items()
               if r is not None},
            "impact_ratio_scored": scored_share(len(reached), reached_count, "rows it reached"),
        })

    return _model


def ensure_table(con: duckdb.DuckDBPyConnection, table: str, columns: str) -> None:
    """Create `table`, or add the columns a warehouse built by an earlier version lacks."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}; CREATE TABLE IF NOT EXISTS {table} ({columns})")
    have = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    for column in filter(None, (c.strip() for c in columns.split(","))):
        name = column.split()[0]
        if name not in have:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def score_rows(spec: ModelSpec, rows, serving: dict, policy):
    """Score `rows` with the version of each row's arm: the challenger takes a stable share of the keys."""
    import numpy as np
    import pandas as pd

    from hr_pipeline.ml.features import features_hashes
    from hr_pipeline.ml.routing import stable_draw
    from hr_pipeline.ml.training import score, vote_share

    challenger_share = policy.challenger_share if "challenger" in serving else 0.0
    arms = np.where(stable_draw(spec, rows, registry.ARM_SALT) < challenger_share, "challenger", "champion")
    parts = []
    for arm, entry in serving.items():
        part = rows[arms == arm]
        pipeline = registry.load(entry)["pipeline"]
        parts.append(part.assign(model_version=entry.version, arm=arm, score=score(pipeline, part),
                                 vote_share=vote_share(pipeline, part, policy.advance_at)))
    scored = pd.concat(parts) if parts else rows.iloc[:0]
    return scored.assign(features_hash=features_hashes(spec, scored))


def build_scores_asset(spec: ModelSpec) -> dg.AssetsDefinition:
    table = SCORES_TABLE[spec.name]
    routed = spec is HIRE_SUCCESS
    specs = [dg.AssetSpec(scores_key(spec), deps=[model_key(spec), table_key(spec)], kinds={"duckdb"},
                          description=f"Every {spec.unit} to score this run ({spec.to_score}) scored by {spec.name}: "
                                      f"a stable {Policy().challenger_share:.0%} of keys by the challenger while "
                                      "there is one, the rest by the champion; each row names its version and arm."
                                      + (" With the recommendation, the ensemble's confidence in it and every "
                                         "reason a person must review it." if routed else "")
                                      + " Empty while there is no champion.")]
    if routed:
        specs.append(dg.AssetSpec(LOG_KEY, deps=[model_key(spec), table_key(spec)], kinds={"duckdb"},
                                  description="Append-only log of every recommendation the pipeline's model made, one "
                                              "row per application and scoring run, never rewritten: the "
                                              "record-keeping behind marts.ai_decision_log."))

    @dg.multi_asset(specs=specs, group_name="ml", name=f"{spec.name}_scores")
    def _scores(context: dg.AssetExecutionContext, warehouse: Warehouse):
        import pandas as pd

        policy = warehouse.settings.policy
        with warehouse.connect() as con:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS ml; CREATE OR REPLACE TABLE {table} ({SCORE_COLUMNS[spec.name]})")
            if routed:
                ensure_table(con, "ml.recommendation_log", SCORE_COLUMNS[spec.name])
            champion, challenger = registry.serving(con, spec.name)
            if champion is None:
                context.log.warning(f"{no_champion(spec)}: nothing scored")
                for s in specs:
                    yield dg.MaterializeResult(asset_key=s.key, metadata={"model_version": no_champion(spec),
                                                                          "scored": 0})
                return
            serving = {"champion": champion, **({"challenger": challenger} if challenger else {})}
            scored = score_rows(spec, con.execute(spec.select(spec.to_score)).df(), serving, policy)
            scored = scored.assign(scored_at=pd.Timestamp.now(), run_id=context.run.run_id)
            if routed:
                scored = route_scored(spec, scored, serving, policy, as_of_date(con))
            columns = [c.split()[0] for c in SCORE_COLUMNS[spec.name].split(",")]
            with con.cursor() as cur:  # a frame registers on a connection with no result pending
                cur.register("scored", scored[columns])
                cur.execute("BEGIN TRANSACTION")
                cur.execute(f"INSERT INTO {table} BY NAME SELECT * FROM scored")
                if routed:
                    cur.execute(f"INSERT INTO ml.recommendation_log BY NAME SELECT * FROM {table}")
                cur.execute("COMMIT")
            by_arm = scored["arm"].value_counts().to_dict()
        context.log.info(f"{spec.name}: scored {len(scored)} rows ({by_arm})")
        metadata = {"model_version": champion.version, "challenger": challenger.version if challenger else "none",
                    "scored": len(scored), **{f"served_by_{arm}": n for arm, n in by_arm.items()}}
        if routed and len(scored):
            metadata["routed_share"] = dg.MetadataValue.float(float(scored["routed_to_human"].mean()))
        for s in specs:
            yield dg.MaterializeResult(asset_key=s.key, metadata=metadata)

    return _scores


def route_scored(spec: ModelSpec, scored, serving: dict, policy, as_of: date):
    """The recommendation and every reason a person must review it, against the profile of the version that scored."""
    import numpy as np
    import pandas as pd

    from hr_pipeline.ml.routing import route

    parts = [route(spec, scored[scored["arm"] == arm], entry.profile, policy, pd.Timestamp(as_of))
             for arm, entry in serving.items()]
    out = pd.concat(parts)
    out["recommendation"] = np.where(out["score"] >= policy.advance_at, "advance", "reject")
    out["routed_to_human"] = out["reasons"].map(len) > 0
    out["routing_reason"] = out["reasons"].map(lambda reasons: reasons[0] if reasons else None)
    return out


@dg.asset(
    key=["ml", "review_queue"],
    deps=[scores_key(HIRE_SUCCESS), table_key(HIRE_SUCCESS)],
    group_name="ml",
    kinds={"duckdb"},
    description="The applications a person must review, one row each with every reason that applies (a job family "
                "the model never saw, a profile outside what it saw, confidence below "
                f"{Policy().confidence_threshold:.2f}, the {Policy().random_sample_share:.0%} random sample), a "
                "priority and a due date. Kept across runs: a row resolves when the recruiter's decision arrives in a "
                "later extract, with whether it agreed with the AI and the override reason; open rows past their due "
                "date are counted.",
)
def review_queue(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from hr_pipeline.ml import queue

    with warehouse.connect() as con:
        queue.ensure_table(con)
        as_of = as_of_date(con)  # queued in data time, as routing dated the due dates
        routed = con.execute(f"SELECT *, '{HIRE_SUCCESS.name}' AS model_name, CAST(? AS TIMESTAMP) AS queued_at "
                             "FROM ml.application_scores WHERE routed_to_human", [as_of]).df()
        added = queue.enqueue(con, routed, context.run.run_id)
        resolved = queue.resolve(con)
        summary = queue.summary(con, as_of)
    context.log.info(f"review queue: {added} added, {resolved} resolved, {summary['open']} open, "
                     f"{summary['overdue']} overdue")
    return dg.MaterializeResult(metadata={"added": added, "resolved_now": resolved, **summary})


@dg.asset(
    key=EXPLANATIONS.split("."),
    deps=[scores_key(spec) for spec in MODELS],
    group_name="ml",
    kinds={"duckdb"},
    description="The top three factors of every score of this run, per model, with their direction, in words HR "
                "reads (\"international experience: yes, raises the estimate\"): exact contributions of the "
                "version that scored the row, against its mean training row.",
)
def score_explanations(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    import pandas as pd

    from hr_pipeline.ml.explain import top_factors

    counts = {}
    with warehouse.connect() as con:
        con.execute(EXPLANATIONS_DDL)
        for spec in MODELS:
            con.execute(f"DELETE FROM {EXPLANATIONS} WHERE model_name = ?", [spec.name])
            scored = con.execute(f"SELECT {', '.join(spec.key)}, model_version FROM {SCORES_TABLE[spec.name]}").df()
            rows = con.execute(spec.select(spec.to_score)).df().merge(scored, on=list(spec.key))
            parts = []
            for version, part in rows.groupby("model_version"):
                artifact = registry.load(registry.get(con, spec.name, version))
                factors = top_factors(spec, artifact["pipeline"], part, artifact["background"])
                parts.append(factors.assign(model_version=version))
            counts[spec.name] = sum(map(len, parts))
            if not counts[spec.name]:
                continue
            explained = pd.concat(parts)
            explained = explained.assign(model_name=spec.name, subject_id=explained[spec.key[0]].astype(str),
                                         run_id=context.run.run_id)
            with con.cursor() as cur:  # a frame registers on a connection with no result pending
                cur.register("explained", explained)
                cur.execute(f"INSERT INTO {EXPLANATIONS} BY NAME SELECT model_name, model_version, subject_id, "
                            "rank, feature, value, direction, contribution, text, run_id FROM explained")
    return dg.MaterializeResult(metadata={f"{name}_factors": n for name, n in counts.items()})


@dg.asset(
    key=["ml", "attrition_high_risk"],
    deps=[scores_key(ATTRITION_RISK)],
    group_name="ml",
    kinds={"duckdb"},
    description=f"The riskiest {Policy().high_risk_share:.0%} of active employees by attrition_risk, riskiest first: "
                "pseudonymous person key, employee id, department and job family, no names. The list HR acts on.",
)
def attrition_high_risk(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from hr_pipeline.ml.attrition import write_high_risk

    with warehouse.connect() as con:
        (scored,) = con.execute("SELECT count(*) FROM ml.attrition_scores").fetchone()
        listed = write_high_risk(con, warehouse.settings.policy) if scored else 0
    return dg.MaterializeResult(metadata={"listed": listed, "scored": scored})


@dg.asset(
    key=EARLY_WARNINGS_KEY,
    deps=[model_key(ATTRITION_RISK), table_key(ATTRITION_RISK)],
    group_name="ml",
    kinds={"duckdb"},
    description=f"The high-risk list as the attrition_risk champion would have drawn it at every month end after its "
                f"training window (the riskiest {Policy().high_risk_share:.0%} of the month's active employees, from "
                "the features as known then), and the last exit date its training labels saw: what the quarterly "
                "review's early-warning hit rate is counted on. A month's list drawn after its end stays as drawn "
                "while the same champion serves; the current month's is drawn afresh each run, and a new champion "
                "draws them all again. Empty while there is no champion.",
)
def attrition_early_warnings(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from hr_pipeline.ml.attrition import write_early_warnings

    with warehouse.connect() as con:
        registry.ensure_tables(con)
        champion, _ = registry.serving(con, ATTRITION_RISK.name)
        kept = write_early_warnings(con, champion, warehouse.settings.policy, as_of_date(con))
    version = champion.version if champion else no_champion(ATTRITION_RISK)
    return dg.MaterializeResult(metadata={"flagged_rows": kept, "model_version": version})


def build_model_checks(spec: ModelSpec) -> list[dg.AssetChecksDefinition]:
    """On each new version: enough labels to serve (blocking), holdout AUC and calibration (warn)."""
    policy = Policy()

    @dg.asset_check(asset=model_key(spec), name="champion_trained_on_enough_labels", blocking=True,
                    description=f"The serving champion was trained on at least {policy.min_training_labels} matured "
                                "labels.")
    def enough_labels(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            champion = registry.serving(con, spec.name)[0]
        if champion is None:
            return dg.AssetCheckResult(passed=True, metadata={"champion": "none"})
        labels = champion.n_train - int(champion.metrics.get("override_rows", 0))
        return dg.AssetCheckResult(passed=labels >= policy.min_training_labels,
                                   metadata={"champion": champion.version, "outcome_labels": labels})

    @dg.asset_check(asset=model_key(spec), name="newest_version_quality",
                    description=f"The newest version's holdout AUC is at least {policy.min_holdout_auc} and its mean "
                                f"score within {policy.max_calibration_gap} of the holdout's outcome rate.")
    def quality(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            found = registry.versions(con, spec.name)
        if not found:
            return dg.AssetCheckResult(passed=True, metadata={"version": "none"})
        newest = found[-1][0]
        gap = abs(newest.metrics.get("holdout_mean_score", 0.0) - newest.metrics.get("holdout_base_rate", 0.0))
        return dg.AssetCheckResult(
            passed=newest.holdout_auc >= policy.min_holdout_auc and gap <= policy.max_calibration_gap,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"version": newest.version, "holdout_auc": newest.holdout_auc, "calibration_gap": gap})

    return [enough_labels, quality]


model_assets = {spec.name: build_model_asset(spec) for spec in MODELS}
scores_assets = {spec.name: build_scores_asset(spec) for spec in MODELS}
# The registry's event log, which the model assets (and `hr-pipeline models`) append to: declared so that the
# review models reading it stand downstream of both models in the one lineage graph.
model_events = dg.AssetSpec(
    ["ml", "model_events"], deps=[model_key(spec) for spec in MODELS], group_name="ml", kinds={"duckdb"},
    description="The model registry's append-only event log: trained, champion, challenger, promoted, rolled back, "
                "retired, refused, with the figures behind each decision.")
ml_assets = [*model_assets.values(), *scores_assets.values(), review_queue, score_explanations, attrition_high_risk,
             attrition_early_warnings, model_events]
ml_checks = [check for spec in MODELS for check in build_model_checks(spec)]
