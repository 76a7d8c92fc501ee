"""The pipeline's dbt build is a full refresh exactly when what the incremental models' rows depend on changed."""

from __future__ import annotations

import copy
import json

import dagster as dg
import pytest

from hr_pipeline.warehouse.dbt import incremental_fingerprint
from hr_pipeline.warehouse.project import dbt_project


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(dbt_project().manifest_path.read_text())


def changed(manifest: dict, change) -> bool:
    edited = copy.deepcopy(manifest)
    change(edited)
    return incremental_fingerprint(edited) != incremental_fingerprint(manifest)


def test_the_staging_models_and_the_heaviest_point_in_time_tables_are_incremental(manifest):
    materialized = {node["name"]: node["config"]["materialized"] for node in manifest["nodes"].values()
                    if node["resource_type"] == "model"}
    assert materialized["stg_ats__applications"] == materialized["stg_timetracking__timesheets"] == "incremental"
    assert materialized["stg_ats__candidate_versions"] == "view"
    assert materialized["int_application_features"] == materialized["fct_skill_inventory"] == "incremental"
    assert materialized["fct_decision_outcomes"] == "table"


def test_a_changed_incremental_model_config_or_macro_it_calls_changes_the_fingerprint(manifest):
    model = "model.hr_warehouse.stg_ats__applications"
    assert changed(manifest, lambda m: m["nodes"][model]["checksum"].update(checksum="edited"))
    assert changed(manifest, lambda m: m["nodes"][model]["config"].update(unique_key="candidate_id"))
    assert changed(manifest, lambda m: m["macros"]["macro.hr_warehouse.latest_version"].update(macro_sql="edited"))
    # a macro called through another one (latest_version calls is_incremental)
    assert changed(manifest, lambda m: m["macros"]["macro.dbt.is_incremental"].update(macro_sql="edited"))


def test_a_changed_model_or_seed_upstream_of_an_incremental_model_changes_the_fingerprint(manifest):
    """int_application_features reads the taxonomy and the as-of date (a table model) on every build."""
    for upstream in ("seed.hr_warehouse.skill_taxonomy", "model.hr_warehouse.int_as_of"):
        assert changed(manifest, lambda m, uid=upstream: m["nodes"][uid]["checksum"].update(checksum="edited"))


def test_a_changed_table_model_downstream_of_every_incremental_model_leaves_the_fingerprint(manifest):
    assert not changed(manifest, lambda m: m["nodes"]["model.hr_warehouse.fct_hires"]["checksum"].update(
        checksum="edited"))


def test_only_a_build_of_every_incremental_model_may_store_the_fingerprint(manifest):
    """The review build never holds them: storing the fingerprint there would skip a needed full refresh."""
    from hr_pipeline.warehouse.dbt import incremental_keys, review_models, warehouse_models

    keys = incremental_keys(manifest)
    assert dg.AssetKey(["staging", "stg_ats__applications"]) in keys
    assert keys <= set(warehouse_models.keys) and not keys & set(review_models.keys)
