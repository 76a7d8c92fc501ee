"""The world's ATS shows the outbox's recommendation to the recruiter, and the vendor's where the outbox has none."""

from __future__ import annotations

import json
from datetime import timedelta

import duckdb
import pandas as pd

from hr_pipeline.ingest.contracts import ATS_RECOMMENDATIONS
from hr_pipeline.simulation.screener import ATS_IMPORT, OUTBOX, OutboxScreener
from hr_pipeline.synth.extracts import World
from hr_pipeline.synth.hiring import VendorAI
from hr_pipeline.synth.records import WEEK
from hr_pipeline.synth.spec import WorldSpec

from tests.conftest import AS_OF


def seconds(day) -> int:
    return int(pd.Timestamp(day).value // 10**9)


def test_the_recruiter_sees_the_outbox_recommendation_or_else_the_vendors(tmp_path):
    spec = WorldSpec(employees=200, years=0, extra_weeks=12, seed=4, as_of=AS_OF)
    switch = (spec.end - pd.Timedelta(weeks=4)).date()
    monday = switch + timedelta(weeks=1)  # the first Monday on which applications made after the switch are due
    screener = OutboxScreener(tmp_path / "outbox", VendorAI(seconds(spec.start)), seconds(switch))
    world = World(tmp_path / "world", spec, screener=screener)
    world.advance(monday)

    pending = world.simulator.hiring.apps
    due = pending[~pending["screened"] & (pending["recommended_t"] < seconds(monday) + WEEK)]
    assert (due["recommended_t"] == seconds(monday) + ATS_IMPORT).all() and len(due) >= 4
    published = due.iloc[::2]  # the outbox lacks the others (say they were quarantined)
    path = ATS_RECOMMENDATIONS.path(tmp_path / "outbox", monday)
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps({
        "application_id": f"A{i:09d}", "model_version": "hire_success-v9", "arm": "champion", "score": 0.9,
        "confidence": 0.8, "recommendation": "advance", "routed_to_human": True, "routing_reasons": ["random_sample"],
        "top_factors": []}) + "\n" for i in published["application_id"]), encoding="utf-8")
    fallbacks = screener.fallbacks  # so far: the switch's Monday, which had no outbox
    world.advance(monday + timedelta(weeks=1))
    world.finish()

    shown = duckdb.execute(f"SELECT * FROM '{tmp_path}/world/ground_truth/screenings.parquet' "
                           "WHERE recommended_at >= ? AND recommended_at < ?",
                           [monday, monday + timedelta(weeks=1)]).df().set_index("application_id")
    ours = shown.loc[[f"A{i:09d}" for i in published["application_id"]]]
    assert (ours["source"] == OUTBOX).all() and (ours["model_version"] == "hire_success-v9").all()
    assert (ours["score"] == 0.9).all() and ours["recommended_advance"].all() and ours["routed_to_human"].all()
    others = shown.drop(ours.index)
    assert (others["source"] == "vendor").all() and screener.fallbacks - fallbacks == len(others)
    assert len(others) == len(due) - len(published)
    recs = duckdb.execute(f"""SELECT application_id, model_version, random_sample FROM read_json_auto(
        '{tmp_path}/world/landing/ats/{monday + timedelta(weeks=1)}/ai_recommendations.jsonl')""").df()
    landed = recs[recs["application_id"].isin(ours.index)]
    assert len(landed) >= len(ours) and (landed["model_version"] == "hire_success-v9").all()  # the ATS records it
    assert landed["random_sample"].all()
