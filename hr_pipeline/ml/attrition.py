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
