"""The dbt project as Dagster assets: one asset per model, dbt tests as asset checks.

Two selections, because the review models read tables that the Python ML and monitoring assets
write after the warehouse marts are built: `warehouse_models` runs before them, `review_models`
after.
"""

import os
import re
import shutil
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from hr_pipeline.resources import Warehouse
from hr_pipeline.warehouse.dbt_child import PARENT_ENV
from hr_pipeline.warehouse.project import DBT_PROJECT_DIR, SCRIPTS_DIR, dbt_project, dbt_vars, installed_script

REVIEW_SELECTION = "tag:reviews"
# dagster-dbt gives each dbt call its own `target/<op>-<run id>-<id>` folder (dbt.log, run_results.json);
# the newest few are kept for debugging, older ones deleted.
KEPT_DBT_TARGETS = 10
INVOCATION_TARGET = re.compile(r".+-[0-9a-f]{7}-[0-9a-f]{7}")

GROUP_OF_FOLDER = {"staging": "warehouse", "intermediate": "warehouse", "marts": "warehouse",
                   "quality": "quality", "reviews": "reviews"}


class HrDbtTranslator(DagsterDbtTranslator):
    """Keys are `<schema>/<model>` like every other table of the warehouse; groups follow folders."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed"):
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_asset_check_spec(self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str,
                             project: Optional[DbtProject]) -> Optional[dg.AssetCheckSpec]:
        """dbt tests carry a description into the UI: their own, else one said from the test's arguments."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return spec._replace(description=describe_test(manifest["nodes"][unique_id]))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> Optional[str]:
        folder = dbt_resource_props["fqn"][1] if len(dbt_resource_props["fqn"]) > 2 else "marts"
        return GROUP_OF_FOLDER.get(folder, "warehouse")


def describe_test(test: Mapping[str, Any]) -> str:
    """E.g. 'dbt test unique on hire_id (severity warn)'."""
    if test.get("description"):
        return test["description"]
    severity = test["config"]["severity"].lower()
    metadata = test.get("test_metadata")
    if not metadata:
        return f"dbt singular test {test['name']} (severity {severity})"
    column = metadata["kwargs"].get("column_name")
    return f"dbt test {metadata['name']}{f' on {column}' if column else ''} (severity {severity})"


translator = HrDbtTranslator()


def prune_dbt_targets(target_dir: Path, keep: int = KEPT_DBT_TARGETS) -> None:
    """Delete all but the `keep` newest per-invocation folders, so `target/` does not grow with every run."""
    folders = sorted((p for p in target_dir.glob("*") if p.is_dir() and INVOCATION_TARGET.fullmatch(p.name)),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for folder in folders[keep:]:
        shutil.rmtree(folder, ignore_errors=True)


def before_dbt(warehouse: Warehouse) -> None:
    """Wait until the warehouse is free: dbt-duckdb opens the file itself and would fail at once on a lock,
    so the wait (and its message) happens here, as for every other writer. Tell the dbt child our pid."""
    warehouse.wait_for_lock()
    os.environ[PARENT_ENV] = str(os.getpid())


def dbt_build(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse) -> Iterator:
    before_dbt(warehouse)
    prune_dbt_targets(DBT_PROJECT_DIR / "target", KEPT_DBT_TARGETS - 1)
    yield from dbt.cli(["build", *dbt_vars(warehouse.settings)], context=context).stream()


@dbt_assets(manifest=dbt_project().manifest_path, project=dbt_project(), exclude=REVIEW_SELECTION,
            dagster_dbt_translator=translator, name="warehouse_models")
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    """Staging, intermediate and mart models with their dbt tests."""
    yield from dbt_build(context, dbt, warehouse)


@dbt_assets(manifest=dbt_project().manifest_path, project=dbt_project(), select=REVIEW_SELECTION,
            dagster_dbt_translator=translator, name="review_models")
def review_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    """Weekly and quarterly review tables and the daily data-quality table."""
    yield from dbt_build(context, dbt, warehouse)


# `hr-pipeline-dbt` (installed beside this interpreter with the package) is dbt that dies with the process
# running it; plain dbt where the package's scripts are not installed.
DBT_CHILD = SCRIPTS_DIR / "hr-pipeline-dbt"
dbt_resource = DbtCliResource(project_dir=dbt_project(),
                              dbt_executable=str(DBT_CHILD) if DBT_CHILD.exists() else installed_script("dbt"))


@dg.asset(
    key=["warehouse", "dbt_docs"],
    deps=[warehouse_models, review_models],
    group_name="warehouse",
    kinds={"dbt"},
    description="The dbt docs site (index.html, manifest and catalog) for analysts, under <home>/dbt_docs.",
)
def dbt_docs(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse) -> dg.MaterializeResult:
    target = warehouse.settings.dbt_docs_dir
    before_dbt(warehouse)
    dbt.cli(["docs", "generate", *dbt_vars(warehouse.settings)], manifest=dbt_project().manifest_path,
            target_path=target).wait()
    context.log.info(f"dbt docs written to {target}")
    return dg.MaterializeResult(metadata={"index": dg.MetadataValue.path(str(target / "index.html"))})
