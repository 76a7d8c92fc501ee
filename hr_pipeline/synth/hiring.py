"""Hiring: requisitions, their applicants and the truth about them, screening, interviews, offers and hires.

Requisitions replace leavers, add growth and follow the seasons; they wait in a queue for the week they
open. Hiring moves a week at a time (`Hiring.week`):
- requisitions opening this week get their applicants. Everything about an applicant that no screening
  can change is drawn now: the profile, what would become of them if hired, the vendor AI's score, the
  recruiter's own reading, the interview impression, whether an offer would be accepted, and every delay.
  Each week's planned requisitions (growth, and replacements of the initial staff) draw from a stream of
  their own, so worlds whose screening differs still see the same applicants for them;
- applications due for screening get the recommendation of the `Screener` (the vendor AI, or a pipeline's
  outbox in a simulation), and the recruiter decides given it;
- requisitions whose applications are all decided hold their interviews, offers and hires. Hires join the
  workforce, and their exits queue further requisitions, as do unfilled requisitions when reposted.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd
from scipy.special import expit, logit, ndtr

from hr_pipeline.ingest.contracts import CHANNELS, CUSTOMER_FACING_FAMILIES, EDUCATION, ETHNICITIES, JOB_FAMILIES
from hr_pipeline.synth import effects as fx
from hr_pipeline.synth import names as nm
from hr_pipeline.synth.records import (DAY, FAMILY_POOLS, OTHER_REASONS, WEEK, Records, State, categorical,
                                       draw_skills, month_of, office_hours, office_time, on_day, pick, timestamps)
from hr_pipeline.synth.workforce import Workforce

CHANNEL = {c: i for i, c in enumerate(CHANNELS)}
CUSTOMER_FACING = np.isin(np.array(JOB_FAMILIES), CUSTOMER_FACING_FAMILIES)
VENDOR_VERSIONS = ("vendor-screen-1.0", "vendor-screen-1.1")  # the vendor upgrades its model after a year
REQUISITION_DRAWS = ("family", "office", "first_offer_delay", "offer_gap")  # kept beside the record until it closes
PERSON = ("_person", "_first", "_last", "_country", "_phone", "gender", "age_band", "ethnicity")


def monday_after(t: np.ndarray) -> np.ndarray:
    """The day number of the first Monday after `t`: the date of the weekly extract it lands in."""
    day = t // DAY
    return day + 7 - (day + 3) % 7


def _group_rank(groups: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Rank (0 = first) of each row within its group, by `order` ascending; groups any ints."""
    idx = np.lexsort((order, groups))
    g = groups[idx]
    first = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    rank_sorted = np.arange(len(g)) - np.repeat(first, np.diff(np.r_[first, len(g)]))
    rank = np.empty(len(g), np.int64)
    rank[idx] = rank_sorted
    return rank


class Screener(Protocol):
    """Where the recommendation a recruiter is shown comes from."""

    def due(self, apps: pd.DataFrame) -> np.ndarray:
        """When each new application gets its recommendation (seconds since the epoch)."""

    def recommend(self, apps: pd.DataFrame) -> pd.DataFrame:
        """The recommendation shown for each application due, by `apps`' index: `score`, `logit` (the score as
        a recruiter reads it), `advance` (bool), `confidence`, `routed_to_human`, `random_sample`,
        `model_version` and `source`."""


class VendorAI:
    """The vendor's screening model as the ATS runs it: grades-minded, blind to communication, a
    recommendation within 36 hours of applying, to advance at a score of 0.5 or more."""

    def __init__(self, start: int):
        self.upgrade = start + 52 * WEEK

    def due(self, apps: pd.DataFrame) -> np.ndarray:
        return apps["vendor_t"].to_numpy()

    def recommend(self, apps: pd.DataFrame) -> pd.DataFrame:
        score = apps["vendor_score"].to_numpy()
        confidence = np.round(np.maximum(score, 1 - score), 4)
        random_sample = apps["vendor_sample"].to_numpy()
        version = np.array(VENDOR_VERSIONS, dtype=object)[(apps["recommended_t"].to_numpy() >= self.upgrade) * 1]
        return pd.DataFrame({
            "score": score, "logit": apps["vendor_logit"].to_numpy(), "advance": score >= 0.5,
            "confidence": confidence, "routed_to_human": (confidence < fx.ROUTING_CONFIDENCE) | random_sample,
            "random_sample": random_sample, "model_version": version, "source": "vendor"}, index=apps.index)


class Hiring:
    """Requisitions and the weekly rounds that fill them; hires join `workforce`."""

    def __init__(self, state: State, records: Records, workforce: Workforce, screener: Screener):
        self.state, self.records, self.workforce, self.screener = state, records, workforce, screener
        spec = state.spec
        self.drift = int(pd.Timestamp(spec.drift_at).value // 10**9) if spec.drift_at else None
        self.queue = pd.DataFrame({"open_t": np.zeros(0, np.int64), "family": np.zeros(0, np.int16),
                                   "office": np.zeros(0, np.int16), "planned": np.zeros(0, bool)})
        self.open_reqs: pd.DataFrame | None = None  # requisitions with applications not yet decided
        self.apps: pd.DataFrame | None = None  # their applications
        self.skills: pd.DataFrame | None = None  # their applicants' skills (application_id, skill)

    # -- requisitions ----------------------------------------------------------------------------
    def requisitions(self, open_t: np.ndarray, families: np.ndarray, offices: np.ndarray,
                     not_before: int) -> pd.DataFrame:
        open_t = np.maximum(open_t, not_before)
        keep = open_t < self.state.end
        return pd.DataFrame({"open_t": office_hours(self.state.rng, open_t[keep]), "family": families[keep],
                             "office": offices[keep]})

    def seasonal(self, t: np.ndarray) -> np.ndarray:
        """Postpone some openings in quiet months, so more requisitions open in spring and autumn."""
        rng = self.state.rng
        season = np.array(fx.SEASON) / max(fx.SEASON)
        for _ in range(3):
            late = rng.random(len(t)) > season[month_of(t)]
            t = np.where(late, t + rng.integers(20 * DAY, 45 * DAY, len(t)), t)
        return t

    def replacements(self, emp: pd.DataFrame, not_before: int) -> pd.DataFrame:
        """A requisition for every leaver, opened during the notice period (not before `not_before`)."""
        rng = self.state.rng
        exit_t = emp["exit_t"].to_numpy()
        leaving = exit_t < self.state.end + 30 * DAY
        notice = np.where(emp["voluntary"].to_numpy()[leaving], rng.integers(14 * DAY, 56 * DAY, leaving.sum()),
                          rng.integers(0, 14 * DAY, leaving.sum()))
        return self.requisitions(self.seasonal(exit_t[leaving] - notice), emp["family"].to_numpy()[leaving],
                                 emp["office"].to_numpy()[leaving], not_before)

    def growth(self) -> pd.DataFrame:
        """Requisitions for new positions, `ANNUAL_GROWTH` of the headcount a year (at least one a
        year, so even the smallest firm recruits), seasonal."""
        rng, spec = self.state.rng, self.state.spec
        n = max(spec.years, round(spec.employees * fx.ANNUAL_GROWTH * spec.weeks / 52))
        months = np.arange(spec.start.to_period("M").ordinal, spec.end.to_period("M").ordinal)
        weight = np.array(fx.SEASON)[months % 12]
        month = months[pick(rng, weight, n)]
        first_day = month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        opened = (first_day + rng.integers(0, 28, n)) * DAY
        return self.requisitions(opened, pick(rng, fx.FAMILY_MIX, n), pick(rng, nm.OFFICE_SHARE, n), self.state.start)

    def enqueue(self, reqs: pd.DataFrame, planned: bool) -> None:
        """Requisitions wait here for the week they open; `planned` ones are known from the start."""
        self.queue = pd.concat([self.queue, reqs.assign(planned=planned)], ignore_index=True)

    # -- the week --------------------------------------------------------------------------------
    def week(self, t0: int) -> None:
        """Open this week's requisitions, screen the applications due, and settle the requisitions decided."""
        t1 = t0 + WEEK
        opening = (self.queue["open_t"] < t1).to_numpy()
        for planned in (True, False):
            reqs = self.queue[opening & (self.queue["planned"] == planned).to_numpy()]
            if len(reqs):
                week_no = (t0 - self.state.start) // WEEK
                stream = np.random.default_rng([self.state.spec.seed, 10 + (not planned), week_no])
                self.open(reqs.sort_values("open_t", kind="stable").reset_index(drop=True), stream)
        self.queue = self.queue[~opening].reset_index(drop=True)
        if self.apps is None:
            return
        due = (~self.apps["screened"] & (self.apps["recommended_t"] < t1)).to_numpy()
        if due.any():
            self.screen(due)
        waiting = self.apps.loc[~self.apps["screened"], "requisition_id"].unique()
        settled = ~self.open_reqs["requisition_id"].isin(waiting).to_numpy()
        if settled.any():
            self.settle(settled, t1)

    def open(self, reqs: pd.DataFrame, rng: np.random.Generator) -> None:
        """Applicants for these requisitions, and every draw about them that screening cannot change."""
        state = self.state
        n_req = len(reqs)
        req_id = state.ids("requisition", n_req)
        family, office, open_t = (reqs[c].to_numpy() for c in ("family", "office", "open_t"))
        size = np.exp(rng.normal(np.log(fx.APPLICANTS_MEDIAN), fx.APPLICANTS_SIGMA, n_req))
        n_app = np.clip(np.round(size), *fx.APPLICANTS_RANGE).astype(np.int64)
        r = np.repeat(np.arange(n_req), n_app)  # each application's requisition (row of reqs)
        n = len(r)
        app_id = state.ids("application", n)
        applied_t = office_hours(rng, open_t[r] + rng.integers(0, 21 * DAY, n))
        after = applied_t >= self.drift if self.drift is not None else np.zeros(n, bool)

        # The applicant: profile, skills, demographics and the traits only the outcome knows.
        intl = rng.random(n) < np.where(after, fx.DRIFT_INTERNATIONAL_SHARE, fx.INTERNATIONAL_SHARE)
        channel = np.where(after, pick(rng, fx.DRIFT_CHANNEL_MIX, n), pick(rng, fx.CHANNEL_MIX, n))
        scale = np.where(after, fx.DRIFT_EXPERIENCE_GAMMA[1], fx.EXPERIENCE_GAMMA[1])
        experience = np.clip(np.round(rng.gamma(fx.EXPERIENCE_GAMMA[0], 1.0, n) * scale, 1), 0, 45)
        education = pick(rng, fx.EDUCATION_MIX, n)
        grade = np.where(education > 0, np.clip(np.round(rng.normal(2.9, 0.5, n), 1), 1.0, 4.0), np.nan)
        n_soft = rng.binomial(fx.SOFT_SKILL_DRAWS, fx.SOFT_SKILL_P, n)
        n_tech = 1 + rng.poisson(2.0, n)
        communication = rng.normal(0, 1, n)
        fam = family[r]
        customer_facing = CUSTOMER_FACING[fam]
        person = self.records.people(rng, n, office[r], experience)

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

        # The vendor AI's score (grades-minded, blind to communication), drawn whether or not it is shown.
        spread = np.sqrt(fx.RATING_NOISE**2 + communication_effect**2)
        p_blind = np.clip(p_retained * ndtr((rating_known - 2.5) / spread), 1e-4, 1 - 1e-4)
        vendor_logit = (fx.AI_SIGNAL * logit(p_blind) + fx.AI_PER_GRADE_POINT * np.nan_to_num(grade - 2.9)
                        + fx.AI_PER_EXPERIENCE_YEAR * np.minimum(experience, 15) + fx.AI_INTERCEPT
                        + rng.normal(0, fx.AI_NOISE, n))

        skill_owner, skill = draw_skills(rng, FAMILY_POOLS, fam, n_tech, n_soft, communication)
        apps = pd.DataFrame({
            "application_id": app_id, "requisition_id": req_id[r], "family": fam, "office": office[r],
            "applied_t": applied_t, **{k: person[k] for k in PERSON}, "communication": communication,
            "minority": person["ethnicity"] == ETHNICITIES.index("minority"), "p_success": p_success,
            "rating_mean": rating_mean, "rating12": rating12, "retained12": retained,
            "vendor_logit": vendor_logit, "vendor_score": np.round(expit(vendor_logit), 4),
            "vendor_sample": rng.random(n) < fx.RANDOM_SAMPLE_SHARE,
            "vendor_t": applied_t + rng.integers(3_600, 36 * 3_600, n),
            # the recruiter: a reading of the recommendation, how long the decision takes, the reason given
            "recruiter_noise": rng.normal(0, fx.RECRUITER_NOISE, n), "decision_delay": rng.integers(DAY, 10 * DAY, n),
            "decision_time": office_time(rng, n), "reason_u": rng.random(n),
            "other_reason": rng.integers(0, len(OTHER_REASONS), n), "text_u": rng.random(n),
            "text_pick": rng.integers(0, 1 << 30, n),
            # interviews and offers
            "withdraws": rng.random(n) < fx.INTERVIEW_WITHDRAWAL, "withdrawal_delay": rng.integers(DAY, 10 * DAY, n),
            "withdrawal_time": office_time(rng, n),
            "impression": logit(np.clip(p_success, 1e-4, 1 - 1e-4)) + rng.normal(0, fx.INTERVIEW_NOISE, n),
            "accepts": rng.random(n) >= fx.OFFER_DECLINE, "offer_time": office_time(rng, n),
            "response_delay": rng.integers(DAY, 5 * DAY, n), "start_delay": rng.integers(14 * DAY, 60 * DAY, n),
            "salary_band": np.clip(np.floor(experience / 4) + rng.integers(-1, 2, n), 0, 4).astype(np.int16),
            "screened": False, "advance": False, "decided_t": np.zeros(n, np.int64),
        })
        apps["recommended_t"] = self.screener.due(apps)
        opened = self.records.requisitions_opened(rng, req_id, family, office, open_t)
        opened = opened.assign(family=family, office=office, first_offer_delay=rng.integers(3 * DAY, 10 * DAY, n_req),
                               offer_gap=rng.integers(int(5.5 * DAY), 9 * DAY, n_req))

        # Records, as the ATS holds them.
        records = self.records
        records.candidate_records(rng, app_id, applied_t, person, experience, education, grade, intl, channel,
                                  skill_owner, skill)
        records.stage_records(apps, [(np.ones(n, bool), None, "applied", applied_t)])
        valid = applied_t < state.end
        state.sink("truth_applications", pd.DataFrame({
            "application_id": app_id, "candidate_id": app_id, "requisition_id": req_id[r],
            "applied_at": timestamps(applied_t),
            "p_success": p_success, "p_retained_12m": p_retained, "p_rating_3_plus": p_rating,
            "would_succeed": retained & (rating12 >= 3), "customer_facing": customer_facing,
            "communication": communication, "ethnicity": categorical(person["ethnicity"], ETHNICITIES),
            "after_drift": after,
        })[valid])
        self.open_reqs = pd.concat([self.open_reqs, opened], ignore_index=True)
        self.apps = pd.concat([self.apps, apps], ignore_index=True)
        self.skills = pd.concat([self.skills, pd.DataFrame({"application_id": app_id[skill_owner], "skill": skill})],
                                ignore_index=True)

    def screen(self, due: np.ndarray) -> None:
        """The recommendation each application due is shown, and the recruiter's decision given it: the
        recruiter reads the score, also sees communication, is biased, and goes against the recommendation
        only past a margin."""
        apps = self.apps[due]
        shown = self.screener.recommend(apps)
        recommended = shown["advance"].to_numpy()
        reading = (shown["logit"].to_numpy() + fx.RECRUITER_COMMUNICATION * apps["communication"].to_numpy()
                   + fx.RECRUITER_MINORITY_PENALTY * apps["minority"].to_numpy() + apps["recruiter_noise"].to_numpy())
        margin = fx.RECRUITER_OVERRIDE_MARGIN
        advance = np.where(recommended, reading >= -margin, reading > margin)
        overrides = advance != recommended
        recommended_t = apps["recommended_t"].to_numpy()
        decided_t = on_day(recommended_t + apps["decision_delay"].to_numpy(), apps["decision_time"].to_numpy())
        self.records.screening_records(apps, shown, advance, overrides, decided_t)
        withdraws = advance & apps["withdraws"].to_numpy()  # within days of the decision, before the others
        withdrawn_t = on_day(decided_t + apps["withdrawal_delay"].to_numpy(), apps["withdrawal_time"].to_numpy())
        self.records.stage_records(apps, [(np.ones(len(apps), bool), "applied", "screening", recommended_t),
                                          (advance, "screening", "interview", decided_t),
                                          (~advance, "screening", "rejected", decided_t),
                                          (withdraws, "interview", "withdrawn", withdrawn_t)])
        state = self.state
        state.sink("truth_screenings", pd.DataFrame({
            "application_id": apps["application_id"].to_numpy(), "recommended_at": timestamps(recommended_t),
            "source": shown["source"].to_numpy(), "model_version": shown["model_version"].to_numpy(),
            "score": shown["score"].to_numpy(), "recommended_advance": recommended,
            "routed_to_human": shown["routed_to_human"].to_numpy(), "advanced": advance,
        })[recommended_t < state.end])
        self.apps.loc[due, "screened"] = True
        self.apps.loc[due, "advance"] = advance
        self.apps.loc[due, "decided_t"] = decided_t

    def settle(self, settled: np.ndarray, not_before: int) -> None:
        """Interviews, offers and hires of requisitions whose applications are all decided: the best
        interview gets the offer and a decline passes it on. Hires join the workforce."""
        state, end = self.state, self.state.end
        reqs = self.open_reqs[settled].reset_index(drop=True)
        self.open_reqs = self.open_reqs[~settled].reset_index(drop=True)
        mine = self.apps["requisition_id"].isin(reqs["requisition_id"]).to_numpy()
        apps = self.apps[mine].reset_index(drop=True)
        self.apps = self.apps[~mine].reset_index(drop=True)
        r = pd.Index(reqs["requisition_id"]).get_indexer(apps["requisition_id"])
        n_req = len(reqs)
        a = {c: apps[c].to_numpy() for c in apps.columns}
        advance, decided_t, accepts = a["advance"], a["decided_t"], a["accepts"]

        interviewed = advance & ~a["withdraws"]
        rank = np.where(interviewed, _group_rank(np.where(interviewed, r, -1), -a["impression"]), -1)
        accept_rank = np.full(n_req, np.iinfo(np.int64).max)
        np.minimum.at(accept_rank, r[interviewed & accepts], rank[interviewed & accepts])
        offered = interviewed & (rank <= accept_rank[r])
        hired = offered & accepts
        last_decision = np.zeros(n_req, np.int64)
        np.maximum.at(last_decision, r, decided_t)
        first_offer = last_decision + reqs["first_offer_delay"].to_numpy()
        gap = reqs["offer_gap"].to_numpy()
        sent_t = on_day(first_offer[r] + np.maximum(rank, 0) * gap[r], a["offer_time"])
        responded_t = sent_t + a["response_delay"]
        closed_t = np.full(n_req, -1, np.int64)
        closed_t[r[hired]] = responded_t[hired]
        last_response = first_offer.copy()
        np.maximum.at(last_response, r[offered], responded_t[offered])
        settled_t = np.where(closed_t >= 0, closed_t, last_response) + 3_600
        start_day = monday_after(responded_t + a["start_delay"])
        band = a["salary_band"]

        records = self.records
        records.requisitions_closed(reqs.drop(columns=list(REQUISITION_DRAWS)), closed_t)
        records.stage_records(apps, [(offered, "interview", "offer", sent_t),
                                     (hired, "offer", "hired", responded_t),
                                     (offered & ~hired, "offer", "withdrawn", responded_t),
                                     (interviewed & ~offered, "interview", "rejected", settled_t[r])])
        app_id = a["application_id"]
        hire_id = records.offer_records(app_id, offered, sent_t, responded_t, accepts, band, hired, start_day)
        accepted = hired & (responded_t < end)
        state.sink("truth_hires", pd.DataFrame({"application_id": app_id[accepted],
                                                "hired_at": timestamps(responded_t[accepted])}))

        # Hires who start before the as-of date become employees; unfilled requisitions are reposted.
        joins = np.flatnonzero(hired & (start_day * DAY < end))
        emp = pd.DataFrame({
            "employee_id": state.ids("employee", len(joins)), "application_id": app_id[joins],
            **{c: a[c][joins] for c in ("family", "office", *PERSON)},
            "hire_day": start_day[joins], "created_t": office_hours(state.rng, responded_t[joins] + 7 * DAY),
            "salary_band": band[joins], "rating_mean": a["rating_mean"][joins],
            "rating12": a["rating12"][joins], "retained12": a["retained12"][joins],
            "hazard_from": (start_day[joins] + 365) * DAY,
            "_unmatched_hire": np.where(state.noise_rng.random(len(joins)) < state.defects.unmatched_hire,
                                        hire_id[joins], -1),
        })
        emp["manager_id"] = self.workforce.assign_managers(emp)
        emp = self.workforce.exits(emp)
        joined = pd.Series(emp["employee_id"].to_numpy(), index=app_id[joins])
        owned = self.skills["application_id"].isin(joined.index).to_numpy()
        skills = pd.DataFrame({"employee_id": joined.loc[self.skills.loc[owned, "application_id"]].to_numpy(),
                               "skill": self.skills.loc[owned, "skill"].to_numpy()})
        self.skills = self.skills[~self.skills["application_id"].isin(app_id)].reset_index(drop=True)
        self.workforce.histories(emp, skills)
        self.enqueue(self.replacements(emp, not_before), planned=False)
        unfilled = (closed_t < 0) & (settled_t + 14 * DAY < end)
        self.enqueue(self.requisitions(settled_t[unfilled] + 14 * DAY, reqs["family"].to_numpy()[unfilled],
                                       reqs["office"].to_numpy()[unfilled], not_before), planned=False)
