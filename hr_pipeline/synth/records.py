"""Records as the source systems hold them, and the state every part of the simulation shares.

`State` is what the hiring and workforce parts draw from and write to: the spec, the sink, the defect
rates, the random streams and the id counters. `Records` writes what both parts record: people as the
systems know them, skills in each system's spelling, late arrivals, and the ATS's requisitions,
candidates, stages, screening and offers. Identifiers are integers here; the extract writer formats them.
Times are int64 seconds since the epoch, dates int days since the epoch, categories integer codes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa

from hr_pipeline.ingest.contracts import (AGE_BANDS, CHANNELS, EDUCATION, ETHNICITIES, GENDERS, JOB_FAMILIES,
                                          OFFER_STATUSES, REASON_CODES, SALARY_BANDS, STAGES)
from hr_pipeline.synth import effects as fx
from hr_pipeline.synth import names as nm
from hr_pipeline.synth import vocabulary as vc
from hr_pipeline.synth.defects import DefectRates
from hr_pipeline.synth.spec import WorldSpec

DAY = 86_400
WEEK = 7 * DAY
YEAR = 365.25 * DAY
INITIAL_LOAD = -3 * DAY + 17 * 3_600  # the Friday before the window: the full state, in the first extract

STAGE = {s: i for i, s in enumerate(STAGES)}
JOB_TITLES = tuple(t for f in JOB_FAMILIES for t in vc.JOB_TITLES[f])
TITLES_PER_FAMILY = len(vc.JOB_TITLES[JOB_FAMILIES[0]])
FAMILY_POOLS = [np.array([vc.SKILL_INDEX[s] for s in vc.FAMILY_SKILLS[f]]) for f in JOB_FAMILIES]
DEPARTMENTS = tuple(vc.DEPARTMENT_OF_FAMILY[f] for f in JOB_FAMILIES)
REASON_TEXTS = tuple(t for c in REASON_CODES for t in vc.REASON_TEXTS[c])
OTHER_REASONS = ("experience_mismatch", "skills_gap", "culture_add", "other")  # an override not about communication
REASON_TEXT_FIRST = np.cumsum([0] + [len(vc.REASON_TEXTS[c]) for c in REASON_CODES])
PII_TEMPLATES = vc.PII_PHONE_TEMPLATES + vc.PII_EMAIL_TEMPLATES
SKILL_WORDS = {system: np.array([getattr(s, system) for s in vc.SKILLS], dtype=object) for system in ("ats", "hris")}
VARIANTS = np.array([v for s in vc.SKILLS for v in s.variants], dtype=object)
VARIANT_COUNT = np.array([len(s.variants) for s in vc.SKILLS])
VARIANT_FIRST = np.cumsum(VARIANT_COUNT) - VARIANT_COUNT
UNKNOWN_SKILLS = np.array(vc.UNKNOWN_SKILLS, dtype=object)


class Sink(Protocol):
    def __call__(self, table: str, frame: pd.DataFrame) -> None: ...


def pick(rng, p, n) -> np.ndarray:
    """Category codes drawn with probabilities `p`."""
    return np.searchsorted(np.cumsum(p) / np.sum(p), rng.random(n), side="right").astype(np.int16)


def office_time(rng, n: int) -> np.ndarray:
    """A random time of day between 07:30 and 17:30 (seconds after midnight)."""
    return 27_000 + rng.integers(0, 36_000, n)


def on_day(t: np.ndarray, time_of_day: np.ndarray) -> np.ndarray:
    """The same day as `t`, at `time_of_day`."""
    return t - t % DAY + time_of_day


def office_hours(rng, t: np.ndarray) -> np.ndarray:
    """The same day, at a random time between 07:30 and 17:30."""
    return on_day(t, office_time(rng, len(t)))


def month_of(t: np.ndarray) -> np.ndarray:
    return (t // DAY).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12


def categorical(codes, categories) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int32), categories=list(categories))


def timestamps(t) -> np.ndarray:
    return np.asarray(t, dtype=np.int64).astype("datetime64[s]")


def dates(d) -> np.ndarray:
    return np.asarray(d, dtype=np.int64).astype("datetime64[D]")


def _spell(noise_rng, skills: np.ndarray, system: str, variant_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Skill codes in the system's spelling, a share spelled as a variant instead; returns the
    spellings and which mentions are variants."""
    usual = SKILL_WORDS[system][skills]
    hit = (VARIANT_COUNT[skills] > 0) & (noise_rng.random(len(skills)) < variant_rate)
    variant = noise_rng.integers(0, 1 << 30, hit.sum()) % np.maximum(VARIANT_COUNT[skills[hit]], 1)
    text = usual.copy()
    text[hit] = VARIANTS[VARIANT_FIRST[skills[hit]] + variant]
    return text, hit


def draw_skills(rng, pools: list[np.ndarray], families: np.ndarray, n_tech: np.ndarray, n_soft: np.ndarray,
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


class State:
    """What the parts share, so they draw from one set of random streams in the order of the history."""

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
        self.counters: dict[str, int] = defaultdict(int)

    def ids(self, kind: str, n: int) -> np.ndarray:
        first = self.counters[kind]
        self.counters[kind] += n
        return np.arange(first, first + n, dtype=np.int64)


class Records:
    """The records both parts write, drawn from the shared state."""

    def __init__(self, state: State):
        self.state = state

    def log_skills(self, table: str, column: str, keys: np.ndarray, defect: str, detail) -> None:
        """Skill-mention defects, logged against their record's key once its versions land."""
        self.state.sink("defects_skills", pd.DataFrame({"table": table, "key": keys, "column": column,
                                                        "defect": defect, "detail": detail}))

    def spelled(self, table: str, column: str, keys: np.ndarray, owners: np.ndarray, skills: np.ndarray,
                system: str) -> np.ndarray:
        """Skill mentions (long, ordered by owner row) in the system's spelling; the variants are
        logged against their record's key. Returns the spellings."""
        text, hit = _spell(self.state.noise_rng, skills, system, self.state.defects.skill_variant)
        usual = SKILL_WORDS[system][skills[hit]]
        self.log_skills(table, column, keys[owners[hit]], "skill_variant",
                        pd.Series(usual, dtype=object) + " -> " + text[hit])
        return text

    def unknown_skills(self, mentions: int) -> tuple[np.ndarray, np.ndarray]:
        """The mentions after which their owner adds a skill the taxonomy does not know (`unknown_skill`
        per mention, so the unmapped share follows the rate), and the spellings added."""
        noise = self.state.noise_rng
        hit = np.flatnonzero(noise.random(mentions) < self.state.defects.unknown_skill)
        return hit, UNKNOWN_SKILLS[noise.integers(0, len(UNKNOWN_SKILLS), len(hit))]

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

    def people(self, rng, n: int, offices: np.ndarray, years_experience: np.ndarray) -> dict[str, np.ndarray]:
        """Person number, names, country, phone and demographics; names follow country and gender."""
        home = np.array(nm.OFFICE_COUNTRY)[offices]
        country = np.where(rng.random(n) < 0.75, home, rng.integers(0, len(nm.COUNTRIES), n))
        gender = pick(rng, (0.47, 0.47, 0.02, 0.04), n)
        name_gender = np.where(gender < 2, gender, rng.integers(0, 2, n))
        per_country = 2 * nm.FIRST_PER_GENDER
        first = country * per_country + name_gender * nm.FIRST_PER_GENDER + rng.integers(0, nm.FIRST_PER_GENDER, n)
        last = country * nm.LAST_PER_COUNTRY + rng.integers(0, nm.LAST_PER_COUNTRY, n)
        age = 22 + years_experience + rng.normal(2, 3, n)
        age_band = np.digitize(age, (25, 35, 45, 55))
        age_band = np.where(rng.random(n) < 0.05, AGE_BANDS.index("undisclosed"), age_band)
        ethnicity = pick(rng, (0.75, fx.MINORITY_SHARE, 0.05), n)
        phone = np.where(rng.random(n) < 0.9, rng.integers(0, 10**8, n), -1)
        return {"_person": self.state.ids("person", n), "_first": first, "_last": last, "_country": country,
                "_phone": phone, "gender": gender, "age_band": age_band, "ethnicity": ethnicity}

    def late(self, n: int, rng: np.random.Generator | None = None) -> np.ndarray:
        """Weeks an outcome record arrives late (0 = on time): `late_outcome` of them 1-8 weeks."""
        rng = self.state.noise_rng if rng is None else rng
        weeks = rng.integers(1, 9, n)
        return np.where(rng.random(n) < self.state.defects.late_outcome, weeks, 0)

    def requisitions_opened(self, rng, req_id, family, office, open_t) -> pd.DataFrame:
        """The first version of each requisition; returns them, for the version that closes it."""
        n = len(req_id)
        n_required = np.minimum(2 + rng.integers(0, 3, n), [len(FAMILY_POOLS[f]) for f in family])
        owners, skills = draw_skills(rng, FAMILY_POOLS, family, n_required, (rng.random(n) < 0.4).astype(np.int64))
        title = family * TITLES_PER_FAMILY + rng.integers(0, TITLES_PER_FAMILY, n)
        opened = pd.DataFrame({
            "requisition_id": req_id, "job_title": categorical(title, JOB_TITLES),
            "job_family": categorical(family, JOB_FAMILIES), "department": categorical(family, DEPARTMENTS),
            "location": categorical(office, nm.OFFICES),
            "required_skills": self.skill_lists("ats_requisitions", "required_skills", req_id, owners, skills, "ats"),
            "opened_at": dates(open_t // DAY), "closed_at": np.full(n, np.datetime64("NaT", "D")),
            "updated_at": timestamps(open_t)})
        self.state.sink("ats_requisitions", opened[open_t < self.state.end])
        return opened

    def requisitions_closed(self, opened: pd.DataFrame, closed_t: np.ndarray) -> None:
        """A new version of each requisition filled before the as-of date."""
        filled = (closed_t >= 0) & (closed_t < self.state.end)
        self.state.sink("ats_requisitions", opened[filled].assign(closed_at=dates(closed_t[filled] // DAY),
                                                                  updated_at=timestamps(closed_t[filled])))

    def candidate_records(self, rng, app_id, applied_t, person, experience, education, grade, intl, channel,
                          skill_owner, skill) -> None:
        state = self.state
        city = person["_country"] * nm.CITIES_PER_COUNTRY + rng.integers(0, nm.CITIES_PER_COUNTRY, len(app_id))
        frame = pd.DataFrame({
            "candidate_id": app_id, **{k: v for k, v in person.items() if k.startswith("_")},
            "city": categorical(city, nm.CITIES), "years_experience": experience,
            "education": categorical(education, EDUCATION), "grade_average": grade,
            "international_experience": intl,
            "skills": self.skill_lists("ats_candidates", "skills", app_id, skill_owner, skill, "ats", unknown=True),
            "source_channel": categorical(channel, CHANNELS),
            "gender": categorical(person["gender"], GENDERS), "age_band": categorical(person["age_band"], AGE_BANDS),
            "ethnicity": categorical(person["ethnicity"], ETHNICITIES), "updated_at": timestamps(applied_t)})
        state.sink("ats_candidates", frame[applied_t < state.end])

    def stage_records(self, apps: pd.DataFrame, steps) -> None:
        """Stage transitions of `apps` (application_id, requisition_id, applied_t) as events, and a new
        application version for each. `steps`: (which applications, from stage (None: new), to stage, when)."""
        state = self.state
        idx = np.concatenate([np.flatnonzero(m) for m, *_ in steps])
        from_stage = np.concatenate([np.full(np.sum(m), STAGE.get(f, -1)) for m, f, _, _ in steps])
        to_stage = np.concatenate([np.full(np.sum(m), STAGE[t]) for m, _, t, _ in steps])
        when = np.concatenate([np.asarray(w)[m] for m, _, _, w in steps])
        keep = when < state.end
        idx, from_stage, to_stage, when = idx[keep], from_stage[keep], to_stage[keep], when[keep]
        order = np.lexsort((when, idx))
        idx, from_stage, to_stage, when = idx[order], from_stage[order], to_stage[order], when[order]
        app_id = apps["application_id"].to_numpy()[idx]
        state.sink("ats_stage_events", pd.DataFrame({
            "event_id": state.ids("stage_event", len(idx)), "application_id": app_id,
            "from_stage": pd.Categorical.from_codes(from_stage, categories=list(STAGES)),
            "to_stage": categorical(to_stage, STAGES), "entered_at": timestamps(when)}))
        state.sink("ats_applications", pd.DataFrame({
            "application_id": app_id, "candidate_id": app_id,
            "requisition_id": apps["requisition_id"].to_numpy()[idx],
            "applied_at": timestamps(apps["applied_t"].to_numpy()[idx]), "stage": categorical(to_stage, STAGES),
            "updated_at": timestamps(when)}))

    def screening_records(self, apps: pd.DataFrame, shown: pd.DataFrame, advance, overrides, decided_t) -> None:
        """The recommendation the recruiter was shown and the recruiter's decision, with reason code and text
        (their draws made with the application: `reason_u`, `other_reason`, `text_u`, `text_pick`)."""
        state = self.state
        noise, n = state.noise_rng, len(apps)
        app_id, recommended_t = apps["application_id"].to_numpy(), apps["recommended_t"].to_numpy()
        recs = pd.DataFrame({
            "recommendation_id": app_id, "application_id": app_id,
            "model_version": shown["model_version"].to_numpy(), "score": shown["score"].to_numpy(),
            "confidence": shown["confidence"].to_numpy(),
            "recommendation": categorical(np.where(shown["advance"].to_numpy(), 0, 1), ("advance", "reject")),
            "routed_to_human": shown["routed_to_human"].to_numpy(), "random_sample": shown["random_sample"].to_numpy(),
            "recommended_at": timestamps(recommended_t)})
        state.sink("ats_ai_recommendations", recs[recommended_t < state.end])

        code = REASON_CODES.index
        communication = apps["communication"].to_numpy()
        spoke = np.where(advance, communication > 0.5, communication < -0.5) & (apps["reason_u"].to_numpy() < 0.8)
        other = np.array([code(c) for c in OTHER_REASONS])[apps["other_reason"].to_numpy()]
        reason = np.where(~overrides, code("agrees_with_ai"), np.where(spoke, code("communication"), other))
        texts = np.diff(REASON_TEXT_FIRST)[reason]
        has_text = overrides | (apps["text_u"].to_numpy() < 0.15)
        text = np.where(has_text, REASON_TEXT_FIRST[reason] + apps["text_pick"].to_numpy() % texts, -1)
        pii = has_text & (noise.random(n) < state.defects.pii_in_free_text)
        pii_template = np.where(pii, noise.integers(0, len(PII_TEMPLATES), n), -1)
        decisions = pd.DataFrame({
            "decision_id": app_id, "application_id": app_id,
            "decision": categorical(np.where(advance, 0, 1), ("advance", "reject")), "overrides_ai": overrides,
            "reason_code": categorical(reason, REASON_CODES), "_reason_text": text,
            "_pii_template": pii_template, "_pii_first": noise.integers(0, len(nm.FIRST_NAMES), n),
            "_pii_last": noise.integers(0, len(nm.LAST_NAMES), n), "_pii_country": noise.integers(0, 3, n),
            "_pii_number": noise.integers(0, 10**8, n), "decided_at": timestamps(decided_t)})
        state.sink("ats_recruiter_decisions", decisions[decided_t < state.end])

    def offer_records(self, app_id, offered, sent_t, responded_t, accepts, band, hired, start_day) -> np.ndarray:
        """Each offer twice: pending when sent, then accepted or declined; a hire per accepted offer,
        some booked twice (`duplicate_key`). Returns each application's hire id (-1: none)."""
        state = self.state
        idx = np.flatnonzero(offered)
        twice = np.r_[idx, idx]
        answered = np.r_[np.zeros(len(idx), bool), np.ones(len(idx), bool)]
        status = np.where(~answered, OFFER_STATUSES.index("pending"),
                          np.where(accepts[twice], OFFER_STATUSES.index("accepted"), OFFER_STATUSES.index("declined")))
        updated = np.where(answered, responded_t[twice], sent_t[twice])
        offers = pd.DataFrame({
            "offer_id": np.tile(state.ids("offer", len(idx)), 2), "application_id": app_id[twice],
            "sent_at": timestamps(sent_t[twice]),
            "responded_at": np.where(answered, timestamps(responded_t[twice]), np.datetime64("NaT")),
            "status": categorical(status, OFFER_STATUSES), "salary_band": categorical(band[twice], SALARY_BANDS),
            "updated_at": timestamps(updated)})
        state.sink("ats_offers", offers[updated < state.end])
        h = np.flatnonzero(hired & (responded_t < state.end))
        first = state.ids("hire", len(h))
        again = state.noise_rng.random(len(h)) < state.defects.duplicate_key
        booked = np.r_[h, h[again]]
        state.sink("ats_hires", pd.DataFrame({
            "hire_id": np.r_[first, state.ids("hire", again.sum())], "application_id": app_id[booked],
            "offer_accepted_at": timestamps(responded_t[booked]), "start_date": dates(start_day[booked]),
            "updated_at": timestamps(responded_t[booked]),
            "_original_hire": np.r_[np.full(len(h), -1), first[again]]}))
        hire_id = np.full(len(app_id), -1, np.int64)
        hire_id[h] = first
        return hire_id

