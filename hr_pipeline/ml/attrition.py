"""attrition_risk beyond what its spec holds: the high-risk list HR acts on, and how to judge a ranking of risk.

The list names no one: the pseudonymous person key, the HRIS employee id, department and job family.
"""

from __future__ import annotations

import numpy as np

from hr_pipeline.ml.spec import ATTRITION_RISK
from hr_pipeline.settings import Policy


def write_high_risk(con, policy: Policy) -> int:
    """(Re)write `ml.attrition_high_risk` from the newest scoring run in `ml.attrition_scores`: the riskiest
    `policy.high_risk_share` of the employees that run scored (active, as-of month), riskiest first
    (rank 1). Returns how many are on the list."""
    con.execute(f"""
        CREATE OR REPLACE TABLE ml.attrition_high_risk AS
        WITH newest_run AS (
            SELECT * FROM ml.attrition_scores
            WHERE run_id = (SELECT arg_max(run_id, scored_at) FROM ml.attrition_scores)
        ),
        ranked AS (
            SELECT
                scores.employee_id, panel.person_key, panel.department, panel.job_family,
                scores.score AS risk,
                row_number() OVER (ORDER BY scores.score DESC, scores.employee_id) AS risk_rank,
                count(*) OVER () AS scored,
                scores.month_start, scores.model_version, scores.scored_at, scores.run_id
            FROM newest_run AS scores
            JOIN {ATTRITION_RISK.table} AS panel USING (employee_id, month_start)
            WHERE {ATTRITION_RISK.to_score}
        )
        SELECT employee_id, person_key, department, job_family, risk, risk_rank,
               month_start, model_version, scored_at, run_id
        FROM ranked
        WHERE risk_rank <= ceil(scored * $share)
        ORDER BY risk_rank""", {"share": policy.high_risk_share})
    return con.execute("SELECT count(*) FROM ml.attrition_high_risk").fetchone()[0]


def top_share_lift(exited: np.ndarray, risk: np.ndarray, share: float) -> float:
    """The exit rate among the riskiest `share` of rows over the rate among all: how much better than
    picking at random a list of that size finds the leavers (the issue asks 2.5 for the top decile)."""
    exited = np.asarray(exited, dtype=float)
    riskiest = np.argsort(-np.asarray(risk), kind="stable")[: int(np.ceil(len(exited) * share))]
    return float(exited[riskiest].mean() / exited.mean())


EARLY_WARNINGS = "ml.attrition_early_warnings"
EARLY_WARNINGS_COLUMNS = """
    employee_id VARCHAR, month_start DATE, snapshot_date DATE, model_version VARCHAR, score DOUBLE,
    risk_rank BIGINT, scored BIGINT, labels_until DATE, drawn_as_of DATE"""


def write_early_warnings(con, champion, policy: Policy, as_of) -> int:
    """Bring `ml.attrition_early_warnings` up to `as_of` (the warehouse's date): the high-risk list as the champion
    would have drawn it at each month end after its training window, from that month's row of the employee-month
    panel (features as known then), keeping the riskiest `policy.high_risk_share` of the employees still employed
    at the month's end. `labels_until` is the last exit date its training labels could see (the training window's
    end plus the label's horizon): a leaver after it is one the model never learned from.

    A list drawn after its month ended stays as drawn while the same champion serves, so a weekly run scores only
    the months not drawn yet and the current one (whose end is still ahead, drawn afresh each run); a new champion
    draws every list again, and without one the table is empty. Returns how many rows the table holds."""
    import pandas as pd

    from hr_pipeline.ml.assets import ensure_table
    from hr_pipeline.ml.training import score_version

    ensure_table(con, EARLY_WARNINGS, EARLY_WARNINGS_COLUMNS)
    if champion is None:
        con.execute(f"DELETE FROM {EARLY_WARNINGS}")
        return 0
    con.execute(f"DELETE FROM {EARLY_WARNINGS} WHERE model_version IS DISTINCT FROM ? "
                "OR drawn_as_of IS NULL OR drawn_as_of <= snapshot_date", [champion.version])
    spec = ATTRITION_RISK
    # every row is a month of employment; who had not left by its end was on the payroll the list is drawn from
    rows = con.execute(spec.select(f"NOT left_in_month AND {spec.time_column} > ? AND {spec.time_column} NOT IN "
                                   f"(SELECT month_start FROM {EARLY_WARNINGS})"), [champion.train_end]).df()
    if len(rows):
        rows = rows.assign(score=score_version(champion, rows))
        labels_until = (pd.Timestamp(champion.train_end) + pd.DateOffset(months=policy.attrition_horizon_months + 1)
                        - pd.Timedelta(days=1)).date()
        with con.cursor() as cur:
            cur.register("scored", rows[["employee_id", "month_start", "score"]])
            cur.execute(f"""
                INSERT INTO {EARLY_WARNINGS} BY NAME
                SELECT employee_id, month_start, snapshot_date, ? AS model_version, score, risk_rank, scored,
                       ? AS labels_until, ? AS drawn_as_of
                FROM (
                    SELECT employee_id, CAST(month_start AS DATE) AS month_start,
                           CAST(last_day(month_start) AS DATE) AS snapshot_date, score,
                           row_number() OVER (PARTITION BY month_start ORDER BY score DESC, employee_id) AS risk_rank,
                           count(*) OVER (PARTITION BY month_start) AS scored
                    FROM scored)
                WHERE risk_rank <= ceil(scored * ?)""",
                        [champion.version, labels_until, as_of, policy.high_risk_share])
    return con.execute(f"SELECT count(*) FROM {EARLY_WARNINGS}").fetchone()[0]
