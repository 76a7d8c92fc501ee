"""The quality gate on worlds with one defect class raised: exactly the matching blocking expectations
fail, with observed values that follow from the ground truth, and nothing downstream is built; a
warning that fails stops nothing."""

from __future__ import annotations

import duckdb
import pytest
from conftest import STALE_WEEKS, PipelineRun

pytestmark = pytest.mark.e2e

DOWNSTREAM = ("ml/hire_success_model", "ml/review_queue", "monitoring/drift_metrics", "marts/weekly_review")


def failed_expectations(run: PipelineRun, severity: str = "critical") -> dict[tuple[str, str, str], float]:
    """(table, class, column) -> observed, for this run's failed expectations, from quality.dq_results."""
    with run.connect() as wh:
        rows = wh.execute("""SELECT table_name, expectation_class, column_name, observed FROM quality.dq_results
                             WHERE NOT success AND severity = ?""", [severity]).fetchall()
    return {(table, kind, column): observed for table, kind, column, observed in rows}


def evaluation(run: PipelineRun, asset: str, check: str = "quality_gate"):
    (found,) = [e for e in run.result.get_asset_check_evaluations()
                if e.asset_check_key.asset_key.to_user_string() == asset and e.asset_check_key.name == check]
    return found


def defects(run: PipelineRun, defect: str, table: str) -> duckdb.DuckDBPyRelation:
    path = run.home / "ground_truth" / "defects.parquet"
    return duckdb.sql(f"SELECT * FROM '{path}' WHERE defect = '{defect}' AND \"table\" = '{table}'")


def count(relation: duckdb.DuckDBPyRelation, what: str = "*") -> int:
    return relation.aggregate(f"count({what})").fetchall()[0][0]


def assert_blocked(run: PipelineRun) -> None:
    assert "marts/fct_decision_outcomes" in run.materialized
    for blocked in DOWNSTREAM:
        assert blocked not in run.materialized


# --- completeness ------------------------------------------------------------------------------

@pytest.mark.xdist_group("gated_world")
def test_completeness_missing_column_fails_alone_with_its_share(gated_run):
    failed = failed_expectations(gated_run)
    assert list(failed) == [("marts.fct_decision_outcomes", "completeness", "years_experience")]
    # 10 % + 1 % injected
    assert 0.86 < failed["marts.fct_decision_outcomes", "completeness", "years_experience"] < 0.94
    assert not evaluation(gated_run, "marts/fct_decision_outcomes").passed
    for mart in ("fct_applications", "fct_hires", "fct_employee_month", "fct_skill_inventory"):
        assert evaluation(gated_run, f"marts/{mart}").passed, mart
    assert_blocked(gated_run)
    with gated_run.connect() as wh:
        tables = {t for (t,) in wh.execute("SELECT table_schema || '.' || table_name "
                                           "FROM information_schema.tables").fetchall()}
    assert "ml.model_registry" not in tables


@pytest.mark.xdist_group("gated_world")
def test_cli_report_names_the_failing_check_column_and_completeness(gated_run):
    from hr_pipeline.cli import gate_failure_lines

    lines = gate_failure_lines(gated_run.result)
    assert lines[0] == "QUALITY GATE FAILED: marts/fct_decision_outcomes / quality_gate"
    assert len(lines) == 2
    assert lines[1].strip().startswith("years_experience completeness") and lines[1].endswith("< 0.95 FAILED")
    assert 0.86 < float(lines[1].split()[2]) < 0.94


# --- validity ----------------------------------------------------------------------------------

def test_validity_impossible_values_fail_only_validity_near_the_injected_rate(validity_run):
    failed = failed_expectations(validity_run)
    assert {kind for _, kind, _ in failed} == {"validity"}
    with validity_run.connect() as wh:
        reviews = wh.execute("SELECT count(*) FROM staging.stg_hris__performance_reviews").fetchall()[0][0]
        hires = wh.execute("SELECT count(*) FROM staging.stg_ats__hires").fetchall()[0][0]
    bad_reviews = count(defects(validity_run, "out_of_range", "hris_performance_reviews")) / reviews
    bad_starts = count(defects(validity_run, "out_of_range", "ats_hires")) / hires
    assert failed["marts.fct_employee_month", "validity", "review_rating"] == pytest.approx(1 - bad_reviews, abs=0.02)
    assert failed["marts.fct_hires", "validity", "start_date"] == pytest.approx(1 - bad_starts, abs=0.01)
    # a month holds four or five weeks: one impossible week makes the month's maximum impossible
    weeks = 1 - failed["marts.fct_employee_month", "validity", "max_weekly_hours"]
    assert 1 - (1 - 0.08) ** 4 - 0.04 < weeks < 1 - (1 - 0.08) ** 5 + 0.04
    assert_blocked(validity_run)


# --- uniqueness --------------------------------------------------------------------------------

def test_uniqueness_hires_booked_twice_fail_only_uniqueness(uniqueness_run):
    failed = failed_expectations(uniqueness_run)
    assert {kind for _, kind, _ in failed} == {"uniqueness"}
    with uniqueness_run.connect() as wh:
        hires = wh.execute("SELECT count(*) FROM marts.fct_hires").fetchall()[0][0]
    twice = count(defects(uniqueness_run, "duplicate_key", "ats_hires"))
    assert twice > 0
    # GX counts every row of a duplicated value: each double booking makes two rows non-unique
    assert failed["marts.fct_hires", "uniqueness", "application_id"] == pytest.approx(1 - 2 * twice / hires)
    assert ("marts.fct_hires", "uniqueness", "hire_id") not in failed
    assert_blocked(uniqueness_run)


# --- consistency -------------------------------------------------------------------------------

def test_consistency_unknown_skills_and_unmatched_hires_fail_only_consistency(consistency_run):
    failed = failed_expectations(consistency_run)
    assert set(failed) == {("marts.fct_skill_inventory", "consistency", "is_mapped"),
                           ("marts.fct_hires", "consistency", "matched_to_employee")}
    truth = consistency_run.home / "ground_truth"
    with consistency_run.connect() as wh:
        mentions = wh.execute("SELECT count(*) FROM marts.fct_skill_inventory").fetchall()[0][0]
        # a started hire can be matched when the ground truth's employee and candidate records both
        # loaded and the employee's HRIS e-mail is not another address (`unmatched_hire`)
        (matchable,) = wh.execute(f"""
            WITH truth AS (SELECT application_id, employee_id FROM '{truth}/applications.parquet'),
                 other_email AS (SELECT key FROM '{truth}/defects.parquet' WHERE defect = 'unmatched_hire')
            SELECT avg(CASE WHEN t.employee_id IN (SELECT employee_id FROM staging.stg_hris__employees)
                             AND h.candidate_id IN (SELECT candidate_id FROM staging.stg_ats__candidates)
                             AND t.employee_id NOT IN (FROM other_email) THEN 1.0 ELSE 0.0 END)
            FROM marts.fct_hires h JOIN truth t USING (application_id)
            WHERE h.matched_to_employee IS NOT NULL""").fetchall()[0]
    # each person's unknown spelling once, however many versions of the record re-sent it
    unknown = sum(count(defects(consistency_run, "unknown_skill", table), "DISTINCT (key, lower(detail))")
                  for table in ("ats_candidates", "hris_employee_skills"))
    assert failed["marts.fct_skill_inventory", "consistency", "is_mapped"] == pytest.approx(
        1 - unknown / mentions, abs=0.003)
    assert failed["marts.fct_hires", "consistency", "matched_to_employee"] == pytest.approx(matchable)
    assert_blocked(consistency_run)


# --- warnings ----------------------------------------------------------------------------------

@pytest.mark.xdist_group("stale_world")
def test_a_stale_feed_warns_with_its_lag_and_stops_nothing(stale_run):
    warning = evaluation(stale_run, "quality/extract_freshness", "quality_warnings")
    assert not warning.passed and warning.severity.value == "WARN"
    assert warning.metadata["days_behind freshness"].value == f"days_behind freshness {7 * STALE_WEEKS} > 8 FAILED"
    assert failed_expectations(stale_run) == {}
    assert failed_expectations(stale_run, "warning")["quality.extract_freshness", "freshness", "days_behind"] \
        == 7 * STALE_WEEKS
    for built in DOWNSTREAM + ("marts/quarterly_review", "quality/dq_daily"):
        assert built in stale_run.materialized, built
    from hr_pipeline.cli import gate_failure_lines

    assert gate_failure_lines(stale_run.result) == []
    warnings = gate_failure_lines(stale_run.result, blocking=False)
    assert "QUALITY WARNING: quality/extract_freshness / quality_warnings" in warnings
    assert f"  days_behind freshness {7 * STALE_WEEKS} > 8 FAILED" in warnings
    with stale_run.connect() as wh:
        daily = wh.execute("""SELECT observed, success FROM quality.dq_daily
                              WHERE table_name = 'quality.extract_freshness' AND column_name = 'days_behind'"""
                           ).fetchall()
    assert daily == [(7 * STALE_WEEKS, False)]


@pytest.mark.xdist_group("stale_world")
def test_data_docs_show_every_suite(stale_run):
    from hr_pipeline.quality.checks import SUITE_PATHS

    index = (stale_run.home / "reports" / "data_docs" / "index.html").read_text(encoding="utf-8")
    for path in SUITE_PATHS:
        assert path.stem in index
