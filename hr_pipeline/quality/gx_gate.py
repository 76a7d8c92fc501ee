"""Quality gate: validate a DuckDB table against a Great Expectations suite kept as JSON.

Great Expectations is imported inside `validate_frame` only: it takes seconds to import, and
the Dagster code location imports this module when it loads.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

LABELS = {
    "expect_column_values_to_not_be_null": "completeness",
    "expect_column_values_to_be_unique": "uniqueness",
    "expect_column_values_to_be_between": "in range",
}


@dataclass(frozen=True)
class ExpectationResult:
    """One expectation's outcome.

    `observed` is the share of rows that met the expectation (of non-null rows, except for
    completeness), which is what GX compares with `mostly`, here `threshold`.
    """

    expectation: str
    column: str | None
    observed: float
    threshold: float
    success: bool

    @property
    def label(self) -> str:
        return f"{self.column} {LABELS.get(self.expectation, self.expectation)}"

    def line(self) -> str:
        """E.g. 'years_experience completeness 0.902 < 0.95 FAILED'."""
        relation, verdict = (">=", "ok") if self.success else ("<", "FAILED")
        return f"{self.label} {self.observed:.3f} {relation} {self.threshold:g} {verdict}"


@dataclass(frozen=True)
class GateResult:
    table: str
    success: bool
    results: list[ExpectationResult]

    @property
    def failures(self) -> list[ExpectationResult]:
        return [result for result in self.results if not result.success]

    def as_metadata(self) -> dict[str, str | float]:
        """Counts plus one readable line per expectation, for Dagster asset-check metadata."""
        return {
            "table": self.table,
            "expectations": len(self.results),
            "failed": len(self.failures),
            **{result.label: result.line() for result in self.results},
        }


def load_suite(path: Path) -> dict[str, Any]:
    """The suite as GX 1.x writes it; `meta.table` names the DuckDB table it validates."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def suite_columns(suite: dict[str, Any]) -> list[str]:
    """The columns the suite's expectations name, in order, each once."""
    columns = (expectation["kwargs"].get("column") for expectation in suite["expectations"])
    return list(dict.fromkeys(column for column in columns if column))


def fetch_frame(con: duckdb.DuckDBPyConnection, suite: dict[str, Any]) -> pd.DataFrame:
    """Only the suite's columns: the gate must not pull whole wide tables into memory."""
    columns = ", ".join(f'"{column}"' for column in suite_columns(suite))
    return con.execute(f"SELECT {columns} FROM {suite['meta']['table']}").df()


def validate_frame(frame: pd.DataFrame, suite: dict[str, Any]) -> GateResult:
    """Validate in a throwaway GX context, so no GX project folder or state is needed."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    table = suite["meta"]["table"]
    batch = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset(table)
        .add_batch_definition_whole_dataframe("whole table")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    outcome = batch.validate(gx.ExpectationSuite(**suite))
    return GateResult(
        table=table,
        success=bool(outcome.success),
        results=[_expectation_result(result) for result in outcome.results],
    )


def validate_table(con: duckdb.DuckDBPyConnection, suite_path: Path) -> GateResult:
    suite = load_suite(suite_path)
    return validate_frame(fetch_frame(con, suite), suite)


def _expectation_result(result: Any) -> ExpectationResult:
    # unexpected_percent is None when GX had no rows to judge (empty table, errored expectation).
    kwargs = result.expectation_config.kwargs
    unexpected_percent = result.result.get("unexpected_percent")
    return ExpectationResult(
        expectation=result.expectation_config.type,
        column=kwargs.get("column"),
        observed=math.nan if unexpected_percent is None else 1 - unexpected_percent / 100,
        threshold=float(kwargs.get("mostly", 1.0)),
        success=bool(result.success),
    )
