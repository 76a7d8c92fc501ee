"""The sensor starts one ingest run per new extract folder, in date order, and keeps its cursor."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import duckdb

from hr_pipeline.definitions import defs
from hr_pipeline.ingest.sensor import new_extract_folders
from hr_pipeline.resources import Warehouse


def _evaluate(instance, home, cursor=None):
    sensor = defs.resolve_sensor_def("new_extract_sensor")
    context = dg.build_sensor_context(instance=instance, cursor=cursor,
                                      resources={"warehouse": Warehouse(home=str(home))})
    return list(sensor(context)), context.cursor


def test_new_folders_each_start_exactly_one_run_in_date_order(tmp_path):
    for system, day in (("hris", "2026-01-12"), ("ats", "2026-01-05"), ("ats", "2026-01-12"),
                        ("timetracking", "2026-01-19")):
        (tmp_path / "landing" / system / day).mkdir(parents=True)
    with dg.instance_for_test() as instance:
        requests, cursor = _evaluate(instance, tmp_path)
        assert [r.run_key for r in requests] == ["extract-ats-2026-01-05", "extract-ats-2026-01-12",
                                                 "extract-hris-2026-01-12", "extract-timetracking-2026-01-19"]
        first = requests[0]
        assert first.run_config["ops"] == {"ingest_ats": {"config": {"extract_dates": ["2026-01-05"]}}}
        assert {k.to_user_string() for k in first.asset_selection} >= {"raw/ats_candidates", "raw/ats_stage_events"}
        assert not any("hris" in k.to_user_string() for k in first.asset_selection)
        assert json.loads(cursor) == {"ats": "2026-01-12", "hris": "2026-01-12", "timetracking": "2026-01-19"}

        # Several new folders at once, in several systems; old ones are never requested again.
        for system, day in (("ats", "2026-01-26"), ("ats", "2026-01-19"), ("hris", "2026-01-19")):
            (tmp_path / "landing" / system / day).mkdir()
        requests, cursor = _evaluate(instance, tmp_path, cursor)
        assert [r.run_key for r in requests] == ["extract-ats-2026-01-19", "extract-hris-2026-01-19",
                                                 "extract-ats-2026-01-26"]
        assert _evaluate(instance, tmp_path, cursor)[0] == []


def test_a_request_runs_the_ingest_job_for_its_folder_only(tmp_path, monkeypatch):
    folder = tmp_path / "landing" / "hris" / "2026-01-05"
    folder.mkdir(parents=True)
    (folder / "engagement_surveys.csv").write_text(
        "response_id;employee_id;survey_date;engagement_score;enps;updated_at\n"
        "S1;E1;02.01.2026;3,5;8;02.01.2026 12:00:00\n", encoding="utf-8")
    (tmp_path / "landing" / "hris" / "2026-01-12").mkdir()
    monkeypatch.setenv("HR_PIPELINE_HOME", str(tmp_path))
    monkeypatch.setenv("HR_PIPELINE_SALT", "salt")
    from hr_pipeline.definitions import build_defs

    with dg.instance_for_test() as instance:
        request = _evaluate(instance, tmp_path)[0][0]
        result = build_defs().resolve_job_def("ingest").execute_in_process(
            run_config=request.run_config, asset_selection=request.asset_selection, instance=instance)
    assert result.success
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "raw/hris_engagement_surveys" in materialised and "raw/ats_candidates" not in materialised
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT response_id, engagement_score FROM raw.hris_engagement_surveys").fetchall() == [
            ("S1", 3.5)]


def test_folders_that_are_not_valid_extract_dates_never_start_a_run_nor_enter_the_cursor(tmp_path):
    for system, name in (("ats", "2026-01-05"), ("ats", "latest"), ("ats", "2026-13-45"), ("ats", ".tmp"),
                         ("ats", "2099-01-01"), ("hris", "2026-01-05")):
        (tmp_path / "landing" / system / name).mkdir(parents=True)
    with dg.instance_for_test() as instance:
        requests, cursor = _evaluate(instance, tmp_path)
        assert [r.run_key for r in requests] == ["extract-ats-2026-01-05", "extract-hris-2026-01-05"]
        assert json.loads(cursor) == {"ats": "2026-01-05", "hris": "2026-01-05"}
        (tmp_path / "landing" / "ats" / "2026-01-12").mkdir()  # later extracts of the system still run
        assert [r.run_key for r in _evaluate(instance, tmp_path, cursor)[0]] == ["extract-ats-2026-01-12"]


def test_an_extract_dated_ahead_runs_once_today_has_caught_up_within_the_tolerance(tmp_path):
    (tmp_path / "landing" / "ats" / "2026-03-05").mkdir(parents=True)
    warehouse = Warehouse(home=str(tmp_path))
    assert new_extract_folders(warehouse, {}, today=date(2026, 3, 3)) == []
    assert new_extract_folders(warehouse, {}, today=date(2026, 3, 4)) == [("2026-03-05", "ats")]
