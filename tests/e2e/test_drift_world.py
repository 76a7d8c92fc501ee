"""Drift held to the demo world's planted event (13 weeks before its as-of date): the weekly backtest alarms
within four weeks after the event and never in the weeks before it; the run's own rows, reports and
performance estimates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import DEMO_DRIFT_AT

from hr_pipeline.ml.spec import HIRE_SUCCESS, MODELS
from hr_pipeline.monitoring.drift import KINDS, summarise, weekly_backtest
from hr_pipeline.settings import Policy

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("default_world")]
POLICY = Policy()
WEEKS_BEFORE = 8  # weekly runs before the event: a stretch of the world without drift


def test_the_alarm_fires_within_four_weeks_after_the_planted_event_and_not_before(default_run):
    runs = [DEMO_DRIFT_AT + timedelta(weeks=k) for k in range(-WEEKS_BEFORE, 5)]
    with default_run.connect() as con:
        verdicts = weekly_backtest(con, HIRE_SUCCESS, runs)
    summary = summarise(verdicts, DEMO_DRIFT_AT)
    assert summary.judged_before == WEEKS_BEFORE  # every run before the event judged, none alarmed
    assert summary.alarms_before == 0
    assert summary.delay_weeks is not None and summary.delay_weeks <= 4
    # what moved is what the event changed (ground truth: applicant mix and experience)
    first = next(v for v in verdicts if v.alarm)
    (data,) = [k for k in first.kinds if k.kind == "data"]
    drifted = {f.feature for f in data.features if f.drift_detected} - set(POLICY.drift_alarm_ignores)
    assert drifted <= {"years_experience", "international_experience", "source_channel"} and len(drifted) >= 2


def test_each_model_s_run_writes_every_kind_with_its_windows_and_one_report(default_run):
    with default_run.connect() as con:
        rows = con.execute("""SELECT model_name, model_version, drift_kind, feature, method, drift_detected,
                                     kind_drift, reference_end, current_start, current_end, current_rows,
                                     report_path
                              FROM monitoring.drift_metrics
                              WHERE run_at = (SELECT max(run_at) FROM monitoring.drift_metrics)""").df()
        (as_of,) = con.execute("SELECT as_of_date FROM intermediate.int_as_of").fetchone()
    assert set(rows["model_name"]) == {spec.name for spec in MODELS}
    for spec in MODELS:
        mine = rows[rows["model_name"] == spec.name]
        assert set(mine["drift_kind"]) == set(KINDS)
        assert set(mine.loc[mine["drift_kind"] == "data", "feature"]) == set(spec.numerical + spec.categorical)
        judged = mine[mine["kind_drift"].notna()]
        assert (judged["current_rows"] >= POLICY.drift_min_labels).all()
        assert mine["method"][mine["kind_drift"].isna()].str.startswith("not judged").all()
        (report,) = set(mine["report_path"])
        assert report.endswith(f"{spec.name}_{mine['model_version'].iloc[0].removeprefix(spec.name + '-')}_"
                               f"{mine['current_start'].iloc[0]:%Y-%m-%d}_{as_of:%Y-%m-%d}.html")
        assert (default_run.home / "reports" / "drift").samefile(report.rsplit("/", 1)[0])
    data = rows[(rows["model_name"] == HIRE_SUCCESS.name) & (rows["drift_kind"] == "data")]
    assert data["kind_drift"].all()  # 13 weeks after the event
    assert (data["reference_end"].dt.date < DEMO_DRIFT_AT).all() and (data["current_end"].dt.date == as_of).all()
    html = open(data["report_path"].iloc[0], encoding="utf-8").read()
    assert all(name in html for name in ("years_experience", "international_experience", "target drift"))


def test_performance_is_estimated_per_week_and_compared_once_labels_mature(default_run):
    with default_run.connect() as con:
        estimates = con.execute("SELECT * FROM monitoring.performance_estimates").df()
    assert set(estimates["model_name"]) == {spec.name for spec in MODELS}
    compared = estimates.dropna(subset=["estimation_error"])
    assert (compared["estimation_error"] == compared["estimated"] - compared["realised"]).all()
    assert (compared["matured_rows"] >= POLICY.performance_min_rows).all()
    recent = estimates[estimates["matured_rows"] == 0]  # outcomes not matured: the estimate is all there is
    assert recent["estimated"].notna().any() and recent["realised"].isna().all()
    attrition = compared[compared["model_name"] == "attrition_risk"]
    assert len(attrition) >= 20 and attrition["estimation_error"].abs().median() < 0.1
