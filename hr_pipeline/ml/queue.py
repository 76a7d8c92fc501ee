"""The review queue that closes: `ml.review_queue` keeps one row per application ever routed to a person.

It is never rebuilt: a run adds the applications it routed (one queued earlier keeps its row and its
first queue time) and resolves the rows whose recruiter decision has since arrived in
`marts.fct_decision_outcomes`, with whether the recruiter agreed with the AI and the reason given
when not. Open rows past their due date are what the weekly review chases.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the code location may import this module: it stays free of pandas and duckdb at import
    import duckdb

QUEUE = "ml.review_queue"
# The override reason of a recruiter who went against this AI's recommendation by following the vendor AI's:
# the reason codes they give explain overruling the vendor, so theirs would read "agrees_with_ai" here.
FOLLOWED_VENDOR = "followed_vendor_ai"
DDL = f"""
CREATE SCHEMA IF NOT EXISTS ml;
CREATE TABLE IF NOT EXISTS {QUEUE} (
    application_id VARCHAR PRIMARY KEY,
    model_name VARCHAR NOT NULL,
    model_version VARCHAR NOT NULL,
    arm VARCHAR,                    -- champion or challenger: which version served the score
    score DOUBLE,
    confidence DOUBLE,
    recommendation VARCHAR,         -- the AI's: advance or reject
    reasons VARCHAR[] NOT NULL,     -- every reason that applies, in precedence order
    primary_reason VARCHAR NOT NULL,
    priority INTEGER NOT NULL,      -- 1 = most urgent
    outside_training VARCHAR[],     -- the features beyond what the model saw in training
    queued_at TIMESTAMP NOT NULL,   -- the as-of time of the run that first queued it
    due_date DATE NOT NULL,
    run_id VARCHAR,
    status VARCHAR NOT NULL CHECK (status IN ('open', 'resolved')),
    resolved_at TIMESTAMP,          -- the recruiter's decision time
    human_decision VARCHAR,
    agreed_with_ai BOOLEAN,
    override_reason VARCHAR,        -- when the decision went against this AI: the recruiter's reason code if they
                                    -- also overruled the vendor AI, else followed_vendor_ai (their code is about it)
    days_to_resolve INTEGER
);
"""


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the queue once. The per-run snapshot of earlier versions (no `status`) held nothing lasting: replaced."""
    columns = {c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'ml' AND table_name = 'review_queue'"
    ).fetchall()}
    if columns and "status" not in columns:
        con.execute(f"DROP TABLE {QUEUE}")
    con.execute(DDL)


def enqueue(con: duckdb.DuckDBPyConnection, routed, run_id: str) -> int:
    """Queue the routed rows that have a reason; an application already queued keeps its row. Returns rows added.

    `routed` (a DataFrame or DuckDB relation) carries application_id, model_name, model_version, arm, score,
    confidence, recommendation and routing's reasons, priority, outside_training, queued_at and due_date.
    """
    ensure_table(con)
    with con.cursor() as cur:  # a frame registers on a connection with no result pending
        cur.register("routed_rows", routed)
        (added,) = cur.execute(f"""
            INSERT OR IGNORE INTO {QUEUE} BY NAME
            SELECT application_id, model_name, model_version, arm, score, confidence, recommendation,
                   CAST(reasons AS VARCHAR[]) AS reasons, reasons[1] AS primary_reason, priority,
                   CAST(outside_training AS VARCHAR[]) AS outside_training, queued_at,
                   CAST(due_date AS DATE) AS due_date, ? AS run_id, 'open' AS status
            FROM routed_rows
            WHERE len(reasons) > 0""", [run_id]).fetchone()
    return added


def resolve(con: duckdb.DuckDBPyConnection) -> int:
    """Close the open rows whose recruiter decision has arrived. Returns rows resolved."""
    ensure_table(con)
    (resolved,) = con.execute(f"""
        UPDATE {QUEUE} AS q SET
            status = 'resolved',
            resolved_at = d.decided_at,
            human_decision = d.human_decision,
            agreed_with_ai = d.human_decision = q.recommendation,
            override_reason = CASE WHEN d.human_decision <> q.recommendation
                                   THEN CASE WHEN d.overrides_ai THEN d.reason_code ELSE '{FOLLOWED_VENDOR}' END END,
            days_to_resolve = date_diff('day', q.queued_at, d.decided_at)
        FROM marts.fct_decision_outcomes AS d
        WHERE d.application_id = q.application_id AND q.status = 'open'
          AND NOT d.is_open AND d.human_decision IS NOT NULL""").fetchone()
    return resolved


def summary(con: duckdb.DuckDBPyConnection, as_of: date | datetime) -> dict:
    """Queue figures for asset metadata and the README: sizes, overdue as of `as_of`, agreement, rows by reason."""
    from hr_pipeline.ml.routing import PRIORITY  # routing imports pandas

    ensure_table(con)
    queued, open_, resolved, overdue, agreement, median_days = con.execute(f"""
        SELECT count(*), count(*) FILTER (status = 'open'), count(*) FILTER (status = 'resolved'),
               count(*) FILTER (status = 'open' AND due_date < CAST(? AS DATE)),
               avg(CAST(agreed_with_ai AS DOUBLE)), median(days_to_resolve)
        FROM {QUEUE}""", [as_of]).fetchone()
    by_reason = dict(con.execute(f"SELECT primary_reason, count(*) FROM {QUEUE} GROUP BY ALL").fetchall())
    return {
        "queued": queued, "open": open_, "resolved": resolved, "overdue": overdue,
        "agreement_rate": agreement, "median_days_to_resolve": median_days,
        **{f"reason_{reason}": by_reason.get(reason, 0) for reason in PRIORITY},
    }
