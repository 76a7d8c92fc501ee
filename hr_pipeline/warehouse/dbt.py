"""The dbt project as Dagster assets: one asset per model, dbt tests as asset checks.

Two selections, because the review models read tables that the Python ML and monitoring assets
write after the warehouse marts are built: `warehouse_models` runs before them, `review_models`
after.
"""

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from hr_pipeline.resources import Warehouse
from hr_pipeline.warehouse.dbt_child import FINGERPRINT_TABLE, HOME_ENV, PARENT_ENV
from hr_pipeline.warehouse.project import DBT_CHILD, DBT_PROJECT_DIR, REVIEW_SELECTION, dbt_project

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
    so the wait (and its message) happens here, as for every other writer. Tell the dbt child our pid and
    the home to build in."""
    warehouse.wait_for_lock()
    os.environ[PARENT_ENV] = str(os.getpid())
    os.environ[HOME_ENV] = str(warehouse.home_dir)


def incremental_models(manifest: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(unique id, node) of the incremental models, in id order."""
    return sorted((uid, node) for uid, node in manifest["nodes"].items()
                  if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental")


def _closure(found: Mapping[str, Any], start: list[str], depends_on: str) -> set[str]:
    """The ids in `found` reachable from `start` by following each one's `depends_on[depends_on]`."""
    seen, todo = set(), list(start)
    while todo:
        if (uid := todo.pop()) not in seen and uid in found:
            seen.add(uid)
            todo += found[uid]["depends_on"].get(depends_on, [])
    return seen


def incremental_fingerprint(manifest: Mapping[str, Any]) -> str:
    """A hash of what the incremental models' rows depend on: the SQL, config and seed data of each of them and
    of every model or seed upstream of one, and every macro they call, directly or through another macro."""
    nodes = manifest["nodes"]
    upstream = sorted(_closure(nodes, [uid for uid, _ in incremental_models(manifest)], "nodes"))
    macros = _closure(manifest["macros"], [m for uid in upstream for m in nodes[uid]["depends_on"]["macros"]], "macros")
    parts = [[uid, nodes[uid]["checksum"]["checksum"], nodes[uid]["config"]] for uid in upstream]
    parts += [[m, manifest["macros"][m]["macro_sql"]] for m in sorted(macros)]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def incremental_keys(manifest: Mapping[str, Any]) -> set[dg.AssetKey]:
    return {translator.get_asset_key(node) for _, node in incremental_models(manifest)}


def stored_fingerprint(warehouse: Warehouse) -> Optional[str]:
    if not warehouse.path.exists():
        return None
    with warehouse.connect(read_only=True) as con:
        exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name || '.' || table_name = ?",
                             [FINGERPRINT_TABLE]).fetchone()[0]
        return con.execute(f"SELECT max(fingerprint) FROM {FINGERPRINT_TABLE}").fetchone()[0] if exists else None


def store_fingerprint(warehouse: Warehouse, fingerprint: str) -> None:
    with warehouse.connect() as con:
        con.execute(f"CREATE OR REPLACE TABLE {FINGERPRINT_TABLE} AS SELECT ? AS fingerprint", [fingerprint])


def dbt_build(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse) -> Iterator:
    """`dbt build` of the asset's selection; a full refresh when the incremental models' SQL changed since
    the warehouse's last complete build (or it has none), else their incremental run."""
    before_dbt(warehouse)
    manifest = json.loads(dbt_project().manifest_path.read_text())
    fingerprint = incremental_fingerprint(manifest)
    full_refresh = stored_fingerprint(warehouse) != fingerprint
    prune_dbt_targets(DBT_PROJECT_DIR / "target", KEPT_DBT_TARGETS - 1)
    if full_refresh:
        context.log.info("dbt build --full-refresh: the incremental models changed since the last build")
    yield from dbt.cli(["build", *(["--full-refresh"] * full_refresh)], context=context).stream()
    if full_refresh and incremental_keys(manifest) <= context.selected_asset_keys:  # else some were left as they were
        store_fingerprint(warehouse, fingerprint)


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


dbt_resource = DbtCliResource(project_dir=dbt_project(), dbt_executable=DBT_CHILD)


# In the docs folder: the fingerprint of what the site was generated from (docs_fingerprint).
DOCS_FINGERPRINT_FILE = "fingerprint.txt"


def docs_fingerprint(warehouse: Warehouse) -> str:
    """A hash of everything the docs site shows: the project's manifest (models, tests, descriptions, SQL) and
    the catalog, i.e. every relation's columns, types and comments. dbt-duckdb's catalog carries no row counts,
    so a week of new rows leaves the site as it was."""
    manifest = json.loads(dbt_project().manifest_path.read_text())
    manifest.pop("metadata", None)  # when and by which invocation it was parsed
    with warehouse.connect(read_only=True) as con:
        catalog = con.execute("""
            SELECT schema_name, table_name, column_name, data_type, comment, NULL FROM duckdb_columns()
            WHERE NOT internal
            UNION ALL SELECT schema_name, table_name, NULL, NULL, NULL, comment FROM duckdb_tables() WHERE NOT internal
            UNION ALL SELECT schema_name, view_name, NULL, NULL, NULL, comment FROM duckdb_views() WHERE NOT internal
            ORDER BY ALL""").fetchall()
    return hashlib.sha256(json.dumps([manifest, catalog], sort_keys=True, default=str).encode()).hexdigest()


@dg.asset(
    key=["warehouse", "dbt_docs"],
    deps=[warehouse_models, review_models],
    group_name="warehouse",
    kinds={"dbt"},
    description="The dbt docs site (index.html, manifest and catalog) for analysts, under <home>/dbt_docs; "
                "generated again only when the project or the warehouse's columns changed.",
)
def dbt_docs(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse) -> dg.MaterializeResult:
    target = warehouse.settings.dbt_docs_dir
    stamp, fingerprint = target / DOCS_FINGERPRINT_FILE, docs_fingerprint(warehouse)
    current = (target / "index.html").exists() and stamp.exists() and stamp.read_text() == fingerprint
    if current:
        context.log.info(f"dbt docs in {target} are current: neither the project nor a column changed")
    else:
        before_dbt(warehouse)
        dbt.cli(["docs", "generate"], manifest=dbt_project().manifest_path, target_path=target).wait()
        stamp.write_text(fingerprint)
        context.log.info(f"dbt docs written to {target}")
    return dg.MaterializeResult(metadata={"index": dg.MetadataValue.path(str(target / "index.html")),
                                          "generated": not current})
