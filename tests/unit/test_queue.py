"""The review queue persists across runs and closes when the recruiter's decision arrives in a later extract."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pytest

from hr_pipeline.ml import queue
from hr_pipeline.ml.routing import route
from hr_pipeline.ml.spec import HIRE_SUCCESS
from hr_pipeline.settings import Policy

POLICY = Policy()
MONDAY = datetime(2026, 3, 2, 9, 0)
PROFILE = {"numeric": {"years_experience": [1.0, 20.0]}, "categories": {"job_family": ["sales"]}}
# (application, job family, vote share, score): A1 and A2 are unsure, A3 is a job family never seen, A4 is clear.
APPLICATIONS = [("A1", "sales", 0.6, 0.7), ("A2", "sales", 0.4, 0.3), ("A3", "astronaut", 1.0, 0.9),
                ("A4", "sales", 1.0, 0.9)]


def routed(queued_at: datetime, version: str = "hire_success-v1") -> pd.DataFrame:
    """This run's scored applications as routing and scoring hand them to the queue."""
    scored = pd.DataFrame([{**dict.fromkeys(HIRE_SUCCESS.features), "application_id": app, "job_family": family,
                            "vote_share": votes, "score": score} for app, family, votes, score in APPLICATIONS])
    out = route(HIRE_SUCCESS, scored, PROFILE, POLICY, queued_at)
    return out.assign(model_name=HIRE_SUCCESS.name, model_version=version, arm="champion",
                      recommendation=["advance" if s >= POLICY.advance_at else "reject" for s in out["score"]])


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("""CREATE SCHEMA marts;
        CREATE TABLE marts.fct_decision_outcomes (application_id VARCHAR, human_decision VARCHAR,
            decided_at TIMESTAMP, reason_code VARCHAR, overrides_ai BOOLEAN, is_open BOOLEAN);
        INSERT INTO marts.fct_decision_outcomes SELECT id, NULL, NULL, NULL, NULL, true
            FROM (VALUES ('A1'), ('A2'), ('A3'), ('A4')) v(id)""")
    return con


def decide(con, app: str, decision: str, at: datetime, reason: str) -> None:
    """A later extract brings the recruiter's decision; any reason but agrees_with_ai overrules the vendor AI."""
    con.execute("UPDATE marts.fct_decision_outcomes SET human_decision = ?, decided_at = ?, reason_code = ?, "
                "overrides_ai = ? <> 'agrees_with_ai', is_open = false WHERE application_id = ?",
                [decision, at, reason, reason, app])


def rows(con) -> pd.DataFrame:
    return con.execute("SELECT * FROM ml.review_queue ORDER BY application_id").df().set_index("application_id")


def test_enqueue_queues_routed_rows_once_and_keeps_the_first(con):
    assert queue.enqueue(con, routed(MONDAY), "run-1") == 3  # A4 is clear and not sampled: the AI decides
    first = rows(con)
    assert list(first.index) == ["A1", "A2", "A3"]
    assert first.loc["A3", "reasons"].tolist() == ["new_job_family"]
    assert first.loc["A3", "primary_reason"] == "new_job_family" and first.loc["A3", "priority"] == 1
    assert first.loc["A1", "primary_reason"] == "low_confidence" and first.loc["A1", "priority"] == 2
    assert (first["status"] == "open").all()
    assert (first["due_date"] == pd.Timestamp(MONDAY.date() + timedelta(days=POLICY.review_due_days))).all()

    # The next week re-scores the still open applications with a new version: nothing is re-queued.
    assert queue.enqueue(con, routed(MONDAY + timedelta(days=7), "hire_success-v2"), "run-2") == 0
    pd.testing.assert_frame_equal(rows(con), first)
    queue.ensure_table(con)  # a re-run keeps the table
    assert len(rows(con)) == 3


def test_resolve_closes_rows_when_decisions_arrive(con):
    queue.enqueue(con, routed(MONDAY), "run-1")
    assert queue.resolve(con) == 0  # nothing decided yet

    decide(con, "A1", "advance", MONDAY + timedelta(days=3), "agrees_with_ai")   # this AI said advance
    decide(con, "A2", "advance", MONDAY + timedelta(days=8), "communication")    # this AI said reject
    assert queue.resolve(con) == 2
    assert queue.resolve(con) == 0
    queued = rows(con)
    assert queued.loc["A1", ["status", "human_decision", "agreed_with_ai", "days_to_resolve"]].tolist() == \
        ["resolved", "advance", True, 3]
    assert pd.isna(queued.loc["A1", "override_reason"])
    assert queued.loc["A2", ["agreed_with_ai", "override_reason", "days_to_resolve"]].tolist() == \
        [False, "communication", 8]
    assert queued.loc["A2", "resolved_at"] == pd.Timestamp(MONDAY + timedelta(days=8))
    assert queued.loc["A3", "status"] == "open" and pd.isna(queued.loc["A3", "resolved_at"])
    # Against this AI (advance) but with the vendor's: the recruiter's own code would say "agrees_with_ai".
    decide(con, "A3", "reject", MONDAY + timedelta(days=4), "agrees_with_ai")
    assert queue.resolve(con) == 1
    assert rows(con).loc["A3", ["agreed_with_ai", "override_reason"]].tolist() == [False, queue.FOLLOWED_VENDOR]


def test_summary_counts_overdue_agreement_and_reasons(con):
    queue.enqueue(con, routed(MONDAY), "run-1")
    decide(con, "A1", "advance", MONDAY + timedelta(days=1), "agrees_with_ai")
    decide(con, "A2", "advance", MONDAY + timedelta(days=2), "communication")
    queue.resolve(con)
    due = MONDAY + timedelta(days=POLICY.review_due_days)
    on_due_date = queue.summary(con, due)
    assert on_due_date["overdue"] == 0
    later = queue.summary(con, due + timedelta(days=1))
    assert later == {"queued": 3, "open": 1, "resolved": 2, "overdue": 1, "agreement_rate": 0.5,
                     "median_days_to_resolve": 1.5, "reason_new_job_family": 1, "reason_out_of_distribution": 0,
                     "reason_low_confidence": 2, "reason_random_sample": 0}


def test_the_queue_of_earlier_versions_is_replaced(con):
    con.execute("CREATE SCHEMA ml; CREATE TABLE ml.review_queue (application_id VARCHAR, reason VARCHAR)")
    assert queue.enqueue(con, routed(MONDAY), "run-1") == 3


def test_a_run_that_scored_nothing_queues_nothing(con):
    scored = pd.DataFrame(columns=["application_id", "score", "vote_share", *HIRE_SUCCESS.features])
    nothing = route(HIRE_SUCCESS, scored, PROFILE, POLICY, MONDAY).assign(
        model_name=HIRE_SUCCESS.name, model_version="hire_success-v1", arm="champion", recommendation=None)
    assert queue.enqueue(con, nothing, "run-1") == 0
    assert queue.summary(con, MONDAY)["queued"] == 0
