"""The code location's shape (assets, lineage, groups, checks, jobs, schedules, sensors) is pinned in a
snapshot, so lineage never changes unnoticed. After an intended change, refresh it with
`UPDATE_SNAPSHOTS=1 pytest tests/unit/test_code_location_snapshot.py` and review the diff."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hr_pipeline.definitions import defs

SNAPSHOT = Path(__file__).resolve().parents[1] / "snapshots" / "code_location.json"


def code_location_shape() -> dict:
    graph = defs.resolve_asset_graph()
    assets = {
        spec.key.to_user_string(): {
            "group": spec.group_name,
            "deps": sorted(k.to_user_string() for k in graph.get(spec.key).parent_keys),
        }
        for spec in defs.resolve_all_asset_specs()
    }
    checks = sorted(
        f"{key.asset_key.to_user_string()}:{key.name}{' (blocking)' if graph.get_check_spec(key).blocking else ''}"
        for key in graph.asset_check_keys)
    jobs = {job.name: sorted(k.to_user_string() for k in job.selection.resolve(graph))
            for job in defs.jobs or []}
    schedules = {s.name: {"cron": s.cron_schedule, "job": s.job_name} for s in defs.schedules or []}
    sensors = {s.name: s.job_name for s in defs.sensors or []}
    return {"assets": dict(sorted(assets.items())), "checks": checks, "jobs": jobs, "schedules": schedules,
            "sensors": sensors}


def test_code_location_matches_its_snapshot():
    shape = code_location_shape()
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(shape, indent=1, sort_keys=True) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    for part in ("assets", "checks", "jobs", "schedules", "sensors"):
        assert shape[part] == expected[part], (
            f"the code location's {part} changed; if intended, refresh {SNAPSHOT.name} with UPDATE_SNAPSHOTS=1")
