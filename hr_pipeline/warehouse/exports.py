"""Every mart as Parquet under `<home>/exports/`, so BI tools read a consistent copy without ever
holding a lock on the warehouse file the pipeline writes."""


from pathlib import Path

import dagster as dg
import duckdb

from hr_pipeline.resources import Warehouse
from hr_pipeline.warehouse.dbt import review_models, warehouse_models

EXPORTED_SCHEMAS = ("marts", "quality")


def export_tables(con: duckdb.DuckDBPyConnection, out: Path) -> dict[str, int]:
    """Write each table of the exported schemas to `<out>/<schema>/<table>.parquet`; rows per table."""
    tables = con.execute(f"""SELECT schema_name, table_name FROM duckdb_tables()
                             WHERE schema_name IN {EXPORTED_SCHEMAS} ORDER BY 1, 2""").fetchall()
    rows = {}
    for schema, table in tables:
        (out / schema).mkdir(parents=True, exist_ok=True)
        path = out / schema / f"{table}.parquet"
        rows[f"{schema}.{table}"] = con.execute(f"COPY {schema}.{table} TO '{path}' (FORMAT parquet)").fetchall()[0][0]
    return rows


@dg.asset(
    key=["warehouse", "bi_exports"],
    deps=[warehouse_models, review_models],
    group_name="warehouse",
    kinds={"parquet", "duckdb"},
    description="The marts and the data-quality tables as Parquet files under <home>/exports/<schema>/, "
                "rewritten after each build, for BI tools that should not touch the warehouse file.",
)
def bi_exports(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    out = warehouse.settings.exports_dir
    with warehouse.connect(read_only=True) as con:
        rows = export_tables(con, out)
    context.log.info(f"exported {len(rows)} tables to {out}")
    return dg.MaterializeResult(metadata={"folder": dg.MetadataValue.path(str(out)), "tables": len(rows),
                                          "rows": dg.MetadataValue.json(rows)})
