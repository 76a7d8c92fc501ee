"""hire_success's training label against hand-made milestones in a small warehouse: the 12-month label where it
has matured, else the 6-month early signal by the policy's thresholds once its milestone plus the grace has passed,
and never the 3-month milestone. Each row's label and source is known in advance, so no world is built."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest
from dbt_cli import dbt_on

from hr_pipeline.settings import Policy

POLICY = Policy()
RATING, SATISFIED = POLICY.early_label_min_rating, POLICY.early_label_min_satisfaction


def milestone(employed: bool | None, rating: int | None = None, satisfaction: int | None = None,
              label_mature: bool = True) -> dict:
    return {"employed": employed, "rating": rating, "satisfaction": satisfaction, "label_mature": label_mature}


NOT_YET = None  # the milestone has not passed
# hire -> ({milestone month: its reading}, expected training label, expected source)
HIRES = {
    "H01": ({3: milestone(True), 6: milestone(True, 2, 1), 12: milestone(True, 4)}, True, "12m"),
    "H02": ({3: milestone(True), 6: milestone(True, 5, 5), 12: milestone(False)}, False, "12m"),
    "H03": ({3: milestone(True), 6: milestone(True, RATING, SATISFIED)}, True, "6m"),
    "H04": ({3: milestone(True), 6: milestone(True, RATING + 1, SATISFIED - 1)}, False, "6m"),
    "H05": ({3: milestone(True), 6: milestone(True, RATING + 1)}, True, "6m"),  # the manager did not answer
    "H06": ({3: milestone(True), 6: milestone(True, RATING - 1, 5)}, False, "6m"),
    "H07": ({3: milestone(True), 6: milestone(False)}, False, "6m"),  # left before 6 months
    "H08": ({3: milestone(True), 6: milestone(True, 4, 4, label_mature=False)}, None, None),  # within the grace
    "H09": ({3: milestone(False)}, None, None),  # the 3-month milestone is no source, even for a leaver
    "H10": ({3: milestone(True), 6: milestone(True, 4, 4), 12: milestone(True)}, True, "6m"),  # 12m not rated
    "H11": ({3: milestone(True), 6: milestone(True, None, 5)}, None, None),  # 6-month review not arrived
}


def rows() -> list[tuple]:
    start = date(2024, 1, 1)
    out = []
    for hire, (readings, _, _) in HIRES.items():
        for month in (3, 6, 12, 24):
            reading = readings.get(month, NOT_YET)
            matured = reading is not None
            employed = reading["employed"] if matured else None
            rating = reading["rating"] if matured else None
            recorded = matured and (not employed or month < 6 or rating is not None)
            out.append((hire, f"A{hire}", f"E{hire}", start, month, start + timedelta(days=30 * month), matured,
                        matured and reading["label_mature"], employed, rating,
                        reading["satisfaction"] if matured else None, recorded))
    return out


@pytest.fixture(scope="module")
def labels(tmp_path_factory) -> dict[str, tuple]:
    home = tmp_path_factory.mktemp("early_labels")
    path = home / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("""CREATE SCHEMA intermediate;
            CREATE TABLE intermediate.int_hire_milestones (hire_id VARCHAR, application_id VARCHAR,
                employee_id VARCHAR, start_date DATE, milestone_month INTEGER, milestone_date DATE, matured BOOLEAN,
                label_mature BOOLEAN, employed_at_milestone BOOLEAN, rating_at_milestone INTEGER,
                satisfaction_at_milestone INTEGER, outcome_recorded BOOLEAN)""")
        con.executemany(f"INSERT INTO intermediate.int_hire_milestones VALUES ({', '.join('?' * 12)})", rows())
    dbt_on(path, "run", "int_hire_outcomes")  # run, not build: the tests of its sources are not here
    with duckdb.connect(str(path), read_only=True) as con:
        found = con.execute("""SELECT hire_id, hire_success_training_label, hire_success_label_source
                               FROM intermediate.int_hire_outcomes ORDER BY hire_id""").fetchall()
    return {hire: (label, source) for hire, label, source in found}


@pytest.mark.parametrize("hire", HIRES)
def test_each_hire_gets_the_training_label_and_source_the_rule_says(labels, hire):
    _, label, source = HIRES[hire]
    assert labels[hire] == (label, source)
