"""Render `docs/synthetic-world.md` from the generator's own constants, so the numbers in the doc are
the numbers in the code (a unit test holds the file to this rendering).

Regenerate: `.venv/bin/python -m hr_pipeline.synth.doc`.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from scipy.special import expit

from hr_pipeline.ingest.contracts import CHANNELS, CONTRACTS, CUSTOMER_FACING_FAMILIES, DIALECTS
from hr_pipeline.synth import effects as fx
from hr_pipeline.synth.defects import DefectRates
from hr_pipeline.synth.extracts import GROUND_TRUTH, SPILL_ROWS
from hr_pipeline.synth.workforce import EMPLOYEES_PER_BATCH

DOC = Path(__file__).parents[2] / "docs" / "synthetic-world.md"

# When each entity gets a record (and so which weekly extract it lands in).
ENTITY_NOTES = {
    "ats_requisitions": "a version when opened, another when filled (`closed_at`); unfilled ones are reposted",
    "ats_candidates": "one record when the candidate applies",
    "ats_applications": "a version at every stage change (applied, screening, interview, offer, "
                        "hired/rejected/withdrawn)",
    "ats_stage_events": "one per transition, with the moment the stage was entered",
    "ats_ai_recommendations": "one per application, when the vendor AI scored it (a nightly batch)",
    "ats_recruiter_decisions": "one per application, the screening decision with reason code and free text",
    "ats_offers": "pending when sent, then accepted or declined",
    "ats_hires": "one per accepted offer",
    "hris_employees": "the full staff in the first extract, a record a week after each accepted offer, "
                      "and a new version at every job change",
    "hris_terminations": "on the last working day (some entered weeks late)",
    "hris_performance_reviews": "every six months from the hire date (the first extract also carries each "
                                "employee's latest rating before the window; some entered weeks late)",
    "hris_employee_skills": "staff's skills in the first extract, a hire's a month after the start",
    "hris_trainings": "about 1.5 courses a year per employee",
    "hris_job_changes": "promotions, transfers and band changes, about 0.12 a year per employee",
    "hris_engagement_surveys": "quarterly waves on the 15th of February, May, August and November; "
                               f"{fx.SURVEY_RESPONSE_RATE:.0%} answer",
    "hris_hiring_manager_surveys": f"one per hire still employed {fx.HM_SURVEY_MONTHS} months after the start, "
                                   f"when the hiring manager answers ({fx.HM_SURVEY_RESPONSE_RATE:.0%} do, within "
                                   f"{fx.HM_SURVEY_ANSWER_DAYS} days; some entered weeks late)",
    "timetracking_timesheets": "one per full week employed, exported on Sunday evening",
}

BENCHMARK = """\
Measured with `benchmarks/generate.py` (through the CLI, so including its start-up) on the 2-core
build machine (DuckDB 2.0, Python 3.11); memory is the peak resident set of the generating process:

| world | wall time | peak memory (RSS) | landing files | ground truth |
|---|---|---|---|---|
| 250 employees x 3 years (the default) | 6 s | 0.3 GiB | 1,947 files, 13 MiB | 0.3 MiB |
| 20,000 employees x 3 years | 30 s | 1.2 GiB | 2,354 files, 0.9 GiB | 23 MiB |
| 100,000 employees x 3 years | 148 s | 2.2 GiB | 2,353 files, 4.8 GiB | 116 MiB |

At 100,000 employees x 3 years the world has 2.37 M applications (7.7 M application versions and
as many stage events), 66 k hires and 16.2 M weekly timesheets. About a quarter of the time is the
simulation, the rest DuckDB rendering and writing the files."""


def _table(header: tuple[str, ...], rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def _percent(p: float) -> str:
    return f"{p:.0%}"


def _entities() -> str:
    rows = [(f"`{c.system}`", f"`{c.entity}`", f"`{c.file_name}`", f"`{c.key}`", f"`{c.updated_at}`",
             ENTITY_NOTES[c.table]) for c in CONTRACTS]
    dialects = [(f"`{system}`", d.describe, ", ".join(f"`{f}`" for f in d.date_formats),
                 ", ".join(f"`{f}`" for f in d.timestamp_formats)) for system, d in DIALECTS.items()]
    return "\n\n".join((
        _table(("system", "entity", "file", "key", "extract by", "records"), rows),
        "Each system writes its own dialect (`DIALECTS` in `hr_pipeline/ingest/contracts.py`). Values are "
        "written in the first format; the others appear only as the `mixed_date_format` defect. The ATS "
        "writes numbers and booleans as JSON numbers and booleans, lists as arrays, and nests each column "
        "along its contract `path` (`contact.email`, `profile.years_experience`, `source.channel`, "
        "`demographics.ethnicity`, ...). The HRIS writes a header of the column names, `;` between fields, "
        "a decimal comma and an empty field for null. Time tracking writes typed Parquet. Every file has "
        "every contract column, in contract order.",
        _table(("system", "format", "date formats", "timestamp formats"), dialects),
    ))


def _effects() -> str:
    base = fx.RETENTION_BASE
    retention = [("none of them", base), ("international experience", base + fx.RETENTION_INTERNATIONAL),
                 ("referral", base + fx.RETENTION_REFERRAL), ("agency", base + fx.RETENTION_AGENCY),
                 ("international experience and referral", base + fx.RETENTION_INTERNATIONAL + fx.RETENTION_REFERRAL)]
    return "\n\n".join((
        _table(("name", "what", "size", "unit"),
               [(f"`{e.name}`", e.what, e.size, e.unit) for e in fx.PLANTED_EFFECTS]),
        "What the sizes mean:",
        f"- **Retention** (`international_experience_retention`, `referral_retention`, `agency_retention`): a "
        f"hire stays 12 months with probability expit({base} + effects): "
        + "; ".join(f"{what} {_percent(expit(logit))}" for what, logit in retention)
        + ". Tests fit a logistic regression of 12-month retention (from the HRIS terminations) on these three "
          "features among matured hires and recover the sizes.",
        f"- **Rating** (`soft_skills_rating`, `grades_rating`): the 12-month rating is the rounded latent "
        f"{fx.RATING_BASE} + {fx.RATING_PER_SOFT_SKILL} x soft skills mentioned + {fx.RATING_PER_EXPERIENCE_YEAR} "
        f"x years of experience (up to 15) + {fx.RATING_DEGREE} x (bachelor or higher) + "
        f"{fx.RATING_PER_GRADE_POINT} x grade points + noise (SD {fx.RATING_NOISE}), clipped to 1..5; in "
        f"customer-facing families ({', '.join(CUSTOMER_FACING_FAMILIES)}) plus "
        f"{fx.RATING_COMMUNICATION_CUSTOMER_FACING} x communication skill (SD units). Hire success is "
        "retained 12 months and a 12-month rating of 3 or more: `p_success` = p(retained) x p(rating >= 3). "
        "Outside customer-facing roles hires are selected on recorded features only, so a regression of the "
        "rating on them recovers the sizes.",
        f"- **Burnout** (`burnout_attrition`, `burnout_attrition_trained`): one episode per employee, starting at "
        f"{fx.BURNOUT_PER_YEAR} a year (for hires from their second year) and lasting "
        f"{fx.BURNOUT_WEEKS[0]}-{fx.BURNOUT_WEEKS[1]} weeks. Weekly overtime climbs by "
        f"{fx.BURNOUT_OVERTIME_RAMP:g} hours over the first {_percent(fx.BURNOUT_OVERTIME_BUILDUP)} of it and stays "
        f"up to its end, engagement falls by up to {fx.BURNOUT_ENGAGEMENT_DROP:g} points, sick days rise and there "
        f"is no training. The voluntary exit hazard ({fx.VOLUNTARY_EXIT_PER_YEAR} a year outside episodes) rises "
        f"linearly through the episode to {fx.BURNOUT_HAZARD_MULTIPLIER:g} times that at its end "
        f"({fx.VOLUNTARY_EXIT_PER_YEAR * fx.BURNOUT_HAZARD_MULTIPLIER:g} a year) and stays there for "
        f"{fx.BURNOUT_AFTER_WEEKS} weeks (notice, job search), so most voluntary exits after the first year follow "
        f"an episode. In {_percent(fx.BURNOUT_TRAINED_SHARE)} of episodes the employee gets a training and the "
        f"hazard rises only to {fx.BURNOUT_TRAINED_HAZARD_MULTIPLIER:g} times. `employees.parquet` has each "
        "episode and multiple.",
        f"- **Recruiter bias** (`recruiter_bias_minority`): the vendor AI's score never sees ethnicity. "
        f"Recruiters follow it unless their own reading (the AI's log-odds + {fx.RECRUITER_COMMUNICATION} x "
        f"communication + noise) lies beyond +-{fx.RECRUITER_OVERRIDE_MARGIN} on the other side; for ethnicity "
        f"= minority the reading is {fx.RECRUITER_MINORITY_PENALTY} lower. True success does not depend on the "
        "group, yet the minority's selection rate is about 55-65 % of the majority's (tests hold it below the "
        "four-fifths line, 0.8, at screening and at hire).",
        "- **Overrides in customer-facing roles** (`communication_customer_facing`): recruiters weigh "
        "communication everywhere, but it only matters in customer-facing families, which the vendor AI "
        "ignores. Judged by the true `p_success` (an advance is right with probability p, a reject with 1 - p), "
        "overrides there are right about 70 % of the time, so more often than the AI they overrule; elsewhere "
        "about 45 %. About 10 % of decisions are overrides.",
        f"- The vendor AI overweights grades ({fx.AI_PER_GRADE_POINT} log-odds per grade point) and experience "
        f"({fx.AI_PER_EXPERIENCE_YEAR} per year), with weight {fx.AI_SIGNAL} on the true log-odds: a mediocre "
        "screening model, so hires still vary and a model trained on matured hires can learn the real drivers "
        "(a logistic regression on recorded features reaches a holdout AUC of about 0.8 on hires).",
        f"- **Hiring-manager satisfaction** (`hiring_manager_satisfaction`): {fx.HM_SURVEY_MONTHS} months after "
        "the start the hire's manager is asked how satisfied they are, 1-5: the rounded latent "
        f"{fx.HM_SATISFACTION_BASE} + {fx.HM_SATISFACTION_SUCCESS} x (the hire truly succeeds, `hire_success` in "
        f"`applications.parquet`) + noise (SD {fx.HM_SATISFACTION_NOISE}), clipped to 1..5. Only hires still "
        f"employed then are surveyed, {_percent(fx.HM_SURVEY_RESPONSE_RATE)} of managers answer (no record "
        "otherwise) and answers, like reviews and terminations, may be entered weeks late (`late_outcome`). "
        "Tests hold the mean satisfaction of successful hires above that of the others.",
    ))


def _drift() -> str:
    mix = fx.drift_changes()["applicant_mix"]
    channels = ", ".join(f"{c} {_percent(a)} -> {_percent(b)}" for c, (a, b) in mix["channel_mix"].items())
    return (
        "`--drift-at DATE` plants one event; without it there is none (`drift_event` is null in `world.json`, "
        "`after_drift` is false everywhere). From the date on, applicants change:\n\n"
        f"- international experience: {_percent(mix['international_share'][0])} -> "
        f"{_percent(mix['international_share'][1])} of applicants;\n"
        f"- channel mix: {channels};\n"
        f"- years of experience, mean: {mix['years_experience_mean'][0]:g} -> {mix['years_experience_mean'][1]:g};\n"
        f"- and one relation changes: international experience no longer raises 12-month retention "
        f"(log-odds {fx.RETENTION_INTERNATIONAL} -> {fx.DRIFT_RETENTION_INTERNATIONAL}). The vendor AI does not "
        "know, so it keeps crediting international experience.\n\n"
        "`hr-pipeline demo` plants it 39 weeks before the as-of date.")


def _defects() -> str:
    defaults = DefectRates()
    rows = [(f"`{f.name}`", f"`--{f.name.replace('_', '-')}-rate`", getattr(defaults, f.name), f.metadata["what"],
             f.metadata["handling"]) for f in fields(DefectRates)]
    return "\n\n".join((
        _table(("defect", "flag", "default", "what", "how the pipeline handles it"), rows),
        "`--missing ENTITY.COLUMN=RATE` (repeatable) sets the blanking rate of single columns, critical or not; "
        "`--no-defects` starts from a clean world. Defects are drawn from their own random stream, so changing "
        "a rate never changes the world itself (records added by `duplicate_key` and `unknown_skill` only shift "
        "the numbering of later hires and skill records). Every defect of a landed record is in `defects.parquet` (a "
        "duplicate export once, a record's defects once per version). Mixed date formats and malformed values "
        "occur only in the text formats (ATS, HRIS); Parquet is typed. Impossible values (`out_of_range`) "
        "parse in every format. The defaults keep every critical column about 99 % complete, well above the "
        f"quality gate's 95 %; {1 - defaults.out_of_range:.1%} of the range-checked values valid; the "
        "application of every hire unique "
        "(`duplicate_key` is 0 unless set); about "
        f"{_percent(1 - defaults.unknown_skill)} of skill mentions mapped to the taxonomy (exactly 1 - unknown "
        "mentions / all mentions, both countable from `defects.parquet` and the landing files); and about "
        f"{_percent(1 - defaults.unmatched_hire)} of hires matched to their employee. Raise `--missing`, "
        "`--out-of-range-rate`, `--duplicate-key-rate`, `--unknown-skill-rate` or `--unmatched-hire-rate` to "
        "make the quality gate's completeness, validity, uniqueness or consistency checks block.",
    ))


def _ground_truth() -> str:
    parts = []
    for name, (holds, columns) in GROUND_TRUTH.items():
        parts.append(f"**`{name}`**: {holds}.")
        if columns:
            parts.append(_table(("column", "meaning"), [(f"`{c}`", what) for c, what in columns.items()]))
    return "\n\n".join(parts)


def render() -> str:
    costs = ", ".join(f"{c} {fx.CHANNEL_COST_PER_HIRE[c]:,} EUR" for c in CHANNELS)
    low, high = fx.APPLICANTS_RANGE
    return f"""# The synthetic HR world

<!-- Rendered by `.venv/bin/python -m hr_pipeline.synth.doc` from the generator's constants; edit those. -->

Real HR data is personal, so the demo and the tests run on a generated firm: its applicant
tracking (ATS), HR master data (HRIS) and time-tracking extracts, week by week, with planted effects
whose true size is known, an optional drift event, defects at set rates, and a ground truth kept
outside the landing zone.

```bash
hr-pipeline generate --out DIR [--employees 250] [--years 3] [--seed 7] [--as-of 2026-11-16] \\
    [--drift-at DATE] [--missing ENTITY.COLUMN=RATE ...] [--no-defects] [--<defect>-rate RATE ...]
```

or `hr_pipeline.synth.extracts.generate_world(out, employees=250, years=3, seed=7, as_of=None,
drift_at=None, missing=None, defects=None)` (`defects` a `DefectRates`). The same seed and arguments
give byte-identical landing files. Generate into an empty folder: files of an earlier, different
world are not removed.

Output: `DIR/landing/<system>/<extract date>/<entity>.<jsonl|csv|parquet>`, one folder per system
per week; the extract date is the Monday after the record was created or changed, so each file is a
delta. `DIR/ground_truth/` holds the truth.

## How the world works

- **Workforce.** `--employees` people work there when the window of `--years` years starts (up to ten
  years of tenure). Staff hired earlier follow the exit hazards from the start of the window; hires
  follow their hire outcome in the first year and the hazards after it.
- **Hiring volume** follows turnover and growth: every leaver opens a requisition during the notice
  period, and {_percent(fx.ANNUAL_GROWTH)} of the headcount a year (at least one) opens new positions.
  Openings are seasonal (more in spring and autumn: relative weights by month {', '.join(f'{w:g}' for w in fx.SEASON)}).
- **Applicants** per requisition: lognormal around a median of {fx.APPLICANTS_MEDIAN} (sigma {fx.APPLICANTS_SIGMA}),
  clipped to {low}..{high}. Each has years of experience, education, grade average, international
  experience, a source channel, free-text skills (technical ones of the job family, and soft ones),
  names, e-mail, phone and city (Danish, Norwegian and German, with æ ø å ä ö ü ß), and voluntary
  demographics.
- **Screening**: the vendor AI scores every application and recommends advance or reject (routed to a
  person below confidence {fx.ROUTING_CONFIDENCE} or in a {_percent(fx.RANDOM_SAMPLE_SHARE)} random sample); a
  recruiter decides every application, with a reason code and, for overrides, a free-text reason.
- **Interviews and offers**: {_percent(fx.INTERVIEW_WITHDRAWAL)} of the advanced withdraw; the best interview
  impression (true log-odds of success + noise, SD {fx.INTERVIEW_NOISE:g}) gets the offer; {_percent(fx.OFFER_DECLINE)}
  of offers are declined and the runner-up gets one. A requisition nobody accepts is reposted.
- **Hires** start on a Monday 2-8 weeks after accepting and become HRIS employees with the same
  e-mail address (some differ only in case or whitespace; a few carry a private address instead, the
  `unmatched_hire` defect), the link the pipeline uses.
- **Channels** differ in retention (see the effects) and cost per hire: {costs} (in `world.json`).

Generation moves a week at a time: the requisitions opening in the week get their applicants (with
everything no screening can change drawn at once), the applications due are screened, and the
requisitions whose applications are all decided settle their interviews, offers and hires, whose whole
histories are drawn then ({EMPLOYEES_PER_BATCH:,} employees at a time). Nothing drawn in a week lies in an
earlier one, so a simulation can write each week's extracts as soon as the week is done
(`hr_pipeline.synth.extracts.World`), and a world written at once equals the same world written week by
week. Records are spilled to Parquet under `DIR/.work/` ({SPILL_ROWS:,} rows of a table at a time); DuckDB
then writes each entity's weekly files (`COPY ... PARTITION_BY`), and the work folder is removed. Memory
stays bounded by the spill size, the weeks in flight and DuckDB's memory limit.

## Scale

{BENCHMARK}

## Entities and formats

{_entities()}

## Planted effects

Each effect is in `ground_truth/world.json` (`planted_effects`: name, what, size, unit) with the
size below, and `tests/unit/test_synth.py` measures it back from the landing files and the ground
truth.

{_effects()}

## The drift event

{_drift()}

## Defects

{_defects()}

## Ground truth

`DIR/ground_truth/`, never inside the landing zone.

{_ground_truth()}
"""


def main() -> None:
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
