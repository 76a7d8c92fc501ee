"""One Dagster asset per landing entity, each loading its pending files into `raw.<table>`."""


import dagster as dg

from hr_pipeline.ingest.contracts import CONTRACTS, Contract
from hr_pipeline.ingest.loader import load_entity
from hr_pipeline.resources import Pseudonymiser, Warehouse


class IngestConfig(dg.Config):
    """Restrict a run to some extract folders (the sensor passes the one that landed)."""

    extract_dates: list[str] = []


def _ingest_asset(contract: Contract) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", contract.table],
        group_name="ingest",
        description=f"{contract.description} Loaded from `landing/{contract.system}/<extract_date>/"
                    f"{contract.file_name}`; every version kept once, personal data pseudonymised.",
        kinds={"duckdb", "python"},
        metadata={"dagster/table_name": f"raw.{contract.table}"},
    )
    def _load(context: dg.AssetExecutionContext, config: IngestConfig, warehouse: Warehouse,
              pseudonymiser: Pseudonymiser) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            result = load_entity(con, warehouse.landing_dir, contract, pseudonymiser.salt,
                                 config.extract_dates or None)
            total = con.execute(f"SELECT count(*) FROM raw.{contract.table}").fetchone()[0]
        context.log.info(f"{contract.table}: {result.files} new files, {result.rows_loaded} rows loaded")
        return dg.MaterializeResult(metadata={
            "files_loaded": result.files,
            "rows_in_files": result.rows_in_files,
            "rows_loaded": result.rows_loaded,
            "rows_duplicate": result.rows_duplicate,
            "rows_quarantined": result.rows_quarantined,
            "dagster/row_count": total,
        })

    return _load


ingest_assets = [_ingest_asset(c) for c in CONTRACTS]
