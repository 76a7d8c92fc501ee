"""Loading by contract: idempotent, personal data pseudonymised, bad fields quarantined with file, row and field."""

from __future__ import annotations

import json

import duckdb
import pytest

from hr_pipeline.ingest.contracts import CONTRACTS_BY_TABLE
from hr_pipeline.ingest.loader import ContractViolation, load_entity
from hr_pipeline.ingest.pseudonymise import person_key

CANDIDATES = CONTRACTS_BY_TABLE["ats_candidates"]


def _candidate(i, **overrides):
    row = {"candidate_id": f"C{i}", "first_name": "Søren", "last_name": "Læsø", "email": f"Soren.{i}@Example.dk ",
           "skills": "Python, communication", "years_experience": "3.5", "education": "master",
           "international_experience": True, "source_channel": "referral", "updated_at": "2026-01-05T10:00:00"}
    return row | overrides


def _write(landing, day, rows):
    path = landing / "ats" / day / "candidates.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def test_load_is_idempotent_and_pseudonymised(tmp_path):
    landing = tmp_path / "landing"
    _write(landing, "2026-01-12", [_candidate(1), _candidate(2), _candidate(2)])
    con = duckdb.connect()
    first = load_entity(con, landing, CANDIDATES, "salt")
    second = load_entity(con, landing, CANDIDATES, "salt")
    assert (first.rows_loaded, first.rows_duplicate, second.files) == (2, 1, 0)
    columns = {c for (c,) in con.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_name = 'ats_candidates'").fetchall()}
    assert not columns & {"first_name", "last_name", "email"}
    keys = {k for (k,) in con.execute("SELECT person_key FROM raw.ats_candidates").fetchall()}
    assert keys == {person_key("soren.1@example.dk", "salt"), person_key("soren.2@example.dk", "salt")}


def test_unparseable_field_is_quarantined_with_file_row_and_field(tmp_path):
    landing = tmp_path / "landing"
    path = _write(landing, "2026-01-12", [_candidate(1), _candidate(2, years_experience="three")])
    con = duckdb.connect()
    load = load_entity(con, landing, CANDIDATES, "salt")
    assert (load.rows_loaded, load.rows_quarantined) == (1, 1)
    assert con.execute("SELECT source_file, row_number, field, value FROM raw.quarantine").fetchall() == [
        (str(path), 2, "years_experience", "three")]


def test_missing_required_column_names_file_and_column_and_loses_nothing(tmp_path):
    landing = tmp_path / "landing"
    _write(landing, "2026-01-05", [_candidate(1)])
    con = duckdb.connect()
    load_entity(con, landing, CANDIDATES, "salt")
    bad = _write(landing, "2026-01-12", [{k: v for k, v in _candidate(2).items() if k != "source_channel"}])
    with pytest.raises(ContractViolation, match=rf"{bad}.*source_channel"):
        load_entity(con, landing, CANDIDATES, "salt")
    assert con.execute("SELECT count(*) FROM raw.ats_candidates").fetchone()[0] == 1
