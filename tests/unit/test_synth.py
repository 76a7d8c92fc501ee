"""The synthetic world: deterministic, with its planted effects and drift visible in the data."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import duckdb
import pytest

from hr_pipeline.synth.extracts import generate_world, parse_missing

AS_OF = date(2026, 11, 16)


def _digest(root):
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted((root / "landing").rglob("*.*")))).hexdigest()


def test_same_seed_same_world(tmp_path):
    generate_world(tmp_path / "a", employees=60, years=1, seed=3, as_of=AS_OF)
    generate_world(tmp_path / "b", employees=60, years=1, seed=3, as_of=AS_OF)
    generate_world(tmp_path / "c", employees=60, years=1, seed=4, as_of=AS_OF)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") != _digest(tmp_path / "c")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    generate_world(out, employees=800, years=3, seed=21, as_of=AS_OF, drift_at=date(2026, 2, 16),
                   missing=parse_missing(["employees.department=0.2"]))
    return out


def test_layout_and_ground_truth_outside_landing(world):
    systems = {p.name for p in (world / "landing").iterdir()}
    assert systems == {"ats", "hris", "timetracking"}
    assert not list((world / "landing").rglob("*truth*"))
    truth = json.loads((world / "ground_truth" / "world.json").read_text())
    assert len(truth["planted_effects"]) >= 2 and truth["drift_event"]["at"] == "2026-02-16"
    names = duckdb.sql(f"SELECT string_agg(last_name, '') FROM read_csv('{world}/landing/hris/*/employees.csv')").fetchall()[0][0]
    assert set("æøåäöüß") <= set(names)


def test_international_experience_raises_hire_success_before_the_drift(world):
    truth = world / "ground_truth" / "applications.parquet"
    cands = f"read_json('{world}/landing/ats/*/candidates.jsonl', format='newline_delimited')"
    before, after = duckdb.sql(f"""
        SELECT avg(CASE WHEN c.international_experience THEN t.hire_success::INT END)
             - avg(CASE WHEN NOT c.international_experience THEN t.hire_success::INT END)
        FROM '{truth}' t JOIN (SELECT DISTINCT candidate_id, international_experience FROM {cands}) c USING (candidate_id)
        WHERE t.hire_success IS NOT NULL
        GROUP BY t.applied_at >= DATE '2026-02-16' ORDER BY t.applied_at >= DATE '2026-02-16'""").fetchall()
    # Planted: +1.1 log-odds before the drift (about +20 points at these base rates), none after.
    assert before[0] > 0.10
    assert abs(after[0]) < before[0]


def test_missing_defect_hits_its_rate_and_is_logged(world):
    rate, logged = duckdb.sql(f"""
        SELECT avg(CASE WHEN department IS NULL THEN 1.0 ELSE 0 END),
               (SELECT count(*) FROM '{world}/ground_truth/defects.csv' WHERE defect = 'missing' AND "column" = 'department')
        FROM read_csv('{world}/landing/hris/*/employees.csv', all_varchar=true)""").fetchall()[0]
    assert 0.16 < rate < 0.24
    assert logged > 0
