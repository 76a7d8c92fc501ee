"""The world's true mechanics, as constants: the simulation reads them, `world.json` and
`docs/synthetic-world.md` are written from them, so the three state the same sizes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from hr_pipeline.ingest.contracts import CHANNELS, EDUCATION, JOB_FAMILIES

# -- Applicants --------------------------------------------------------------------------------
APPLICANTS_MEDIAN = 25  # per requisition: lognormal around this median, clipped below
APPLICANTS_SIGMA = 0.75
APPLICANTS_RANGE = (8, 400)
CHANNEL_MIX = (0.15, 0.35, 0.10, 0.15, 0.25)  # in the order of contracts.CHANNELS
EDUCATION_MIX = (0.05, 0.25, 0.40, 0.25, 0.05)  # in the order of contracts.EDUCATION
FAMILY_MIX = (0.25, 0.20, 0.20, 0.15, 0.10, 0.10)  # in the order of contracts.JOB_FAMILIES
INTERNATIONAL_SHARE = 0.30
EXPERIENCE_GAMMA = (2.0, 3.5)  # shape, scale in years
SOFT_SKILL_DRAWS, SOFT_SKILL_P = 3, 0.35  # soft skills mentioned ~ Binomial
MINORITY_SHARE = 0.20  # of applicants and staff; 5 % leave ethnicity undisclosed
# Cost of one hire per channel in EUR (agency fee, job-board spend, referral bonus, ...).
CHANNEL_COST_PER_HIRE = {"referral": 1500, "job_board": 2200, "agency": 9500, "career_site": 700, "linkedin": 3100}

# -- Hire outcome: success = retained 12 months AND 12-month rating >= 3 -----------------------
# 12-month retention: log-odds = base + the effects below.
RETENTION_BASE = 0.0
RETENTION_INTERNATIONAL = 2.5
RETENTION_REFERRAL = 1.5
RETENTION_AGENCY = -1.0
# 12-month rating = round(latent) clipped to 1..5, latent ~ Normal(mean, RATING_NOISE), mean = base + effects.
RATING_BASE = 1.6
RATING_PER_SOFT_SKILL = 0.8
RATING_PER_GRADE_POINT = 0.0  # grades do not predict performance
RATING_PER_EXPERIENCE_YEAR = 0.06  # up to 15 years
RATING_DEGREE = 0.3  # bachelor or higher
RATING_COMMUNICATION_CUSTOMER_FACING = 1.2  # per SD of communication skill
# Its one trace in the records: the soft skills a candidate lists are drawn in the order of a uniform
# key, and communication's key is lowered by this much per SD of the trait.
COMMUNICATION_MENTION = 2.0
RATING_NOISE = 0.4
STAFF_RATING_MEAN, STAFF_RATING_SD = 3.4, 0.5  # latent rating of the workforce already there

# -- Screening -----------------------------------------------------------------------------------
# The vendor AI's log-odds: it overweights grades and experience, and is blind to communication.
AI_SIGNAL = 0.25  # weight on the log-odds of success as it would estimate them without communication
AI_PER_GRADE_POINT = 2.0  # above a grade average of 2.9
AI_PER_EXPERIENCE_YEAR = 0.15  # up to 15 years
AI_INTERCEPT, AI_NOISE = -2.1, 0.55
# The recruiter's own reading: the AI's log-odds + communication + bias + noise. They follow the AI
# unless their reading is beyond the override margin on the other side.
RECRUITER_COMMUNICATION = 1.5  # per SD of communication, in every role (it only matters in customer-facing ones)
RECRUITER_MINORITY_PENALTY = -1.2  # for ethnicity = minority: the historical bias
RECRUITER_NOISE = 0.4
RECRUITER_OVERRIDE_MARGIN = 0.8
INTERVIEW_NOISE = 3.0  # the interview's error on the log-odds of success; the best impression gets the offer
INTERVIEW_WITHDRAWAL = 0.08
OFFER_DECLINE = 0.15
ROUTING_CONFIDENCE = 0.70
RANDOM_SAMPLE_SHARE = 0.10

# -- Workforce -------------------------------------------------------------------------------------
# Voluntary exits from the second year on: a low background hazard, and burnout, which drives most of them.
VOLUNTARY_EXIT_PER_YEAR = 0.02  # hazard outside burnout
INVOLUNTARY_EXIT_PER_YEAR = 0.04
FIRST_YEAR_LEAVERS_VOLUNTARY = 0.70
ANNUAL_GROWTH = 0.05
BURNOUT_PER_YEAR = 0.40  # one episode per employee, starting at this rate after the first year
BURNOUT_WEEKS = (16, 40)
BURNOUT_TRAINED_SHARE = 0.30  # episodes in which the employee gets a training
# The voluntary hazard rises linearly through an episode to this multiple at its end (2.0 exits a year) and
# stays there for BURNOUT_AFTER_WEEKS (notice, job search): over half of the untrained episodes end in an exit.
BURNOUT_HAZARD_MULTIPLIER = 100.0
BURNOUT_TRAINED_HAZARD_MULTIPLIER = 4.0
BURNOUT_AFTER_WEEKS = 8
BURNOUT_OVERTIME_RAMP = 10.0  # extra weekly overtime hours in an episode, reached early and kept to its end
BURNOUT_OVERTIME_BUILDUP = 0.25  # share of the episode over which that extra overtime builds up
BURNOUT_ENGAGEMENT_DROP = 1.5  # engagement points lost by the end of an episode
TRAININGS_PER_YEAR = 1.5
JOB_CHANGES_PER_YEAR = 0.12
SURVEY_RESPONSE_RATE = 0.80
# The hiring manager's survey on a hire still employed 6 months after the start: satisfaction 1-5 is the
# rounded latent base + HM_SATISFACTION_SUCCESS if the hire truly succeeds (retained 12 months, 12-month rating
# >= 3) + noise, clipped; HM_SURVEY_RESPONSE_RATE of managers answer, within HM_SURVEY_ANSWER_DAYS.
HM_SURVEY_MONTHS = 6
HM_SURVEY_RESPONSE_RATE = 0.85
HM_SURVEY_ANSWER_DAYS = 14
HM_SATISFACTION_BASE = 2.6
HM_SATISFACTION_SUCCESS = 1.3
HM_SATISFACTION_NOISE = 0.7
SEASON = (0.7, 1.0, 1.5, 1.5, 1.1, 0.6, 0.4, 0.7, 1.5, 1.4, 1.0, 0.5)  # requisitions opened per month, relative

# -- Drift event ----------------------------------------------------------------------------------
DRIFT_INTERNATIONAL_SHARE = 0.12
DRIFT_CHANNEL_MIX = (0.08, 0.52, 0.15, 0.10, 0.15)
DRIFT_EXPERIENCE_GAMMA = (2.0, 2.2)
DRIFT_RETENTION_INTERNATIONAL = 0.0  # log-odds

assert len(CHANNEL_MIX) == len(CHANNELS) and len(EDUCATION_MIX) == len(EDUCATION)
assert len(FAMILY_MIX) == len(JOB_FAMILIES) and set(CHANNEL_COST_PER_HIRE) == set(CHANNELS)


@dataclass(frozen=True)
class PlantedEffect:
    name: str
    what: str
    size: float
    unit: str


PLANTED_EFFECTS = (
    PlantedEffect("international_experience_retention",
                  "Hires with international experience stay 12 months more often (until a drift event).",
                  RETENTION_INTERNATIONAL, "log-odds of 12-month retention"),
    PlantedEffect("referral_retention", "Hires who came through a referral stay 12 months more often.",
                  RETENTION_REFERRAL, "log-odds of 12-month retention"),
    PlantedEffect("agency_retention", "Hires who came through an agency leave in their first year more often.",
                  RETENTION_AGENCY, "log-odds of 12-month retention"),
    PlantedEffect("soft_skills_rating",
                  "Each soft skill a candidate mentions raises the 12-month performance rating.",
                  RATING_PER_SOFT_SKILL, "rating points per soft-skill mention (latent, before rounding)"),
    PlantedEffect("grades_rating", "The grade average has no effect on the 12-month performance rating.",
                  RATING_PER_GRADE_POINT, "rating points per grade point"),
    PlantedEffect("burnout_attrition",
                  "During a burnout episode (overtime up early and staying up, engagement falling, no training) "
                  "the voluntary exit hazard rises linearly to this multiple of the background hazard at the "
                  f"episode's end and stays there for {BURNOUT_AFTER_WEEKS} weeks.", BURNOUT_HAZARD_MULTIPLIER,
                  "hazard ratio at the episode's end"),
    PlantedEffect("burnout_attrition_trained",
                  "A training during the burnout episode lowers that multiple.",
                  BURNOUT_TRAINED_HAZARD_MULTIPLIER, "hazard ratio at the episode's end"),
    PlantedEffect("recruiter_bias_minority",
                  "Recruiters advance candidates with ethnicity = minority less often, although their true "
                  "success does not depend on it.", RECRUITER_MINORITY_PENALTY,
                  f"log-odds on the recruiter's own reading (they override beyond ±{RECRUITER_OVERRIDE_MARGIN})"),
    PlantedEffect("communication_mention",
                  "Candidates strong in communication list it among their soft skills more often: the only trace "
                  "of the trait in the records, which the vendor AI ignores.", COMMUNICATION_MENTION,
                  "shift of the listing order key per SD of communication skill"),
    PlantedEffect("communication_customer_facing",
                  "In customer-facing job families communication skill raises the 12-month rating; the vendor "
                  "AI ignores it, recruiters see it, so their overrides there are right more often than the AI.",
                  RATING_COMMUNICATION_CUSTOMER_FACING, "rating points per SD of communication skill"),
    PlantedEffect("hiring_manager_satisfaction",
                  f"The hiring manager's satisfaction (1-5, surveyed {HM_SURVEY_MONTHS} months after the start) is "
                  "higher for hires who truly succeed (retained 12 months with a 12-month rating of 3 or more).",
                  HM_SATISFACTION_SUCCESS, "satisfaction points (latent, before rounding) for a successful hire"),
)


def planted_effects() -> list[dict]:
    return [asdict(e) for e in PLANTED_EFFECTS]


def drift_changes() -> dict:
    """What changes at a drift event, as [before, after]."""
    shape, scale = EXPERIENCE_GAMMA
    return {
        "applicant_mix": {
            "international_share": [INTERNATIONAL_SHARE, DRIFT_INTERNATIONAL_SHARE],
            "channel_mix": {c: [a, b] for c, a, b in zip(CHANNELS, CHANNEL_MIX, DRIFT_CHANNEL_MIX, strict=True)},
            "years_experience_mean": [shape * scale, DRIFT_EXPERIENCE_GAMMA[0] * DRIFT_EXPERIENCE_GAMMA[1]],
        },
        "relation_change": {"effect": "international_experience_retention",
                            "size": [RETENTION_INTERNATIONAL, DRIFT_RETENTION_INTERNATIONAL],
                            "unit": "log-odds of 12-month retention"},
    }


def drift_event(drift_at) -> dict | None:
    """The drift event of a world: its date and changes; None without one."""
    return None if drift_at is None else {"at": drift_at.isoformat(), **drift_changes()}
