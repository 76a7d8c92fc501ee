"""The extract contract, kept as data: one entry per landing entity.

The generator writes to it, the loader parses and validates by it, and the raw tables take their
shape from it, so the three can never disagree about a column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Landing-file format per source system (vendor-like: ATS exports JSON lines, HRIS CSV,
# time tracking Parquet).
SYSTEM_FORMATS = {"ats": "jsonl", "hris": "csv", "timetracking": "parquet"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type the raw layer stores
    required: bool = True  # must be present as a column in every file
    nullable: bool = True
    allowed: tuple[str, ...] = ()  # allowed values of a category (after trim + lower-case)
    personal: bool = False  # personal data: pseudonymised or dropped before the warehouse


@dataclass(frozen=True)
class Contract:
    system: str
    entity: str
    key: str
    updated_at: str
    columns: tuple[Column, ...]
    description: str = ""
    critical: tuple[str, ...] = field(default=())

    @property
    def table(self) -> str:
        """Raw table name inside the `raw` schema."""
        return f"{self.system}_{self.entity}"

    @property
    def file_format(self) -> str:
        return SYSTEM_FORMATS[self.system]

    @property
    def file_name(self) -> str:
        return f"{self.entity}.{self.file_format}"

    @property
    def personal_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.personal)

    @property
    def stored_columns(self) -> tuple[Column, ...]:
        """Columns that reach the warehouse: personal ones are dropped (an e-mail becomes
        `person_key` instead)."""
        return tuple(c for c in self.columns if not c.personal)

    @property
    def pseudonymised(self) -> bool:
        return "email" in self.personal_columns


def _c(name: str, type_: str = "VARCHAR", **kw) -> Column:
    return Column(name, type_, **kw)


STAGES = ("applied", "screening", "interview", "offer", "hired", "rejected", "withdrawn")
CHANNELS = ("referral", "job_board", "agency", "career_site", "linkedin")
EDUCATION = ("none", "vocational", "bachelor", "master", "phd")
JOB_FAMILIES = ("engineering", "sales", "customer_service", "operations", "finance", "hr")

CONTRACTS: tuple[Contract, ...] = (
    Contract(
        "ats", "requisitions", "requisition_id", "updated_at",
        (
            _c("requisition_id", nullable=False),
            _c("job_title"),
            _c("job_family", allowed=JOB_FAMILIES),
            _c("department"),
            _c("location"),
            _c("required_skills", "VARCHAR[]"),
            _c("opened_at", "DATE"),
            _c("closed_at", "DATE"),
            _c("updated_at", "TIMESTAMP", nullable=False),
        ),
        "Open and closed job requisitions with the skills they require.",
    ),
    Contract(
        "ats", "candidates", "candidate_id", "updated_at",
        (
            _c("candidate_id", nullable=False),
            _c("first_name", personal=True),
            _c("last_name", personal=True),
            _c("email", personal=True),
            _c("skills"),
            _c("years_experience", "DOUBLE"),
            _c("education", allowed=EDUCATION),
            _c("international_experience", "BOOLEAN"),
            _c("source_channel", allowed=CHANNELS),
            _c("updated_at", "TIMESTAMP", nullable=False),
        ),
        "People who applied; skills are free text as the candidate wrote them.",
        critical=("years_experience", "education", "international_experience", "source_channel"),
    ),
    Contract(
        "ats", "applications", "application_id", "updated_at",
        (
            _c("application_id", nullable=False),
            _c("candidate_id", nullable=False),
            _c("requisition_id", nullable=False),
            _c("applied_at", "TIMESTAMP"),
            _c("stage", allowed=STAGES),
            _c("updated_at", "TIMESTAMP", nullable=False),
        ),
        "One application of a candidate to a requisition; a new version each time its stage changes.",
    ),
    Contract(
        "ats", "ai_recommendations", "recommendation_id", "recommended_at",
        (
            _c("recommendation_id", nullable=False),
            _c("application_id", nullable=False),
            _c("model_version"),
            _c("score", "DOUBLE"),
            _c("confidence", "DOUBLE"),
            _c("recommendation", allowed=("advance", "reject")),
            _c("routed_to_human", "BOOLEAN"),
            _c("random_sample", "BOOLEAN"),
            _c("recommended_at", "TIMESTAMP", nullable=False),
        ),
        "What the deployed screening model recommended for each application, and whether it was routed to a person.",
    ),
    Contract(
        "ats", "recruiter_decisions", "decision_id", "decided_at",
        (
            _c("decision_id", nullable=False),
            _c("application_id", nullable=False),
            _c("decision", allowed=("advance", "reject")),
            _c("overrides_ai", "BOOLEAN"),
            _c("reason_code"),
            _c("reason_text"),
            _c("decided_at", "TIMESTAMP", nullable=False),
        ),
        "The recruiter's screening decision on an application, with the reason when it overrides the AI.",
    ),
    Contract(
        "ats", "hires", "hire_id", "updated_at",
        (
            _c("hire_id", nullable=False),
            _c("application_id", nullable=False),
            _c("offer_accepted_at", "TIMESTAMP"),
            _c("start_date", "DATE"),
            _c("updated_at", "TIMESTAMP", nullable=False),
        ),
        "Accepted offers: which application became a hire and when the person starts.",
    ),
    Contract(
        "hris", "employees", "employee_id", "updated_at",
        (
            _c("employee_id", nullable=False),
            _c("first_name", personal=True),
            _c("last_name", personal=True),
            _c("email", personal=True),
            _c("hire_date", "DATE"),
            _c("department"),
            _c("job_family", allowed=JOB_FAMILIES),
            _c("location"),
            _c("manager_id"),
            _c("salary_band"),
            _c("updated_at", "TIMESTAMP", nullable=False),
        ),
        "HR master data, one version per change of an employee record.",
        critical=("hire_date", "department", "job_family"),
    ),
    Contract(
        "hris", "terminations", "termination_id", "updated_at",
        (
            _c("termination_id", nullable=False),
            _c("employee_id", nullable=False),
            _c("termination_date", "DATE"),
            _c("termination_type", allowed=("voluntary", "involuntary")),
            _c("reason"),
            _c("updated_at", "TIMESTAMP", nullable=False),
        ),
        "Exits, voluntary or involuntary.",
    ),
    Contract(
        "hris", "performance_reviews", "review_id", "updated_at",
        (
            _c("review_id", nullable=False),
            _c("employee_id", nullable=False),
            _c("review_date", "DATE"),
            _c("rating", "INTEGER"),
            _c("updated_at", "TIMESTAMP", nullable=False),
        ),
        "Performance ratings on a 1-5 scale, twice a year.",
    ),
    Contract(
        "timetracking", "timesheets", "timesheet_id", "updated_at",
        (
            _c("timesheet_id", nullable=False),
            _c("employee_id", nullable=False),
            _c("week_start", "DATE"),
            _c("hours_worked", "DOUBLE"),
            _c("overtime_hours", "DOUBLE"),
            _c("sick_days", "DOUBLE"),
            _c("vacation_days", "DOUBLE"),
            _c("updated_at", "TIMESTAMP", nullable=False),
        ),
        "Weekly hours per employee.",
    ),
)

CONTRACTS_BY_TABLE = {c.table: c for c in CONTRACTS}

# Columns every raw table carries besides the contract's stored columns.
LINEAGE_COLUMNS = (
    ("person_key", "VARCHAR"),  # only on pseudonymised entities
    ("_extract_date", "DATE"),
    ("_source_file", "VARCHAR"),
    ("_row_number", "BIGINT"),
    ("_row_hash", "VARCHAR"),
    ("_loaded_at", "TIMESTAMP"),
)
