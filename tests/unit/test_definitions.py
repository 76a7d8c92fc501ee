"""The code location loads with every asset, check, schedule and the sensor."""

from __future__ import annotations

import dagster as dg

from hr_pipeline.definitions import defs
from hr_pipeline.ingest.contracts import CONTRACTS


def test_code_location_has_every_layer_in_its_group():
    specs = {spec.key.to_user_string(): spec for spec in defs.resolve_all_asset_specs()}
    groups = {spec.group_name for spec in specs.values()}
    assert {"ingest", "warehouse", "quality", "ml", "monitoring", "reviews"} <= groups
    for contract in CONTRACTS:
        assert specs[f"raw/{contract.table}"].group_name == "ingest"
    for key, group in (("staging/stg_ats__candidates", "warehouse"), ("marts/fct_decision_outcomes", "warehouse"),
                       ("ml/hire_success_model", "ml"), ("monitoring/drift_metrics", "monitoring"),
                       ("marts/weekly_review", "reviews"), ("marts/quarterly_review", "reviews")):
        assert specs[key].group_name == group, key


def test_lineage_runs_from_raw_through_models_to_reviews():
    graph = defs.resolve_asset_graph()
    upstream = {k.to_user_string() for k in graph.get(dg.AssetKey(["marts", "quarterly_review"])).parent_keys}
    assert {"ml/attrition_early_warnings", "marts/int_quarterly_operations", "marts/fct_hires"} <= upstream
    versions = graph.get(dg.AssetKey(["staging", "stg_ats__candidate_versions"]))
    assert {k.to_user_string() for k in versions.parent_keys} == {"raw/ats_candidates"}
    stg = graph.get(dg.AssetKey(["staging", "stg_ats__candidates"]))
    assert {k.to_user_string() for k in stg.parent_keys} == {"staging/stg_ats__candidate_versions"}
    features = graph.get(dg.AssetKey(["intermediate", "int_application_features"]))
    assert "staging/stg_ats__candidate_versions" in {k.to_user_string() for k in features.parent_keys}


def test_schedules_and_sensor():
    assert defs.resolve_schedule_def("weekly_review_schedule").cron_schedule == "0 6 * * 1"
    assert defs.resolve_schedule_def("quarterly_review_schedule").job.name == "quarterly_deep_dive"
    assert defs.resolve_sensor_def("new_extract_sensor").job.name == "ingest"
    retrain = defs.resolve_sensor_def("retrain_on_drift")
    assert retrain.job.name == "feedback_loop" and retrain.default_status == dg.DefaultSensorStatus.RUNNING


def test_every_gated_mart_has_a_blocking_gate_and_freshness_and_feedback_only_warn():
    graph = defs.resolve_asset_graph()
    checks = {(key.asset_key.to_user_string(), key.name): graph.get_check_spec(key) for key in graph.asset_check_keys
              if key.name.startswith("quality_")}
    gated = {"fct_applications", "fct_hires", "fct_decision_outcomes", "fct_employee_month", "fct_skill_inventory"}
    assert {asset for asset, name in checks if name == "quality_gate"} == {f"marts/{mart}" for mart in gated}
    assert all(spec.blocking for (_, name), spec in checks.items() if name == "quality_gate")
    assert {asset for asset, name in checks if name == "quality_warnings"} == {
        "quality/extract_freshness", "quality/feedback_completeness"}
    assert not any(spec.blocking for (_, name), spec in checks.items() if name == "quality_warnings")
    model_parents = {k.to_user_string() for k in graph.get(dg.AssetKey(["ml", "hire_success_model"])).parent_keys}
    assert {f"marts/{mart}" for mart in gated} <= model_parents


def test_every_asset_and_check_is_described_for_the_ui():
    for spec in defs.resolve_all_asset_specs():
        assert spec.description and spec.description.strip(), spec.key.to_user_string()
    graph = defs.resolve_asset_graph()
    for key in graph.asset_check_keys:
        assert graph.get_check_spec(key).description, key.to_user_string()


def test_schedules_and_the_extract_sensor_run_unattended_from_the_start():
    """`dagster dev` on a new instance starts them without anyone switching them on in the UI."""
    for schedule in ("weekly_review_schedule", "quarterly_review_schedule"):
        assert defs.resolve_schedule_def(schedule).default_status == dg.DefaultScheduleStatus.RUNNING, schedule
    assert defs.resolve_sensor_def("new_extract_sensor").default_status == dg.DefaultSensorStatus.RUNNING


def test_the_review_report_comes_after_the_review_tables_and_the_monitoring():
    graph = defs.resolve_asset_graph()
    report = graph.get(dg.AssetKey(["reviews", "review_report"]))
    assert report.group_name == "reviews"
    assert {"marts/weekly_review", "marts/quarterly_review", "monitoring/drift_metrics", "quality/dq_results"} <= {
        k.to_user_string() for k in report.parent_keys}
