"""The hire_success model's features: what was known about an application on its decision date.

Protected attributes are not among them and never may be.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where it is used: the code location imports this module
    import pandas as pd

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


def coerce_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """The one place where a missing feature gets its form: NaN, whether it came as None or NaN.

    scikit-learn's imputers see NaN as missing but take None in a text column for a category of
    its own, so without this the same application could score differently. It is the first step
    of the model pipeline, so that every caller, training and scoring alike, goes through it.
    """
    import numpy as np
    import pandas as pd

    out = frame[list(FEATURES)].copy()
    for column in NUMERICAL:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    for column in CATEGORICAL:
        values = out[column].astype(object)
        out[column] = values.where(values.notna(), np.nan)
    return out


def features_hash(features: Mapping[str, object]) -> str:
    """The fingerprint of exactly the feature values a model saw, for the decision log.

    Canonical form: the SHA-256 of the JSON object of every feature (sorted keys, no spaces,
    UTF-8), numbers as floats, categories as text, a missing value (None or NaN) as null.
    """
    import pandas as pd

    def canonical(name: str, value: object) -> object:
        if value is None or pd.isna(value):
            return None
        return float(value) if name in NUMERICAL else str(value)

    payload = {name: canonical(name, features[name]) for name in FEATURES}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def features_hashes(frame: pd.DataFrame) -> list[str]:
    return [features_hash(row) for row in frame[list(FEATURES)].to_dict("records")]
