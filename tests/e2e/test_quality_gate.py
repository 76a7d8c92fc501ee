"""The gate: 10 % missing in a critical column blocks everything downstream and says why."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def _evaluation(run, asset: str):
    (evaluation,) = [e for e in run.result.get_asset_check_evaluations()
                     if e.asset_check_key.asset_key.to_user_string() == asset
                     and e.asset_check_key.name == "quality_gate"]
    return evaluation


def test_gate_fails_on_the_missing_column_with_its_completeness(gated_run):
    evaluation = _evaluation(gated_run, "marts/fct_decision_outcomes")
    assert not evaluation.passed
    failing = {label: str(value.value) for label, value in evaluation.metadata.items() if "FAILED" in str(value.value)}
    assert list(failing) == ["years_experience completeness"]
    with gated_run.connect() as wh:
        observed, threshold = wh.execute("""
            SELECT observed, threshold FROM quality.dq_results
            WHERE table_name = 'marts.fct_decision_outcomes' AND column_name = 'years_experience'
              AND expectation = 'expect_column_values_to_not_be_null'""").fetchone()
    assert threshold == 0.95
    assert 0.86 < observed < 0.94  # 10 % injected


def test_gate_blocks_the_model_and_everything_after_it(gated_run):
    assert "marts/fct_decision_outcomes" in gated_run.materialized
    for blocked in ("ml/hire_success_model", "ml/review_queue", "monitoring/drift_metrics", "marts/weekly_review"):
        assert blocked not in gated_run.materialized
    with gated_run.connect() as wh:
        tables = {t for (t,) in wh.execute("SELECT table_schema || '.' || table_name FROM information_schema.tables").fetchall()}
    assert "ml.model_registry" not in tables


def test_the_other_gated_mart_passes(gated_run):
    assert _evaluation(gated_run, "marts/fct_employee_month").passed


def test_cli_report_names_the_failing_check_column_and_completeness(gated_run):
    from hr_pipeline.cli import gate_failure_lines

    lines = gate_failure_lines(gated_run.result)
    assert lines[0] == "QUALITY GATE FAILED: marts/fct_decision_outcomes / quality_gate"
    assert len(lines) == 2
    assert lines[1].strip().startswith("years_experience completeness") and lines[1].endswith("< 0.95 FAILED")
    assert 0.86 < float(lines[1].split()[2]) < 0.94  # 10 % injected on top of the default 1 % missing
