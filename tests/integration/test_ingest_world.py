"""A generated world with every defect raised, loaded by the real loader, held to the ground-truth defect log."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest
from landing import landing_relation

from hr_pipeline.ingest.contracts import CONTRACTS, CONTRACTS_BY_TABLE
from hr_pipeline.ingest.loader import load_landing
from hr_pipeline.synth.defects import DefectRates, garbage
from hr_pipeline.synth.extracts import generate_world
from hr_pipeline.synth.vocabulary import SKILLS, UNKNOWN_SKILLS

RATES = DefectRates(missing=0.04, duplicate_export=0.03, late_outcome=0.2, mixed_date_format=0.1, messy_category=0.1,
                    malformed_value=0.02, skill_variant=0.2, pii_in_free_text=0.2, email_not_normalised=0.2,
                    out_of_range=0.02, duplicate_key=0.2, unknown_skill=0.05, unmatched_hire=0.1)
SALT = "integration-salt"


def _snapshot(con):
    tables = con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                         "WHERE schema_name IN ('raw', 'protected') ORDER BY 1").fetchall()
    return {t: con.execute(f"SELECT md5(string_agg(CAST(x AS VARCHAR), '|' ORDER BY CAST(x AS VARCHAR))), count(*) "
                           f"FROM {t} AS x").fetchall()[0] for (t,) in tables}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    home = tmp_path_factory.mktemp("defects")
    generate_world(home, employees=120, years=2, seed=17, as_of=date(2026, 11, 16), defects=RATES)
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.execute(f"CREATE VIEW defects AS SELECT * FROM '{home}/ground_truth/defects.parquet'")
    load_landing(con, home / "landing", SALT)
    yield home, con
    con.close()


def _logged(con, defect):
    return con.execute("SELECT \"table\", \"key\", \"column\" FROM defects WHERE defect = ?", [defect]).fetchall()


def test_loading_the_same_extracts_again_leaves_every_table_identical(world):
    _, con = world
    before = _snapshot(con)
    assert load_landing(con, world[0] / "landing", SALT) == []
    assert _snapshot(con) == before


def test_malformed_values_are_exactly_the_quarantined_rows(world):
    _, con = world
    logged = {(t, k) for t, k, _ in _logged(con, "malformed_value")}
    quarantined = {(t, k) for t, k in con.execute("""
        SELECT regexp_extract(source_file, '/landing/([a-z]+)/', 1) || '_' ||
               regexp_extract(source_file, '/([a-z_]+)\\.[a-z]+$', 1), record_key
        FROM raw.quarantine WHERE row_number IS NOT NULL""").fetchall()}
    assert len(logged) > 50
    assert quarantined == logged
    for column, value in con.execute("""SELECT field, value FROM raw.quarantine WHERE row_number IS NOT NULL
                                         AND reason LIKE 'not a date%' OR reason LIKE 'not a timestamp%'""").fetchall():
        types = {c.type for contract in CONTRACTS for c in contract.columns if c.name == column}
        assert any(value in garbage(t, s) for t in types for s in ("ats", "hris")), (column, value)


def test_mixed_date_formats_are_parsed_not_quarantined(world):
    _, con = world
    logged = _logged(con, "mixed_date_format")
    assert len(logged) > 100
    malformed = {(t, k) for t, k, _ in _logged(con, "malformed_value")}
    for table, key, column in logged:
        if (table, key) in malformed:
            continue
        contract = CONTRACTS_BY_TABLE[table]
        parsed = con.execute(f'SELECT count("{column}") FROM raw.{table} WHERE "{contract.key}" = ?',
                             [key]).fetchall()[0][0]
        assert parsed > 0, (table, key, column)


def test_duplicate_exports_are_dropped_and_counted(world):
    _, con = world
    logged = len(_logged(con, "duplicate_export"))
    counted = con.execute("SELECT sum(rows_duplicate) FROM raw.ingest_log").fetchall()[0][0]
    assert logged > 100
    assert counted == pytest.approx(logged, rel=0.05)  # a malformed record's copy is quarantined, not counted
    for contract in CONTRACTS:
        rows, distinct = con.execute(f"SELECT count(*), count(DISTINCT _row_hash) "
                                     f"FROM raw.{contract.table}").fetchall()[0]
        assert rows == distinct, contract.table


def test_missing_critical_values_arrive_at_their_rate(world):
    home, con = world
    for contract in CONTRACTS:
        for column in contract.critical:
            share = con.execute(f'SELECT avg(CASE WHEN "{column}" IS NULL THEN 1.0 ELSE 0 END) '
                                f"FROM raw.{contract.table}").fetchall()[0][0]
            assert share == pytest.approx(RATES.missing, abs=0.02), (contract.table, column)


def test_messy_categories_load_as_sent_and_all_normalise_to_allowed_values(world):
    home, con = world
    candidates = CONTRACTS_BY_TABLE["ats_candidates"]
    messy = con.execute("SELECT avg(CASE WHEN source_channel <> lower(trim(source_channel)) THEN 1.0 ELSE 0 END) "
                        "FROM raw.ats_candidates").fetchall()[0][0]
    assert messy == pytest.approx(RATES.messy_category, abs=0.03)
    assert con.execute("SELECT sum(values_not_allowed) FROM raw.ingest_log").fetchall()[0][0] == 0
    assert candidates.critical


def test_late_outcomes_arrive_in_a_later_extract_and_load(world):
    home, con = world
    start = json.loads((home / "ground_truth" / "world.json").read_text())["spec"]["start"]
    # On time, a review lands in the first Monday extract after it (at most 7 days later).
    late_share = con.execute("""SELECT avg(CASE WHEN _extract_date - review_date > 7 THEN 1.0 ELSE 0 END)
                                FROM raw.hris_performance_reviews WHERE review_date >= CAST(? AS DATE)""",
                             [start]).fetchall()[0][0]
    assert late_share == pytest.approx(RATES.late_outcome, abs=0.05)
    logged = {k for t, k, _ in _logged(con, "late_outcome") if t == "hris_terminations"}
    loaded = {k for (k,) in con.execute("SELECT termination_id FROM raw.hris_terminations").fetchall()}
    assert logged and logged <= loaded | {k for t, k in ((t, k) for t, k, _ in _logged(con, "malformed_value"))}


def test_contact_details_in_free_text_are_scrubbed(world):
    home, con = world
    logged = {k for t, k, _ in _logged(con, "pii_in_free_text")}
    scrubbed = {k for (k,) in con.execute("""SELECT decision_id FROM raw.ats_recruiter_decisions
                                              WHERE contains(reason_text, '[e-mail removed]')
                                                 OR contains(reason_text, '[phone removed]')""").fetchall()}
    assert len(logged) > 20 and logged <= scrubbed | {k for _, k, _ in _logged(con, "malformed_value")}
    assert con.execute("SELECT count(*) FROM raw.ats_recruiter_decisions WHERE contains(reason_text, '@')"
                       ).fetchall()[0][0] == 0


def test_hires_resolve_to_their_employee_through_the_person_key_unless_the_email_differs(world):
    """Case and spaces do not stop the person key; another e-mail (`unmatched_hire`) does, for exactly
    the logged employees."""
    home, con = world
    assert len(_logged(con, "email_not_normalised")) > 10
    resolved = con.execute(f"""
        WITH truth AS (SELECT application_id, employee_id FROM '{home}/ground_truth/applications.parquet'
                       WHERE employee_id IS NOT NULL),
             candidate AS (SELECT DISTINCT a.application_id, c.person_key
                           FROM raw.ats_applications a JOIN raw.ats_candidates c USING (candidate_id)),
             employee AS (SELECT DISTINCT employee_id, person_key FROM raw.hris_employees)
        SELECT DISTINCT employee_id, e.person_key IS NOT DISTINCT FROM c.person_key
        FROM truth t JOIN candidate c USING (application_id) JOIN employee e USING (employee_id)""").fetchall()
    unmatched = {k for t, k, _ in _logged(con, "unmatched_hire")}
    assert len(resolved) > 30 and unmatched
    assert {e for e, same in resolved if not same} == unmatched & {e for e, _ in resolved}


def test_impossible_values_load_as_sent(world):
    _, con = world
    impossible = {"hris_performance_reviews": ("review_id", "rating NOT BETWEEN 1 AND 5"),
                  "timetracking_timesheets": ("timesheet_id", "hours_worked > 100"),
                  "ats_hires": ("hire_id", "start_date > offer_accepted_at + INTERVAL 50 YEAR")}
    malformed = {k for _, k, _ in _logged(con, "malformed_value")}
    for table, (key, condition) in impossible.items():
        logged = {k for t, k, _ in _logged(con, "out_of_range") if t == table}
        loaded = {k for (k,) in con.execute(f"SELECT {key} FROM raw.{table} WHERE {condition}").fetchall()}
        assert logged and loaded == logged - malformed, table


def test_hires_booked_twice_survive_the_duplicate_export_dedup(world):
    _, con = world
    logged = {(k, original) for k, original in con.execute(
        "SELECT key, detail FROM defects WHERE defect = 'duplicate_key'").fetchall()}
    loaded = set(con.execute("""SELECT b.hire_id, a.hire_id FROM raw.ats_hires a JOIN raw.ats_hires b
                                ON a.application_id = b.application_id AND a.hire_id < b.hire_id""").fetchall())
    malformed = {k for _, k, _ in _logged(con, "malformed_value")}
    assert len(logged) > 3
    assert loaded == {(k, o) for k, o in logged if not {k, o} & malformed}


def test_unknown_skills_reach_the_raw_layer_as_logged(world):
    _, con = world
    for table, key, mentions in (("ats_candidates", "candidate_id", "unnest(skills)"),
                                 ("hris_employee_skills", "employee_skill_id", "skill")):
        logged = sorted(con.execute("""SELECT key, detail FROM defects WHERE defect = 'unknown_skill'
                                       AND "table" = ?""", [table]).fetchall())
        loaded = sorted(con.execute(f"""SELECT {key}, m FROM (SELECT {key}, {mentions} AS m FROM raw.{table})
                                        WHERE list_contains(?, m)""", [list(UNKNOWN_SKILLS)]).fetchall())
        malformed = {k for _, k, _ in _logged(con, "malformed_value")}
        assert len(logged) > 10 and loaded == [(k, m) for k, m in logged if k not in malformed], table


def test_skill_variants_reach_the_raw_layer_at_their_rate(world):
    _, con = world
    logged = sum(t == "ats_candidates" for t, _, _ in _logged(con, "skill_variant"))
    # Only skills that have other spellings can be misspelled.
    spellings = [s for skill in SKILLS if skill.variants for s in (skill.ats, skill.hris, *skill.variants)]
    variants = [v for skill in SKILLS for v in skill.variants]
    eligible, misspelled = con.execute("""SELECT count(*) FILTER (WHERE list_contains(?, m)),
                                                 count(*) FILTER (WHERE list_contains(?, m))
                                          FROM (SELECT unnest(skills) AS m FROM raw.ats_candidates)""",
                                       [spellings, variants]).fetchall()[0]
    assert logged == pytest.approx(misspelled, rel=0.05)
    assert misspelled / eligible == pytest.approx(RATES.skill_variant, abs=0.03)


def test_every_landing_row_is_loaded_duplicate_or_quarantined(world):
    home, con = world
    files = duckdb.connect()
    for contract in CONTRACTS:
        total = files.execute(f"SELECT count(*) FROM {landing_relation(home, contract)}").fetchall()[0][0]
        logged = con.execute("SELECT sum(rows_in_file), sum(rows_loaded + rows_duplicate + rows_quarantined) "
                             "FROM raw.ingest_log WHERE system = ? AND entity = ?",
                             [contract.system, contract.entity]).fetchall()[0]
        assert logged == (total, total), contract.table
