"""The form of a model's features: one form for a missing value, and the fingerprint of what a model saw."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from hr_pipeline.ml.spec import ModelSpec

if TYPE_CHECKING:  # pandas is imported where it is used: the code location imports this module
    import pandas as pd


def coerce_missing(frame: pd.DataFrame, spec: ModelSpec) -> pd.DataFrame:
    """The one place where a missing feature gets its form: NaN, whether it came as None or NaN.

    scikit-learn's imputers see NaN as missing but take None in a text column for a category of
    its own, so without this the same row could score differently. It is the first step of every
    model pipeline, so training and scoring both go through it.
    """
    import numpy as np
    import pandas as pd

    out = frame[list(spec.features)].copy()
    for column in spec.numerical:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    for column in spec.categorical:
        values = out[column].astype(object)
        out[column] = values.where(values.notna(), np.nan)
    for column in spec.lists:  # an empty list and a missing one are the same: no term
        out[column] = out[column].astype(object).where(out[column].notna(), "")
    return out


def features_hash(spec: ModelSpec, features: Mapping[str, object]) -> str:
    """The fingerprint of exactly the feature values a model saw, for the decision log.

    Canonical form: the SHA-256 of the JSON object of every feature (sorted keys, no spaces,
    UTF-8), numbers as floats, everything else as text, a missing value (None, NaN, NA) as null.
    """
    import pandas as pd

    def canonical(name: str, value: object) -> object:
        if pd.isna(value):
            return None
        return float(value) if name in spec.numerical else str(value)

    payload = {name: canonical(name, features[name]) for name in spec.features}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def features_hashes(spec: ModelSpec, frame: pd.DataFrame) -> list[str]:
    return [features_hash(spec, row) for row in frame[list(spec.features)].to_dict("records")]
