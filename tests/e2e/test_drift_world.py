"""Drift held to the demo world's planted event (13 weeks before its as-of date): the weekly backtest alarms
within four weeks after the event and never in the weeks before it; the run's own rows, reports and
performance estimates."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from conftest import AS_OF, DEMO_DRIFT_AT

from hr_pipeline.ml.spec import ATTRITION_RISK, HIRE_SUCCESS, MODELS
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


def test_attrition_risk_never_alarms_in_a_world_whose_workforce_does_not_drift(default_run):
    """Ground truth: the planted event changes who applies, not the employees (world.json's drift changes), so
    every alarm of attrition_risk would be false: over a year of runs, holidays and winter included, there is none,
    because its reference holds the same calendar days (July against July)."""
    runs = [AS_OF - timedelta(weeks=k) for k in range(0, 52, 3)]
    event = json.loads((default_run.home / "ground_truth" / "world.json").read_text(encoding="utf-8"))["drift_event"]
    assert set(event) == {"at", "applicant_mix", "relation_change"}  # who applies, what predicts a hire's success
    assert not event["relation_change"]["effect"].startswith("burnout")
    with default_run.connect() as con:
        verdicts = weekly_backtest(con, ATTRITION_RISK, runs)
    judged = [v for v in verdicts if any(k.drift is not None for k in v.kinds if k.kind == "data")]
    assert len(judged) >= len(runs) - 2 and not any(v.alarm for v in verdicts)
    july = next(v for v in judged if v.run_date.month == 7 and v.run_date.day >= 7)
    (data,) = [k for k in july.kinds if k.kind == "data"]
    assert data.reference.seasonal and data.reference.rows < data.current.rows * 2  # one July, not a year


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
    # the newest week, the one the estimate exists for, is estimated for every model (hires counted when accepted)
    newest = estimates[estimates["window_end"] == estimates["window_end"].max()]
    assert set(newest.dropna(subset=["estimated"])["model_name"]) == {spec.name for spec in MODELS}
    attrition = compared[compared["model_name"] == "attrition_risk"]
    assert len(attrition) >= 20 and attrition["estimation_error"].abs().median() < 0.1


def test_above_drift_max_rows_each_window_is_a_stable_sample_read_from_the_warehouse(default_run):
    """Only the sample is read and scored; its window keeps the size it was drawn from, and the seasonal
    reference's sample holds only the current window's calendar days."""
    from hr_pipeline.ml import registry
    from hr_pipeline.monitoring.drift import ChampionWindows

    small = replace(POLICY, drift_max_rows=150)
    with default_run.connect() as con:
        for spec in MODELS:
            champion = registry.serving(con, spec.name)[0]
            whole = ChampionWindows(con, spec, champion, AS_OF, POLICY).frames(AS_OF)
            sampled = ChampionWindows(con, spec, champion, AS_OF, small).frames(AS_OF)
            again = ChampionWindows(con, spec, champion, AS_OF, small).frames(AS_OF)
            for full, part, rerun in zip(whole, sampled, again, strict=True):
                for frame, window, bigger, its_window in (
                        (part.reference, part.reference_window, full.reference, full.reference_window),
                        (part.current, part.current_window, full.current, full.current_window)):
                    assert window.rows == its_window.rows and len(frame) == min(150, window.rows)
                    assert window.sample == (150 if window.rows > 150 else None)
                    # the smallest hashes of the key: a smaller sample lies inside a larger one
                    assert len(frame.merge(bigger[list(spec.key)], on=list(spec.key))) == len(frame)
                assert part.reference.equals(rerun.reference) and part.current.equals(rerun.current)
            if spec.seasonal:
                data = sampled[0]
                start, end = data.current_window.start, data.current_window.end
                days = {(start + timedelta(days=i)).strftime("%m-%d") for i in range((end - start).days)}
                assert data.reference_window.seasonal and data.reference_window.sample == 150
                assert set(data.reference[spec.time_column].dt.strftime("%m-%d")) <= days


def test_above_history_max_scored_performance_is_estimated_on_a_stable_sample(default_run):
    from hr_pipeline.ml import registry
    from hr_pipeline.monitoring.performance import weekly_estimates

    small = replace(POLICY, history_max_scored=300)
    with default_run.connect() as con:
        champion = registry.serving(con, ATTRITION_RISK.name)[0]
        whole, population = weekly_estimates(con, ATTRITION_RISK, champion, AS_OF, POLICY)
        sampled, drawn_from = weekly_estimates(con, ATTRITION_RISK, champion, AS_OF, small)
    assert drawn_from == population > 300
    assert (sampled["rows"] <= whole["rows"]).all() and sampled["rows"].max() < whole["rows"].max()
    # each week's window holds its share of the sample: about 300 / population of its rows
    share = sampled["rows"].sum() / whole["rows"].sum()
    assert abs(share - 300 / population) < 0.3 * 300 / population
