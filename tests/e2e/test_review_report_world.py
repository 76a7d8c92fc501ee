"""The review report on the demo's world: written by the run for the latest complete week and quarter, drawn
from the warehouse's own figures, offline; `hr-pipeline report` for any period; freshness against the run date."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import copy_home
from report_page import assert_offline_and_drawn, parse, title

from hr_pipeline.cli import EXIT_FAILED, main, where_to_look
from hr_pipeline.reviews.report import PERIODS, choose_period, funnel_counts
from hr_pipeline.settings import Policy, Settings

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("default_world")]


def test_the_run_writes_the_week_and_quarter_reports_drawn_from_the_warehouse(default_run):
    assert "reviews/review_report" in default_run.materialized
    with default_run.connect() as con:
        week, quarter = choose_period(con, PERIODS["week"]), choose_period(con, PERIODS["quarter"])
        funnel = funnel_counts(con, week)
        drift = dict(con.execute("""SELECT feature, score FROM monitoring.drift_metrics
            WHERE model_name = 'hire_success' AND drift_kind = 'data'
              AND run_id = (SELECT arg_max(run_id, run_at) FROM monitoring.drift_metrics
                            WHERE model_name = 'hire_success')""").fetchall())
        aucs = dict(con.execute("SELECT model_name, list(holdout_auc ORDER BY train_end, trained_at) "
                                "FROM ml.model_registry GROUP BY ALL").fetchall())
    assert not week.partial and not quarter.partial
    reports = default_run.home / "reports"
    for period in (week, quarter):
        page = parse(reports / f"review_{period.kind.name}_{period.start}.html")
        assert_offline_and_drawn(page)
    assert where_to_look(Settings(default_run.home))[-1] == str(reports / f"review_week_{week.start}.html")
    page = parse(reports / f"review_week_{week.start}.html")
    [shown] = [f["data"][0] for f in page.figures if title(f).startswith("Applications entering each stage")]
    assert shown["x"] == [n for _, n in funnel] and funnel[0][1] > 0
    [drift_figure] = [f for f in page.figures if title(f).startswith("hire_success: data drift")]
    assert dict(zip(drift_figure["data"][0]["x"], drift_figure["data"][0]["y"], strict=True)) == pytest.approx(drift)
    [models] = [f for f in page.figures if title(f).startswith("Holdout ROC AUC")]
    assert {t["name"]: t["y"] for t in models["data"]} == pytest.approx(aucs)


def test_report_command_writes_the_period_containing_the_date(default_run, tmp_path, capsys):
    home = copy_home(default_run, tmp_path / "home")
    assert main(["report", "--home", str(home), "--period", "quarter", "--at", "2025-05-15"]) == 0
    path = home / "reports" / "review_quarter_2025-04-01.html"
    assert capsys.readouterr().out.strip() == str(path)
    text = path.read_text(encoding="utf-8")
    assert "Quarterly review, Q2 2025 (2025-04-01 to 2025-06-30)" in text and "This quarter is partial" not in text
    assert_offline_and_drawn(parse(path))
    assert main(["report", "--home", str(home), "--at", "1999-01-04"]) == EXIT_FAILED
    assert "is outside the weeks of marts.weekly_review" in capsys.readouterr().err


def test_freshness_is_measured_against_the_run_date_too(default_run):
    """The session world's extracts end on a fixed past date: the run-date lag is today's distance from it,
    and above the policy's days it warns (without blocking) even though no system lags another."""
    with default_run.connect() as con:
        rows = con.execute("SELECT run_date, newest_extract_date, days_behind, days_before_run "
                           "FROM quality.extract_freshness").fetchall()
    assert rows and all(abs((run_date - date.today()).days) <= 1 for run_date, *_ in rows)
    assert all(lag == (run_date - newest).days for run_date, newest, _, lag in rows)
    stalled = max(lag for *_, lag in rows) > Policy().freshness_warn_days
    [warning] = [e for e in default_run.result.get_asset_check_evaluations()
                 if e.asset_key.to_user_string() == "quality/extract_freshness" and e.check_name == "quality_warnings"]
    assert warning.passed is not stalled
    assert ("FAILED" in warning.metadata["days_before_run freshness"].value) is stalled
