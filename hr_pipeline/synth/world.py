"""Simulate a firm's hiring and workforce history with planted effects and a drift event.

The simulation is vectorised per *generation* of requisitions: exits open requisitions, their
hires may exit again and open the next generation, until nothing more happens before the as-of
date. Each record carries `_event_at`, the moment it happened, which decides the weekly extract
it lands in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from hr_pipeline.ingest.contracts import CHANNELS, EDUCATION, JOB_FAMILIES
from hr_pipeline.synth.names import EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, LOCATIONS, ascii_fold


# Skills candidates write, in the spellings of different systems; the soft ones carry signal.
TECHNICAL_SKILLS = ("Python", "python3", "Py", "SQL", "Excel", "MS Excel", "Java", "JS", "JavaScript",
                    "Accounting", "Bookkeeping", "Sales", "Negotiation", "Project management")
SOFT_SKILLS = ("Communication", "communication skills", "Teamwork", "team player", "Leadership",
               "Problem solving", "Customer service", "Kommunikation")

CHANNEL_MIX = (0.15, 0.35, 0.10, 0.15, 0.25)  # referral, job_board, agency, career_site, linkedin
CHANNEL_MIX_AFTER_DRIFT = (0.08, 0.52, 0.15, 0.10, 0.15)
EDUCATION_MIX = (0.05, 0.25, 0.40, 0.25, 0.05)
FAMILY_MIX = (0.25, 0.2, 0.2, 0.15, 0.1, 0.1)
DEPARTMENT_OF_FAMILY = {
    "engineering": "Technology", "sales": "Commercial", "customer_service": "Customer Care",
    "operations": "Operations", "finance": "Finance", "hr": "People",
}

# Planted effects on the log-odds of hire success (employed at 12 months with rating >= 3).
EFFECTS = {
    "intercept": -5.3,
    "international_experience": 3.0,
    "soft_skill_mention": 1.4,
    "referral": 1.8,
    "agency": -0.4,
    "years_experience_per_year_capped_15": 0.06,
}
INTERNATIONAL_SHARE = 0.30
INTERNATIONAL_SHARE_AFTER_DRIFT = 0.12
INTERNATIONAL_EFFECT_AFTER_DRIFT = 0.0  # the relation that changes at the drift date

ANNUAL_EXIT_RATE = 0.18  # voluntary + involuntary exits of settled employees
ANNUAL_GROWTH = 0.05
ROUTING_CONFIDENCE = 0.70
RANDOM_SAMPLE_SHARE = 0.10


@dataclass(frozen=True)
class WorldSpec:
    employees: int = 250
    years: int = 3
    seed: int = 7
    as_of: date = date(2026, 11, 16)
    drift_at: date | None = None

    @property
    def end(self) -> pd.Timestamp:
        """The as-of date moved back to a Monday, the weekday extracts are cut."""
        ts = pd.Timestamp(self.as_of)
        return ts - pd.Timedelta(days=ts.weekday())

    @property
    def start(self) -> pd.Timestamp:
        return self.end - pd.Timedelta(weeks=52 * self.years)


@dataclass
class World:
    """Every entity as a DataFrame keyed by `<system>_<entity>`, plus ground truth."""

    spec: WorldSpec
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    truth_applications: pd.DataFrame | None = None


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _pick(rng, options, size, p=None):
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p)]


def _people(rng, prefix: str, numbers: np.ndarray) -> pd.DataFrame:
    """Names and e-mail addresses, unique through each person's number."""
    n = len(numbers)
    first = _pick(rng, FIRST_NAMES, n)
    last = _pick(rng, LAST_NAMES, n)
    domains = _pick(rng, EMAIL_DOMAINS, n)
    email = [f"{ascii_fold(f)}.{ascii_fold(l)}.{prefix}{i}@{d}" for f, l, i, d in zip(first, last, numbers, domains)]
    return pd.DataFrame({"first_name": first, "last_name": last, "email": email})


class _Simulator:
    def __init__(self, spec: WorldSpec):
        self.spec = spec
        self.rng = np.random.default_rng(spec.seed)
        self.drift_at = pd.Timestamp(spec.drift_at) if spec.drift_at else None
        self.n_employees = 0
        self.n_requisitions = 0
        self.n_applications = 0
        self.parts: dict[str, list[pd.DataFrame]] = {}

    def emit(self, table: str, frame: pd.DataFrame) -> None:
        self.parts.setdefault(table, []).append(frame)

    # -- workforce ---------------------------------------------------------------------------
    def new_employees(self, hire_dates: pd.Series, families: np.ndarray, people: pd.DataFrame,
                      exit_after_days: np.ndarray, voluntary: np.ndarray, created_at: pd.Series) -> pd.DataFrame:
        rng, n = self.rng, len(hire_dates)
        ids = [f"E{i:07d}" for i in range(self.n_employees, self.n_employees + n)]
        self.n_employees += n
        emp = pd.DataFrame({
            "employee_id": ids,
            "first_name": people["first_name"].to_numpy(),
            "last_name": people["last_name"].to_numpy(),
            "email": people["email"].to_numpy(),
            "hire_date": pd.to_datetime(hire_dates).dt.normalize().to_numpy(),
            "department": [DEPARTMENT_OF_FAMILY[f] for f in families],
            "job_family": families,
            "location": _pick(rng, LOCATIONS, n),
            "manager_id": None,
            "salary_band": _pick(rng, ("B1", "B2", "B3", "B4", "B5"), n, p=(0.2, 0.3, 0.25, 0.15, 0.1)),
            "updated_at": pd.to_datetime(created_at).to_numpy(),
        })
        emp["_exit_at"] = emp["hire_date"] + pd.to_timedelta(exit_after_days, unit="D")
        emp["_voluntary"] = voluntary
        emp["_event_at"] = emp["updated_at"]
        return emp

    def settled_exit_days(self, n: int) -> np.ndarray:
        return self.rng.exponential(365.0 / ANNUAL_EXIT_RATE, n)

    def initial_workforce(self) -> pd.DataFrame:
        rng, spec, n = self.rng, self.spec, self.spec.employees
        hire = spec.start - pd.to_timedelta(rng.uniform(30, 8 * 365, n).round(), unit="D")
        tenure_at_start = (spec.start - hire).days.to_numpy()
        exit_days = tenure_at_start + self.settled_exit_days(n)
        families = _pick(rng, JOB_FAMILIES, n, p=FAMILY_MIX)
        emp = self.new_employees(pd.Series(hire), families, _people(rng, "e", np.arange(n)), exit_days,
                                 rng.random(n) < 0.8, pd.Series(spec.start, index=range(n)))
        return emp

    # -- hiring --------------------------------------------------------------------------------
    def requisitions(self, opened_at: pd.Series, families: np.ndarray) -> pd.DataFrame:
        rng, n = self.rng, len(opened_at)
        ids = [f"R{i:07d}" for i in range(self.n_requisitions, self.n_requisitions + n)]
        self.n_requisitions += n
        pool = TECHNICAL_SKILLS + SOFT_SKILLS
        return pd.DataFrame({
            "requisition_id": ids,
            "job_title": [f"{f.replace('_', ' ').title()} Specialist" for f in families],
            "job_family": families,
            "department": [DEPARTMENT_OF_FAMILY[f] for f in families],
            "location": _pick(rng, LOCATIONS, n),
            "required_skills": [list(_pick(rng, pool, 3)) for _ in range(n)],
            "opened_at": pd.to_datetime(opened_at).dt.normalize().to_numpy(),
        })

    def hire_round(self, reqs: pd.DataFrame) -> pd.DataFrame:
        """Applicants, AI recommendations, recruiter decisions and one hire per requisition.

        Returns the new employees (hired before the as-of date)."""
        rng, spec = self.rng, self.spec
        n_apps = 8 + rng.poisson(14, len(reqs))
        apps = reqs.loc[reqs.index.repeat(n_apps)].reset_index(drop=True)
        n = len(apps)
        app_ids = np.arange(self.n_applications, self.n_applications + n)
        self.n_applications += n
        apps["application_id"] = [f"A{i:08d}" for i in app_ids]
        apps["candidate_id"] = [f"C{i:08d}" for i in app_ids]
        apps["applied_at"] = apps["opened_at"] + pd.to_timedelta(rng.uniform(0, 21, n), unit="D")
        after = (apps["applied_at"] >= self.drift_at).to_numpy() if self.drift_at is not None else np.zeros(n, bool)

        intl_share = np.where(after, INTERNATIONAL_SHARE_AFTER_DRIFT, INTERNATIONAL_SHARE)
        apps["international_experience"] = rng.random(n) < intl_share
        apps["years_experience"] = np.round(rng.gamma(2.0, np.where(after, 2.2, 3.5)), 1)
        apps["education"] = _pick(rng, EDUCATION, n, p=EDUCATION_MIX)
        channel_before = _pick(rng, CHANNELS, n, p=CHANNEL_MIX)
        channel_after = _pick(rng, CHANNELS, n, p=CHANNEL_MIX_AFTER_DRIFT)
        apps["source_channel"] = np.where(after, channel_after, channel_before)
        n_soft = rng.binomial(3, 0.35, n)
        n_tech = 1 + rng.poisson(2.0, n)
        apps["skills"] = [", ".join(list(_pick(rng, SOFT_SKILLS, s, None)) + list(_pick(rng, TECHNICAL_SKILLS, t)))
                          for s, t in zip(n_soft, n_tech)]
        apps["_n_soft"] = n_soft

        intl_effect = np.where(after, INTERNATIONAL_EFFECT_AFTER_DRIFT, EFFECTS["international_experience"])
        logit = (EFFECTS["intercept"]
                 + intl_effect * apps["international_experience"]
                 + EFFECTS["soft_skill_mention"] * n_soft
                 + EFFECTS["referral"] * (apps["source_channel"] == "referral")
                 + EFFECTS["agency"] * (apps["source_channel"] == "agency")
                 + EFFECTS["years_experience_per_year_capped_15"] * np.minimum(apps["years_experience"], 15))
        apps["_true_logit"] = logit.to_numpy(dtype=float)
        apps["_p_success"] = _sigmoid(apps["_true_logit"])

        # The deployed screening model: informative but noisy.
        score = _sigmoid(0.8 * apps["_true_logit"] + rng.normal(0, 0.7, n))
        apps["score"] = np.round(score, 4)
        apps["confidence"] = np.round(np.maximum(score, 1 - score), 4)
        apps["recommendation"] = np.where(score >= 0.5, "advance", "reject")
        apps["random_sample"] = rng.random(n) < RANDOM_SAMPLE_SHARE
        apps["routed_to_human"] = (apps["confidence"] < ROUTING_CONFIDENCE) | apps["random_sample"]
        apps["recommended_at"] = apps["applied_at"] + pd.to_timedelta(rng.uniform(0.05, 1.5, n), unit="D")

        # The recruiter agrees mostly, and overrides where their own reading differs strongly.
        own_view = apps["_true_logit"] + rng.normal(0, 1.0, n)
        recruiter_advance = own_view > 0.3
        overrides = (recruiter_advance != (apps["recommendation"] == "advance")) & (rng.random(n) < 0.35)
        apps["decision"] = np.where(overrides, np.where(apps["recommendation"] == "advance", "reject", "advance"),
                                    apps["recommendation"])
        apps["overrides_ai"] = overrides
        apps["decided_at"] = apps["recommended_at"] + pd.to_timedelta(rng.uniform(2, 21, n), unit="D")

        # One hire per requisition: the best interview among those advanced.
        interview = apps["_true_logit"] + rng.normal(0, 2.5, n) + np.where(apps["decision"] == "advance", 100, 0)
        apps["_interview"] = interview
        best = apps.groupby("requisition_id")["_interview"].idxmax()
        apps["hired"] = False
        apps.loc[best.to_numpy(), "hired"] = True
        last_decision = apps.groupby("requisition_id")["decided_at"].transform("max")
        apps["offer_at"] = last_decision + pd.to_timedelta(rng.uniform(5, 20, n), unit="D")
        apps["offer_accepted_at"] = apps["offer_at"] + pd.to_timedelta(rng.uniform(1, 6, n), unit="D")
        apps["start_date"] = (apps["offer_accepted_at"] + pd.to_timedelta(rng.integers(14, 43, n), unit="D")).dt.normalize()

        people = self.emit_hiring(reqs, apps, app_ids)
        hires = apps[apps["hired"] & (apps["start_date"] < spec.end)].reset_index(drop=True)
        return self.onboard(hires, people)

    def emit_hiring(self, reqs: pd.DataFrame, apps: pd.DataFrame, numbers: np.ndarray) -> pd.DataFrame:
        """Emit the ATS records of one hiring round; returns the candidates' names and e-mails."""
        people = _people(self.rng, "c", numbers)
        candidates = pd.concat([apps[["candidate_id"]], people], axis=1).assign(
            skills=apps["skills"], years_experience=apps["years_experience"], education=apps["education"],
            international_experience=apps["international_experience"], source_channel=apps["source_channel"],
            updated_at=apps["applied_at"], _event_at=apps["applied_at"])
        self.emit("ats_candidates", candidates)

        hired = apps["hired"]
        closing = apps.loc[hired, ["requisition_id", "offer_accepted_at"]]
        reqs_open = reqs.assign(closed_at=pd.NaT, updated_at=reqs["opened_at"], _event_at=reqs["opened_at"])
        reqs_closed = reqs.merge(closing, on="requisition_id").rename(columns={"offer_accepted_at": "updated_at"})
        reqs_closed["closed_at"] = reqs_closed["updated_at"].dt.normalize()
        reqs_closed["_event_at"] = reqs_closed["updated_at"]
        self.emit("ats_requisitions", pd.concat([reqs_open, reqs_closed], ignore_index=True))

        base = apps[["application_id", "candidate_id", "requisition_id", "applied_at"]]
        screened = np.where(apps["decision"] == "advance", "interview", "rejected")
        final = np.where(hired, "hired", "rejected")
        versions = [
            base.assign(stage="applied", updated_at=apps["applied_at"]),
            base.assign(stage=screened, updated_at=apps["decided_at"]),
            base[apps["decision"] == "advance"].assign(
                stage=final[apps["decision"] == "advance"], updated_at=apps.loc[apps["decision"] == "advance", "offer_accepted_at"]),
        ]
        applications = pd.concat(versions, ignore_index=True)
        applications["_event_at"] = applications["updated_at"]
        self.emit("ats_applications", applications)

        self.emit("ats_ai_recommendations", pd.DataFrame({
            "recommendation_id": "REC" + apps["application_id"].str[1:],
            "application_id": apps["application_id"],
            "model_version": np.where(apps["recommended_at"] < pd.Timestamp(self.spec.start) + pd.Timedelta(weeks=52),
                                      "vendor-screen-1.0", "vendor-screen-1.1"),
            "score": apps["score"], "confidence": apps["confidence"], "recommendation": apps["recommendation"],
            "routed_to_human": apps["routed_to_human"], "random_sample": apps["random_sample"],
            "recommended_at": apps["recommended_at"], "_event_at": apps["recommended_at"],
        }))

        reason_code = np.where(apps["overrides_ai"],
                               _pick(self.rng, ("communication", "experience_mismatch", "skills_gap", "culture_add"), len(apps)),
                               "agrees_with_ai")
        reason_text = np.where(apps["overrides_ai"], "Recruiter view differs from the AI: " + reason_code, None)
        self.emit("ats_recruiter_decisions", pd.DataFrame({
            "decision_id": "D" + apps["application_id"].str[1:],
            "application_id": apps["application_id"], "decision": apps["decision"],
            "overrides_ai": apps["overrides_ai"], "reason_code": reason_code, "reason_text": reason_text,
            "decided_at": apps["decided_at"], "_event_at": apps["decided_at"],
        }))

        h = apps[hired]
        self.emit("ats_hires", pd.DataFrame({
            "hire_id": "H" + h["application_id"].str[1:], "application_id": h["application_id"],
            "offer_accepted_at": h["offer_accepted_at"], "start_date": h["start_date"],
            "updated_at": h["offer_accepted_at"], "_event_at": h["offer_accepted_at"],
        }))
        truth = apps[["application_id", "candidate_id", "requisition_id", "applied_at", "_p_success", "hired"]]
        self.emit("truth_applications", truth.rename(columns={"_p_success": "p_success"}))
        return candidates.set_index("candidate_id")[["first_name", "last_name", "email"]]

    def onboard(self, hires: pd.DataFrame, candidate_people: pd.DataFrame) -> pd.DataFrame:
        """Turn hires into employees whose first year follows their true success."""
        rng, n = self.rng, len(hires)
        success = rng.random(n) < hires["_p_success"].to_numpy()
        leaves_early = ~success & (rng.random(n) < 0.6)
        exit_days = np.where(leaves_early, rng.uniform(30, 350, n), 370 + self.settled_exit_days(n))
        voluntary = np.where(leaves_early, rng.random(n) < 0.75, rng.random(n) < 0.8)
        people = candidate_people.loc[hires["candidate_id"]].reset_index(drop=True)
        emp = self.new_employees(hires["start_date"], hires["job_family"].to_numpy(), people, exit_days, voluntary,
                                 hires["offer_accepted_at"] + pd.to_timedelta(7, unit="D"))
        emp["_hire_success"] = success
        emp["application_id"] = hires["application_id"].to_numpy()
        self.emit("truth_hires", emp[["application_id", "employee_id", "_hire_success"]].rename(
            columns={"_hire_success": "hire_success"}))
        return emp

    # -- follow-up -----------------------------------------------------------------------------
    def replacement_requisitions(self, emp: pd.DataFrame) -> pd.DataFrame:
        leaving = emp[emp["_exit_at"] < self.spec.end + pd.Timedelta(days=14)]
        opened = (leaving["_exit_at"] - pd.Timedelta(days=14)).clip(lower=self.spec.start)
        return self.requisitions(opened.reset_index(drop=True), leaving["job_family"].to_numpy())

    def growth_requisitions(self) -> pd.DataFrame:
        spec, rng = self.spec, self.rng
        n = int(round(spec.employees * ANNUAL_GROWTH * spec.years))
        opened = spec.start + pd.to_timedelta(rng.uniform(0, (spec.end - spec.start).days, n), unit="D")
        return self.requisitions(pd.Series(opened), _pick(rng, JOB_FAMILIES, n, p=FAMILY_MIX))

    def emit_workforce(self, emp: pd.DataFrame) -> None:
        rng, spec = self.rng, self.spec
        self.emit("hris_employees", emp)
        left = emp[emp["_exit_at"] < spec.end]
        vol = left["_voluntary"].to_numpy()
        self.emit("hris_terminations", pd.DataFrame({
            "termination_id": "T" + left["employee_id"].str[1:],
            "employee_id": left["employee_id"],
            "termination_date": left["_exit_at"].dt.normalize(),
            "termination_type": np.where(vol, "voluntary", "involuntary"),
            "reason": np.where(vol, _pick(rng, ("new_job", "relocation", "career_change", "compensation"), len(left)),
                               _pick(rng, ("performance", "restructuring", "misconduct"), len(left))),
            "updated_at": left["_exit_at"], "_event_at": left["_exit_at"],
        }))
        self.emit_reviews(emp)

    def emit_reviews(self, emp: pd.DataFrame) -> None:
        """A rating every six months; a new hire's 12-month rating follows their true success."""
        rng, spec = self.rng, self.spec
        success = emp["_hire_success"].astype("boolean").fillna(True).to_numpy(bool)  # settled staff rate as good
        frames = []
        max_k = int((spec.end - emp["hire_date"].min()).days // 182) + 1
        for k in range(1, max_k + 1):
            when = emp["hire_date"] + pd.DateOffset(months=6 * k)
            live = ((when < emp["_exit_at"]) & (when >= spec.start) & (when < spec.end)).to_numpy()
            if not live.any():
                continue
            good = _pick(rng, (3, 4, 5), len(emp), p=(0.45, 0.4, 0.15))
            weak = _pick(rng, (1, 2), len(emp), p=(0.3, 0.7))
            ordinary = _pick(rng, (1, 2, 3, 4, 5), len(emp), p=(0.03, 0.12, 0.45, 0.3, 0.1))
            rating = np.where(k <= 2, np.where(success, good, weak), ordinary)
            sub = emp.loc[live, ["employee_id"]].assign(review_date=when[live].dt.normalize(), rating=rating[live].astype(int))
            frames.append(sub)
        if frames:
            reviews = pd.concat(frames, ignore_index=True)
            reviews["review_id"] = "PR" + reviews["employee_id"].str[1:] + "-" + reviews["review_date"].dt.strftime("%Y%m%d")
            reviews["updated_at"] = reviews["review_date"] + pd.Timedelta(hours=9)
            reviews["_event_at"] = reviews["updated_at"]
            self.emit("hris_performance_reviews", reviews)

    def emit_timesheets(self, employees: pd.DataFrame) -> None:
        rng, spec = self.rng, self.spec
        hire = employees["hire_date"].to_numpy()
        exit_ = employees["_exit_at"].to_numpy()
        ids = employees["employee_id"].to_numpy()
        for week in pd.date_range(spec.start, spec.end - pd.Timedelta(weeks=1), freq="7D"):
            active = (hire <= week.to_datetime64()) & (exit_ > (week + pd.Timedelta(days=7)).to_datetime64())
            m = int(active.sum())
            sick = rng.poisson(0.15, m).clip(0, 5)
            vacation = np.where(rng.random(m) < 0.08, 5, rng.poisson(0.1, m)).clip(0, 5)
            hours = np.round(np.clip(rng.normal(37.5, 2.5, m) * (5 - sick - vacation) / 5, 0, 60), 1)
            overtime = np.round(np.where(hours > 0, rng.gamma(1.2, 1.5, m), 0), 1)
            stamp = week + pd.Timedelta(days=6, hours=18)
            self.emit("timetracking_timesheets", pd.DataFrame({
                "timesheet_id": [f"{e}-{week:%Y%m%d}" for e in ids[active]],
                "employee_id": ids[active], "week_start": week, "hours_worked": hours,
                "overtime_hours": overtime, "sick_days": sick.astype(float), "vacation_days": vacation.astype(float),
                "updated_at": stamp, "_event_at": stamp,
            }))

    def run(self) -> World:
        everyone = [self.initial_workforce()]
        reqs = pd.concat([self.replacement_requisitions(everyone[0]), self.growth_requisitions()], ignore_index=True)
        while len(reqs):
            hires = self.hire_round(reqs)
            everyone.append(hires)
            reqs = self.replacement_requisitions(hires)
        employees = pd.concat(everyone, ignore_index=True)
        self.emit_workforce(employees)
        self.emit_timesheets(employees)

        world = World(self.spec)
        for table, parts in self.parts.items():
            frame = pd.concat(parts, ignore_index=True)
            if table.startswith("truth_"):
                continue
            world.tables[table] = frame[frame["_event_at"] < self.spec.end].reset_index(drop=True)
        truth = pd.concat(self.parts["truth_applications"], ignore_index=True)
        hires = pd.concat(self.parts.get("truth_hires", []), ignore_index=True)
        world.truth_applications = truth.merge(hires, on="application_id", how="left")
        return world


def simulate(spec: WorldSpec) -> World:
    """The whole history of one synthetic firm, deterministic for the spec."""
    return _Simulator(spec).run()
