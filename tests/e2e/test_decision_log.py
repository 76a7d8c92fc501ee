"""Every AI recommendation is traceable in marts.ai_decision_log: the model version, the hash of the
features it saw, why it was routed and the human decision, for the pipeline's model and the ATS vendor's."""

from __future__ import annotations


import dagster as dg
import duckdb
import pytest
from conftest import copy_home

from hr_pipeline.ml.assets import scores_assets
from hr_pipeline.ml.features import features_hashes
from hr_pipeline.ml.spec import HIRE_SUCCESS
from hr_pipeline.resources import Warehouse

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("default_world")]

PIPELINE_ROWS = """SELECT application_id, model_version, features_hash, routing_reason, routed_to_human, run_id
                   FROM marts.ai_decision_log WHERE recommender = 'pipeline'"""


def test_every_scored_application_is_in_the_log_with_its_version_hash_and_reason(default_run):
    with default_run.connect() as wh:
        scored = wh.execute("""SELECT application_id, model_version, features_hash, routing_reason, routed_to_human,
                                      run_id FROM ml.application_scores ORDER BY application_id""").fetchall()
        logged = wh.execute(f"{PIPELINE_ROWS} ORDER BY application_id").fetchall()
        (champion,) = wh.execute("SELECT version FROM ml.model_aliases WHERE model_name = 'hire_success' "
                                 "AND alias = 'champion'").fetchone()
        queued = dict(wh.execute("SELECT application_id, primary_reason FROM ml.review_queue").fetchall())
    assert len(scored) > 20 and logged == scored
    assert {version for _, version, *_ in logged} == {champion}
    assert {a: reason for a, _, _, reason, routed, _ in logged if routed} == queued
    assert all((reason is not None) == routed for *_, reason, routed, _ in logged)


def test_the_hash_is_a_recomputation_from_the_features_the_model_saw(default_run):
    with default_run.connect() as wh:
        logged = dict(wh.execute("SELECT application_id, features_hash FROM ml.recommendation_log").fetchall())
        features = wh.execute(HIRE_SUCCESS.select(HIRE_SUCCESS.to_score)).df()
    assert len(set(logged.values())) > len(logged) / 2  # applications differ, so do their hashes
    assert dict(zip(features["application_id"], features_hashes(HIRE_SUCCESS, features), strict=True)) == logged


def test_the_vendor_ai_recommendations_and_every_human_decision_are_joined(default_run):
    with default_run.connect() as wh:
        vendor, with_hash, decided = wh.execute("""
            SELECT count(*), count(features_hash), count(human_decision)
            FROM marts.ai_decision_log WHERE recommender = 'ats_vendor'""").fetchone()
        recommendations, decisions = wh.execute("""
            SELECT (SELECT count(*) FROM staging.stg_ats__ai_recommendations),
                   (SELECT count(*) FROM staging.stg_ats__ai_recommendations r
                    JOIN staging.stg_ats__recruiter_decisions d USING (application_id))""").fetchone()
        (wrong,) = wh.execute("""
            SELECT count(*) FROM marts.ai_decision_log l JOIN staging.stg_ats__recruiter_decisions d
                USING (application_id)
            WHERE l.human_decision IS DISTINCT FROM d.decision OR l.overrides_ai IS DISTINCT FROM d.overrides_ai
               OR l.reason_code IS DISTINCT FROM d.reason_code OR l.decided_at IS DISTINCT FROM d.decided_at
               OR l.human_agrees IS DISTINCT FROM (d.decision = l.recommendation)""").fetchone()
    assert vendor == recommendations > 1000 and with_hash == 0
    assert decided == decisions > 0 and wrong == 0


def test_rescoring_unchanged_features_appends_a_run_with_the_same_hashes(default_run, tmp_path):
    home = copy_home(default_run, tmp_path / "home")
    result = dg.materialize([scores_assets[HIRE_SUCCESS.name]], resources={"warehouse": Warehouse(home=str(home))},
                            instance=dg.DagsterInstance.ephemeral())
    assert result.success
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as wh:
        runs = wh.execute(f"""
            SELECT application_id, count(DISTINCT run_id), count(DISTINCT features_hash), count(DISTINCT model_version)
            FROM ({PIPELINE_ROWS}) GROUP BY application_id""").fetchall()
        (scored,) = wh.execute("SELECT count(*) FROM ml.application_scores").fetchone()
    assert len(runs) == scored > 20
    assert {tuple(counts) for _, *counts in runs} == {(2, 1, 1)}
