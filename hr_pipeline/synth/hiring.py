"""Hiring: requisitions, their applicants and the truth about them, screening, interviews, offers and hires.

Requisitions replace leavers, add growth and follow the seasons. A hiring round takes a chunk of them at
once: the applicants, what would become of each if hired, the vendor AI's recommendation and the
recruiter's decision, interviews, offers and the hires, who join the workforce.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, logit, ndtr

from hr_pipeline.ingest.contracts import CHANNELS, CUSTOMER_FACING_FAMILIES, EDUCATION, ETHNICITIES, JOB_FAMILIES
from hr_pipeline.synth import effects as fx
from hr_pipeline.synth import names as nm
from hr_pipeline.synth.records import (DAY, FAMILY_POOLS, Records, State, categorical, draw_skills, month_of,
                                       office_hours, pick, timestamps)
from hr_pipeline.synth.workforce import Workforce

CHANNEL = {c: i for i, c in enumerate(CHANNELS)}
CUSTOMER_FACING = np.isin(np.array(JOB_FAMILIES), CUSTOMER_FACING_FAMILIES)


def _monday_after(t: np.ndarray) -> np.ndarray:
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


class Hiring:
    """Requisitions and the hiring rounds that fill them; hires join `workforce`."""

    def __init__(self, state: State, records: Records, workforce: Workforce):
        self.state, self.records, self.workforce = state, records, workforce
        spec = state.spec
        self.drift = int(pd.Timestamp(spec.drift_at).value // 10**9) if spec.drift_at else None

    # -- requisitions ----------------------------------------------------------------------------
    def requisitions(self, open_t: np.ndarray, families: np.ndarray, offices: np.ndarray) -> pd.DataFrame:
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

    def replacements(self, emp: pd.DataFrame) -> pd.DataFrame:
        """A requisition for every leaver, opened during the notice period (clipped to the window)."""
        rng = self.state.rng
        exit_t = emp["exit_t"].to_numpy()
        leaving = exit_t < self.state.end + 30 * DAY
        notice = np.where(emp["voluntary"].to_numpy()[leaving], rng.integers(14 * DAY, 56 * DAY, leaving.sum()),
                          rng.integers(0, 14 * DAY, leaving.sum()))
        opened = np.maximum(self.seasonal(exit_t[leaving] - notice), self.state.start)
        return self.requisitions(opened, emp["family"].to_numpy()[leaving], emp["office"].to_numpy()[leaving])

    def growth(self) -> pd.DataFrame:
        """Requisitions for new positions, `ANNUAL_GROWTH` of the headcount a year (at least one a
        year, so even the smallest firm recruits), seasonal."""
        rng, spec = self.state.rng, self.state.spec
        n = max(spec.years, round(spec.employees * fx.ANNUAL_GROWTH * spec.years))
        months = np.arange(spec.start.to_period("M").ordinal, spec.end.to_period("M").ordinal)
        weight = np.array(fx.SEASON)[months % 12]
        month = months[pick(rng, weight, n)]
        first_day = month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        opened = np.clip((first_day + rng.integers(0, 28, n)) * DAY, self.state.start, None)
        return self.requisitions(opened, pick(rng, fx.FAMILY_MIX, n), pick(rng, nm.OFFICE_SHARE, n))

    # -- hiring ----------------------------------------------------------------------------------
    def hiring_round(self, reqs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Applicants, screening, interviews, offers and hires of a chunk of requisitions.

        Returns the new employees, their skills and the requisitions reposted because nobody was hired."""
        state = self.state
        rng, end = state.rng, state.end
        n_req = len(reqs)
        req_id = state.ids("requisition", n_req)
        family, office, open_t = (reqs[c].to_numpy() for c in ("family", "office", "open_t"))
        size = np.exp(rng.normal(np.log(fx.APPLICANTS_MEDIAN), fx.APPLICANTS_SIGMA, n_req))
        n_app = np.clip(np.round(size), *fx.APPLICANTS_RANGE).astype(np.int64)
        r = np.repeat(np.arange(n_req), n_app)  # each application's requisition (chunk row)
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
        person = self.records.people(n, office[r], experience)
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

        # Screening: the vendor AI's recommendation, then the recruiter's decision given it.
        ai_logit, score, ai_advance, random_sample, recommended_t = self.ai_recommendation(
            applied_t, p_retained, rating_known, communication_effect, grade, experience)
        advance, overrides, decided_t = self.recruiter_decision(recommended_t, ai_logit, ai_advance, communication,
                                                                minority)

        # Interviews and offers: the best interview gets the offer; a decline passes it on.
        withdraws = advance & (rng.random(n) < fx.INTERVIEW_WITHDRAWAL)
        withdrawn_t = office_hours(rng, decided_t + rng.integers(DAY, 10 * DAY, n))
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
        sent_t = office_hours(rng, first_offer[r] + np.maximum(rank, 0) * gap[r])
        responded_t = sent_t + rng.integers(DAY, 5 * DAY, n)
        closed_t = np.full(n_req, -1, np.int64)
        closed_t[r[hired]] = responded_t[hired]
        last_response = first_offer.copy()
        np.maximum.at(last_response, r[offered], responded_t[offered])
        settled_t = np.where(closed_t >= 0, closed_t, last_response) + 3_600
        start_day = _monday_after(responded_t + rng.integers(14 * DAY, 60 * DAY, n))
        band = np.clip(np.floor(experience / 4) + rng.integers(-1, 2, n), 0, 4).astype(np.int16)

        # Records, as the ATS holds them.
        skill_owner, skill = draw_skills(rng, FAMILY_POOLS, fam, n_tech, n_soft, communication)
        records = self.records
        records.requisition_records(req_id, family, office, open_t, closed_t)
        records.candidate_records(app_id, applied_t, person, experience, education, grade, intl, channel, skill_owner,
                                  skill)
        records.stage_records(app_id, req_id[r], applied_t, recommended_t, decided_t, advance, withdraws, withdrawn_t,
                              offered, sent_t, responded_t, hired, interviewed, settled_t[r])
        records.screening_records(app_id, recommended_t, decided_t, score, random_sample, advance, overrides,
                                  communication)
        hire_id = records.offer_records(app_id, offered, sent_t, responded_t, accepts, band, hired, start_day)
        valid = applied_t < end
        state.sink("truth_applications", pd.DataFrame({
            "application_id": app_id, "candidate_id": app_id, "requisition_id": req_id[r],
            "applied_at": timestamps(applied_t),
            "p_success": p_success, "p_retained_12m": p_retained, "p_rating_3_plus": p_rating,
            "would_succeed": would_succeed, "hired": hired & (responded_t < end),
            "customer_facing": customer_facing, "communication": communication,
            "ethnicity": categorical(person["ethnicity"], ETHNICITIES), "after_drift": after,
        })[valid])

        # Hires who start before the as-of date become employees; unfilled requisitions are reposted.
        joins = np.flatnonzero(hired & (start_day * DAY < end))
        emp = pd.DataFrame({
            "employee_id": state.ids("employee", len(joins)), "application_id": app_id[joins],
            "family": fam[joins], "office": office[r][joins], **{k: v[joins] for k, v in person.items()},
            "hire_day": start_day[joins], "created_t": office_hours(rng, responded_t[joins] + 7 * DAY),
            "salary_band": band[joins], "rating_mean": rating_mean[joins], "rating12": rating12[joins],
            "retained12": retained[joins], "hazard_from": (start_day[joins] + 365) * DAY,
            "_unmatched_hire": np.where(state.noise_rng.random(len(joins)) < state.defects.unmatched_hire,
                                        hire_id[joins], -1),
        })
        emp["manager_id"] = self.workforce.assign_managers(emp)
        emp = self.workforce.exits(emp)
        position = np.full(n, -1)
        position[joins] = np.arange(len(joins))
        owned = position[skill_owner] >= 0
        skills = pd.DataFrame({"employee_id": emp["employee_id"].to_numpy()[position[skill_owner[owned]]],
                               "skill": skill[owned]})
        unfilled = (closed_t < 0) & (settled_t + 14 * DAY < end)
        reposts = self.requisitions(settled_t[unfilled] + 14 * DAY, family[unfilled], office[unfilled])
        return emp, skills, reposts

    # -- screening -------------------------------------------------------------------------------
    def ai_recommendation(self, applied_t, p_retained, rating_known, communication_effect, grade, experience):
        """The vendor AI's score (grades-minded, blind to communication) and its recommendation, to
        advance at 0.5 or more. Returns the score's logit, the score, the recommendation, which
        applications are sampled at random for a human's review, and when the AI recommended."""
        rng, n = self.state.rng, len(applied_t)
        spread = np.sqrt(fx.RATING_NOISE**2 + communication_effect**2)
        p_blind = np.clip(p_retained * ndtr((rating_known - 2.5) / spread), 1e-4, 1 - 1e-4)
        ai_logit = (fx.AI_SIGNAL * logit(p_blind) + fx.AI_PER_GRADE_POINT * np.nan_to_num(grade - 2.9)
                    + fx.AI_PER_EXPERIENCE_YEAR * np.minimum(experience, 15) + fx.AI_INTERCEPT
                    + rng.normal(0, fx.AI_NOISE, n))
        score = np.round(expit(ai_logit), 4)
        ai_advance = score >= 0.5
        random_sample = rng.random(n) < fx.RANDOM_SAMPLE_SHARE
        recommended_t = applied_t + rng.integers(3_600, 36 * 3_600, n)
        return ai_logit, score, ai_advance, random_sample, recommended_t

    def recruiter_decision(self, recommended_t, ai_logit, ai_advance, communication, minority):
        """The recruiter's decision given the recommendation: the recruiter reads the AI's score, also
        sees communication, is biased, and goes against the recommendation only past a margin.
        Returns the decision (advance), whether it overrides the AI, and when it was made."""
        rng, n = self.state.rng, len(recommended_t)
        reading = (ai_logit + fx.RECRUITER_COMMUNICATION * communication + fx.RECRUITER_MINORITY_PENALTY * minority
                   + rng.normal(0, fx.RECRUITER_NOISE, n))
        margin = fx.RECRUITER_OVERRIDE_MARGIN
        advance = np.where(ai_advance, reading >= -margin, reading > margin)
        overrides = advance != ai_advance
        decided_t = office_hours(rng, recommended_t + rng.integers(DAY, 10 * DAY, n))
        return advance, overrides, decided_t
