"""One settings object: the home folder, every path under it, and every policy number.

Everything else reads these; nothing restates them. `Settings.from_env()` reads the environment
once and never writes it back. Paths are only named here: whoever writes a folder makes it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from hr_pipeline.ingest.contracts import CUSTOMER_FACING_FAMILIES

HOME_ENV = "HR_PIPELINE_HOME"
DEFAULT_HOME = ".hr_pipeline"
DUCKDB_MEMORY_LIMIT_ENV = "HR_PIPELINE_DUCKDB_MEMORY_LIMIT"
DUCKDB_THREADS_ENV = "HR_PIPELINE_DUCKDB_THREADS"


@dataclass(frozen=True)
class DuckDBLimits:
    """What every DuckDB connection the pipeline opens may use, dbt's and the quality gate's included: a memory
    budget, beyond which DuckDB spills to a temporary folder beside the warehouse instead of growing towards its
    default of 80 % of the machine's memory, and a number of threads (which scoring a large frame uses too). Read
    from the environment at each connection; a value set there wins over the default here."""

    memory_limit: str = "2GiB"
    threads: int = 2

    @classmethod
    def from_env(cls) -> DuckDBLimits:
        default = cls()
        return cls(memory_limit=os.environ.get(DUCKDB_MEMORY_LIMIT_ENV) or default.memory_limit,
                   threads=int(os.environ.get(DUCKDB_THREADS_ENV) or default.threads))

    def config(self) -> dict[str, str]:
        """As `duckdb.connect(config=...)` takes it."""
        return {"memory_limit": self.memory_limit, "threads": str(self.threads)}


@dataclass(frozen=True)
class Policy:
    """The numbers that decide what the loop does; docs and dbt vars are rendered from or tested against them."""

    # Human in the loop (DESIGN.md pillar 3)
    confidence_threshold: float = 0.70  # a recommendation less sure than this goes to a person
    random_sample_share: float = 0.10  # of scored applications, to a person whatever the confidence
    review_due_days: int = 5  # a queued application should be decided within this many days
    advance_at: float = 0.50  # score from which the recommendation is to advance
    # Champion and challenger (pillar 4)
    challenger_share: float = 0.20  # of scoring requests served by the challenger, by a hash of the key
    evaluation_window_weeks: int = 4  # a challenger serves this long before the promotion decision
    promotion_margin: float = 0.01  # AUC points a challenger must win by on the shared holdout
    min_training_labels: int = 40  # matured labels below which no version is registered
    # The learners fit in memory, many times over (cross-validation, the calibrated ensemble): a training window
    # of more labelled rows learns from a random sample of this many, in time order (the holdout stays whole).
    train_max_rows: int = 50_000
    # Job families whose recruiters' decisions teach hire_success what the vendor AI misses: where their
    # overrides are right more often than the AI (customer-facing roles); () learns from outcomes only.
    override_learning_families: tuple[str, ...] = CUSTOMER_FACING_FAMILIES
    recruiter_view_decisions: int = 50_000  # the latest this many of those decisions are learned from
    fairness_min_group: int = 30  # a protected group smaller than this gets no impact ratio
    four_fifths: float = 0.80  # an impact ratio below this is flagged (the four-fifths rule of the bias audit)
    # What scores a model's history rather than this run's rows (the bias audit's AI recommendations, a version's
    # impact ratios on everyone it reached, performance estimates) scores at most this many rows in memory: a
    # stable random sample (`ModelSpec.select`), the same rows every week while it holds, and says so.
    history_max_scored: int = 100_000
    min_holdout_auc: float = 0.60  # a new version below this on its holdout is flagged (warn)
    max_calibration_gap: float = 0.05  # |mean score - outcome rate| on the holdout above this is flagged (warn)
    # Labels
    # Late reviews and terminations: up to 8 weeks late, plus up to a week until the next weekly extract (tested)
    maturity_grace_days: int = 63
    # A review or hiring-manager survey counts for a milestone only when dated within this many days of it (the
    # six-monthly reviews lie 182 days apart, so a neighbouring milestone's never stands in)
    milestone_window_days: int = 45
    # hire_success learns from an early signal where the 12-month label has not matured: a hire still employed at
    # 6 months (plus the grace) with a 6-month rating of at least `early_label_min_rating` and, where the hiring
    # manager answered the 6-month survey, a satisfaction of at least `early_label_min_satisfaction`. Chosen by
    # measurement on the demo world (docs/models.md): it agrees with the 12-month label on 84 % of hires and
    # labels about as many successes; the 3-month milestone (still employed, nearly everyone is) carries too little.
    early_label_min_rating: int = 3
    early_label_min_satisfaction: int = 3
    attrition_horizon_months: int = 6  # attrition_risk: a voluntary exit within this many months
    high_risk_share: float = 0.10  # the riskiest share of active employees on the high-risk list
    early_warning_lead_days: int = 120  # a voluntary leaver counts as warned when on the list this long before
    # Monitoring
    drift_window_weeks: int = 4  # the latest window each drift run compares with the champion's reference
    # The reference: the last this many months of what the champion was trained and judged on (training window
    # and holdout); a year holds every season once, and is recent enough that the slow change of a workforce
    # (tenure, promotion history) does not read as drift for a model whose labels mature months late.
    drift_reference_months: int = 12
    drift_max_rows: int = 5_000  # a window above this many rows is compared on a random sample of this size
    drift_min_rows: int = 200  # data and prediction drift are not judged on a window of fewer rows
    drift_min_labels: int = 100  # target drift is not judged on fewer matured labels in a window
    drift_num_method: str = "wasserstein"  # Evidently's test for numerical columns (normed Wasserstein distance)
    drift_num_threshold: float = 0.2  # a numerical column drifts at this distance, in reference sd
    drift_cat_method: str = "psi"  # Evidently's test for categorical columns (population stability index)
    drift_cat_threshold: float = 0.08  # a categorical column drifts at this PSI
    drift_share: float = 0.25  # a model's data drifts (the alarm) when at least this share of its features drift
    # Reported per column but not counted by the alarm: the job family mix follows which requisitions are open
    # (the hiring plan, applications arrive in batches per requisition), not who applies.
    drift_alarm_ignores: tuple[str, ...] = ("job_family",)
    performance_window_weeks: int = 13  # estimated and realised AUC over the rows of this many weeks to a week's end
    performance_min_rows: int = 50  # no AUC is estimated or realised on fewer rows (or matured labels) in a window
    # Freshness of the weekly extracts
    freshness_warn_days: int = 8  # a week and a day without an extract is late
    freshness_error_days: int = 92  # a quarter without one breaks the quarterly refresh


@dataclass(frozen=True)
class Settings:
    home: Path
    policy: Policy = field(default_factory=Policy)

    @classmethod
    def from_env(cls, home: str | os.PathLike | None = None) -> Settings:
        """`home`, else `$HR_PIPELINE_HOME`, else `./.hr_pipeline`, made absolute once."""
        chosen = home or os.environ.get(HOME_ENV) or DEFAULT_HOME
        return cls(home=Path(chosen).expanduser().resolve())

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def model_cards_dir(self) -> Path:
        return self.reports_dir / "models"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def outbox_dir(self) -> Path:
        return self.home / "outbox"

    @property
    def exports_dir(self) -> Path:
        return self.home / "exports"

    @property
    def dbt_docs_dir(self) -> Path:
        return self.home / "dbt_docs"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def run_log(self) -> Path:
        return self.home / "last_run.log"
