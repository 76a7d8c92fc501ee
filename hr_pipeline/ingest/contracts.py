"""The extract contract, kept as data: one entry per landing entity, one dialect per source system.

The generator writes by it, the loader parses and validates by it, the raw tables take their
shape from it and `docs/extract-contract.md` is rendered from it, so none of them can disagree
about a column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path


@dataclass(frozen=True)
class Dialect:
    """How one source system writes its files (vendor-like, as real exports are)."""

    file_format: str  # jsonl | csv | parquet
    delimiter: str = ","
    decimal: str = "."
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)  # accepted strptime formats, first = the usual one
    timestamp_formats: tuple[str, ...] = ("%Y-%m-%dT%H:%M:%S",)

    @property
    def describe(self) -> str:
        if self.file_format == "parquet":
            return "Parquet, typed columns"
        if self.file_format == "jsonl":
            return "JSON lines (one object per line, nested objects and lists), UTF-8"
        return f"CSV, UTF-8, separator `{self.delimiter}`, decimal `{self.decimal}`, header row"


DIALECTS = {
    "ats": Dialect("jsonl", date_formats=("%Y-%m-%d", "%d/%m/%Y"),
                   timestamp_formats=("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M")),
    "hris": Dialect("csv", delimiter=";", decimal=",", date_formats=("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y"),
                    timestamp_formats=("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y-%m-%dT%H:%M:%S")),
    "timetracking": Dialect("parquet"),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type the raw layer stores
    description: str = ""
    required: bool = True  # must be present as a column in every file
    nullable: bool = True
    allowed: tuple[str, ...] = ()  # allowed values of a category (after trim + lower-case)
    personal: bool = False  # names, e-mail, phone: never stored (the e-mail becomes `person_key`)
    protected: bool = False  # gender, age band, ethnicity: stored apart, read only by the fairness audit
    free_text: bool = False  # scrubbed of e-mail addresses and phone numbers before storing
    path: str = ""  # where the value sits in a nested (JSON) record, dotted; default: the name

    @property
    def source_path(self) -> str:
        return self.path or self.name


class SystemFile:
    """A file in one source system's dialect, named after its entity: inbound or outbound alike."""

    system: str
    entity: str

    @property
    def dialect(self) -> Dialect:
        return DIALECTS[self.system]

    @property
    def file_format(self) -> str:
        return self.dialect.file_format

    @property
    def file_name(self) -> str:
        return f"{self.entity}.{self.file_format}"


@dataclass(frozen=True)
class Contract(SystemFile):
    system: str
    entity: str
    key: str
    updated_at: str
    columns: tuple[Column, ...]
    description: str = ""
    critical: tuple[str, ...] = field(default=())  # attributes the quality gate holds to 95 % completeness

    @property
    def table(self) -> str:
        """Table name inside the `raw` (and, for protected attributes, `protected`) schema."""
        return f"{self.system}_{self.entity}"

    @property
    def personal_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.personal)

    @property
    def stored_columns(self) -> tuple[Column, ...]:
        """Columns that reach `raw.<table>`: personal and protected ones stay out."""
        return tuple(c for c in self.columns if not (c.personal or c.protected))

    @property
    def protected_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.protected)

    @property
    def pseudonymised(self) -> bool:
        return "email" in self.personal_columns

    def identifier(self, column: Column) -> bool:
        """The key or a reference to another record's key: matched exactly, never scrubbed."""
        return column.name == self.key or column.name.endswith("_id")


@dataclass(frozen=True)
class Outbound(SystemFile):
    """A file the pipeline hands a source system after each run, in that system's dialect: never ingested."""

    system: str
    entity: str
    key: str
    columns: tuple[Column, ...]
    description: str
    reader: str  # who reads it, and what for

    def path(self, outbox: Path, as_of: date) -> Path:
        """`<outbox>/<system>/<YYYY-MM-DD>/<file>`: one folder per as-of date, as the landing zone has."""
        return outbox / self.system / as_of.isoformat() / self.file_name


def _c(name: str, type_: str = "VARCHAR", description: str = "", **kw) -> Column:
    return Column(name, type_, description, **kw)


STAGES = ("applied", "screening", "interview", "offer", "hired", "rejected", "withdrawn")
CHANNELS = ("referral", "job_board", "agency", "career_site", "linkedin")
EDUCATION = ("none", "vocational", "bachelor", "master", "phd")
JOB_FAMILIES = ("engineering", "sales", "customer_service", "operations", "finance", "hr")
CUSTOMER_FACING_FAMILIES = ("sales", "customer_service")
GENDERS = ("female", "male", "non_binary", "undisclosed")
AGE_BANDS = ("under_25", "25_34", "35_44", "45_54", "55_plus", "undisclosed")
ETHNICITIES = ("majority", "minority", "undisclosed")
REASON_CODES = ("agrees_with_ai", "communication", "experience_mismatch", "skills_gap", "culture_add", "other")
OFFER_STATUSES = ("pending", "accepted", "declined")
JOB_CHANGE_TYPES = ("promotion", "transfer", "band_change")
SALARY_BANDS = ("b1", "b2", "b3", "b4", "b5")


def _updated(what: str = "record") -> Column:
    return _c("updated_at", "TIMESTAMP", f"When the source system last changed the {what}; orders the versions.",
              nullable=False)


_PROTECTED = (
    _c("gender", description="Self-identified gender (voluntary).", allowed=GENDERS, protected=True,
       required=False, path="demographics.gender"),
    _c("age_band", description="Age band (voluntary).", allowed=AGE_BANDS, protected=True,
       required=False, path="demographics.age_band"),
    _c("ethnicity", description="Self-identified ethnic group (voluntary).", allowed=ETHNICITIES, protected=True,
       required=False, path="demographics.ethnicity"),
)


def _flat(columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """The same columns in a flat (CSV) file, where nothing is nested."""
    return tuple(Column(**{**c.__dict__, "path": ""}) for c in columns)


CONTRACTS: tuple[Contract, ...] = (
    # -- ATS: JSON lines -------------------------------------------------------------------------
    Contract(
        "ats", "requisitions", "requisition_id", "updated_at",
        (
            _c("requisition_id", description="Requisition identifier in the ATS.", nullable=False),
            _c("job_title", description="Title of the advertised job."),
            _c("job_family", description="Job family of the role.", allowed=JOB_FAMILIES),
            _c("department", description="Department the role belongs to."),
            _c("location", description="Work location of the role."),
            _c("required_skills", "VARCHAR[]", "Skills the requisition asks for, as the ATS spells them."),
            _c("opened_at", "DATE", "Date the requisition was opened."),
            _c("closed_at", "DATE", "Date the requisition was filled; empty while open."),
            _updated("requisition"),
        ),
        "Open and closed job requisitions with the skills they require.",
    ),
    Contract(
        "ats", "candidates", "candidate_id", "updated_at",
        (
            _c("candidate_id", description="Candidate identifier in the ATS.", nullable=False),
            _c("first_name", description="Given name.", personal=True, path="contact.first_name"),
            _c("last_name", description="Family name.", personal=True, path="contact.last_name"),
            _c("email", description="E-mail address; becomes the keyed-hash `person_key`.", personal=True,
               path="contact.email"),
            _c("phone", description="Phone number.", personal=True, required=False, path="contact.phone"),
            _c("city", description="City the candidate lives in.", path="profile.city"),
            _c("years_experience", "DOUBLE", "Years of work experience the candidate reported.",
               path="profile.years_experience"),
            _c("education", description="Highest education level.", allowed=EDUCATION, path="profile.education"),
            _c("grade_average", "DOUBLE", "Grade average of the highest degree, 1.0 (lowest pass) to 4.0 (best).",
               path="profile.grade_average"),
            _c("international_experience", "BOOLEAN", "Has worked or studied abroad.",
               path="profile.international_experience"),
            _c("skills", "VARCHAR[]", "Skills as the candidate wrote them, free text, one list entry each."),
            _c("source_channel", description="Channel the candidate came through.", allowed=CHANNELS,
               path="source.channel"),
            *_PROTECTED,
            _updated("candidate"),
        ),
        "People who applied, with their profile, free-text skills and (voluntary) demographics.",
        critical=("years_experience", "education", "international_experience", "source_channel"),
    ),
    Contract(
        "ats", "applications", "application_id", "updated_at",
        (
            _c("application_id", description="Application identifier in the ATS.", nullable=False),
            _c("candidate_id", description="The candidate who applied.", nullable=False),
            _c("requisition_id", description="The requisition applied to.", nullable=False),
            _c("applied_at", "TIMESTAMP", "When the application was created."),
            _c("stage", description="Current stage of the application.", allowed=STAGES),
            _updated("application"),
        ),
        "One application of a candidate to a requisition; a new version each time its stage changes.",
    ),
    Contract(
        "ats", "stage_events", "event_id", "entered_at",
        (
            _c("event_id", description="Stage-transition identifier.", nullable=False),
            _c("application_id", description="The application that moved.", nullable=False),
            _c("from_stage", description="Stage left; empty for the first event.", allowed=STAGES),
            _c("to_stage", description="Stage entered.", allowed=STAGES),
            _c("entered_at", "TIMESTAMP", "When the application entered `to_stage`.", nullable=False),
        ),
        "Every stage transition of every application, with its timestamp.",
    ),
    Contract(
        "ats", "ai_recommendations", "recommendation_id", "recommended_at",
        (
            _c("recommendation_id", description="Recommendation identifier.", nullable=False),
            _c("application_id", description="The application scored.", nullable=False),
            _c("model_version", description="Version of the screening model that scored it."),
            _c("score", "DOUBLE", "The model's probability that the candidate should advance."),
            _c("confidence", "DOUBLE", "max(score, 1 - score)."),
            _c("recommendation", description="What the model recommended.", allowed=("advance", "reject")),
            _c("routed_to_human", "BOOLEAN", "Sent to a person (low confidence or random sample)."),
            _c("random_sample", "BOOLEAN", "Drawn into the 10 % random sample for human review."),
            _c("recommended_at", "TIMESTAMP", "When the model scored the application.", nullable=False),
        ),
        "What the deployed screening model recommended for each application, and whether a person reviewed it.",
    ),
    Contract(
        "ats", "recruiter_decisions", "decision_id", "decided_at",
        (
            _c("decision_id", description="Decision identifier.", nullable=False),
            _c("application_id", description="The application decided.", nullable=False),
            _c("decision", description="The recruiter's screening decision.", allowed=("advance", "reject")),
            _c("overrides_ai", "BOOLEAN", "The decision differs from the AI recommendation."),
            _c("reason_code", description="Why, as a code.", allowed=REASON_CODES),
            _c("reason_text", description="Why, in the recruiter's words; scrubbed of e-mails and phone numbers.",
               free_text=True),
            _c("decided_at", "TIMESTAMP", "When the recruiter decided.", nullable=False),
        ),
        "The recruiter's screening decision on an application, with the reason when it overrides the AI.",
    ),
    Contract(
        "ats", "offers", "offer_id", "updated_at",
        (
            _c("offer_id", description="Offer identifier.", nullable=False),
            _c("application_id", description="The application the offer answers.", nullable=False),
            _c("sent_at", "TIMESTAMP", "When the offer was sent."),
            _c("responded_at", "TIMESTAMP", "When the candidate accepted or declined; empty while pending."),
            _c("status", description="Where the offer stands.", allowed=OFFER_STATUSES),
            _c("salary_band", description="Salary band offered.", allowed=SALARY_BANDS),
            _updated("offer"),
        ),
        "Offers sent to candidates, a new version when the candidate answers.",
    ),
    Contract(
        "ats", "hires", "hire_id", "updated_at",
        (
            _c("hire_id", description="Hire identifier.", nullable=False),
            _c("application_id", description="The application that became a hire.", nullable=False),
            _c("offer_accepted_at", "TIMESTAMP", "When the offer was accepted."),
            _c("start_date", "DATE", "First working day."),
            _updated("hire"),
        ),
        "Accepted offers: which application became a hire and when the person starts.",
    ),
    # -- HRIS: European CSV ----------------------------------------------------------------------
    Contract(
        "hris", "employees", "employee_id", "updated_at",
        (
            _c("employee_id", description="Employee identifier in the HRIS.", nullable=False),
            _c("first_name", description="Given name.", personal=True),
            _c("last_name", description="Family name.", personal=True),
            _c("email", description="Work or private e-mail used in recruiting; becomes `person_key`.", personal=True),
            _c("phone", description="Phone number.", personal=True, required=False),
            *_flat(_PROTECTED),
            _c("hire_date", "DATE", "First working day."),
            _c("department", description="Department."),
            _c("job_family", description="Job family.", allowed=JOB_FAMILIES),
            _c("location", description="Work location."),
            _c("manager_id", description="Employee identifier of the line manager."),
            _c("salary_band", description="Salary band.", allowed=SALARY_BANDS),
            _updated("employee record"),
        ),
        "HR master data, one version per change of an employee record.",
        critical=("hire_date", "department", "job_family"),
    ),
    Contract(
        "hris", "terminations", "termination_id", "updated_at",
        (
            _c("termination_id", description="Termination identifier.", nullable=False),
            _c("employee_id", description="The employee who left.", nullable=False),
            _c("termination_date", "DATE", "Last working day."),
            _c("termination_type", description="Who ended the employment.", allowed=("voluntary", "involuntary")),
            _c("reason", description="Reason category."),
            _updated("termination"),
        ),
        "Exits, voluntary or involuntary; may arrive weeks after the exit.",
    ),
    Contract(
        "hris", "performance_reviews", "review_id", "updated_at",
        (
            _c("review_id", description="Review identifier.", nullable=False),
            _c("employee_id", description="The employee reviewed.", nullable=False),
            _c("review_date", "DATE", "Date of the review."),
            _c("rating", "INTEGER", "Overall rating, 1 (poor) to 5 (outstanding)."),
            _updated("review"),
        ),
        "Performance ratings on a 1-5 scale, twice a year; may arrive weeks after the review.",
    ),
    Contract(
        "hris", "employee_skills", "employee_skill_id", "updated_at",
        (
            _c("employee_skill_id", description="Skill-record identifier.", nullable=False),
            _c("employee_id", description="The employee.", nullable=False),
            _c("skill", description="Skill as the HRIS spells it."),
            _c("proficiency", "INTEGER", "Assessed proficiency, 1 (basic) to 5 (expert)."),
            _c("assessed_at", "DATE", "Date of the assessment."),
            _updated("skill record"),
        ),
        "Skills of employees with an assessed proficiency.",
    ),
    Contract(
        "hris", "trainings", "training_id", "updated_at",
        (
            _c("training_id", description="Training identifier.", nullable=False),
            _c("employee_id", description="The employee trained.", nullable=False),
            _c("course", description="Course title."),
            _c("hours", "DOUBLE", "Length of the course in hours."),
            _c("completed_at", "DATE", "Date the course was completed."),
            _updated("training record"),
        ),
        "Completed trainings.",
    ),
    Contract(
        "hris", "job_changes", "job_change_id", "updated_at",
        (
            _c("job_change_id", description="Job-change identifier.", nullable=False),
            _c("employee_id", description="The employee.", nullable=False),
            _c("change_date", "DATE", "Date the change took effect."),
            _c("change_type", description="Kind of change.", allowed=JOB_CHANGE_TYPES),
            _c("new_job_family", description="Job family after the change.", allowed=JOB_FAMILIES),
            _c("new_salary_band", description="Salary band after the change.", allowed=SALARY_BANDS),
            _updated("job change"),
        ),
        "Promotions, transfers and band changes.",
    ),
    Contract(
        "hris", "engagement_surveys", "response_id", "updated_at",
        (
            _c("response_id", description="Survey-response identifier.", nullable=False),
            _c("employee_id", description="The employee who answered.", nullable=False),
            _c("survey_date", "DATE", "Date of the survey wave."),
            _c("engagement_score", "DOUBLE", "Engagement index, 1.0 (low) to 5.0 (high)."),
            _c("enps", "INTEGER", "Answer to 'would you recommend us as an employer', 0 to 10."),
            _updated("response"),
        ),
        "Quarterly engagement-survey answers.",
    ),
    Contract(
        "hris", "hiring_manager_surveys", "survey_response_id", "updated_at",
        (
            _c("survey_response_id", description="Survey-answer identifier.", nullable=False),
            _c("employee_id", description="The hire the answer is about.", nullable=False),
            _c("manager_id", description="Employee identifier of the hiring manager who answered."),
            _c("survey_date", "DATE", "Date the survey was sent: six months after the hire's start."),
            _c("satisfaction", "INTEGER", "The manager's satisfaction with the hire, 1 (very dissatisfied) to 5 "
                                          "(very satisfied)."),
            _c("answered_at", "TIMESTAMP", "When the manager answered."),
            _updated("answer"),
        ),
        "The hiring manager's satisfaction with a hire, surveyed six months after the start; managers who do not "
        "answer leave no record, and answers may be entered weeks late.",
    ),
    # -- Time tracking: Parquet ------------------------------------------------------------------
    Contract(
        "timetracking", "timesheets", "timesheet_id", "updated_at",
        (
            _c("timesheet_id", description="Timesheet identifier.", nullable=False),
            _c("employee_id", description="The employee.", nullable=False),
            _c("week_start", "DATE", "Monday of the week."),
            _c("hours_worked", "DOUBLE", "Hours worked in the week, overtime included."),
            _c("overtime_hours", "DOUBLE", "Hours beyond the contract."),
            _c("sick_days", "DOUBLE", "Days off sick."),
            _c("vacation_days", "DOUBLE", "Days of vacation."),
            _updated("timesheet"),
        ),
        "Weekly hours per employee.",
    ),
)

CONTRACTS_BY_TABLE = {c.table: c for c in CONTRACTS}
SYSTEMS = tuple(DIALECTS)

# Routing reasons in precedence order (`hr_pipeline.ml.routing.PRIORITY`, tested to agree).
ROUTING_REASONS = ("new_job_family", "out_of_distribution", "low_confidence", "random_sample")

ATS_RECOMMENDATIONS = Outbound(
    "ats", "recommendations", "application_id",
    (
        _c("application_id", description="The open application scored (the ATS's identifier).", nullable=False),
        _c("model_version", description="Version of the pipeline's hire_success model that scored it.",
           nullable=False),
        _c("arm", description="Whether the champion or the challenger on trial scored it.",
           allowed=("champion", "challenger"), nullable=False),
        _c("score", "DOUBLE", "The probability that the hire succeeds (`docs/models.md`), 0 to 1."),
        _c("confidence", "DOUBLE", "How sure the model's ensemble is of its recommendation, 0.5 to 1."),
        _c("recommendation", description="What the model recommends.", allowed=("advance", "reject")),
        _c("routed_to_human", "BOOLEAN", "A person must decide: the AI's recommendation alone does not."),
        _c("routing_reasons", "VARCHAR[]", "Every reason it goes to a person, in precedence order; empty when "
                                           "it does not.", allowed=ROUTING_REASONS),
        _c("top_factors", "STRUCT(feature VARCHAR, direction VARCHAR, text VARCHAR)[]",
           "The features that moved the score most, largest first: the feature, whether it `raises` or "
           "`lowers` the estimate, and the sentence a recruiter reads."),
    ),
    "The pipeline's recommendation for each open application it scored in its newest run, with who must decide "
    "and why.",
    "the ATS, which shows the recommendation and its factors beside the application and puts the routed ones in a "
    "recruiter's queue.",
)
OUTBOUND: tuple[Outbound, ...] = (ATS_RECOMMENDATIONS,)

# How far an extract folder's date may lie after today, and a timestamp after its folder's date
# (clocks and time zones of the source systems differ); anything later is refused or quarantined.
DATE_TOLERANCE = timedelta(days=1)

# What happens to an entry of the landing zone, as `raw.ingest_log.status` says.
FILE_STATUSES = {
    "loaded": "read; its rows are loaded, duplicates of rows already held, or quarantined one by one",
    "quarantined": "a contract file that cannot be read or lacks a required column; nothing of it is loaded",
    "not_in_contract": "a file or folder the contract does not name (the message says what was expected); "
                       "never loaded by guessing",
    "refused": "an extract folder whose name is not a date, or is dated after today, or a symlink leading out of "
               "the landing zone; loaded once it is valid",
    "ignored": "a hidden file or folder (name starting with `.`)",
}

# Words that make a field name look like personal or protected data: an unknown field so named is
# dropped, not kept in `_extra` (and reported).
_PERSONAL_WORDS = ("name", "mail", "phone", "mobile", "address", "street", "birth", "gender", "ethnic", "passport",
                   "nationality", "religion", "health", "postcode", "zipcode", "salary", "contact", "demographic")
_PERSONAL_TOKENS = ("age", "sex", "dob", "ssn", "cpr", "tel", "zip", "race", "iban")


def looks_personal(field_name: str) -> bool:
    """True for a field name that may hold personal data: `Name`, `e_mail2`, `mobileNo`, `birth_date`,
    `age`, a contract's personal or protected column, or a name that is itself an address or number."""
    lowered = field_name.lower()
    tokens = re.findall(r"[a-z]+", lowered)
    return ("@" in field_name or sum(ch.isdigit() for ch in field_name) >= 8 or not field_name.strip()
            or any(word in lowered for word in _PERSONAL_WORDS) or any(t in _PERSONAL_TOKENS for t in tokens)
            or any(c.name == lowered for contract in CONTRACTS for c in contract.columns
                   if c.personal or c.protected))

# Columns every raw table carries besides the contract's stored columns.
LINEAGE_COLUMNS = (
    ("person_key", "VARCHAR"),  # only on pseudonymised entities
    ("_extra", "JSON"),  # columns the contract does not know, kept (scrubbed) and reported
    ("_extract_date", "DATE"),
    ("_source_file", "VARCHAR"),
    ("_row_number", "BIGINT"),
    ("_row_hash", "UHUGEINT"),
    ("_loaded_at", "TIMESTAMP"),
)


def contracts_of(system: str) -> tuple[Contract, ...]:
    return tuple(c for c in CONTRACTS if c.system == system)


def render_markdown() -> str:
    """The contract as the tables in `docs/extract-contract.md` (`hr-pipeline contract` prints it)."""
    lines = [
        "# The extract contract",
        "",
        "Rendered from `hr_pipeline/ingest/contracts.py` by `hr-pipeline contract > docs/extract-contract.md`;",
        "a test fails when this file and the code disagree.",
        "",
        "Each source system drops one folder per extract, `landing/<system>/<YYYY-MM-DD>/`, holding one",
        "file per entity, named exactly as below (lower case, the system's suffix). Extracts are deltas: every",
        "record created or changed since the last one, with `updated_at`. An extract folder must be named by a",
        f"real date not after today plus {DATE_TOLERANCE.days} day(s); a folder that is not (`latest`, `2026-13-45`,",
        "`2099-01-01`) is refused and loaded once it is valid, a hidden one is ignored, a symlink leading out of",
        "the landing zone is refused. Text files are UTF-8 (a byte-order mark is fine); another encoding",
        "quarantines the file with a message naming the encoding problem.",
        "",
        "A file without a required column, or one that cannot be read, is quarantined whole. A row that does",
        "not fit goes to `raw.quarantine` (file, row, record key, field, reason) and the rest of the file loads:",
        "a value that does not parse, a CSV row with too many or too few fields or an unclosed quote, a JSON line",
        "that is not an object, a list or object where a single value is expected (or text where an object",
        f"is), an identifier that is an e-mail address, a timestamp after its folder's date plus {DATE_TOLERANCE.days} "
        "day(s).",
        "The quarantine keeps a failing value only masked (e-mail addresses, phone numbers and the row's own",
        "names replaced, cut short) and never for a personal or protected field. Header names are matched",
        "without regard to case, surrounding spaces or quotes. Fields the contract does not know are kept in",
        "`_extra` (read by exact name, scrubbed) unless their name looks personal (name, e-mail, phone,",
        "address, birth, gender, age, ...) or is empty: those are dropped. Either way they are reported.",
        "",
        "Every entry of the landing zone is accounted for in `raw.ingest_log`, rows in file = loaded +",
        "duplicate + quarantined (all empty for an entry that was not read), with its SHA-256, size and",
        "modification time. A file is loaded once per content: it is read again only when its size or",
        "modification time differ from the log's (and loaded again only when its SHA-256 does too). Each entry",
        "has one of these statuses:",
        "",
        "| status | meaning |",
        "|---|---|",
        *[f"| `{status}` | {meaning} |" for status, meaning in FILE_STATUSES.items()],
        "",
        "Flags: **key** = the entity's key; **req** = the column must be in every file; **not null** = a",
        "row without a value is quarantined; **personal** = never stored (the e-mail becomes `person_key`,",
        "an HMAC-SHA256 of the normalised address); **protected** = stored only in `protected.<table>`,",
        "read only by the fairness audit; **scrubbed** = e-mail addresses and phone numbers removed (as from",
        "every stored text but identifiers).",
        "",
        "## Dialects",
        "",
        "| system | file | dates | timestamps |",
        "|---|---|---|---|",
    ]
    for system, d in DIALECTS.items():
        dates = ", ".join(f"`{f}`" for f in d.date_formats) if d.file_format != "parquet" else "typed"
        stamps = ", ".join(f"`{f}`" for f in d.timestamp_formats) if d.file_format != "parquet" else "typed"
        lines.append(f"| {system} | {d.describe} | {dates} | {stamps} |")
    for contract in CONTRACTS:
        lines += ["", f"## {contract.system}.{contract.entity}", "",
                  f"{contract.description} File `{contract.file_name}`, key `{contract.key}`, versions ordered by "
                  f"`{contract.updated_at}`"
                  + (f"; critical attributes (quality gate): {', '.join(f'`{c}`' for c in contract.critical)}."
                     if contract.critical else "."),
                  "", "| column | type | source field | flags | allowed values | description |",
                  "|---|---|---|---|---|---|"]
        for c in contract.columns:
            flags = [flag for flag, on in (("key", c.name == contract.key), ("req", c.required),
                                           ("not null", not c.nullable), ("personal", c.personal),
                                           ("protected", c.protected), ("scrubbed", c.free_text)) if on]
            lines.append(f"| `{c.name}` | {c.type} | `{c.source_path}` | {', '.join(flags)} | "
                         f"{', '.join(c.allowed)} | {c.description} |")
    lines += [
        "",
        "## Outbound extracts",
        "",
        "What the pipeline hands back to a source system after each run: one folder per as-of date,",
        "`outbox/<system>/<YYYY-MM-DD>/` under the home, named by the warehouse's as-of date (its newest extract),",
        "holding one file per entity in the system's dialect (above). A file is written under a hidden temporary",
        "name and renamed, so a reader never sees part of one; a rerun for the same date replaces it. No names,",
        "e-mail addresses or protected attributes. Nothing here is ingested.",
    ]
    for out in OUTBOUND:
        lines += ["", f"## {out.system}.{out.entity} (outbound)", "",
                  f"{out.description} File `outbox/{out.system}/<YYYY-MM-DD>/{out.file_name}`, one row per "
                  f"`{out.key}`. Read by {out.reader}",
                  "", "| column | type | flags | allowed values | description |", "|---|---|---|---|---|"]
        for c in out.columns:
            flags = [flag for flag, on in (("key", c.name == out.key), ("not null", not c.nullable)) if on]
            lines.append(f"| `{c.name}` | {c.type} | {', '.join(flags)} | {', '.join(c.allowed)} | {c.description} |")
    return "\n".join(lines) + "\n"
