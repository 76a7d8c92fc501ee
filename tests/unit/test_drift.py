"""Drift under the policy's rule on synthetic windows whose true difference is known, the backtest summary,
and the retrain sensor's once-per-alarm cursor."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from hr_pipeline.monitoring.drift import Frames, KindDrift, Window, WeeklyVerdict, compare, save_report, summarise
from hr_pipeline.monitoring.sensors import retrain_keys, retrain_requests
from hr_pipeline.settings import Policy

POLICY = Policy()
NUMERICAL = ["years_experience", "grade_average", "n_skills"]
CATEGORICAL = ["education", "source_channel", "job_family"]
EDUCATION = ["bachelor", "master", "phd"]
WINDOW = (date(2025, 1, 1), date(2025, 2, 1))


def applications(rows: int, seed: int, experience_shift: float = 0.0, education_mix=(0.6, 0.3, 0.1),
                 families=("engineering", "sales", "finance", "hr")) -> pd.DataFrame:
    """Fixed distributions; `experience_shift` is in standard deviations (sd 4 years)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "years_experience": rng.normal(8 + 4 * experience_shift, 4, rows),
        "grade_average": rng.normal(2.3, 0.5, rows),
        "n_skills": rng.poisson(6, rows),
        "education": rng.choice(EDUCATION, rows, p=education_mix),
        "source_channel": rng.choice(["referral", "job_board", "agency"], rows, p=[0.2, 0.5, 0.3]),
        "job_family": rng.choice(list(families), rows),
    })


def run(reference: pd.DataFrame, current: pd.DataFrame, policy: Policy = POLICY, min_rows: int | None = None,
        drawn_from: tuple[int, int] | None = None) -> tuple[KindDrift, object]:
    """Compare the two frames; with `drawn_from`, as samples of windows of that many rows (reference, current)."""
    windows = [Window(*WINDOW, rows, sample=len(frame) if rows > len(frame) else None)
               for frame, rows in zip((reference, current), drawn_from or (len(reference), len(current)), strict=True)]
    frames = Frames("data", reference, current, *windows, policy.drift_min_rows if min_rows is None else min_rows)
    return compare(frames, NUMERICAL, CATEGORICAL, policy)


def test_same_distribution_is_not_drift_and_each_column_uses_the_policy_s_test():
    drift, _ = run(applications(5_000, seed=1), applications(400, seed=2))
    assert [f.feature for f in drift.features] == NUMERICAL + CATEGORICAL
    assert drift.drift is False and drift.drifted_share == 0
    assert not any(f.drift_detected for f in drift.features)
    methods = {f.feature: (f.method, f.threshold) for f in drift.features}
    assert methods["years_experience"] == (POLICY.drift_num_method, POLICY.drift_num_threshold)
    assert methods["education"] == (POLICY.drift_cat_method, POLICY.drift_cat_threshold)
    assert (drift.reference.rows, drift.current.rows, drift.sampled) == (5_000, 400, False)


def test_evidently_s_small_sample_default_flags_noise_the_policy_does_not():
    """The defaults (K-S and chi-square at p < 0.05, for references up to 1,000 rows) flag an unchanged feature
    about one run in five over six features; the policy's distances with thresholds above their noise do not."""
    default = replace(POLICY, drift_num_method=None, drift_num_threshold=None, drift_cat_method=None,
                      drift_cat_threshold=None, drift_alarm_ignores=())
    flagged = {"default": 0, "policy": 0}
    for seed in range(4):
        reference, current = applications(800, seed=100 + seed), applications(300, seed=200 + seed)
        flagged["default"] += sum(f.drift_detected for f in run(reference, current, default)[0].features)
        flagged["policy"] += sum(f.drift_detected for f in run(reference, current)[0].features)
    assert flagged["policy"] == 0 < flagged["default"]


def test_two_shifted_features_are_flagged_and_raise_the_alarm():
    reference = applications(5_000, seed=1)
    current = applications(400, seed=2, experience_shift=1.0, education_mix=(0.2, 0.4, 0.4))
    drift, _ = run(reference, current)
    assert {f.feature for f in drift.features if f.drift_detected} == {"years_experience", "education"}
    # job_family is ignored by the alarm: two of the five counted features drifted
    assert drift.drifted_share == pytest.approx(2 / 5) and drift.drift
    for feature in drift.features:
        assert feature.drift_detected == (feature.score >= feature.threshold)


def test_an_ignored_column_is_reported_but_never_raises_the_alarm():
    reference = applications(5_000, seed=1)
    current = applications(400, seed=2, families=("engineering",))  # one requisition open
    drift, _ = run(reference, current)
    assert [f.feature for f in drift.features if f.drift_detected] == ["job_family"]
    assert drift.drifted_share == 0 and drift.drift is False
    counted, _ = run(reference, current, replace(POLICY, drift_alarm_ignores=(), drift_share=1 / 6))
    assert counted.drift


def test_a_window_below_the_minimum_is_not_judged_and_says_why():
    drift, snapshot = run(applications(5_000, seed=1), applications(POLICY.drift_min_rows - 1, seed=2,
                                                                     experience_shift=2.0))
    assert snapshot is None and drift.drift is None and drift.drifted_share is None
    assert drift.not_judged == (f"not judged: current window below {POLICY.drift_min_rows} rows "
                                f"(5000 reference, {POLICY.drift_min_rows - 1} current)")
    assert all(f.drift_detected is None and f.method == drift.not_judged for f in drift.features)


def test_a_column_without_values_in_a_window_alone_is_not_judged():
    """A feed that stopped leaves its feature empty in the current window; the other columns are still judged."""
    current = applications(400, seed=2, experience_shift=1.0).assign(grade_average=np.nan)
    drift, _ = run(applications(5_000, seed=1), current)
    verdicts = {f.feature: f for f in drift.features}
    assert verdicts["grade_average"].method == "not judged: no values in the current window"
    assert verdicts["grade_average"].drift_detected is None
    assert verdicts["years_experience"].drift_detected is True and drift.drift is not None


def test_sampled_windows_are_judged_on_the_sample_and_the_report_says_so(tmp_path):
    reference, current = applications(1_000, seed=1), applications(1_000, seed=2, experience_shift=1.0)
    first, snapshot = run(reference, current, drawn_from=(3_000, 2_500))
    assert (first.reference.rows, first.current.rows, first.sampled) == (3_000, 2_500, True)
    assert (first.reference.sample, first.current.sample) == (1_000, 1_000)
    not_judged, _ = run(reference, current.head(10))
    assert not not_judged.sampled
    path = save_report([first, not_judged], [snapshot, None], "A title", tmp_path / "drift" / "r.html")
    html = path.read_text(encoding="utf-8")
    assert "Reference 2025-01-01 to 2025-01-31: a stable random sample of 1,000 of 3,000 rows" in html
    assert "Current 2025-01-01 to 2025-01-31: a stable random sample of 1,000 of 2,500 rows" in html
    assert "Current 2025-01-01 to 2025-01-31: all 10 rows." in html
    assert f"<b>data drift</b>: {'DRIFT' if first.drift else 'no drift'}" in html
    assert not_judged.not_judged in html and "A title" in html
    assert path.stat().st_size > 100_000 and 'src="http' not in html  # scripts inlined: opens offline


def verdict(run_date: date, alarm: bool, judged: bool = True) -> WeeklyVerdict:
    window = Window(run_date, run_date, 500)
    kind = KindDrift("data", [], alarm if judged else None, None, window, window, False)
    return WeeklyVerdict(run_date, alarm, [kind])


def test_backtest_summary_counts_delay_and_alarms_before_the_event():
    event = date(2026, 8, 17)
    weeks = [event + timedelta(weeks=k) for k in range(-4, 5)]
    alarms = {event - timedelta(weeks=3), event + timedelta(weeks=3), event + timedelta(weeks=4)}
    verdicts = [verdict(d, d in alarms, judged=d != event - timedelta(weeks=4)) for d in weeks]
    summary = summarise(verdicts, event)
    assert (summary.runs, summary.judged, summary.alarms) == (9, 8, 3)
    assert (summary.delay_weeks, summary.alarms_before, summary.judged_before) == (3, 1, 3)
    assert summary.false_alarm_rate == pytest.approx(1 / 3)
    assert summarise(verdicts, None).false_alarm_rate == pytest.approx(3 / 8)


def test_an_alarm_retrains_its_model_once_per_champion():
    first, cursor = retrain_requests({}, 10, "run-1", {"hire_success": "hire_success-v1"})
    assert [r.tags["drift_alarm"] for r in first] == ["hire_success"]
    assert first[0].asset_selection == retrain_keys("hire_success")
    assert {"ml/hire_success_model", "ml/application_scores"} <= {k.to_user_string() for k in
                                                                  first[0].asset_selection}
    again, cursor = retrain_requests(cursor, 11, "run-2", {"hire_success": "hire_success-v1"})
    assert again == []  # the same alarm on the same champion: retrained already
    cleared, cursor = retrain_requests(cursor, 12, "run-3", {})
    back, cursor = retrain_requests(cursor, 13, "run-4", {"hire_success": "hire_success-v1",
                                                          "attrition_risk": "attrition_risk-v2"})
    assert cleared == [] and [r.tags["drift_alarm"] for r in back] == ["attrition_risk", "hire_success"]
    new_champion, _ = retrain_requests(cursor, 14, "run-5", {"hire_success": "hire_success-v2",
                                                             "attrition_risk": "attrition_risk-v2"})
    assert [(r.tags["drift_alarm"], r.tags["champion"]) for r in new_champion] == [("hire_success",
                                                                                    "hire_success-v2")]


def test_the_sensor_reads_the_drift_asset_s_alarms_and_acts_once():
    from hr_pipeline.definitions import defs
    from hr_pipeline.monitoring.assets import ALARMS, DRIFT_KEY

    sensor = defs.resolve_sensor_def("retrain_on_drift")
    with dg.instance_for_test() as instance:
        assert isinstance(sensor(dg.build_sensor_context(instance=instance)), dg.SkipReason)
        alarms = {ALARMS: dg.MetadataValue.json({"hire_success": "hire_success-v1"})}
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=DRIFT_KEY, metadata=alarms))
        context = dg.build_sensor_context(instance=instance)
        requests = sensor(context)
        assert [r.tags["drift_alarm"] for r in requests] == ["hire_success"]
        assert requests[0].asset_selection == retrain_keys("hire_success")
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=DRIFT_KEY, metadata=alarms))
        again = sensor(dg.build_sensor_context(instance=instance, cursor=context.cursor))
        assert isinstance(again, dg.SkipReason) and "no new drift alarm" in again.skip_message
