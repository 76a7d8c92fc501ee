"""The quality gate as blocking Dagster asset checks, one per suite in `expectations/`.

A failing check stops every asset downstream of the mart in the same run, and its metadata
names each expectation with its observed value and threshold. Every result is also appended to
`quality.dq_results`, the history BI reads.
"""


from datetime import datetime
from pathlib import Path

import dagster as dg

from hr_pipeline.quality.gx_gate import GateResult, validate_table
from hr_pipeline.resources import Warehouse

EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"
GATED_MARTS = tuple(sorted(path.stem for path in EXPECTATIONS_DIR.glob("*.json")))

DQ_RESULTS_DDL = """
CREATE SCHEMA IF NOT EXISTS quality;
CREATE TABLE IF NOT EXISTS quality.dq_results (
    run_id VARCHAR, table_name VARCHAR, expectation VARCHAR, column_name VARCHAR,
    observed DOUBLE, threshold DOUBLE, success BOOLEAN, validated_at TIMESTAMP);
"""


def record_results(con, run_id: str, gate: GateResult) -> None:
    con.execute(DQ_RESULTS_DDL)
    validated_at = datetime.now()
    con.executemany(
        "INSERT INTO quality.dq_results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(run_id, gate.table, r.expectation, r.column, r.observed, r.threshold, r.success, validated_at)
         for r in gate.results],
    )


def _gate_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["marts", table]),
        name="quality_gate",
        blocking=True,
        description=f"Great Expectations suite expectations/{table}.json: critical attributes at "
                    "least 95 % complete, unique keys, values in range. Blocks everything downstream.",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            gate = validate_table(con, EXPECTATIONS_DIR / f"{table}.json")
            record_results(con, context.run.run_id, gate)
        for failure in gate.failures:
            context.log.error(f"quality gate: {failure.line()}")
        return dg.AssetCheckResult(passed=gate.success, severity=dg.AssetCheckSeverity.ERROR,
                                   metadata=gate.as_metadata())

    return _check


gate_checks = [_gate_check(table) for table in GATED_MARTS]

dq_results = dg.AssetSpec(
    ["quality", "dq_results"],
    group_name="quality",
    description="History of every quality-gate expectation result, appended by the gate checks.",
    kinds={"duckdb"},
)
