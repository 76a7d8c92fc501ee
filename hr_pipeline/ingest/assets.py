"""One Dagster multi-asset per source system: it loads the system's pending extract folders, one
transaction each, and materialises one `raw/<table>` asset per entity."""


import dagster as dg

from hr_pipeline.ingest.contracts import SYSTEMS, contracts_of
from hr_pipeline.ingest.loader import FileLoad, load_system
from hr_pipeline.resources import Pseudonymiser, Warehouse


class IngestConfig(dg.Config):
    """Restrict a run to some extract folders (the sensor passes the one that landed)."""

    extract_dates: list[str] = []


def _entity_metadata(loads: list[FileLoad], total: int) -> dict:
    quarantined_files = [load.message for load in loads if load.status == "quarantined"]
    unknown = sorted({col for load in loads for col in load.unknown_columns})
    return {
        "files_loaded": sum(load.status == "loaded" for load in loads),
        "files_quarantined": len(quarantined_files),
        "rows_in_files": sum(load.rows_in_file or 0 for load in loads),
        "rows_loaded": sum(load.rows_loaded or 0 for load in loads),
        "rows_duplicate": sum(load.rows_duplicate or 0 for load in loads),
        "rows_quarantined": sum(load.rows_quarantined or 0 for load in loads),
        "unknown_columns": ", ".join(unknown) or "none",
        "values_not_allowed": sum(load.values_not_allowed for load in loads),
        "quarantined_files": dg.MetadataValue.md("\n".join(f"- {m}" for m in quarantined_files) or "none"),
        "dagster/row_count": total,
    }


def _ingest_system(system: str) -> dg.AssetsDefinition:
    contracts = contracts_of(system)

    @dg.multi_asset(
        name=f"ingest_{system}",
        group_name="ingest",
        specs=[dg.AssetSpec(
            ["raw", c.table],
            description=f"{c.description} Loaded from `landing/{system}/<extract_date>/{c.file_name}`; every "
                        "version kept once, personal data pseudonymised, protected attributes kept apart.",
            kinds={"duckdb", "python"},
            metadata={"dagster/table_name": f"raw.{c.table}"},
        ) for c in contracts],
        description=f"Loads each new {system} extract folder in one transaction.",
    )
    def _load(context: dg.AssetExecutionContext, config: IngestConfig, warehouse: Warehouse,
              pseudonymiser: Pseudonymiser):
        with warehouse.connect() as con:
            loads = load_system(con, warehouse.landing_dir, system, pseudonymiser.salt, config.extract_dates or None)
            totals = {c.table: con.execute(f"SELECT count(*) FROM raw.{c.table}").fetchall()[0][0] for c in contracts}
        for load in loads:
            if load.status != "loaded":  # quarantined whole, refused, ignored or not part of the contract
                context.log.warning(f"{load.status}: {load.message}")
                continue
            if load.unknown_columns:  # the message says which were kept in _extra and which dropped
                context.log.warning(load.message)
            if load.values_not_allowed:
                context.log.warning(f"{load.source_file}: {load.values_not_allowed} category values outside the "
                                    "contract's allowed values (loaded as sent)")
        read = [load for load in loads if load.table]
        context.log.info(f"{system}: {len({load.source_file.rsplit('/', 2)[-2] for load in read})} extract folders, "
                         f"{sum(load.rows_loaded or 0 for load in read)} new rows")
        for c in contracts:
            yield dg.MaterializeResult(asset_key=["raw", c.table], metadata=_entity_metadata(
                [load for load in loads if load.table == c.table], totals[c.table]))

    return _load


ingest_assets = [_ingest_system(system) for system in SYSTEMS]
