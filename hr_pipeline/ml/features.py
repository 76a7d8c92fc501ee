"""The hire_success model's features: what was known about an application on its decision date.

Protected attributes are not among them and never may be.
"""

from __future__ import annotations

NUMERICAL = ("years_experience", "n_skills", "n_soft_skills")
CATEGORICAL = ("education", "international_experience", "source_channel", "job_family")
FEATURES = NUMERICAL + CATEGORICAL
LABEL = "hire_success"
DECISIONS = "marts.fct_decision_outcomes"


def feature_select(where: str, extra: tuple[str, ...] = (), order_by: str = "decided_at, application_id") -> str:
    """SQL for the feature columns (plus `extra`) of the decisions matching `where`, in a fixed order.

    Booleans become text so that every categorical feature is one-hot encoded the same way.
    """
    cols = [f"CAST({c} AS VARCHAR) AS {c}" if c == "international_experience" else c for c in FEATURES]
    return f"SELECT {', '.join(extra + tuple(cols))} FROM {DECISIONS} WHERE {where} ORDER BY {order_by}"
