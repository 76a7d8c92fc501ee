"""The quarterly review's editable seeds agree with the other owners of the same numbers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from hr_pipeline.synth import effects as fx

ROOT = Path(__file__).parents[2]
SEEDS = ROOT / "dbt_project" / "seeds"


def seed(name: str) -> list[dict]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_feedback_completeness_targets_equal_the_gx_suite_s():
    """The quality gate warns and the quarterly review judges feedback completeness against the same numbers."""
    targets = {row["kpi"]: float(row["target"]) for row in seed("kpi_targets")}
    suite = json.loads((ROOT / "expectations" / "feedback_completeness.json").read_text(encoding="utf-8"))
    minimums = {e["kwargs"]["column"]: e["kwargs"]["min_value"] for e in suite["expectations"]}
    assert minimums == {f"feedback_completeness_{m}m": targets[f"feedback_completeness_{m}m_share"] for m in (6, 12)}


def test_channel_costs_are_the_synthetic_world_s():
    """The seed's channel part of cost per hire is what the generator plants (ground truth world.json)."""
    assert {row["source_channel"]: float(row["cost_per_hire_eur"]) for row in seed("channel_costs")} \
        == {channel: float(cost) for channel, cost in fx.CHANNEL_COST_PER_HIRE.items()}


def test_every_quarterly_kpi_of_the_catalogue_is_a_quarterly_review_column():
    sql = (ROOT / "dbt_project" / "models" / "reviews" / "quarterly_review.sql").read_text(encoding="utf-8")
    quarterly = [row["kpi"] for row in seed("kpi_targets") if row["review"] == "quarterly"]
    assert quarterly and all(f"kpi_columns('{kpi}'" in sql for kpi in quarterly)
