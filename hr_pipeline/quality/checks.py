"""The quality gate as Dagster asset checks: two per suite in `expectations/`, all run in one step.

A suite's critical expectations make its blocking `quality_gate` check: when it fails, nothing
downstream of the table runs. Its warning expectations make the non-blocking `quality_warnings`
check: a failure shows in the UI and the history but stops nothing. Each check's metadata names
every expectation with its observed value and threshold; every result is also appended to
`quality.dq_results`, the history BI reads.
"""


from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg

from hr_pipeline.quality.gx_gate import BLOCKING, DATA_DOCS, WARNING, GateResult, load_suite, run_suites, severities
from hr_pipeline.resources import Warehouse

EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"
SUITE_PATHS = sorted(EXPECTATIONS_DIR.glob("*.json"))
SUITES = [load_suite(path) for path in SUITE_PATHS]

DQ_RESULTS_DDL = """
CREATE SCHEMA IF NOT EXISTS quality;
CREATE TABLE IF NOT EXISTS quality.dq_results (
    run_id VARCHAR, table_name VARCHAR, expectation VARCHAR, column_name VARCHAR,
    observed DOUBLE, threshold DOUBLE, success BOOLEAN, validated_at TIMESTAMP);
ALTER TABLE quality.dq_results ADD COLUMN IF NOT EXISTS expectation_class VARCHAR;
ALTER TABLE quality.dq_results ADD COLUMN IF NOT EXISTS severity VARCHAR;
"""

GATE_STEP = "quality_gate"  # the one step that validates every suite
CHECKS = {
    BLOCKING: ("quality_gate", "Blocking: when one of these fails nothing downstream runs"),
    WARNING: ("quality_warnings", "Warning only: a failure is shown and kept in the history, nothing is stopped"),
}


def suite_parameters(warehouse: Warehouse) -> dict[str, str]:
    """Values the suites refer to as `{"$PARAMETER": ...}`: the world's date range, anchored on the
    as-of date (the newest extract). ATS records reach back at most ten years, employments fifty;
    start dates may lie up to a year ahead."""
    with warehouse.connect(read_only=True) as con:
        (as_of,) = con.execute("SELECT as_of_date FROM intermediate.int_as_of").fetchone()
    return {
        "as_of_date": as_of.isoformat(),
        "earliest_date": as_of.replace(year=as_of.year - 10).isoformat(),
        "earliest_employment_date": as_of.replace(year=as_of.year - 50).isoformat(),
        "latest_start_date": (as_of + timedelta(days=366)).isoformat(),
    }


def record_results(warehouse: Warehouse, run_id: str, gate: GateResult) -> None:
    """One transaction per suite, so an interrupted run leaves a suite's results whole or absent."""
    validated_at = datetime.now()
    with warehouse.connect() as con:
        con.execute(DQ_RESULTS_DDL)
        con.execute("BEGIN TRANSACTION")
        con.executemany(
            "INSERT INTO quality.dq_results BY NAME SELECT ? AS run_id, ? AS table_name, ? AS expectation, "
            "? AS column_name, ? AS observed, ? AS threshold, ? AS success, ? AS validated_at, "
            "? AS expectation_class, ? AS severity",
            [(run_id, gate.table, r.expectation, r.column, r.observed, r.threshold, r.success, validated_at,
              r.kind, r.severity) for r in gate.results],
        )
        con.execute("COMMIT")


def _describe(suite: dict, severity: str) -> str:
    lines = [f"{expectation.get('meta', {}).get('class', expectation['type'])}: "
             f"{expectation['kwargs'].get('column') or 'table'}"
             for expectation in suite["expectations"] if expectation.get("severity", BLOCKING) == severity]
    return f"{CHECKS[severity][1]}. Suite expectations/{suite['name']}.json: " + "; ".join(lines) + "."


def _asset_key(suite: dict) -> dg.AssetKey:
    return dg.AssetKey(suite["meta"]["table"].split("."))


def _specs(suite: dict) -> dict[str, dg.AssetCheckSpec]:
    """The suite's checks by severity: blocking `quality_gate`, warning-only `quality_warnings`."""
    return {severity: dg.AssetCheckSpec(CHECKS[severity][0], asset=_asset_key(suite), blocking=severity == BLOCKING,
                                        description=_describe(suite, severity))
            for severity in (BLOCKING, WARNING) if severity in severities(suite)}


SPECS = {suite["name"]: _specs(suite) for suite in SUITES}


@dg.multi_asset_check(specs=[spec for specs in SPECS.values() for spec in specs.values()], name=GATE_STEP,
                      can_subset=True)
def quality_gate(context: dg.AssetCheckExecutionContext, warehouse: Warehouse):
    """Every selected suite in one GX checkpoint: one GX context and one Data Docs build per run, not per suite."""
    selected = [suite for suite in SUITES
                if any(spec.key in context.selected_asset_check_keys for spec in SPECS[suite["name"]].values())]
    gates = {gate.table: gate for gate in run_suites(warehouse.path, selected, warehouse.reports_dir,
                                                      suite_parameters(warehouse))}
    docs = dg.MetadataValue.path(str(warehouse.reports_dir / DATA_DOCS / "index.html"))
    for suite in selected:
        gate = gates[suite["meta"]["table"]]
        record_results(warehouse, context.run.run_id, gate)
        for failure in gate.failures:
            log = context.log.error if failure.blocking else context.log.warning
            log(f"quality gate {gate.table}: {failure.line()}")
        for severity, spec in SPECS[suite["name"]].items():
            if spec.key in context.selected_asset_check_keys:
                blocking = severity == BLOCKING
                yield dg.AssetCheckResult(
                    asset_key=spec.asset_key, check_name=spec.name, passed=gate.passed(blocking),
                    severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
                    metadata={**gate.as_metadata(blocking), "data_docs": docs})


GATED_ASSETS = [_asset_key(suite) for suite in SUITES if BLOCKING in severities(suite)]

dq_results = dg.AssetSpec(
    ["quality", "dq_results"],
    group_name="quality",
    description="History of every quality-gate expectation result, appended by the suite checks.",
    kinds={"duckdb"},
)
