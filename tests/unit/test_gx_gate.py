"""The quality gate against a real DuckDB file and the suites the pipeline ships."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from hr_pipeline.quality import gx_gate

EXPECTATIONS = Path(__file__).resolve().parents[2] / "expectations"
DECISIONS_SUITE = EXPECTATIONS / "fct_decision_outcomes.json"
EMPLOYEE_MONTH_SUITE = EXPECTATIONS / "fct_employee_month.json"
ROWS = 200


def decision_outcomes(null_share: float) -> pd.DataFrame:
    """Clean outcomes, except `null_share` of years_experience missing, plus a wide extra column."""
    rng = np.random.default_rng(7)
    years = pd.array(rng.integers(0, 30, ROWS), dtype="Int64")
    years[: round(null_share * ROWS)] = pd.NA
    return pd.DataFrame(
        {
            "application_id": [f"A{i:05d}" for i in range(ROWS)],
            "applied_at": pd.date_range("2024-01-01", periods=ROWS, freq="h"),
            "years_experience": years,
            "education": rng.choice(["bachelor", "master", "phd"], ROWS),
            "international_experience": rng.random(ROWS) < 0.3,
            "source_channel": rng.choice(["referral", "job_board", "agency"], ROWS),
            "job_family": rng.choice(["engineering", "sales", "finance"], ROWS),
            "ai_score": rng.random(ROWS),
            "resume_text": ["x" * 10_000] * ROWS,
        }
    )


def warehouse(tmp_path: Path, table: str, frame: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("CREATE SCHEMA marts")
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame")
    return con


def test_suites_are_gx_suites_naming_their_table():
    import great_expectations as gx

    for path in (DECISIONS_SUITE, EMPLOYEE_MONTH_SUITE):
        suite = gx_gate.load_suite(path)
        assert suite["meta"]["table"] == f"marts.{path.stem}"
        assert len(gx.ExpectationSuite(**suite).expectations) == len(suite["expectations"])


def test_only_the_suite_columns_are_selected(tmp_path, monkeypatch):
    con = warehouse(tmp_path, "marts.fct_decision_outcomes", decision_outcomes(0.0))
    handed_to_gx = []
    monkeypatch.setattr(gx_gate, "validate_frame", lambda frame, suite: handed_to_gx.append(frame))

    gx_gate.validate_table(con, DECISIONS_SUITE)

    expected = [
        "application_id", "applied_at", "years_experience", "education",
        "international_experience", "source_channel", "job_family", "ai_score",
    ]  # fmt: skip
    assert gx_gate.suite_columns(gx_gate.load_suite(DECISIONS_SUITE)) == expected
    assert list(handed_to_gx[0].columns) == expected
    assert len(handed_to_gx[0]) == ROWS


def test_ten_percent_missing_fails_only_that_expectation(tmp_path):
    con = warehouse(tmp_path, "marts.fct_decision_outcomes", decision_outcomes(0.10))

    gate = gx_gate.validate_table(con, DECISIONS_SUITE)

    assert gate.table == "marts.fct_decision_outcomes"
    assert not gate.success
    assert len(gate.results) == 9
    [failure] = gate.failures
    assert failure.expectation == "expect_column_values_to_not_be_null"
    assert failure.column == "years_experience"
    assert failure.observed == pytest.approx(0.90)
    assert failure.threshold == 0.95
    metadata = gate.as_metadata()
    assert metadata["failed"] == 1
    assert metadata["years_experience completeness"] == "years_experience completeness 0.900 < 0.95 FAILED"
    assert metadata["application_id uniqueness"] == "application_id uniqueness 1.000 >= 1 ok"


def test_three_percent_missing_passes(tmp_path):
    con = warehouse(tmp_path, "marts.fct_decision_outcomes", decision_outcomes(0.03))

    gate = gx_gate.validate_table(con, DECISIONS_SUITE)

    assert gate.success, gate.as_metadata()
    assert gate.failures == []
    completeness = {r.column: r.observed for r in gate.results if r.expectation.endswith("not_be_null")}
    assert completeness["years_experience"] == pytest.approx(0.97)
    assert completeness["education"] == 1.0


def test_month_hours_above_600_fail_the_range(tmp_path):
    months = pd.DataFrame(
        {
            "employee_id": [f"E{i}" for i in range(10)],
            "month_start": pd.Timestamp("2024-05-01"),
            "department": "sales",
            "job_family": "sales",
            "hire_date": pd.Timestamp("2020-01-15"),
            "hours_worked": [160.0] * 9 + [720.0],
        }
    )
    con = warehouse(tmp_path, "marts.fct_employee_month", months)

    gate = gx_gate.validate_table(con, EMPLOYEE_MONTH_SUITE)

    [failure] = gate.failures
    assert (failure.column, failure.observed, failure.threshold) == ("hours_worked", pytest.approx(0.9), 1.0)
