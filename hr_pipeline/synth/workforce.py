"""The workforce: the initial staff, managers, exits and burnout, and each employee's records over time.

Employees are written in batches: HRIS records (job changes, terminations, reviews, engagement and
hiring-manager surveys, skills, trainings), weekly timesheets and the truth about exits and burnout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hr_pipeline.ingest.contracts import (AGE_BANDS, ETHNICITIES, GENDERS, JOB_CHANGE_TYPES, JOB_FAMILIES,
                                          SALARY_BANDS)
from hr_pipeline.synth import effects as fx
from hr_pipeline.synth import names as nm
from hr_pipeline.synth import vocabulary as vc
from hr_pipeline.synth.records import (DAY, DEPARTMENTS, FAMILY_POOLS, WEEK, YEAR, Records, State, categorical, dates,
                                       draw_skills, month_of, office_hours, pick, timestamps)

EMPLOYEES_PER_BATCH = 8_000
TERMINATION_REASONS = vc.VOLUNTARY_REASONS + vc.INVOLUNTARY_REASONS
COURSE_HOURS = np.array([h for _, h in vc.COURSES])


def _add_months(days: np.ndarray, months) -> np.ndarray:
    """Calendar months later, clamped to the month's last day (as SQL date arithmetic does)."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    target = month + months
    last = (target + 1).astype("datetime64[D]") - 1
    return np.minimum(target.astype("datetime64[D]") + (d - month.astype("datetime64[D]")), last).astype(np.int64)


def _proficiency(rng, n: int) -> np.ndarray:
    return np.clip(1 + rng.binomial(4, 0.55, n), 1, 5).astype(np.int32)


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


class Workforce:
    """The firm's employees, from the initial staff on, and their records."""

    def __init__(self, state: State, records: Records):
        self.state, self.records = state, records
        self.managers: list[np.ndarray] = []

    def initial_workforce(self) -> pd.DataFrame:
        state = self.state
        rng, n = state.rng, state.spec.employees
        families = pick(rng, fx.FAMILY_MIX, n)
        offices = pick(rng, nm.OFFICE_SHARE, n)
        tenure = rng.uniform(30, 10 * 365, n)
        experience = tenure / 365 + rng.gamma(2.0, 2.5, n)
        emp = pd.DataFrame({
            "employee_id": state.ids("employee", n), "application_id": -1, "family": families, "office": offices,
            **self.records.people(rng, n, offices, experience),
            "hire_day": (state.start - tenure * DAY).astype(np.int64) // DAY,
            "created_t": state.initial_load,
            "salary_band": np.clip(np.floor(experience / 5) + rng.integers(-1, 2, n), 0, 4).astype(np.int16),
            "rating_mean": rng.normal(fx.STAFF_RATING_MEAN, fx.STAFF_RATING_SD, n),
            "rating12": np.zeros(n, np.int16), "retained12": np.ones(n, bool),
            "hazard_from": np.full(n, state.start, np.int64), "_unmatched_hire": -1,
        })
        emp["manager_id"] = self.assign_managers(emp)
        return self.exits(emp)

    def assign_managers(self, emp: pd.DataFrame) -> np.ndarray:
        """Managers come from the initial staff; each family's first manager heads it (no manager)."""
        rng, families = self.state.rng, emp["family"].to_numpy()
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
        rng, n = self.state.rng, len(emp)
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
        exit_t = office_hours(rng, exit_t.astype(np.int64))
        return emp.assign(exit_t=exit_t, voluntary=voluntary, ep_start=ep_start, ep_end=ep_end, trained=trained,
                          hazard_multiplier=mult)

    def histories(self, emp: pd.DataFrame, skills: pd.DataFrame | None = None) -> None:
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
        state = self.state
        lo = np.maximum(emp["hire_day"].to_numpy() * DAY, state.start)
        hi = np.minimum(emp["exit_t"].to_numpy(), state.end)
        return lo, np.maximum(hi, lo)

    def employee_records(self, emp: pd.DataFrame) -> None:
        """The first version of each record, then one per job change (promotion, transfer, band change)."""
        state = self.state
        rng = state.rng
        lo, hi = self.employed_window(emp)
        lo = np.maximum(lo, emp["hire_day"].to_numpy() * DAY + 180 * DAY)
        years = np.clip(hi - lo, 0, None) / YEAR
        n_changes = rng.poisson(fx.JOB_CHANGES_PER_YEAR * years)
        who = np.repeat(np.arange(len(emp)), n_changes)
        when = office_hours(rng, (lo[who] + rng.random(len(who)) * (hi[who] - lo[who])).astype(np.int64))
        order = np.lexsort((when, who))
        who, when = who[order], when[order]
        kind = pick(rng, (0.5, 0.2, 0.3), len(who))  # in the order of JOB_CHANGE_TYPES
        step = np.where(kind == 0, 1, np.where(kind == 2, rng.choice((-1, 1), len(who)), 0))
        band = np.clip(emp["salary_band"].to_numpy()[who] + pd.Series(step).groupby(who).cumsum().to_numpy(), 0, 4)
        new_family = np.where(kind == 1, pick(rng, fx.FAMILY_MIX, len(who)), -1)
        family = pd.Series(np.where(new_family >= 0, new_family, np.nan)).groupby(who).ffill().to_numpy()
        family = np.where(np.isnan(family), emp["family"].to_numpy()[who], family).astype(np.int16)
        changes = pd.DataFrame({
            "job_change_id": state.ids("job_change", len(who)), "employee_id": emp["employee_id"].to_numpy()[who],
            "change_date": dates(when // DAY), "change_type": categorical(kind, JOB_CHANGE_TYPES),
            "new_job_family": categorical(family, JOB_FAMILIES), "new_salary_band": categorical(band, SALARY_BANDS),
            "updated_at": timestamps(when)})
        state.sink("hris_job_changes", changes)

        first = emp.assign(version_t=emp["created_t"])
        later = emp.iloc[who].assign(version_t=when, family=family, salary_band=band)
        versions = pd.concat([first, later], ignore_index=True)
        versions = versions[versions["version_t"] < state.end]
        fam = versions["family"].to_numpy()
        state.sink("hris_employees", pd.DataFrame({
            "employee_id": versions["employee_id"].to_numpy(),
            **{c: versions[c].to_numpy() for c in ("_person", "_first", "_last", "_country", "_phone",
                                                   "_unmatched_hire")},
            "gender": categorical(versions["gender"], GENDERS),
            "age_band": categorical(versions["age_band"], AGE_BANDS),
            "ethnicity": categorical(versions["ethnicity"], ETHNICITIES),
            "hire_date": dates(versions["hire_day"]), "department": categorical(fam, DEPARTMENTS),
            "job_family": categorical(fam, JOB_FAMILIES), "location": categorical(versions["office"], nm.OFFICES),
            "manager_id": versions["manager_id"].to_numpy(),
            "salary_band": categorical(versions["salary_band"], SALARY_BANDS),
            "updated_at": timestamps(versions["version_t"])}))

    def terminations(self, emp: pd.DataFrame) -> None:
        state = self.state
        left = emp[emp["exit_t"] < state.end]
        n, vol = len(left), left["voluntary"].to_numpy()
        reason = np.where(vol, state.rng.integers(0, len(vc.VOLUNTARY_REASONS), n),
                          len(vc.VOLUNTARY_REASONS) + state.rng.integers(0, len(vc.INVOLUNTARY_REASONS), n))
        late = self.records.late(n)
        exit_t = left["exit_t"].to_numpy()
        state.sink("hris_terminations", pd.DataFrame({
            "termination_id": left["employee_id"].to_numpy(), "employee_id": left["employee_id"].to_numpy(),
            "termination_date": dates(exit_t // DAY),
            "termination_type": categorical(np.where(vol, 0, 1), ("voluntary", "involuntary")),
            "reason": categorical(reason, TERMINATION_REASONS),
            "updated_at": timestamps(exit_t + late * WEEK), "_late_weeks": late.astype(np.int8)}))

    def reviews(self, emp: pd.DataFrame) -> None:
        """A rating every six months from hire; a new hire's 12-month rating is the one drawn with the
        hire's true success. Staff hired earlier also bring their latest rating before the window."""
        state = self.state
        rng = state.rng
        hire = emp["hire_day"].to_numpy()
        exit_day = emp["exit_t"].to_numpy() // DAY
        start_day, end_day = state.start // DAY, state.end // DAY
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
        late = self.records.late(len(r))
        recorded = np.where(day < start_day, state.initial_load, day * DAY + 36_000 + late * WEEK)
        state.sink("hris_performance_reviews", pd.DataFrame({
            "review_id": state.ids("review", len(r)), "employee_id": emp["employee_id"].to_numpy()[r["employee"]],
            "review_date": dates(day), "rating": r["rating"].to_numpy(), "updated_at": timestamps(recorded),
            "_late_weeks": np.where(day < start_day, 0, late).astype(np.int8)}))

    def manager_surveys(self, emp: pd.DataFrame) -> None:
        """The hiring manager's satisfaction with a hire still employed `HM_SURVEY_MONTHS` after the start,
        higher when the hire truly succeeds; some managers never answer, some answers are entered late."""
        state = self.state
        rng = state.survey_rng
        hire = emp["hire_day"].to_numpy()
        day = _add_months(hire, fx.HM_SURVEY_MONTHS)
        success = emp["retained12"].to_numpy() & (emp["rating12"].to_numpy() >= 3)
        rows = np.flatnonzero((emp["application_id"].to_numpy() >= 0) & (day < emp["exit_t"].to_numpy() // DAY)
                              & (rng.random(len(emp)) < fx.HM_SURVEY_RESPONSE_RATE))
        latent = (fx.HM_SATISFACTION_BASE + fx.HM_SATISFACTION_SUCCESS * success[rows]
                  + rng.normal(0, fx.HM_SATISFACTION_NOISE, len(rows)))
        late = self.records.late(len(rows), rng)
        answered = office_hours(rng, (day[rows] + rng.integers(0, fx.HM_SURVEY_ANSWER_DAYS + 1, len(rows))) * DAY)
        recorded = answered + late * WEEK
        keep = recorded < state.end
        rows, latent, late, answered, recorded = rows[keep], latent[keep], late[keep], answered[keep], recorded[keep]
        state.sink("hris_hiring_manager_surveys", pd.DataFrame({
            "survey_response_id": state.ids("hm_survey", len(rows)),
            "employee_id": emp["employee_id"].to_numpy()[rows], "manager_id": emp["manager_id"].to_numpy()[rows],
            "survey_date": dates(day[rows]), "satisfaction": np.clip(np.round(latent), 1, 5).astype(np.int32),
            "answered_at": timestamps(answered), "updated_at": timestamps(recorded),
            "_late_weeks": late.astype(np.int8)}))

    def episode_progress(self, emp_rows: np.ndarray, t: np.ndarray, emp: pd.DataFrame) -> np.ndarray:
        """0 outside the burnout episode, rising linearly to 1 at its end."""
        s, e = emp["ep_start"].to_numpy()[emp_rows], emp["ep_end"].to_numpy()[emp_rows]
        inside = (t >= s) & (t < e)
        return np.where(inside, (t - s) / np.maximum(e - s, 1), 0.0)

    def surveys(self, emp: pd.DataFrame) -> None:
        """Quarterly engagement waves (15 Feb/May/Aug/Nov); engagement falls during an episode."""
        state = self.state
        rng = state.rng
        waves = pd.date_range(state.spec.start, state.spec.end, freq="MS")
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
        r = r[r["answered"] < state.end]
        state.sink("hris_engagement_surveys", pd.DataFrame({
            "response_id": state.ids("response", len(r)), "employee_id": emp["employee_id"].to_numpy()[r["employee"]],
            "survey_date": dates(r["wave"].to_numpy() // DAY), "engagement_score": r["score"].to_numpy(),
            "enps": r["enps"].to_numpy(), "updated_at": timestamps(r["answered"])}))

    def employee_skills(self, emp: pd.DataFrame, hired_skills: pd.DataFrame | None) -> None:
        """Skills in the HRIS spelling: a hire's are the candidate's, assessed a month after the start;
        staff hired earlier bring theirs with the initial load."""
        state = self.state
        rng = state.rng
        if hired_skills is None:
            owners, skills = draw_skills(rng, FAMILY_POOLS, emp["family"].to_numpy(),
                                         1 + rng.poisson(2.0, len(emp)), rng.binomial(3, 0.4, len(emp)))
            assessed = emp["hire_day"].to_numpy()[owners] + rng.integers(20, 400, len(owners))
            assessed = np.minimum(assessed, state.start // DAY - 7)
            recorded = np.full(len(owners), state.initial_load)
        else:
            position = pd.Series(np.arange(len(emp)), index=emp["employee_id"].to_numpy())
            owners = position.loc[hired_skills["employee_id"].to_numpy()].to_numpy()
            skills = hired_skills["skill"].to_numpy()
            assessed = emp["hire_day"].to_numpy()[owners] + 30
            recorded = office_hours(rng, assessed * DAY + DAY)
        keep = recorded < state.end
        owners, skills, assessed, recorded = owners[keep], skills[keep], assessed[keep], recorded[keep]
        proficiency = _proficiency(rng, len(owners))
        hit, extra = self.records.unknown_skills(len(owners))  # an extra record, made with the mention it follows
        ids = state.ids("employee_skill", len(owners) + len(hit))
        text = self.records.spelled("hris_employee_skills", "skill", ids, np.arange(len(owners)), skills, "hris")
        self.records.log_skills("hris_employee_skills", "skill", ids[len(owners):], "unknown_skill", extra)
        rows = np.r_[np.arange(len(owners)), hit]
        state.sink("hris_employee_skills", pd.DataFrame({
            "employee_skill_id": ids, "employee_id": emp["employee_id"].to_numpy()[owners[rows]],
            "skill": np.r_[text, extra], "proficiency": np.r_[proficiency, _proficiency(state.noise_rng, len(hit))],
            "assessed_at": dates(assessed[rows]), "updated_at": timestamps(recorded[rows])}))

    def trainings(self, emp: pd.DataFrame) -> None:
        """About 1.5 courses a year; none during an untrained burnout episode, one during a trained one."""
        state = self.state
        rng = state.rng
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
        who, when = who[order], office_hours(rng, when[order])
        course = rng.integers(0, len(vc.COURSES), len(who))
        keep = when < state.end
        who, when, course = who[keep], when[keep], course[keep]
        state.sink("hris_trainings", pd.DataFrame({
            "training_id": state.ids("training", len(who)), "employee_id": emp["employee_id"].to_numpy()[who],
            "course": categorical(course, [c for c, _ in vc.COURSES]), "hours": COURSE_HOURS[course],
            "completed_at": dates(when // DAY), "updated_at": timestamps(when + 2 * DAY)}))

    def timesheets(self, emp: pd.DataFrame) -> None:
        """A timesheet per full week employed; in an episode overtime climbs early and stays high, sick days rise."""
        state = self.state
        rng = state.rng
        weeks = np.arange(state.start, state.end, WEEK)
        lo, hi = self.employed_window(emp)
        active = (lo[:, None] <= weeks[None, :]) & (hi[:, None] >= weeks[None, :] + WEEK)
        who, w = np.nonzero(active)
        t = weeks[w]
        n = len(who)
        progress = self.episode_progress(who, t, emp)
        month = month_of(t)
        sick = np.clip(rng.poisson(0.12 + 0.10 * np.isin(month, (0, 1, 11)) + 0.35 * progress), 0, 5)
        holiday = np.where(month == 6, 0.35, np.where(month == 11, 0.12, 0.03))
        vacation = np.where(rng.random(n) < holiday, 5, np.where(rng.random(n) < 0.05, rng.integers(1, 3, n), 0))
        vacation = np.minimum(vacation, 5 - sick)
        base_overtime = rng.gamma(1.5, 1.2, len(emp))
        overtime = (base_overtime[who] * rng.gamma(2.0, 0.5, n)
                    + fx.BURNOUT_OVERTIME_RAMP * np.minimum(progress / fx.BURNOUT_OVERTIME_BUILDUP, 1))
        overtime = np.round(np.where(sick + vacation < 5, overtime, 0) * 4) / 4
        hours = np.round((37.0 * (5 - sick - vacation) / 5 + overtime) * 4) / 4
        state.sink("timetracking_timesheets", pd.DataFrame({
            "timesheet_id": state.ids("timesheet", n), "employee_id": emp["employee_id"].to_numpy()[who],
            "week_start": dates(t // DAY), "hours_worked": hours, "overtime_hours": overtime,
            "sick_days": sick.astype(float), "vacation_days": vacation.astype(float),
            "updated_at": timestamps(t + 6 * DAY + 64_800)}))

    def truth_employees(self, emp: pd.DataFrame) -> None:
        state = self.state
        exit_t = emp["exit_t"].to_numpy()
        left = exit_t < state.end
        s, e = emp["ep_start"].to_numpy(), emp["ep_end"].to_numpy()
        had_episode = (s < np.minimum(exit_t, state.end))
        state.sink("truth_employees", pd.DataFrame({
            "employee_id": emp["employee_id"].to_numpy(), "application_id": emp["application_id"].to_numpy(),
            "hire_date": dates(emp["hire_day"]),
            "exit_date": np.where(left, dates(exit_t // DAY), np.datetime64("NaT")),
            "voluntary": pd.Series(emp["voluntary"].to_numpy(), dtype="boolean").where(left),
            "hazard_from": dates(emp["hazard_from"].to_numpy() // DAY),
            "voluntary_hazard_per_year": fx.VOLUNTARY_EXIT_PER_YEAR,
            "burnout_start": np.where(had_episode, dates(s // DAY), np.datetime64("NaT")),
            "burnout_end": np.where(had_episode, dates(np.minimum(e, state.end) // DAY), np.datetime64("NaT")),
            "trained_in_burnout": pd.Series(emp["trained"].to_numpy(), dtype="boolean").where(had_episode),
            "burnout_hazard_multiplier": np.where(had_episode, emp["hazard_multiplier"].to_numpy(), np.nan),
        }))

