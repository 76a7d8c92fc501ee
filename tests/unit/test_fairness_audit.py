"""The fairness audit's rules on a handmade warehouse: messy spellings normalised to the contract's values, the
latest protected record used, undisclosed and unknown people counted but not ratioed, small groups and lone groups
without a ratio, and an audit of the human decisions while no champion exists."""

from __future__ import annotations

import duckdb
import pytest

from hr_pipeline.monitoring.fairness_audit import AI, AUDIT_TABLE, HIRE, RECRUITER, audit, write_audit
from hr_pipeline.settings import Policy

POLICY = Policy()


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("""
        CREATE SCHEMA marts; CREATE SCHEMA protected;
        CREATE TABLE marts.fct_decision_outcomes (application_id VARCHAR, candidate_id VARCHAR, decided_at TIMESTAMP,
            is_open BOOLEAN, human_decision VARCHAR, hired BOOLEAN);
        CREATE TABLE protected.ats_candidates (candidate_id VARCHAR, gender VARCHAR, age_band VARCHAR,
            ethnicity VARCHAR, _extract_date DATE, _row_number BIGINT);""")
    return con


def _decided(con, people: list[tuple[str, str | None, str | None, bool]]) -> None:
    """(candidate, gender, ethnicity, advanced) per decided application, all in 2026's first quarter."""
    for i, (candidate, gender, ethnicity, advanced) in enumerate(people):
        con.execute("INSERT INTO marts.fct_decision_outcomes VALUES (?, ?, TIMESTAMP '2026-02-02 10:00', false, ?, "
                    "false)", [f"A{i}", candidate, "advance" if advanced else "reject"])
        if gender or ethnicity:
            con.execute("INSERT INTO protected.ats_candidates VALUES (?, ?, '25_34', ?, DATE '2026-02-01', ?)",
                        [candidate, gender, ethnicity, i])


def _figures(con, decision: str, attribute: str) -> dict:
    groups, scored = audit(con, POLICY)
    assert scored is None and not [g for g in groups if g["decision"] == AI]  # no champion: human decisions only
    whole = {g["group_value"]: g for g in groups if g["period"] is None and g["decision"] == decision
             and g["attribute"] == attribute}
    quarter = {g["group_value"]: g for g in groups if g["period"] is not None and g["decision"] == decision
               and g["attribute"] == attribute}
    assert {g: (f["group_size"], f["impact_ratio"]) for g, f in whole.items()} == {
        g: (f["group_size"], f["impact_ratio"]) for g, f in quarter.items()}  # one quarter: the same figures
    return whole


def test_messy_spellings_count_as_their_group_and_the_four_fifths_flag_is_raised(con):
    n = POLICY.fairness_min_group
    spellings = [" minority", "MINORITY", "Minority ", "minority"]
    _decided(con, [(f"C{i}", "female", "majority", i % 2 == 0) for i in range(n)]
             + [(f"D{i}", "male", spellings[i % 4], i % 4 == 0) for i in range(n * 2)]
             + [(f"U{i}", "non_binary", "undisclosed", True) for i in range(3)]
             + [("X1", None, "martian", True), ("X2", None, None, True)])
    # An older record of C0 says otherwise: the latest one counts.
    con.execute("INSERT INTO protected.ats_candidates VALUES ('C0', 'male', '25_34', 'minority', DATE '2025-01-01', 0)")
    ethnicity = _figures(con, RECRUITER, "ethnicity")
    assert set(ethnicity) == {"majority", "minority", "undisclosed", "unknown"}
    assert ethnicity["minority"]["group_size"] == 2 * n and ethnicity["majority"]["group_size"] == n
    assert ethnicity["minority"]["impact_ratio"] == pytest.approx(0.5) and ethnicity["minority"]["reference_group"] \
        == "majority"
    assert ethnicity["undisclosed"]["not_ratioed_because"] == "undisclosed_or_unknown"
    assert ethnicity["unknown"]["group_size"] == 2 and ethnicity["unknown"]["impact_ratio"] is None
    gender = _figures(con, RECRUITER, "gender")
    assert gender["non_binary"]["not_ratioed_because"] == "below_min_group"
    assert _figures(con, RECRUITER, "age_band")["25_34"]["not_ratioed_because"] == "no_comparison"  # a lone group
    assert all(f["not_ratioed_because"] == "no_comparison" for g, f in _figures(con, HIRE, "ethnicity").items()
               if g in ("majority", "minority"))  # nobody hired: nothing to compare
    intersection = _figures(con, RECRUITER, "gender_x_ethnicity")
    assert intersection["non_binary x undisclosed"]["not_ratioed_because"] == "undisclosed_or_unknown"
    assert intersection["male x minority"]["impact_ratio"] == pytest.approx(0.5)

    groups, _ = audit(con, POLICY)
    write_audit(con, groups, "run-1")
    write_audit(con, groups, "run-2")  # replaced, not appended
    flagged = con.execute(f"SELECT DISTINCT run_id, attribute, group_value FROM {AUDIT_TABLE} WHERE flagged "
                          "AND quarter_start IS NULL ORDER BY 2").fetchall()
    assert flagged == [("run-2", "ethnicity", "minority"), ("run-2", "gender", "male"),
                       ("run-2", "gender_x_ethnicity", "male x minority")]


def test_nothing_decided_is_an_empty_audit(con):
    groups, scored = audit(con, POLICY)
    write_audit(con, groups, "run-1")
    assert groups == [] and scored is None
    assert con.execute(f"SELECT count(*) FROM {AUDIT_TABLE}").fetchone()[0] == 0
