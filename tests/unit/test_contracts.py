"""The contract is the single source of the docs' contract table and of the raw tables' shape."""

from __future__ import annotations

from pathlib import Path

from hr_pipeline.ingest.contracts import ATS_RECOMMENDATIONS, CONTRACTS, OUTBOUND, render_markdown
from hr_pipeline.ml.registry import CHALLENGER, CHAMPION
from hr_pipeline.ml.routing import PRIORITY
from hr_pipeline.warehouse.sources import render_raw_sources

DOC = Path(__file__).parents[2] / "docs" / "extract-contract.md"


def test_rendered_contract_table_in_the_docs_is_current():
    assert DOC.read_text(encoding="utf-8") == render_markdown(), "run: hr-pipeline contract > docs/extract-contract.md"


def test_personal_and_protected_columns_never_reach_the_raw_feature_tables():
    for contract in CONTRACTS:
        stored = {c.name for c in contract.stored_columns}
        assert not stored & {"first_name", "last_name", "email", "phone", "gender", "age_band", "ethnicity"}
        assert contract.key in stored and contract.updated_at in stored


def test_dbt_raw_source_is_rendered_from_the_contract():
    path = Path(__file__).parents[2] / "dbt_project" / "models" / "raw_sources.yml"
    assert path.read_text(encoding="utf-8") == render_raw_sources(), \
        "run: hr-pipeline contract --dbt-sources > dbt_project/models/raw_sources.yml"


def test_the_outbound_recommendations_speak_the_pipelines_vocabulary_and_name_no_inbound_entity():
    allowed = {c.name: c.allowed for c in ATS_RECOMMENDATIONS.columns}
    assert allowed["routing_reasons"] == tuple(PRIORITY)
    assert allowed["arm"] == (CHAMPION, CHALLENGER)
    assert not {(o.system, o.entity) for o in OUTBOUND} & {(c.system, c.entity) for c in CONTRACTS}
