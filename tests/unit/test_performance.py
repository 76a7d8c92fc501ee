"""The confidence-based AUC estimate against worlds where labels are drawn from the probabilities themselves."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from hr_pipeline.monitoring.performance import expected_auc


def hanley_mcneil_se(auc: float, positives: int, negatives: int) -> float:
    """Standard error of an AUC measured on this many positives and negatives (Hanley & McNeil 1982)."""
    q1, q2 = auc / (2 - auc), 2 * auc ** 2 / (1 + auc)
    return np.sqrt((auc * (1 - auc) + (positives - 1) * (q1 - auc ** 2) + (negatives - 1) * (q2 - auc ** 2))
                   / (positives * negatives))


@pytest.mark.parametrize("shape", [(2, 5), (1, 1), (5, 2), (0.5, 3)], ids=str)
def test_estimate_matches_the_realised_auc_within_sampling_error(shape):
    rng = np.random.default_rng(sum(shape).__hash__())
    errors, outside = [], 0
    for _ in range(100):
        p = rng.beta(*shape, 1_000)
        labels = rng.random(1_000) < p
        realised, estimated = roc_auc_score(labels, p), expected_auc(p)
        errors.append(estimated - realised)
        outside += abs(estimated - realised) > 3 * hanley_mcneil_se(realised, labels.sum(), (~labels).sum())
    assert abs(np.mean(errors)) < 0.01  # unbiased ...
    assert outside <= 2  # ... and within three standard errors of each draw's realised AUC


def test_tied_scores_count_half_as_sklearn_does():
    p = np.repeat([0.1, 0.4, 0.4, 0.8], 250)
    rng = np.random.default_rng(3)
    realised = np.mean([roc_auc_score(rng.random(len(p)) < p, p) for _ in range(400)])
    assert expected_auc(p) == pytest.approx(realised, abs=0.005)


def test_uninformative_and_degenerate_scores():
    assert expected_auc(np.full(500, 0.3)) == pytest.approx(0.5)
    assert expected_auc(np.array([])) is None
    assert expected_auc(np.ones(10)) is None  # every row expected positive: no negatives to rank
