"""One spec per model: its rows, key, features, label and maturity rule.

Training, scoring, routing, drift and explanation assets are all built from a spec, so they can
never read different columns, and a third model is one more spec. The label and its maturity rule
are computed in dbt (the marts name them); the spec says which columns they are.

Protected attributes are never features (`PROTECTED` is checked on import and by a test).
"""

from __future__ import annotations

from dataclasses import dataclass

from hr_pipeline.ingest.contracts import CONTRACTS
from hr_pipeline.settings import Policy


@dataclass(frozen=True)
class RecruiterDecisions:
    """Where a model learns from recruiters' decisions: the columns of the vendor AI's score and the
    recruiter's decision, and the column whose values (`Policy.override_learning_families`) say where
    their decisions count. What recruiters see beyond the vendor's score becomes one derived feature."""

    score: str  # the vendor AI's probability ...
    recommendation: str  # ... and its recommendation, both held fixed so only the recruiter's own view is learned
    decision: str
    advance: str  # the value of the recommendation and of the decision that takes a candidate on
    group: str  # the column compared with the policy's families
    feature: str  # the derived feature's name


@dataclass(frozen=True)
class EarlyLabels:
    """Where a model learns from early signals of its outcome: the training label (the outcome where it has
    matured, else an earlier milestone's signal where that has) and the column naming where each row's
    label came from. Versions are still judged on the outcome alone."""

    label: str  # the training label
    labelled: str  # SQL: the training label is known and mature (a superset of the spec's `labelled`)
    source: str  # the column naming each training label's source, one of `sources`
    sources: dict[str, str]  # source -> in words, the outcome's own first: {"12m": "12-month outcomes", ...}

    @property
    def outcome_source(self) -> str:
        return next(iter(self.sources))


@dataclass(frozen=True)
class ModelSpec:
    name: str
    title: str  # what the score is, in one line an HR reader understands
    table: str  # one row per unit: features, label and maturity side by side
    key: tuple[str, ...]  # identifies a row; hashed for the challenger arm and the random sample
    time_column: str  # when the features were known: orders rows for time-ordered validation
    numerical: tuple[str, ...]
    categorical: tuple[str, ...]
    lists: tuple[str, ...]  # ';'-joined lists of taxonomy terms, one indicator per term
    label: str  # the outcome: what the holdout, the champion-challenger evaluation, drift and realised AUC judge by
    labelled: str  # SQL: the row's label is known and mature (milestone plus the grace period passed)
    to_score: str  # SQL: the rows each run scores
    unit: str  # what one row is, for descriptions
    selective_labels: str | None = None  # why labels exist for only part of the scored population
    label_population: str = "TRUE"  # SQL: the rows that get a label once it matures (what a realised metric covers)
    # When a row is known to join the label population: estimated performance counts a row in the week of this
    # column, so the newest weeks hold every row known to get a label. None: the time column.
    population_time: str | None = None
    holdout_gap_months: int = 0  # labels looking this far ahead: training rows stop this long before the holdout
    recruiter_decisions: RecruiterDecisions | None = None  # learn from recruiters' decisions too
    seasonal: bool = False  # features follow the calendar: drift compares the same calendar days of the reference
    early_labels: EarlyLabels | None = None  # learn from early signals where the outcome has not matured yet

    @property
    def features(self) -> tuple[str, ...]:
        return self.numerical + self.categorical + self.lists

    def select(self, where: str, extra: tuple[str, ...] = (), limit: int | None = None) -> str:
        """SQL for the key, time, `extra` and feature columns of the rows matching `where`, in a fixed order.

        Booleans become text so every categorical feature is one-hot encoded the same way. With `limit`, only a
        stable random sample of that many of them: those with the smallest MD5 of their key, so new rows join
        it and the rest stay (`count` says how many it was drawn from).
        """
        cols = [f"CAST({c} AS VARCHAR) AS {c}" if c in self.categorical else c for c in self.features]
        head = dict.fromkeys((*self.key, self.time_column, *extra))  # ordered, without repeats
        order = ", ".join((self.time_column, *self.key))
        rows = f"SELECT {', '.join((*head, *cols))} FROM {self.table} WHERE {where}"
        if limit is None:
            return f"{rows} ORDER BY {order}"
        key = ", ".join(f"CAST({k} AS VARCHAR)" for k in self.key)
        return f"SELECT * FROM ({rows} ORDER BY md5(concat_ws('|', {key})) LIMIT {int(limit)}) ORDER BY {order}"

    def count(self, where: str) -> str:
        """SQL for how many rows match `where`: what a sample (`select` with a limit) was drawn from."""
        return f"SELECT count(*) FROM {self.table} WHERE {where}"


def scored_share(scored: int, drawn_from: int, what: str = "rows") -> str:
    """What a step that samples (`ModelSpec.select` with a limit) scored, in words for its metadata and log."""
    if scored >= drawn_from:
        return f"all {drawn_from:,} {what}"
    return f"a stable random sample of {scored:,} of {drawn_from:,} {what} (Policy.history_max_scored)"


HIRE_SUCCESS = ModelSpec(
    name="hire_success",
    title="probability that the hire succeeds: still employed at 12 months with a 12-month rating of 3 or more",
    table="marts.fct_decision_outcomes",
    key=("application_id",),
    time_column="decided_at",
    numerical=("years_experience", "grade_average", "n_skills", "n_soft_skills"),
    categorical=("education", "international_experience", "source_channel", "job_family"),
    lists=("soft_skills",),
    label="hire_success",
    labelled="hire_success_label_mature AND hire_success IS NOT NULL AND decided_at IS NOT NULL",
    to_score="is_open",
    unit="application that reached a screening decision",
    selective_labels="Outcomes exist only for hired applicants (selective labels): the model learns from hires "
                     "and scores every open application.",
    label_population="hired",
    population_time="offer_accepted_at",  # a hire follows the screening decision by weeks
    recruiter_decisions=RecruiterDecisions(score="ai_score", recommendation="ai_recommendation",
                                           decision="human_decision", advance="advance", group="job_family",
                                           feature="what_recruiters_see"),
    # The 12-month outcome where it has matured, else the 6-month milestone's early signal (int_hire_outcomes).
    early_labels=EarlyLabels(label="hire_success_training_label",
                             labelled="hire_success_training_label IS NOT NULL AND decided_at IS NOT NULL",
                             source="hire_success_label_source",
                             sources={"12m": "12-month outcomes", "6m": "6-month early signals"}),
)

ATTRITION_RISK = ModelSpec(
    name="attrition_risk",
    title="probability of a voluntary exit within the next 6 months",
    table="marts.fct_employee_month",
    key=("employee_id", "month_start"),
    time_column="month_start",
    numerical=("tenure_months", "avg_weekly_hours", "avg_weekly_overtime_hours", "overtime_trend_3m",
               "overtime_excess", "engagement_score", "engagement_change_6m", "trainings_last_12m",
               "months_since_promotion", "latest_rating", "sick_days_3m"),
    categorical=("department", "job_family"),
    lists=(),
    label="voluntary_exit_6m",
    labelled="exit_label_mature",
    to_score="is_current_month AND is_active",
    unit="employee and month of employment",
    # A row's label looks 6 months ahead: without the gap, training labels would see the holdout's exits.
    holdout_gap_months=Policy().attrition_horizon_months,
    # Hours fall with the summer holidays and sick days rise in winter: July is compared with July.
    seasonal=True,
)

MODELS = (HIRE_SUCCESS, ATTRITION_RISK)
SPECS = {spec.name: spec for spec in MODELS}

PROTECTED = frozenset(c.name for contract in CONTRACTS for c in contract.columns if c.protected)
for _spec in MODELS:
    assert not PROTECTED & set(_spec.features), f"{_spec.name}: protected attributes may never be features"
