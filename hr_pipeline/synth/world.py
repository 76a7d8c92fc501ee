"""Simulate a firm's hiring and workforce history with planted effects and a drift event.

Requisitions are simulated in chunks: each chunk's applicants, screening, interviews, offers and
hires at once (numpy). Hires become employees whose exits open further requisitions, queued behind
the others, as do unfilled requisitions when they are reposted. Employees are simulated in
batches: exits, reviews, surveys, skills, trainings, job changes and weekly timesheets. Every
chunk's records go to a `Sink` (which spills them to Parquet), so memory stays bounded whatever
the size. Identifiers are integers here; the extract writer formats them.

Times are int64 seconds since the epoch, dates int days since the epoch, categories integer codes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.special import expit, logit, ndtr

from hr_pipeline.ingest.contracts import (AGE_BANDS, CHANNELS, CUSTOMER_FACING_FAMILIES, EDUCATION, ETHNICITIES,
                                          GENDERS, JOB_CHANGE_TYPES, JOB_FAMILIES, OFFER_STATUSES, REASON_CODES,
                                          SALARY_BANDS, STAGES)
from hr_pipeline.synth import effects as fx
from hr_pipeline.synth.defects import DefectRates
from hr_pipeline.synth import names as nm
from hr_pipeline.synth import vocabulary as vc
from hr_pipeline.synth.spec import WorldSpec

DAY = 86_400
WEEK = 7 * DAY
YEAR = 365.25 * DAY
REQUISITIONS_PER_CHUNK = 2_000
EMPLOYEES_PER_BATCH = 8_000
INITIAL_LOAD = -3 * DAY + 17 * 3_600  # the Friday before the window: the full state, in the first extract

STAGE = {s: i for i, s in enumerate(STAGES)}
CHANNEL = {c: i for i, c in enumerate(CHANNELS)}
CUSTOMER_FACING = np.isin(np.array(JOB_FAMILIES), CUSTOMER_FACING_FAMILIES)
JOB_TITLES = tuple(t for f in JOB_FAMILIES for t in vc.JOB_TITLES[f])
TITLES_PER_FAMILY = len(vc.JOB_TITLES[JOB_FAMILIES[0]])
FAMILY_POOLS = [np.array([vc.SKILL_INDEX[s] for s in vc.FAMILY_SKILLS[f]]) for f in JOB_FAMILIES]
DEPARTMENTS = tuple(vc.DEPARTMENT_OF_FAMILY[f] for f in JOB_FAMILIES)
REASON_TEXTS = tuple(t for c in REASON_CODES for t in vc.REASON_TEXTS[c])
REASON_TEXT_FIRST = np.cumsum([0] + [len(vc.REASON_TEXTS[c]) for c in REASON_CODES])
COURSE_HOURS = np.array([h for _, h in vc.COURSES])
TERMINATION_REASONS = vc.VOLUNTARY_REASONS + vc.INVOLUNTARY_REASONS
PII_TEMPLATES = vc.PII_PHONE_TEMPLATES + vc.PII_EMAIL_TEMPLATES
SKILL_WORDS = {system: np.array([getattr(s, system) for s in vc.SKILLS], dtype=object) for system in ("ats", "hris")}
VARIANTS = np.array([v for s in vc.SKILLS for v in s.variants], dtype=object)
VARIANT_COUNT = np.array([len(s.variants) for s in vc.SKILLS])
VARIANT_FIRST = np.cumsum(VARIANT_COUNT) - VARIANT_COUNT
UNKNOWN_SKILLS = np.array(vc.UNKNOWN_SKILLS, dtype=object)


class Sink(Protocol):
    def __call__(self, table: str, frame: pd.DataFrame) -> None: ...


def _pick(rng, p, n) -> np.ndarray:
    """Category codes drawn with probabilities `p`."""
    return np.searchsorted(np.cumsum(p) / np.sum(p), rng.random(n), side="right").astype(np.int16)


def _office_hours(rng, t: np.ndarray) -> np.ndarray:
    """The same day, at a random time between 07:30 and 17:30."""
    return t - t % DAY + (27_000 + rng.integers(0, 36_000, len(t)))


def _monday_after(t: np.ndarray) -> np.ndarray:
    day = t // DAY
    return day + 7 - (day + 3) % 7


def _add_months(days: np.ndarray, months) -> np.ndarray:
    """Calendar months later, clamped to the month's last day (as SQL date arithmetic does)."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    target = month + months
    last = (target + 1).astype("datetime64[D]") - 1
    return np.minimum(target.astype("datetime64[D]") + (d - month.astype("datetime64[D]")), last).astype(np.int64)


def _month_of(t: np.ndarray) -> np.ndarray:
    return (t // DAY).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12


def _categorical(codes, categories) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int32), categories=list(categories))


def _ts(t) -> np.ndarray:
    return np.asarray(t, dtype=np.int64).astype("datetime64[s]")


def _days(d) -> np.ndarray:
    return np.asarray(d, dtype=np.int64).astype("datetime64[D]")


def _group_rank(groups: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Rank (0 = first) of each row within its group, by `order` ascending; groups any ints."""
    idx = np.lexsort((order, groups))
    g = groups[idx]
    first = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    rank_sorted = np.arange(len(g)) - np.repeat(first, np.diff(np.r_[first, len(g)]))
    rank = np.empty(len(g), np.int64)
    rank[idx] = rank_sorted
    return rank


def _spell(noise_rng, skills: np.ndarray, system: str, variant_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Skill codes in the system's spelling, a share spelled as a variant instead; returns the
    spellings and which mentions are variants."""
    usual = SKILL_WORDS[system][skills]
    hit = (VARIANT_COUNT[skills] > 0) & (noise_rng.random(len(skills)) < variant_rate)
    pick = noise_rng.integers(0, 1 << 30, hit.sum()) % np.maximum(VARIANT_COUNT[skills[hit]], 1)
    text = usual.copy()
    text[hit] = VARIANTS[VARIANT_FIRST[skills[hit]] + pick]
    return text, hit


def _proficiency(rng, n: int) -> np.ndarray:
    return np.clip(1 + rng.binomial(4, 0.55, n), 1, 5).astype(np.int32)


def _draw_skills(rng, pools: list[np.ndarray], families: np.ndarray, n_tech: np.ndarray, n_soft: np.ndarray,
                 communication: np.ndarray | None = None):
    """Distinct technical skills from each row's family pool and distinct soft skills, as long arrays
    (owner row, skill) ordered by owner. With `communication` (the trait, per row), the stronger
    communicators name communication among their soft skills more often."""
    owners, skills = [], []
    for f, pool in enumerate(pools):
        rows = np.flatnonzero(families == f)
        if len(rows):
            take = np.minimum(n_tech[rows], len(pool))
            order = np.argsort(rng.random((len(rows), len(pool))), axis=1)
            keep = np.arange(len(pool))[None, :] < take[:, None]
            owners.append(np.repeat(rows, take))
            skills.append(pool[order][keep])
    soft = np.array(vc.SOFT_SKILLS)
    key = rng.random((len(families), len(soft)))
    if communication is not None:
        key[:, soft == vc.SKILL_INDEX["communication"]] -= fx.COMMUNICATION_MENTION * communication[:, None]
    order = np.argsort(key, axis=1)
    keep = np.arange(len(soft))[None, :] < n_soft[:, None]
    owners.append(np.repeat(np.arange(len(families)), n_soft))
    skills.append(soft[order][keep])
    owners, skills = np.concatenate(owners), np.concatenate(skills)
    by_owner = np.argsort(owners, kind="stable")
    return owners[by_owner], skills[by_owner]


def _voluntary_exit(e: np.ndarray, t0: np.ndarray, ep_start: np.ndarray, ep_end: np.ndarray,
                    mult: np.ndarray) -> np.ndarray:
    """When the voluntary hazard, summed from `t0`, reaches `e` (an Exp(1) draw): the base rate, rising
    linearly through the burnout episode to `mult` times it at the episode's end, held there for
    `BURNOUT_AFTER_WEEKS` (the notice of someone who decided to leave), then the base rate again."""
    rate = fx.VOLUNTARY_EXIT_PER_YEAR / YEAR
    length = np.maximum(ep_end - ep_start, 1).astype(float)
    after_end = ep_end + fx.BURNOUT_AFTER_WEEKS * WEEK
    before = (ep_start - t0) * rate  # the hazard summed up to each phase's end
    ramp = before + length * rate * (1 + mult) / 2
    held = ramp + (after_end - ep_end) * rate * mult
    # inside the ramp the sum is rate x + a x^2 after the start, a = rate (mult - 1) / (2 length)
    left = np.maximum(e - before, 0)
    x = 2 * left / (rate + np.sqrt(rate**2 + 2 * rate * (mult - 1) / length * left))
    return np.select([e < before, e < ramp, e < held],
                     [t0 + e / rate, ep_start + x, ep_end + (e - ramp) / (rate * mult)],
                     after_end + (e - held) / rate)


class Simulator:
    """One firm's history, written chunk by chunk to a sink; deterministic for the spec."""

    def __init__(self, spec: WorldSpec, sink: Sink, defects: DefectRates):
        """`defects`: the rates of the defects made here (skill variants and unknown skills, contact
        details in free text, late outcomes, hires booked twice, hires with a private e-mail); the
        writer marks the others."""
        self.spec, self.sink, self.defects = spec, sink, defects
        self.rng = np.random.default_rng(spec.seed)
        self.noise_rng = np.random.default_rng([spec.seed, 1])  # defects never change the world itself
        # The hiring-manager survey draws apart too, so adding it changed no other record of a seed's world.
        self.survey_rng = np.random.default_rng([spec.seed, 3])
        self.start = int(spec.start.value // 10**9)
        self.end = int(spec.end.value // 10**9)
        self.initial_load = self.start + INITIAL_LOAD
        self.drift = int(pd.Timestamp(spec.drift_at).value // 10**9) if spec.drift_at else None
        self.counters: dict[str, int] = defaultdict(int)
        self.managers: list[np.ndarray] = []

    def ids(self, kind: str, n: int) -> np.ndarray:
        first = self.counters[kind]
        self.counters[kind] += n
        return np.arange(first, first + n, dtype=np.int64)

    def log_skills(self, table: str, column: str, keys: np.ndarray, defect: str, detail) -> None:
        """Skill-mention defects, logged against their record's key once its versions land."""
        self.sink("defects_skills", pd.DataFrame({"table": table, "key": keys, "column": column, "defect": defect,
                                                  "detail": detail}))

    def spelled(self, table: str, column: str, keys: np.ndarray, owners: np.ndarray, skills: np.ndarray,
                system: str) -> np.ndarray:
        """Skill mentions (long, ordered by owner row) in the system's spelling; the variants are
        logged against their record's key. Returns the spellings."""
        text, hit = _spell(self.noise_rng, skills, system, self.defects.skill_variant)
        usual = SKILL_WORDS[system][skills[hit]]
        self.log_skills(table, column, keys[owners[hit]], "skill_variant",
                        pd.Series(usual, dtype=object) + " -> " + text[hit])
        return text

    def unknown_skills(self, mentions: int) -> tuple[np.ndarray, np.ndarray]:
        """The mentions after which their owner adds a skill the taxonomy does not know (`unknown_skill`
        per mention, so the unmapped share follows the rate), and the spellings added."""
        hit = np.flatnonzero(self.noise_rng.random(mentions) < self.defects.unknown_skill)
        return hit, UNKNOWN_SKILLS[self.noise_rng.integers(0, len(UNKNOWN_SKILLS), len(hit))]

    def skill_lists(self, table: str, column: str, keys: np.ndarray, owners: np.ndarray, skills: np.ndarray,
                    system: str, unknown: bool = False) -> pd.arrays.ArrowExtensionArray:
        """One list of spelled skills per record (see `spelled`); with `unknown`, people's lists end with
        the skills outside the taxonomy they add (see `unknown_skills`)."""
        text = self.spelled(table, column, keys, owners, skills, system)
        if unknown:
            hit, extra = self.unknown_skills(len(owners))
            self.log_skills(table, column, keys[owners[hit]], "unknown_skill", extra)
            order = np.argsort(np.r_[owners, owners[hit]], kind="stable")
            owners, text = np.r_[owners, owners[hit]][order], np.r_[text, extra][order]
        offsets = np.r_[0, np.cumsum(np.bincount(owners, minlength=len(keys)))].astype(np.int32)
        return pd.arrays.ArrowExtensionArray(pa.ListArray.from_arrays(pa.array(offsets), pa.array(text, pa.string())))

    # -- people ----------------------------------------------------------------------------------
    def people(self, n: int, offices: np.ndarray, years_experience: np.ndarray) -> dict[str, np.ndarray]:
        """Person number, names, country, phone and demographics; names follow country and gender."""
        rng = self.rng
        home = np.array(nm.OFFICE_COUNTRY)[offices]
        country = np.where(rng.random(n) < 0.75, home, rng.integers(0, len(nm.COUNTRIES), n))
        gender = _pick(rng, (0.47, 0.47, 0.02, 0.04), n)
        name_gender = np.where(gender < 2, gender, rng.integers(0, 2, n))
        per_country = 2 * nm.FIRST_PER_GENDER
        first = country * per_country + name_gender * nm.FIRST_PER_GENDER + rng.integers(0, nm.FIRST_PER_GENDER, n)
        last = country * nm.LAST_PER_COUNTRY + rng.integers(0, nm.LAST_PER_COUNTRY, n)
        age = 22 + years_experience + rng.normal(2, 3, n)
        age_band = np.digitize(age, (25, 35, 45, 55))
        age_band = np.where(rng.random(n) < 0.05, AGE_BANDS.index("undisclosed"), age_band)
        ethnicity = _pick(rng, (0.75, fx.MINORITY_SHARE, 0.05), n)
        phone = np.where(rng.random(n) < 0.9, rng.integers(0, 10**8, n), -1)
        return {"_person": self.ids("person", n), "_first": first, "_last": last, "_country": country,
                "_phone": phone, "gender": gender, "age_band": age_band, "ethnicity": ethnicity}

    # -- requisitions ----------------------------------------------------------------------------
    def requisitions(self, open_t: np.ndarray, families: np.ndarray, offices: np.ndarray) -> pd.DataFrame:
        keep = open_t < self.end
        return pd.DataFrame({"open_t": _office_hours(self.rng, open_t[keep]), "family": families[keep],
                             "office": offices[keep]})

    def seasonal(self, t: np.ndarray) -> np.ndarray:
        """Postpone some openings in quiet months, so more requisitions open in spring and autumn."""
        season = np.array(fx.SEASON) / max(fx.SEASON)
        for _ in range(3):
            late = self.rng.random(len(t)) > season[_month_of(t)]
            t = np.where(late, t + self.rng.integers(20 * DAY, 45 * DAY, len(t)), t)
        return t

    def replacements(self, emp: pd.DataFrame) -> pd.DataFrame:
        """A requisition for every leaver, opened during the notice period (clipped to the window)."""
        exit_t = emp["exit_t"].to_numpy()
        leaving = exit_t < self.end + 30 * DAY
        notice = np.where(emp["voluntary"].to_numpy()[leaving], self.rng.integers(14 * DAY, 56 * DAY, leaving.sum()),
                          self.rng.integers(0, 14 * DAY, leaving.sum()))
        opened = np.maximum(self.seasonal(exit_t[leaving] - notice), self.start)
        return self.requisitions(opened, emp["family"].to_numpy()[leaving], emp["office"].to_numpy()[leaving])

    def growth(self) -> pd.DataFrame:
        """Requisitions for new positions, `ANNUAL_GROWTH` of the headcount a year (at least one a
        year, so even the smallest firm recruits), seasonal."""
        rng, spec = self.rng, self.spec
        n = max(spec.years, round(spec.employees * fx.ANNUAL_GROWTH * spec.years))
        months = np.arange(spec.start.to_period("M").ordinal, spec.end.to_period("M").ordinal)
        weight = np.array(fx.SEASON)[months % 12]
        month = months[_pick(rng, weight, n)]
        first_day = month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        opened = np.clip((first_day + rng.integers(0, 28, n)) * DAY, self.start, None)
        return self.requisitions(opened, _pick(rng, fx.FAMILY_MIX, n), _pick(rng, nm.OFFICE_SHARE, n))

    # -- workforce -------------------------------------------------------------------------------
    def initial_workforce(self) -> pd.DataFrame:
        rng, n = self.rng, self.spec.employees
        families = _pick(rng, fx.FAMILY_MIX, n)
        offices = _pick(rng, nm.OFFICE_SHARE, n)
        tenure = rng.uniform(30, 10 * 365, n)
        experience = tenure / 365 + rng.gamma(2.0, 2.5, n)
        emp = pd.DataFrame({
            "employee_id": self.ids("employee", n), "application_id": -1, "family": families, "office": offices,
            **self.people(n, offices, experience),
            "hire_day": (self.start - tenure * DAY).astype(np.int64) // DAY,
            "created_t": self.initial_load,
            "salary_band": np.clip(np.floor(experience / 5) + rng.integers(-1, 2, n), 0, 4).astype(np.int16),
            "rating_mean": rng.normal(fx.STAFF_RATING_MEAN, fx.STAFF_RATING_SD, n),
            "rating12": np.zeros(n, np.int16), "retained12": np.ones(n, bool),
            "hazard_from": np.full(n, self.start, np.int64), "_unmatched_hire": -1,
        })
        emp["manager_id"] = self.assign_managers(emp)
        return self.exits(emp)

    def assign_managers(self, emp: pd.DataFrame) -> np.ndarray:
        """Managers come from the initial staff; each family's first manager heads it (no manager)."""
        rng, families = self.rng, emp["family"].to_numpy()
        ids = emp["employee_id"].to_numpy()
        if not self.managers:
            is_manager = rng.random(len(emp)) < 0.08
            for f in range(len(JOB_FAMILIES)):
                pool = ids[(families == f) & is_manager]
                self.managers.append(pool if len(pool) else ids[families == f][:1])
        manager = np.full(len(emp), -1, np.int64)
        for f, pool in enumerate(self.managers):
            rows = np.flatnonzero(families == f)
            if len(pool):
                manager[rows] = pool[rng.integers(0, len(pool), len(rows))]
                heads = rows[ids[rows] == pool[0]]
                manager[heads] = -1
        return manager

    def exits(self, emp: pd.DataFrame) -> pd.DataFrame:
        """Exit time and kind, and the burnout episode that raises the voluntary hazard.

        First-year leavers of new hires follow the hire model (`retained12`); from `hazard_from` on,
        voluntary exits follow a constant hazard raised by the one burnout episode (see
        `_voluntary_exit`), and involuntary exits a constant hazard."""
        rng, n = self.rng, len(emp)
        t0 = emp["hazard_from"].to_numpy()
        ep_start = t0 + (rng.exponential(1 / fx.BURNOUT_PER_YEAR, n) * YEAR).astype(np.int64)
        ep_end = ep_start + rng.integers(fx.BURNOUT_WEEKS[0] * WEEK, fx.BURNOUT_WEEKS[1] * WEEK, n)
        trained = rng.random(n) < fx.BURNOUT_TRAINED_SHARE
        mult = np.where(trained, fx.BURNOUT_TRAINED_HAZARD_MULTIPLIER, fx.BURNOUT_HAZARD_MULTIPLIER)
        voluntary_t = _voluntary_exit(rng.exponential(1.0, n), t0, ep_start, ep_end, mult)
        involuntary_t = t0 + rng.exponential(1 / fx.INVOLUNTARY_EXIT_PER_YEAR, n) * YEAR
        exit_t = np.minimum(voluntary_t, involuntary_t)
        voluntary = voluntary_t <= involuntary_t
        early = ~emp["retained12"].to_numpy()
        start_t = emp["hire_day"].to_numpy() * DAY
        exit_t = np.where(early, start_t + rng.integers(30 * DAY, 365 * DAY, n), exit_t)
        voluntary = np.where(early, rng.random(n) < fx.FIRST_YEAR_LEAVERS_VOLUNTARY, voluntary)
        exit_t = _office_hours(rng, exit_t.astype(np.int64))
        return emp.assign(exit_t=exit_t, voluntary=voluntary, ep_start=ep_start, ep_end=ep_end, trained=trained,
                          hazard_multiplier=mult)

    def workforce(self, emp: pd.DataFrame, skills: pd.DataFrame | None = None) -> None:
        """Every HRIS and time-tracking record of these employees, in batches."""
        for lo in range(0, len(emp), EMPLOYEES_PER_BATCH):
            batch = emp.iloc[lo:lo + EMPLOYEES_PER_BATCH].reset_index(drop=True)
            owned = None if skills is None else skills[skills["employee_id"].isin(batch["employee_id"])]
            self.employee_records(batch)
            self.terminations(batch)
            self.reviews(batch)
            self.surveys(batch)
            self.manager_surveys(batch)
            self.employee_skills(batch, owned)
            self.trainings(batch)
            self.timesheets(batch)
            self.truth_employees(batch)

    def employed_window(self, emp: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """From the later of hire and window start to the earlier of exit and as-of."""
        lo = np.maximum(emp["hire_day"].to_numpy() * DAY, self.start)
        hi = np.minimum(emp["exit_t"].to_numpy(), self.end)
        return lo, np.maximum(hi, lo)

    def employee_records(self, emp: pd.DataFrame) -> None:
        """The first version of each record, then one per job change (promotion, transfer, band change)."""
        rng = self.rng
        lo, hi = self.employed_window(emp)
        lo = np.maximum(lo, emp["hire_day"].to_numpy() * DAY + 180 * DAY)
        years = np.clip(hi - lo, 0, None) / YEAR
        n_changes = rng.poisson(fx.JOB_CHANGES_PER_YEAR * years)
        who = np.repeat(np.arange(len(emp)), n_changes)
        when = _office_hours(rng, (lo[who] + rng.random(len(who)) * (hi[who] - lo[who])).astype(np.int64))
        order = np.lexsort((when, who))
        who, when = who[order], when[order]
        kind = _pick(rng, (0.5, 0.2, 0.3), len(who))  # in the order of JOB_CHANGE_TYPES
        step = np.where(kind == 0, 1, np.where(kind == 2, rng.choice((-1, 1), len(who)), 0))
        band = np.clip(emp["salary_band"].to_numpy()[who] + pd.Series(step).groupby(who).cumsum().to_numpy(), 0, 4)
        new_family = np.where(kind == 1, _pick(rng, fx.FAMILY_MIX, len(who)), -1)
        family = pd.Series(np.where(new_family >= 0, new_family, np.nan)).groupby(who).ffill().to_numpy()
        family = np.where(np.isnan(family), emp["family"].to_numpy()[who], family).astype(np.int16)
        changes = pd.DataFrame({
            "job_change_id": self.ids("job_change", len(who)), "employee_id": emp["employee_id"].to_numpy()[who],
            "change_date": _days(when // DAY), "change_type": _categorical(kind, JOB_CHANGE_TYPES),
            "new_job_family": _categorical(family, JOB_FAMILIES), "new_salary_band": _categorical(band, SALARY_BANDS),
            "updated_at": _ts(when)})
        self.sink("hris_job_changes", changes)

        first = emp.assign(version_t=emp["created_t"])
        later = emp.iloc[who].assign(version_t=when, family=family, salary_band=band)
        versions = pd.concat([first, later], ignore_index=True)
        versions = versions[versions["version_t"] < self.end]
        fam = versions["family"].to_numpy()
        self.sink("hris_employees", pd.DataFrame({
            "employee_id": versions["employee_id"].to_numpy(),
            **{c: versions[c].to_numpy() for c in ("_person", "_first", "_last", "_country", "_phone",
                                                   "_unmatched_hire")},
            "gender": _categorical(versions["gender"], GENDERS),
            "age_band": _categorical(versions["age_band"], AGE_BANDS),
            "ethnicity": _categorical(versions["ethnicity"], ETHNICITIES),
            "hire_date": _days(versions["hire_day"]), "department": _categorical(fam, DEPARTMENTS),
            "job_family": _categorical(fam, JOB_FAMILIES), "location": _categorical(versions["office"], nm.OFFICES),
            "manager_id": versions["manager_id"].to_numpy(),
            "salary_band": _categorical(versions["salary_band"], SALARY_BANDS),
            "updated_at": _ts(versions["version_t"])}))

    def late(self, n: int, rng: np.random.Generator | None = None) -> np.ndarray:
        """Weeks an outcome record arrives late (0 = on time): `late_outcome` of them 1-8 weeks."""
        rng = self.noise_rng if rng is None else rng
        weeks = rng.integers(1, 9, n)
        return np.where(rng.random(n) < self.defects.late_outcome, weeks, 0)

    def terminations(self, emp: pd.DataFrame) -> None:
        left = emp[emp["exit_t"] < self.end]
        n, vol = len(left), left["voluntary"].to_numpy()
        reason = np.where(vol, self.rng.integers(0, len(vc.VOLUNTARY_REASONS), n),
                          len(vc.VOLUNTARY_REASONS) + self.rng.integers(0, len(vc.INVOLUNTARY_REASONS), n))
        late = self.late(n)
        exit_t = left["exit_t"].to_numpy()
        self.sink("hris_terminations", pd.DataFrame({
            "termination_id": left["employee_id"].to_numpy(), "employee_id": left["employee_id"].to_numpy(),
            "termination_date": _days(exit_t // DAY),
            "termination_type": _categorical(np.where(vol, 0, 1), ("voluntary", "involuntary")),
            "reason": _categorical(reason, TERMINATION_REASONS),
            "updated_at": _ts(exit_t + late * WEEK), "_late_weeks": late.astype(np.int8)}))

    def reviews(self, emp: pd.DataFrame) -> None:
        """A rating every six months from hire; a new hire's 12-month rating is the one drawn with the
        hire's true success. Staff hired earlier also bring their latest rating before the window."""
        rng = self.rng
        hire = emp["hire_day"].to_numpy()
        exit_day = emp["exit_t"].to_numpy() // DAY
        start_day, end_day = self.start // DAY, self.end // DAY
        first_k = np.maximum((start_day - hire) // 183, 1)  # the last review before the window, or the first
        frames = []
        for k in range(1, int((end_day - hire.min()) // 182) + 2):
            day = _add_months(hire, 6 * k)
            rows = np.flatnonzero((k >= first_k) & (day < exit_day) & (day < end_day)
                                  & ((day >= start_day) | (_add_months(hire, 6 * k + 6) >= start_day)))
            if not len(rows):
                continue
            drawn = np.clip(np.round(emp["rating_mean"].to_numpy()[rows] + rng.normal(0, 0.7, len(rows))), 1, 5)
            is_hire = emp["application_id"].to_numpy()[rows] >= 0
            rating = np.where(is_hire & (k == 2), emp["rating12"].to_numpy()[rows], drawn)
            frames.append(pd.DataFrame({"employee": rows, "day": day[rows], "rating": rating.astype(np.int32)}))
        if not frames:
            return
        r = pd.concat(frames, ignore_index=True)
        day = r["day"].to_numpy()
        late = self.late(len(r))
        recorded = np.where(day < start_day, self.initial_load, day * DAY + 36_000 + late * WEEK)
        self.sink("hris_performance_reviews", pd.DataFrame({
            "review_id": self.ids("review", len(r)), "employee_id": emp["employee_id"].to_numpy()[r["employee"]],
            "review_date": _days(day), "rating": r["rating"].to_numpy(), "updated_at": _ts(recorded),
            "_late_weeks": np.where(day < start_day, 0, late).astype(np.int8)}))

    def manager_surveys(self, emp: pd.DataFrame) -> None:
        """The hiring manager's satisfaction with a hire still employed `HM_SURVEY_MONTHS` after the start,
        higher when the hire truly succeeds; some managers never answer, some answers are entered late."""
        rng = self.survey_rng
        hire = emp["hire_day"].to_numpy()
        day = _add_months(hire, fx.HM_SURVEY_MONTHS)
        success = emp["retained12"].to_numpy() & (emp["rating12"].to_numpy() >= 3)
        rows = np.flatnonzero((emp["application_id"].to_numpy() >= 0) & (day < emp["exit_t"].to_numpy() // DAY)
                              & (rng.random(len(emp)) < fx.HM_SURVEY_RESPONSE_RATE))
        latent = (fx.HM_SATISFACTION_BASE + fx.HM_SATISFACTION_SUCCESS * success[rows]
                  + rng.normal(0, fx.HM_SATISFACTION_NOISE, len(rows)))
        late = self.late(len(rows), rng)
        answered = _office_hours(rng, (day[rows] + rng.integers(0, fx.HM_SURVEY_ANSWER_DAYS + 1, len(rows))) * DAY)
        recorded = answered + late * WEEK
        keep = recorded < self.end
        rows, latent, late, answered, recorded = rows[keep], latent[keep], late[keep], answered[keep], recorded[keep]
        self.sink("hris_hiring_manager_surveys", pd.DataFrame({
            "survey_response_id": self.ids("hm_survey", len(rows)),
            "employee_id": emp["employee_id"].to_numpy()[rows], "manager_id": emp["manager_id"].to_numpy()[rows],
            "survey_date": _days(day[rows]), "satisfaction": np.clip(np.round(latent), 1, 5).astype(np.int32),
            "answered_at": _ts(answered), "updated_at": _ts(recorded), "_late_weeks": late.astype(np.int8)}))

    def episode_progress(self, emp_rows: np.ndarray, t: np.ndarray, emp: pd.DataFrame) -> np.ndarray:
        """0 outside the burnout episode, rising linearly to 1 at its end."""
        s, e = emp["ep_start"].to_numpy()[emp_rows], emp["ep_end"].to_numpy()[emp_rows]
        inside = (t >= s) & (t < e)
        return np.where(inside, (t - s) / np.maximum(e - s, 1), 0.0)

    def surveys(self, emp: pd.DataFrame) -> None:
        """Quarterly engagement waves (15 Feb/May/Aug/Nov); engagement falls during an episode."""
        rng = self.rng
        waves = pd.date_range(self.spec.start, self.spec.end, freq="MS")
        waves = [int((w + pd.Timedelta(days=14)).value // 10**9) for w in waves if w.month in (2, 5, 8, 11)]
        base = np.clip(rng.normal(3.7, 0.45, len(emp)), 1.5, 5)
        lo, hi = self.employed_window(emp)
        frames = []
        for wave in waves:
            rows = np.flatnonzero((lo <= wave) & (hi > wave) & (rng.random(len(emp)) < fx.SURVEY_RESPONSE_RATE))
            progress = self.episode_progress(rows, np.full(len(rows), wave), emp)
            score = np.clip(base[rows] - fx.BURNOUT_ENGAGEMENT_DROP * progress + rng.normal(0, 0.25, len(rows)), 1, 5)
            enps = np.clip(np.round(2.4 * score - 2.0 + rng.normal(0, 1.2, len(rows))), 0, 10)
            answered = wave + rng.integers(0, 10 * DAY, len(rows))
            frames.append(pd.DataFrame({"employee": rows, "wave": wave, "score": np.round(score, 2),
                                        "enps": enps.astype(np.int32), "answered": answered}))
        r = pd.concat(frames, ignore_index=True)
        r = r[r["answered"] < self.end]
        self.sink("hris_engagement_surveys", pd.DataFrame({
            "response_id": self.ids("response", len(r)), "employee_id": emp["employee_id"].to_numpy()[r["employee"]],
            "survey_date": _days(r["wave"].to_numpy() // DAY), "engagement_score": r["score"].to_numpy(),
            "enps": r["enps"].to_numpy(), "updated_at": _ts(r["answered"])}))

    def employee_skills(self, emp: pd.DataFrame, hired_skills: pd.DataFrame | None) -> None:
        """Skills in the HRIS spelling: a hire's are the candidate's, assessed a month after the start;
        staff hired earlier bring theirs with the initial load."""
        rng = self.rng
        if hired_skills is None:
            owners, skills = _draw_skills(rng, FAMILY_POOLS, emp["family"].to_numpy(),
                                          1 + rng.poisson(2.0, len(emp)), rng.binomial(3, 0.4, len(emp)))
            assessed = emp["hire_day"].to_numpy()[owners] + rng.integers(20, 400, len(owners))
            assessed = np.minimum(assessed, self.start // DAY - 7)
            recorded = np.full(len(owners), self.initial_load)
        else:
            position = pd.Series(np.arange(len(emp)), index=emp["employee_id"].to_numpy())
            owners = position.loc[hired_skills["employee_id"].to_numpy()].to_numpy()
            skills = hired_skills["skill"].to_numpy()
            assessed = emp["hire_day"].to_numpy()[owners] + 30
            recorded = _office_hours(rng, assessed * DAY + DAY)
        keep = recorded < self.end
        owners, skills, assessed, recorded = owners[keep], skills[keep], assessed[keep], recorded[keep]
        proficiency = _proficiency(rng, len(owners))
        hit, extra = self.unknown_skills(len(owners))  # an extra record, made with the mention it follows
        ids = self.ids("employee_skill", len(owners) + len(hit))
        text = self.spelled("hris_employee_skills", "skill", ids, np.arange(len(owners)), skills, "hris")
        self.log_skills("hris_employee_skills", "skill", ids[len(owners):], "unknown_skill", extra)
        rows = np.r_[np.arange(len(owners)), hit]
        self.sink("hris_employee_skills", pd.DataFrame({
            "employee_skill_id": ids, "employee_id": emp["employee_id"].to_numpy()[owners[rows]],
            "skill": np.r_[text, extra], "proficiency": np.r_[proficiency, _proficiency(self.noise_rng, len(hit))],
            "assessed_at": _days(assessed[rows]), "updated_at": _ts(recorded[rows])}))

    def trainings(self, emp: pd.DataFrame) -> None:
        """About 1.5 courses a year; none during an untrained burnout episode, one during a trained one."""
        rng = self.rng
        lo, hi = self.employed_window(emp)
        n = rng.poisson(fx.TRAININGS_PER_YEAR * (hi - lo) / YEAR)
        who = np.repeat(np.arange(len(emp)), n)
        when = lo[who] + (rng.random(len(who)) * (hi[who] - lo[who])).astype(np.int64)
        s, e, trained = (emp[c].to_numpy() for c in ("ep_start", "ep_end", "trained"))
        in_episode = (when // DAY >= s[who] // DAY) & (when // DAY <= e[who] // DAY)  # by day: trainings have dates
        who, when = who[~in_episode], when[~in_episode]
        episode = np.flatnonzero(trained & (s < hi))
        span = np.minimum(e[episode], hi[episode]) - s[episode]
        during = s[episode] + (rng.random(len(episode)) * span).astype(np.int64)
        who, when = np.r_[who, episode], np.r_[when, during]
        order = np.lexsort((when, who))
        who, when = who[order], _office_hours(rng, when[order])
        course = rng.integers(0, len(vc.COURSES), len(who))
        keep = when < self.end
        who, when, course = who[keep], when[keep], course[keep]
        self.sink("hris_trainings", pd.DataFrame({
            "training_id": self.ids("training", len(who)), "employee_id": emp["employee_id"].to_numpy()[who],
            "course": _categorical(course, [c for c, _ in vc.COURSES]), "hours": COURSE_HOURS[course],
            "completed_at": _days(when // DAY), "updated_at": _ts(when + 2 * DAY)}))

    def timesheets(self, emp: pd.DataFrame) -> None:
        """A timesheet per full week employed; in an episode overtime climbs early and stays high, sick days rise."""
        rng = self.rng
        weeks = np.arange(self.start, self.end, WEEK)
        lo, hi = self.employed_window(emp)
        active = (lo[:, None] <= weeks[None, :]) & (hi[:, None] >= weeks[None, :] + WEEK)
        who, w = np.nonzero(active)
        t = weeks[w]
        n = len(who)
        progress = self.episode_progress(who, t, emp)
        month = _month_of(t)
        sick = np.clip(rng.poisson(0.12 + 0.10 * np.isin(month, (0, 1, 11)) + 0.35 * progress), 0, 5)
        holiday = np.where(month == 6, 0.35, np.where(month == 11, 0.12, 0.03))
        vacation = np.where(rng.random(n) < holiday, 5, np.where(rng.random(n) < 0.05, rng.integers(1, 3, n), 0))
        vacation = np.minimum(vacation, 5 - sick)
        base_overtime = rng.gamma(1.5, 1.2, len(emp))
        overtime = (base_overtime[who] * rng.gamma(2.0, 0.5, n)
                    + fx.BURNOUT_OVERTIME_RAMP * np.minimum(progress / fx.BURNOUT_OVERTIME_BUILDUP, 1))
        overtime = np.round(np.where(sick + vacation < 5, overtime, 0) * 4) / 4
        hours = np.round((37.0 * (5 - sick - vacation) / 5 + overtime) * 4) / 4
        self.sink("timetracking_timesheets", pd.DataFrame({
            "timesheet_id": self.ids("timesheet", n), "employee_id": emp["employee_id"].to_numpy()[who],
            "week_start": _days(t // DAY), "hours_worked": hours, "overtime_hours": overtime,
            "sick_days": sick.astype(float), "vacation_days": vacation.astype(float),
            "updated_at": _ts(t + 6 * DAY + 64_800)}))

    def truth_employees(self, emp: pd.DataFrame) -> None:
        exit_t = emp["exit_t"].to_numpy()
        left = exit_t < self.end
        s, e = emp["ep_start"].to_numpy(), emp["ep_end"].to_numpy()
        had_episode = (s < np.minimum(exit_t, self.end))
        self.sink("truth_employees", pd.DataFrame({
            "employee_id": emp["employee_id"].to_numpy(), "application_id": emp["application_id"].to_numpy(),
            "hire_date": _days(emp["hire_day"]),
            "exit_date": np.where(left, _days(exit_t // DAY), np.datetime64("NaT")),
            "voluntary": pd.Series(emp["voluntary"].to_numpy(), dtype="boolean").where(left),
            "hazard_from": _days(emp["hazard_from"].to_numpy() // DAY),
            "voluntary_hazard_per_year": fx.VOLUNTARY_EXIT_PER_YEAR,
            "burnout_start": np.where(had_episode, _days(s // DAY), np.datetime64("NaT")),
            "burnout_end": np.where(had_episode, _days(np.minimum(e, self.end) // DAY), np.datetime64("NaT")),
            "trained_in_burnout": pd.Series(emp["trained"].to_numpy(), dtype="boolean").where(had_episode),
            "burnout_hazard_multiplier": np.where(had_episode, emp["hazard_multiplier"].to_numpy(), np.nan),
        }))

    # -- hiring ----------------------------------------------------------------------------------
    def hiring_round(self, reqs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Applicants, screening, interviews, offers and hires of a chunk of requisitions.

        Returns the new employees, their skills and the requisitions reposted because nobody was hired."""
        rng, end = self.rng, self.end
        n_req = len(reqs)
        req_id = self.ids("requisition", n_req)
        family, office, open_t = (reqs[c].to_numpy() for c in ("family", "office", "open_t"))
        size = np.exp(rng.normal(np.log(fx.APPLICANTS_MEDIAN), fx.APPLICANTS_SIGMA, n_req))
        n_app = np.clip(np.round(size), *fx.APPLICANTS_RANGE).astype(np.int64)
        r = np.repeat(np.arange(n_req), n_app)  # each application's requisition (chunk row)
        n = len(r)
        app_id = self.ids("application", n)
        applied_t = _office_hours(rng, open_t[r] + rng.integers(0, 21 * DAY, n))
        after = applied_t >= self.drift if self.drift is not None else np.zeros(n, bool)

        # The applicant: profile, skills, demographics and the traits only the outcome knows.
        intl = rng.random(n) < np.where(after, fx.DRIFT_INTERNATIONAL_SHARE, fx.INTERNATIONAL_SHARE)
        channel = np.where(after, _pick(rng, fx.DRIFT_CHANNEL_MIX, n), _pick(rng, fx.CHANNEL_MIX, n))
        scale = np.where(after, fx.DRIFT_EXPERIENCE_GAMMA[1], fx.EXPERIENCE_GAMMA[1])
        experience = np.clip(np.round(rng.gamma(fx.EXPERIENCE_GAMMA[0], 1.0, n) * scale, 1), 0, 45)
        education = _pick(rng, fx.EDUCATION_MIX, n)
        grade = np.where(education > 0, np.clip(np.round(rng.normal(2.9, 0.5, n), 1), 1.0, 4.0), np.nan)
        n_soft = rng.binomial(fx.SOFT_SKILL_DRAWS, fx.SOFT_SKILL_P, n)
        n_tech = 1 + rng.poisson(2.0, n)
        communication = rng.normal(0, 1, n)
        fam = family[r]
        customer_facing = CUSTOMER_FACING[fam]
        person = self.people(n, office[r], experience)
        minority = person["ethnicity"] == ETHNICITIES.index("minority")

        # The truth: 12-month retention and rating, and so success, for everyone who applied.
        p_retained = expit(fx.RETENTION_BASE
                           + np.where(after, fx.DRIFT_RETENTION_INTERNATIONAL, fx.RETENTION_INTERNATIONAL) * intl
                           + fx.RETENTION_REFERRAL * (channel == CHANNEL["referral"])
                           + fx.RETENTION_AGENCY * (channel == CHANNEL["agency"]))
        rating_known = (fx.RATING_BASE + fx.RATING_PER_SOFT_SKILL * n_soft
                        + fx.RATING_PER_EXPERIENCE_YEAR * np.minimum(experience, 15)
                        + fx.RATING_DEGREE * (education >= EDUCATION.index("bachelor"))
                        + fx.RATING_PER_GRADE_POINT * np.nan_to_num(grade - 2.9))
        communication_effect = fx.RATING_COMMUNICATION_CUSTOMER_FACING * customer_facing
        rating_mean = rating_known + communication_effect * communication
        p_rating = ndtr((rating_mean - 2.5) / fx.RATING_NOISE)
        p_success = p_retained * p_rating
        retained = rng.random(n) < p_retained
        rating12 = np.clip(np.round(rating_mean + rng.normal(0, fx.RATING_NOISE, n)), 1, 5).astype(np.int16)
        would_succeed = retained & (rating12 >= 3)

        # Screening: the vendor AI (grades-minded, blind to communication), then the recruiter (sees
        # communication, and is biased).
        spread = np.sqrt(fx.RATING_NOISE**2 + communication_effect**2)
        p_blind = np.clip(p_retained * ndtr((rating_known - 2.5) / spread), 1e-4, 1 - 1e-4)
        ai_logit = (fx.AI_SIGNAL * logit(p_blind) + fx.AI_PER_GRADE_POINT * np.nan_to_num(grade - 2.9)
                    + fx.AI_PER_EXPERIENCE_YEAR * np.minimum(experience, 15) + fx.AI_INTERCEPT
                    + rng.normal(0, fx.AI_NOISE, n))
        score = np.round(expit(ai_logit), 4)
        ai_advance = score >= 0.5
        random_sample = rng.random(n) < fx.RANDOM_SAMPLE_SHARE
        recommended_t = applied_t + rng.integers(3_600, 36 * 3_600, n)
        reading = (ai_logit + fx.RECRUITER_COMMUNICATION * communication + fx.RECRUITER_MINORITY_PENALTY * minority
                   + rng.normal(0, fx.RECRUITER_NOISE, n))
        margin = fx.RECRUITER_OVERRIDE_MARGIN
        advance = np.where(ai_advance, reading >= -margin, reading > margin)
        overrides = advance != ai_advance
        decided_t = _office_hours(rng, recommended_t + rng.integers(DAY, 10 * DAY, n))

        # Interviews and offers: the best interview gets the offer; a decline passes it on.
        withdraws = advance & (rng.random(n) < fx.INTERVIEW_WITHDRAWAL)
        withdrawn_t = _office_hours(rng, decided_t + rng.integers(DAY, 10 * DAY, n))
        interviewed = advance & ~withdraws
        impression = logit(np.clip(p_success, 1e-4, 1 - 1e-4)) + rng.normal(0, fx.INTERVIEW_NOISE, n)
        rank = np.where(interviewed, _group_rank(np.where(interviewed, r, -1), -impression), -1)
        accepts = rng.random(n) >= fx.OFFER_DECLINE
        accept_rank = np.full(n_req, np.iinfo(np.int64).max)
        np.minimum.at(accept_rank, r[interviewed & accepts], rank[interviewed & accepts])
        offered = interviewed & (rank <= accept_rank[r])
        hired = offered & accepts
        last_decision = np.zeros(n_req, np.int64)
        np.maximum.at(last_decision, r, decided_t)
        first_offer = last_decision + rng.integers(3 * DAY, 10 * DAY, n_req)
        gap = rng.integers(int(5.5 * DAY), 9 * DAY, n_req)
        sent_t = _office_hours(rng, first_offer[r] + np.maximum(rank, 0) * gap[r])
        responded_t = sent_t + rng.integers(DAY, 5 * DAY, n)
        closed_t = np.full(n_req, -1, np.int64)
        closed_t[r[hired]] = responded_t[hired]
        last_response = first_offer.copy()
        np.maximum.at(last_response, r[offered], responded_t[offered])
        settled_t = np.where(closed_t >= 0, closed_t, last_response) + 3_600
        start_day = _monday_after(responded_t + rng.integers(14 * DAY, 60 * DAY, n))
        band = np.clip(np.floor(experience / 4) + rng.integers(-1, 2, n), 0, 4).astype(np.int16)

        # Records, as the ATS holds them.
        skill_owner, skill = _draw_skills(rng, FAMILY_POOLS, fam, n_tech, n_soft, communication)
        self.requisition_records(req_id, family, office, open_t, closed_t)
        self.candidate_records(app_id, applied_t, person, experience, education, grade, intl, channel, skill_owner,
                               skill)
        self.stage_records(app_id, req_id[r], applied_t, recommended_t, decided_t, advance, withdraws, withdrawn_t,
                           offered, sent_t, responded_t, hired, interviewed, settled_t[r])
        self.screening_records(app_id, recommended_t, decided_t, score, random_sample, advance, overrides,
                               communication)
        hire_id = self.offer_records(app_id, offered, sent_t, responded_t, accepts, band, hired, start_day)
        valid = applied_t < end
        self.sink("truth_applications", pd.DataFrame({
            "application_id": app_id, "candidate_id": app_id, "requisition_id": req_id[r], "applied_at": _ts(applied_t),
            "p_success": p_success, "p_retained_12m": p_retained, "p_rating_3_plus": p_rating,
            "would_succeed": would_succeed, "hired": hired & (responded_t < end),
            "customer_facing": customer_facing, "communication": communication,
            "ethnicity": _categorical(person["ethnicity"], ETHNICITIES), "after_drift": after,
        })[valid])

        # Hires who start before the as-of date become employees; unfilled requisitions are reposted.
        joins = np.flatnonzero(hired & (start_day * DAY < end))
        emp = pd.DataFrame({
            "employee_id": self.ids("employee", len(joins)), "application_id": app_id[joins],
            "family": fam[joins], "office": office[r][joins], **{k: v[joins] for k, v in person.items()},
            "hire_day": start_day[joins], "created_t": _office_hours(rng, responded_t[joins] + 7 * DAY),
            "salary_band": band[joins], "rating_mean": rating_mean[joins], "rating12": rating12[joins],
            "retained12": retained[joins], "hazard_from": (start_day[joins] + 365) * DAY,
            "_unmatched_hire": np.where(self.noise_rng.random(len(joins)) < self.defects.unmatched_hire,
                                        hire_id[joins], -1),
        })
        emp["manager_id"] = self.assign_managers(emp)
        emp = self.exits(emp)
        position = np.full(n, -1)
        position[joins] = np.arange(len(joins))
        owned = position[skill_owner] >= 0
        skills = pd.DataFrame({"employee_id": emp["employee_id"].to_numpy()[position[skill_owner[owned]]],
                               "skill": skill[owned]})
        unfilled = (closed_t < 0) & (settled_t + 14 * DAY < end)
        reposts = self.requisitions(settled_t[unfilled] + 14 * DAY, family[unfilled], office[unfilled])
        return emp, skills, reposts

    def requisition_records(self, req_id, family, office, open_t, closed_t) -> None:
        rng, n = self.rng, len(req_id)
        n_required = np.minimum(2 + rng.integers(0, 3, n), [len(FAMILY_POOLS[f]) for f in family])
        owners, skills = _draw_skills(rng, FAMILY_POOLS, family, n_required, (rng.random(n) < 0.4).astype(np.int64))
        title = family * TITLES_PER_FAMILY + rng.integers(0, TITLES_PER_FAMILY, n)
        base = pd.DataFrame({
            "requisition_id": req_id, "job_title": _categorical(title, JOB_TITLES),
            "job_family": _categorical(family, JOB_FAMILIES), "department": _categorical(family, DEPARTMENTS),
            "location": _categorical(office, nm.OFFICES),
            "required_skills": self.skill_lists("ats_requisitions", "required_skills", req_id, owners, skills, "ats"),
            "opened_at": _days(open_t // DAY)})
        filled = np.flatnonzero(closed_t >= 0)
        versions = base.iloc[np.r_[np.arange(n), filled]].reset_index(drop=True)
        versions["closed_at"] = np.r_[np.full(n, np.datetime64("NaT", "D")), _days(closed_t[filled] // DAY)]
        versions["updated_at"] = _ts(np.r_[open_t, closed_t[filled]])
        self.sink("ats_requisitions", versions[versions["updated_at"] < _ts(self.end)])

    def candidate_records(self, app_id, applied_t, person, experience, education, grade, intl, channel,
                          skill_owner, skill) -> None:
        city = person["_country"] * nm.CITIES_PER_COUNTRY + self.rng.integers(0, nm.CITIES_PER_COUNTRY, len(app_id))
        frame = pd.DataFrame({
            "candidate_id": app_id, **{k: v for k, v in person.items() if k.startswith("_")},
            "city": _categorical(city, nm.CITIES), "years_experience": experience,
            "education": _categorical(education, EDUCATION), "grade_average": grade,
            "international_experience": intl,
            "skills": self.skill_lists("ats_candidates", "skills", app_id, skill_owner, skill, "ats", unknown=True),
            "source_channel": _categorical(channel, CHANNELS),
            "gender": _categorical(person["gender"], GENDERS), "age_band": _categorical(person["age_band"], AGE_BANDS),
            "ethnicity": _categorical(person["ethnicity"], ETHNICITIES), "updated_at": _ts(applied_t)})
        self.sink("ats_candidates", frame[applied_t < self.end])

    def stage_records(self, app_id, req_id, applied_t, recommended_t, decided_t, advance, withdraws, withdrawn_t,
                      offered, sent_t, responded_t, hired, interviewed, settled_t) -> None:
        """Every stage transition as an event, and a new application version for each."""
        every = np.ones(len(app_id), bool)
        not_offered = interviewed & ~offered
        s = STAGE
        steps = (  # (which applications, from, to, when)
            (every, -1, s["applied"], applied_t),
            (every, s["applied"], s["screening"], recommended_t),
            (advance, s["screening"], s["interview"], decided_t),
            (~advance, s["screening"], s["rejected"], decided_t),
            (withdraws, s["interview"], s["withdrawn"], withdrawn_t),
            (offered, s["interview"], s["offer"], sent_t),
            (hired, s["offer"], s["hired"], responded_t),
            (offered & ~hired, s["offer"], s["withdrawn"], responded_t),
            (not_offered, s["interview"], s["rejected"], settled_t),
        )
        idx = np.concatenate([np.flatnonzero(m) for m, *_ in steps])
        from_stage = np.concatenate([np.full(m.sum(), f) for m, f, _, _ in steps])
        to_stage = np.concatenate([np.full(m.sum(), t) for m, _, t, _ in steps])
        when = np.concatenate([w[m] for m, _, _, w in steps])
        keep = when < self.end
        idx, from_stage, to_stage, when = idx[keep], from_stage[keep], to_stage[keep], when[keep]
        order = np.lexsort((when, idx))
        idx, from_stage, to_stage, when = idx[order], from_stage[order], to_stage[order], when[order]
        self.sink("ats_stage_events", pd.DataFrame({
            "event_id": self.ids("stage_event", len(idx)), "application_id": app_id[idx],
            "from_stage": pd.Categorical.from_codes(from_stage, categories=list(STAGES)),
            "to_stage": _categorical(to_stage, STAGES), "entered_at": _ts(when)}))
        self.sink("ats_applications", pd.DataFrame({
            "application_id": app_id[idx], "candidate_id": app_id[idx], "requisition_id": req_id[idx],
            "applied_at": _ts(applied_t[idx]), "stage": _categorical(to_stage, STAGES), "updated_at": _ts(when)}))

    def screening_records(self, app_id, recommended_t, decided_t, score, random_sample, advance, overrides,
                          communication) -> None:
        """The vendor AI's recommendation and the recruiter's decision, with reason code and text."""
        rng, noise, n = self.rng, self.noise_rng, len(app_id)
        confidence = np.round(np.maximum(score, 1 - score), 4)
        version = np.where(recommended_t < self.start + 52 * WEEK, 0, 1)
        recs = pd.DataFrame({
            "recommendation_id": app_id, "application_id": app_id,
            "model_version": _categorical(version, ("vendor-screen-1.0", "vendor-screen-1.1")),
            "score": score, "confidence": confidence,
            "recommendation": _categorical(np.where(score >= 0.5, 0, 1), ("advance", "reject")),
            "routed_to_human": (confidence < fx.ROUTING_CONFIDENCE) | random_sample,
            "random_sample": random_sample, "recommended_at": _ts(recommended_t)})
        self.sink("ats_ai_recommendations", recs[recommended_t < self.end])

        code = REASON_CODES.index
        spoke = np.where(advance, communication > 0.5, communication < -0.5) & (rng.random(n) < 0.8)
        other = np.array([code(c) for c in ("experience_mismatch", "skills_gap", "culture_add", "other")])
        reason = np.where(~overrides, code("agrees_with_ai"),
                          np.where(spoke, code("communication"), other[rng.integers(0, len(other), n)]))
        texts = np.diff(REASON_TEXT_FIRST)[reason]
        has_text = overrides | (rng.random(n) < 0.15)
        text = np.where(has_text, REASON_TEXT_FIRST[reason] + rng.integers(0, 1 << 30, n) % texts, -1)
        pii = has_text & (noise.random(n) < self.defects.pii_in_free_text)
        pii_template = np.where(pii, noise.integers(0, len(PII_TEMPLATES), n), -1)
        decisions = pd.DataFrame({
            "decision_id": app_id, "application_id": app_id,
            "decision": _categorical(np.where(advance, 0, 1), ("advance", "reject")), "overrides_ai": overrides,
            "reason_code": _categorical(reason, REASON_CODES), "_reason_text": text,
            "_pii_template": pii_template, "_pii_first": noise.integers(0, len(nm.FIRST_NAMES), n),
            "_pii_last": noise.integers(0, len(nm.LAST_NAMES), n), "_pii_country": noise.integers(0, 3, n),
            "_pii_number": noise.integers(0, 10**8, n), "decided_at": _ts(decided_t)})
        self.sink("ats_recruiter_decisions", decisions[decided_t < self.end])

    def offer_records(self, app_id, offered, sent_t, responded_t, accepts, band, hired, start_day) -> np.ndarray:
        """Each offer twice: pending when sent, then accepted or declined; a hire per accepted offer,
        some booked twice (`duplicate_key`). Returns each application's hire id (-1: none)."""
        idx = np.flatnonzero(offered)
        twice = np.r_[idx, idx]
        answered = np.r_[np.zeros(len(idx), bool), np.ones(len(idx), bool)]
        status = np.where(~answered, OFFER_STATUSES.index("pending"),
                          np.where(accepts[twice], OFFER_STATUSES.index("accepted"), OFFER_STATUSES.index("declined")))
        updated = np.where(answered, responded_t[twice], sent_t[twice])
        offers = pd.DataFrame({
            "offer_id": np.tile(self.ids("offer", len(idx)), 2), "application_id": app_id[twice],
            "sent_at": _ts(sent_t[twice]),
            "responded_at": np.where(answered, _ts(responded_t[twice]), np.datetime64("NaT")),
            "status": _categorical(status, OFFER_STATUSES), "salary_band": _categorical(band[twice], SALARY_BANDS),
            "updated_at": _ts(updated)})
        self.sink("ats_offers", offers[updated < self.end])
        h = np.flatnonzero(hired & (responded_t < self.end))
        first = self.ids("hire", len(h))
        again = self.noise_rng.random(len(h)) < self.defects.duplicate_key
        booked = np.r_[h, h[again]]
        self.sink("ats_hires", pd.DataFrame({
            "hire_id": np.r_[first, self.ids("hire", again.sum())], "application_id": app_id[booked],
            "offer_accepted_at": _ts(responded_t[booked]), "start_date": _days(start_day[booked]),
            "updated_at": _ts(responded_t[booked]), "_original_hire": np.r_[np.full(len(h), -1), first[again]]}))
        hire_id = np.full(len(app_id), -1, np.int64)
        hire_id[h] = first
        return hire_id

    # -- the whole history -----------------------------------------------------------------------
    def run(self) -> None:
        staff = self.initial_workforce()
        self.workforce(staff)
        queue = [self.replacements(staff), self.growth()]
        pending = pd.concat(queue, ignore_index=True)
        while len(pending):
            chunk, pending = pending.iloc[:REQUISITIONS_PER_CHUNK], pending.iloc[REQUISITIONS_PER_CHUNK:]
            hires, skills, reposts = self.hiring_round(chunk.reset_index(drop=True))
            self.workforce(hires, skills)
            pending = pd.concat([pending, self.replacements(hires), reposts], ignore_index=True)


def simulate(spec: WorldSpec, sink: Sink, defects: DefectRates) -> None:
    """The whole history of one synthetic firm, deterministic for the spec, written to `sink`."""
    Simulator(spec, sink, defects).run()
