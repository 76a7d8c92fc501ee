"""Human in the loop: which scored applications a person must look at, and why."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

CONFIDENCE_THRESHOLD = 0.70
RANDOM_SAMPLE_SHARE = 0.10


def in_random_sample(application_id: str, share: float = RANDOM_SAMPLE_SHARE) -> bool:
    """A stable draw per application, so re-scoring never changes who is sampled."""
    draw = int(hashlib.sha256(application_id.encode()).hexdigest()[:8], 16) / 0x1_0000_0000
    return draw < share


def route(scored: pd.DataFrame, known_job_families: list[str]) -> pd.DataFrame:
    """Add `confidence`, `random_sample` and `reason` (None when the AI may decide alone).

    Reasons in order of precedence: `new_job_family` (never seen in training: always escalated),
    `low_confidence` (max(p, 1 - p) below 0.70), `random_sample` (10 % whatever the confidence).
    """
    out = scored.copy()
    out["confidence"] = np.maximum(out["score"], 1 - out["score"])
    out["random_sample"] = [in_random_sample(a) for a in out["application_id"]]
    new_family = ~out["job_family"].isin(known_job_families)
    reason = np.select(
        [new_family, out["confidence"] < CONFIDENCE_THRESHOLD, out["random_sample"]],
        ["new_job_family", "low_confidence", "random_sample"],
        default="",
    )
    out["reason"] = pd.Series(reason, index=out.index).replace({"": None})
    return out
