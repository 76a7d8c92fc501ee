"""Routing reasons follow the design's precedence and thresholds."""

from __future__ import annotations

import pandas as pd

from hr_pipeline.ml.routing import in_random_sample, route


def test_reasons_and_precedence():
    scored = pd.DataFrame({
        "application_id": ["a1", "a2", "a3", "a4"],
        "score": [0.95, 0.55, 0.10, 0.62],
        "job_family": ["sales", "sales", "sales", "astronaut"],
    })
    routed = route(scored, ["sales"]).set_index("application_id")
    assert routed.loc["a2", "reason"] == "low_confidence"   # confidence 0.55 < 0.70
    assert routed.loc["a4", "reason"] == "new_job_family"   # escalated before low confidence
    assert routed.loc["a3", "confidence"] == 0.90
    for app in ("a1", "a3"):
        assert routed.loc[app, "reason"] == ("random_sample" if in_random_sample(app) else None)


def test_random_sample_is_stable_and_about_ten_percent():
    ids = [f"A{i:08d}" for i in range(20_000)]
    share = sum(map(in_random_sample, ids)) / len(ids)
    assert 0.09 < share < 0.11
    assert [in_random_sample(i) for i in ids[:100]] == [in_random_sample(i) for i in ids[:100]]
