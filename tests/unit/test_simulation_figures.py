"""Time to impact counts from the drift to the served AUC's return after it fell, not the pool's lag."""

from __future__ import annotations

import pandas as pd

from hr_pipeline.simulation.figures import weeks_to_recover


def recovery(aucs: list[float]) -> int | None:
    weeks = pd.Series(range(11, 11 + len(aucs)))
    return weeks_to_recover(weeks, pd.Series(aucs), level=0.70, start=10)


def test_a_fall_and_a_return_count_the_weeks_from_the_drift_to_the_return():
    assert recovery([0.70, 0.69, 0.65, 0.62, 0.66, 0.69]) == 6


def test_no_fall_is_no_delay_and_no_return_is_none():
    assert recovery([0.70, 0.69, 0.71]) == 0
    assert recovery([0.70, 0.65, 0.64, 0.66]) is None
