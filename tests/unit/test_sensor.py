"""The sensor starts one ingest run per new extract folder, in date order, and keeps its cursor."""

from __future__ import annotations

import dagster as dg

from hr_pipeline.definitions import defs
from hr_pipeline.resources import Warehouse


def _evaluate(home, cursor=None):
    sensor = defs.resolve_sensor_def("new_extract_sensor")
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, cursor=cursor,
                                          resources={"warehouse": Warehouse(home=str(home))})
        requests = list(sensor(context))
        return requests, context.cursor


def test_new_folders_each_start_one_run_in_date_order(tmp_path):
    for system, day in (("hris", "2026-01-12"), ("ats", "2026-01-05"), ("ats", "2026-01-12"),
                        ("timetracking", "2026-01-19")):
        (tmp_path / "landing" / system / day).mkdir(parents=True)
    requests, cursor = _evaluate(tmp_path)
    assert [r.run_key for r in requests] == ["extract-2026-01-05", "extract-2026-01-12", "extract-2026-01-19"]
    assert requests[0].run_config["ops"]["raw__ats_candidates"]["config"]["extract_dates"] == ["2026-01-05"]
    assert cursor == "2026-01-19"

    (tmp_path / "landing" / "ats" / "2026-01-26").mkdir()
    requests, cursor = _evaluate(tmp_path, cursor)
    assert [r.run_key for r in requests] == ["extract-2026-01-26"]
    assert _evaluate(tmp_path, cursor)[0] == []
