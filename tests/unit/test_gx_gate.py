"""The quality gate: the shipped suites run by Great Expectations as SQL on a real DuckDB file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from hr_pipeline.quality import gx_gate
from hr_pipeline.quality.checks import SUITE_PATHS

EXPECTATIONS = Path(__file__).resolve().parents[2] / "expectations"
PARAMETERS = {"as_of_date": "2026-11-16", "earliest_date": "2016-11-16", "earliest_employment_date": "1976-11-16",
              "latest_start_date": "2027-11-17"}
ROWS = 200
CLASSES = {"completeness", "validity", "uniqueness", "consistency", "freshness", "feedback"}


def decision_outcomes(missing_years: float = 0.0) -> str:
    """Clean outcomes, except the first `missing_years` share of years_experience missing."""
    return f"""
        CREATE SCHEMA IF NOT EXISTS marts;
        CREATE OR REPLACE TABLE marts.fct_decision_outcomes AS
        SELECT 'A' || i AS application_id,
               TIMESTAMP '2025-01-01' + i * INTERVAL 1 HOUR AS applied_at,
               CASE WHEN i >= {round(missing_years * ROWS)} THEN i % 30 END AS years_experience,
               'master' AS education, i % 3 = 0 AS international_experience,
               'referral' AS source_channel, 'sales' AS job_family,
               (i % 100) / 100.0 AS ai_score, 1 + i % 5 AS rating_12m,
               repeat('x', 10000) AS resume_text
        FROM range({ROWS}) AS t(i)"""


def employee_months(hours_over_100: int = 0) -> str:
    return f"""
        CREATE SCHEMA IF NOT EXISTS marts;
        CREATE OR REPLACE TABLE marts.fct_employee_month AS
        SELECT 'E' || (i // 20) AS employee_id, DATE '2025-01-01' + INTERVAL (i % 20) MONTH AS month_start,
               'sales' AS department, 'sales' AS job_family, DATE '2020-01-15' AS hire_date,
               CASE WHEN i < {hours_over_100} THEN 160.0 ELSE 42.5 END AS max_weekly_hours,
               CASE WHEN i % 6 = 0 THEN 1 + i % 5 END AS review_rating
        FROM range({ROWS}) AS t(i)"""


def run(tmp_path: Path, *tables_sql: str, suites: tuple[str, ...]) -> dict[str, gx_gate.GateResult]:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        for sql in tables_sql:
            con.execute(sql)
    results = gx_gate.run_suites(path, [gx_gate.load_suite(EXPECTATIONS / f"{name}.json") for name in suites],
                                 tmp_path / "reports", PARAMETERS)
    return {gate.table: gate for gate in results}


def test_every_suite_is_a_gx_suite_naming_its_table_and_the_class_of_each_expectation():
    import great_expectations as gx

    assert len(SUITE_PATHS) >= 7
    for path in SUITE_PATHS:
        suite = gx_gate.load_suite(path)
        assert suite["name"] == path.stem and suite["meta"]["table"].endswith(f".{path.stem}")
        assert len(gx.ExpectationSuite(**suite).expectations) == len(suite["expectations"])
        for expectation in suite["expectations"]:
            assert expectation["meta"]["class"] in CLASSES
            blocking = expectation["meta"]["class"] not in {"freshness", "feedback"}
            assert expectation["severity"] == ("critical" if blocking else "warning")


def test_ten_percent_missing_fails_only_that_expectation_with_its_share(tmp_path):
    gate = run(tmp_path, decision_outcomes(0.10), suites=("fct_decision_outcomes",))["marts.fct_decision_outcomes"]

    [failure] = gate.failures
    assert (failure.expectation, failure.column, failure.kind) == (
        "expect_column_values_to_not_be_null", "years_experience", "completeness")
    assert failure.observed == pytest.approx(0.90)
    assert failure.threshold == 0.95 and failure.blocking
    assert not gate.passed(blocking=True)
    metadata = gate.as_metadata(blocking=True)
    assert metadata["failed"] == 1
    assert metadata["years_experience completeness"] == "years_experience completeness 0.9 < 0.95 FAILED"
    assert metadata["application_id uniqueness"] == "application_id uniqueness 1 >= 1 ok"
    assert metadata["row count completeness"] == f"row count completeness {ROWS} >= 1 ok"


def test_three_percent_missing_and_dates_inside_the_world_pass(tmp_path):
    gate = run(tmp_path, decision_outcomes(0.03), suites=("fct_decision_outcomes",))["marts.fct_decision_outcomes"]

    assert gate.passed(blocking=True), gate.as_metadata(blocking=True)
    observed = {r.label: r.observed for r in gate.results}
    assert observed["years_experience completeness"] == pytest.approx(0.97)
    assert observed["applied_at validity"] == 1.0


def test_weekly_hours_above_100_fail_validity_and_duplicates_fail_uniqueness(tmp_path):
    duplicate_month = """INSERT INTO marts.fct_employee_month
                         SELECT * FROM marts.fct_employee_month
                         WHERE employee_id = 'E0' AND month_start = DATE '2025-01-01'"""
    gate = run(tmp_path, employee_months(hours_over_100=5), duplicate_month,
               suites=("fct_employee_month",))["marts.fct_employee_month"]

    failed = {r.label: r.observed for r in gate.failures}
    assert set(failed) == {"max_weekly_hours validity", "employee_id, month_start uniqueness"}
    assert failed["max_weekly_hours validity"] == pytest.approx(1 - 6 / (ROWS + 1))  # the copied row is one of them
    observed = {r.label: r.observed for r in gate.results}
    assert observed["review_rating validity"] == 1.0  # of the months with a review; the others are null


def test_a_stale_system_only_warns(tmp_path):
    freshness = """CREATE SCHEMA quality;
        CREATE TABLE quality.extract_freshness AS
        SELECT * FROM (VALUES ('ats', 0, 1), ('hris', 2, 3), ('timetracking', 21, 22))
            AS t(source_system, days_behind, days_before_run)"""
    gate = run(tmp_path, freshness, suites=("extract_freshness",))["quality.extract_freshness"]

    assert gate.passed(blocking=True) and gate.of(blocking=True) == []
    assert not gate.passed(blocking=False)
    behind, before_run = gate.failures
    assert (behind.observed, behind.threshold, behind.severity) == (21, 8, "warning")
    assert behind.line() == "days_behind freshness 21 > 8 FAILED"
    assert before_run.line() == "days_before_run freshness 22 > 8 FAILED"


def test_a_stall_of_every_feed_warns_against_the_run_date(tmp_path):
    stalled = """CREATE SCHEMA quality;
        CREATE TABLE quality.extract_freshness AS
        SELECT * FROM (VALUES ('ats', 0, 30), ('hris', 0, 30)) AS t(source_system, days_behind, days_before_run)"""
    gate = run(tmp_path, stalled, suites=("extract_freshness",))["quality.extract_freshness"]
    assert gate.passed(blocking=True)
    assert [f.line() for f in gate.failures] == ["days_before_run freshness 30 > 8 FAILED"]


def test_data_docs_are_written_under_reports_and_keep_every_run_of_every_suite(tmp_path):
    freshness = """CREATE SCHEMA IF NOT EXISTS quality; CREATE OR REPLACE TABLE quality.extract_freshness AS
                     SELECT 'ats' AS source_system, 0 AS days_behind, 0 AS days_before_run"""
    run(tmp_path, decision_outcomes(0.10), suites=("fct_decision_outcomes",))
    run(tmp_path, freshness, suites=("extract_freshness",))
    run(tmp_path, decision_outcomes(0.0), suites=("fct_decision_outcomes",))

    index = (tmp_path / "reports" / gx_gate.DATA_DOCS / "index.html").read_text(encoding="utf-8")
    assert "fct_decision_outcomes" in index and "extract_freshness" in index
    pages = list((tmp_path / "reports" / gx_gate.DATA_DOCS / "validations").rglob("*.html"))
    assert len(pages) == 3


def test_the_data_docs_index_lists_only_the_newest_results_and_keeps_the_older_pages(tmp_path, monkeypatch):
    monkeypatch.setattr(gx_gate, "DATA_DOCS_LISTED_RESULTS", 2)
    for missing in (0.10, 0.0, 0.05):
        run(tmp_path, decision_outcomes(missing), suites=("fct_decision_outcomes",))

    docs = tmp_path / "reports" / gx_gate.DATA_DOCS
    index = (docs / "index.html").read_text(encoding="utf-8")
    pages = sorted((docs / "validations").rglob("*.html"), key=lambda page: page.stat().st_mtime_ns)
    listed = [page.relative_to(docs).as_posix() in index for page in pages]
    assert listed == [False, True, True]
