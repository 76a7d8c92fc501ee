"""The synthetic world: deterministic, in each system's dialect, with its planted effects, drift and
defects visible in the landing files at their stated sizes and rates.

One world is generated for the module and read back the way a stranger would: every landing file
as text (the ATS JSON flattened along each column's path), next to the ground truth.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from hr_pipeline.cli import main as cli_main
from hr_pipeline.ingest.contracts import CONTRACTS, CONTRACTS_BY_TABLE, CUSTOMER_FACING_FAMILIES, DIALECTS
from hr_pipeline.synth import doc
from hr_pipeline.synth import effects as fx
from hr_pipeline.synth.defects import DEFECTS, LATE_TABLES, DefectRates
from hr_pipeline.synth.extracts import GROUND_TRUTH, World, generate_world, parse_missing
from hr_pipeline.synth.spec import WorldSpec
from hr_pipeline.synth.vocabulary import SKILLS, UNKNOWN_SKILLS

AS_OF = date(2026, 11, 16)
DRIFT_AT = date(2026, 2, 16)
RATES = replace(DefectRates(), duplicate_key=0.02)  # the defaults, and hires booked twice (off by default)
MISSING_OVERRIDE = 0.20  # employees.department, set through `--missing`
TAXONOMY = Path(__file__).parents[2] / "dbt_project" / "seeds" / "skill_taxonomy.csv"


def _digest(root: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted((root / "landing").rglob("*.*")))).hexdigest()


def test_same_seed_same_world(tmp_path):
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate_world(tmp_path / name, employees=60, years=1, seed=seed, as_of=AS_OF)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") != _digest(tmp_path / "c")


def test_a_world_written_week_by_week_is_the_world_written_at_once(tmp_path):
    """What a simulation relies on: each week's extracts can be written as soon as the week is simulated,
    because nothing drawn later falls into an earlier week. A drift event and every defect are on."""
    spec = WorldSpec(employees=80, years=0, extra_weeks=20, seed=9, as_of=AS_OF, drift_at=date(2026, 9, 14))
    whole = World(tmp_path / "whole", spec)
    whole.advance(spec.end.date())
    whole.finish()
    stepped = World(tmp_path / "stepped", spec)
    for week in pd.date_range(spec.start, spec.end, freq="7D"):
        assert set(stepped.advance(week.date())) <= {f"{week:%Y-%m-%d}"}  # only the week just done
    stepped.finish()

    files = {root: sorted(p.relative_to(root) for p in (root / "landing").rglob("*.*"))
             for root in (tmp_path / "whole", tmp_path / "stepped")}
    assert files[tmp_path / "whole"] == files[tmp_path / "stepped"] and len(files[tmp_path / "whole"]) > 100
    for path in files[tmp_path / "whole"]:
        assert (tmp_path / "whole" / path).read_bytes() == (tmp_path / "stepped" / path).read_bytes(), path
    for name, (_, columns) in GROUND_TRUTH.items():
        if columns:
            a, b = (f"'{root}/ground_truth/{name}'" for root in (tmp_path / "whole", tmp_path / "stepped"))
            assert duckdb.execute(f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})").fetchall() == [(0,)], name
            assert duckdb.execute(f"SELECT count(*) FROM (FROM {b} EXCEPT ALL FROM {a})").fetchall() == [(0,)], name


# -- the module's world, read back ------------------------------------------------------------------
def _parse_date(column: str, formats) -> str:
    return f"coalesce({', '.join(f'try_strptime({column}, {chr(39)}{f}{chr(39)})' for f in formats)})"


def _text_relation(home: Path, contract) -> str:
    """Every value as the text in the file (lists stay lists), with its extract date and file."""
    pattern = f"{home}/landing/{contract.system}/*/{contract.file_name}"
    extract = "CAST(regexp_extract(filename, '/(\\d{4}-\\d{2}-\\d{2})/', 1) AS DATE) AS _extract"
    if contract.file_format == "jsonl":
        cols = [f"CAST(json_extract(json, '$.{c.source_path}') AS VARCHAR[]) AS {c.name}" if c.type.endswith("[]")
                else f"json_extract_string(json, '$.{c.source_path}') AS {c.name}" for c in contract.columns]
        return f"SELECT {', '.join(cols)}, {extract} FROM read_json_objects('{pattern}', filename=true)"
    if contract.file_format == "csv":
        return (f"SELECT * EXCLUDE (filename), {extract} FROM read_csv('{pattern}', all_varchar=true, "
                f"delim='{contract.dialect.delimiter}', filename=true)")
    return f"SELECT * EXCLUDE (filename), {extract} FROM read_parquet('{pattern}', filename=true)"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate_world(out, employees=3000, years=3, seed=21, as_of=AS_OF, drift_at=DRIFT_AT,
                   missing=parse_missing([f"employees.department={MISSING_OVERRIDE}"]), defects=RATES)
    return out


@pytest.fixture(scope="module")
def db(world) -> duckdb.DuckDBPyConnection:
    """Landing tables (as text), ground truth, the taxonomy and a few typed helper views."""
    con = duckdb.connect()
    for contract in CONTRACTS:
        con.execute(f"CREATE TABLE {contract.table} AS {_text_relation(world, contract)}")
    for name in ("applications", "employees", "defects"):
        con.execute(f"CREATE TABLE truth_{name} AS SELECT * FROM '{world}/ground_truth/{name}.parquet'")
    con.execute(f"CREATE TABLE taxonomy AS SELECT * FROM read_csv('{TAXONOMY}')")
    hris = DIALECTS["hris"]
    con.execute(f"""
        CREATE VIEW candidates AS SELECT DISTINCT candidate_id,
            lower(trim(international_experience)) AS intl, lower(trim(source_channel)) AS channel,
            TRY_CAST(grade_average AS DOUBLE) AS grade, TRY_CAST(years_experience AS DOUBLE) AS experience,
            lower(trim(education)) AS education, skills FROM ats_candidates;
        CREATE VIEW soft_skills AS SELECT candidate_id,
            count(DISTINCT t.canonical_skill) FILTER (t.category = 'soft') AS n_soft
            FROM (SELECT candidate_id, unnest(skills) AS skill FROM candidates) s
            LEFT JOIN taxonomy t ON t.alias = lower(trim(s.skill)) GROUP BY candidate_id;
        CREATE VIEW exits AS SELECT employee_id, any_value(lower(trim(termination_type))) AS kind,
            min(CAST({_parse_date('termination_date', hris.date_formats)} AS DATE)) AS exit_date
            FROM hris_terminations GROUP BY employee_id;
        CREATE VIEW ratings AS SELECT * FROM (
            SELECT employee_id, CAST({_parse_date('review_date', hris.date_formats)} AS DATE) AS day,
                   TRY_CAST(rating AS INTEGER) AS rating FROM hris_performance_reviews) WHERE rating BETWEEN 1 AND 5;
        -- hires whose 12 months had passed by the as-of date, applied before the drift event
        CREATE VIEW matured_hires AS SELECT t.application_id, t.candidate_id, e.employee_id, e.hire_date,
            t.customer_facing, x.kind, x.exit_date,
            x.exit_date IS NULL OR x.exit_date > e.hire_date + INTERVAL 12 MONTH AS retained
            FROM truth_applications t JOIN truth_employees e USING (employee_id) LEFT JOIN exits x USING (employee_id)
            WHERE e.hire_date + INTERVAL 12 MONTH <= DATE '{AS_OF}' AND NOT t.after_drift;
        CREATE VIEW screening AS SELECT t.*, lower(trim(d.decision)) AS decision, lower(trim(r.recommendation)) AS ai
            FROM truth_applications t
            JOIN (SELECT DISTINCT application_id, decision FROM ats_recruiter_decisions) d USING (application_id)
            JOIN (SELECT DISTINCT application_id, recommendation FROM ats_ai_recommendations) r USING (application_id);
    """)
    return con


def _one(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchone()


# -- layout and formats ---------------------------------------------------------------------------
def test_layout_and_ground_truth_outside_landing(world, db):
    landing = world / "landing"
    assert {p.name for p in landing.iterdir()} == {"ats", "hris", "timetracking"}
    assert not list(landing.rglob("*truth*")) and not (world / ".work").exists()
    for folder in landing.glob("*/*"):
        assert date.fromisoformat(folder.name).weekday() == 0 and date.fromisoformat(folder.name) <= AS_OF
        assert {p.name for p in folder.iterdir()} <= {c.file_name for c in CONTRACTS if c.system == folder.parent.name}
    truth = json.loads((world / "ground_truth" / "world.json").read_text(encoding="utf-8"))
    assert {e["name"] for e in truth["planted_effects"]} == {e.name for e in fx.PLANTED_EFFECTS}
    assert truth["drift_event"]["at"] == DRIFT_AT.isoformat()
    assert truth["channel_cost_per_hire_eur"]["agency"] > truth["channel_cost_per_hire_eur"]["referral"]
    assert set(db.execute("SELECT DISTINCT defect FROM truth_defects").fetchnumpy()["defect"]) == set(DEFECTS)
    names = _one(db, "SELECT string_agg(first_name || last_name || location, '') FROM hris_employees")[0]
    places = _one(db, "SELECT string_agg(city, '') FROM ats_candidates")[0]
    assert set("æøåäöüß") <= set(names) and set("æøåäöü") <= set(places)


def test_ground_truth_files_have_the_documented_columns_and_the_doc_is_current(world):
    for name, (_, columns) in GROUND_TRUTH.items():
        if columns:
            described = duckdb.sql(f"DESCRIBE SELECT * FROM '{world}/ground_truth/{name}'").fetchall()
            assert [row[0] for row in described] == list(columns), name
    assert set(doc.ENTITY_NOTES) == {c.table for c in CONTRACTS}
    assert doc.DOC.read_text(encoding="utf-8") == doc.render(), "run: python -m hr_pipeline.synth.doc"


def test_every_file_carries_every_contract_column_in_its_dialect(world):
    for contract in CONTRACTS:
        files = sorted((world / "landing" / contract.system).glob(f"*/{contract.file_name}"))
        assert files, contract.table
        path = files[len(files) // 2]
        if contract.file_format == "csv":
            with path.open(encoding="utf-8", newline="") as f:
                assert next(csv.reader(f, delimiter=contract.dialect.delimiter)) == [c.name for c in contract.columns]
        elif contract.file_format == "jsonl":
            record = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
            for column in contract.columns:
                node = record
                for key in column.source_path.split("."):
                    assert key in node, f"{contract.table}.{column.source_path}"
                    node = node[key]
        else:
            described = duckdb.sql(f"DESCRIBE SELECT * FROM '{path}'").fetchall()
            assert [(n, t) for n, t, *_ in described] == [(c.name, c.type) for c in contract.columns]


def test_values_are_written_as_each_system_writes_them(world, db):
    record = json.loads(next((world / "landing" / "ats").glob("*/candidates.jsonl")).read_text().splitlines()[0])
    assert isinstance(record["profile"]["international_experience"], bool)
    assert isinstance(record["skills"], list) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", record["updated_at"])
    # HRIS: dd.mm.yyyy dates, 'dd.mm.yyyy HH:MM:SS' timestamps, decimal comma; mostly, bar the defects.
    usual_date, usual_ts, comma = _one(db, r"""
        SELECT avg(regexp_full_match(completed_at, '\d\d\.\d\d\.\d{4}')::INT),
               avg(regexp_full_match(updated_at, '\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d')::INT),
               avg(contains(hours, ',')::INT) FROM hris_trainings""")
    assert usual_date > 0.95 and usual_ts > 0.95 and comma > 0.3


def test_volumes_seasons_and_ratings_look_like_a_real_firm(db):
    ats_date = _parse_date("opened_at", DIALECTS["ats"].date_formats)
    by_month = dict(db.execute(f"""SELECT month({ats_date}), count(DISTINCT requisition_id) FROM ats_requisitions
                                   WHERE {ats_date} IS NOT NULL GROUP BY 1""").fetchall())
    assert sum(by_month[m] for m in (3, 4, 9, 10)) / 4 > 1.5 * sum(by_month[m] for m in (6, 7, 12)) / 3
    median, smallest = _one(db, f"""
        SELECT median(n), min(n) FROM (SELECT requisition_id, count(DISTINCT application_id) AS n
        FROM ats_applications WHERE requisition_id IN (SELECT requisition_id FROM ats_requisitions
                                                       WHERE {ats_date} < DATE '{AS_OF}' - INTERVAL 8 WEEK)
        GROUP BY 1)""")
    assert median == pytest.approx(fx.APPLICANTS_MEDIAN, abs=5) and smallest >= fx.APPLICANTS_RANGE[0]
    middle = _one(db, "SELECT avg((rating IN ('3', '4'))::INT) FROM hris_performance_reviews")[0]
    assert middle > 0.6


def test_skill_spellings_are_all_in_the_taxonomy_and_the_unknown_ones_are_not():
    with TAXONOMY.open(encoding="utf-8") as f:
        aliases = {row["alias"].strip().lower(): row["canonical_skill"] for row in csv.DictReader(f)}
    for skill in SKILLS:
        for spelling in (skill.ats, skill.hris, *skill.variants):
            assert aliases.get(spelling.lower().strip()) == skill.canonical, spelling
    assert not {s.lower().strip() for s in UNKNOWN_SKILLS} & set(aliases)


def test_hires_become_employees_with_the_same_email_unless_unmatched(db):
    """Case and whitespace aside, a hire's HRIS e-mail is the candidate's, except for the `unmatched_hire`
    defects, logged against the employee with the hire in the detail, at their rate among hires."""
    db.execute("""CREATE OR REPLACE TEMP VIEW emails AS
        SELECT t.application_id, t.employee_id, c.email AS ats, e.email AS hris
        FROM truth_applications t JOIN (SELECT DISTINCT candidate_id, email FROM ats_candidates) c USING (candidate_id)
        JOIN (SELECT DISTINCT employee_id, email FROM hris_employees) e USING (employee_id)""")
    linked, only_case = _one(db, """SELECT count(DISTINCT employee_id),
                                           count(*) FILTER (ats <> hris AND lower(trim(ats)) = lower(trim(hris)))
                                    FROM emails""")
    differing = db.execute("""SELECT DISTINCT employee_id, application_id FROM emails
                              WHERE lower(trim(ats)) <> lower(trim(hris))""").fetchall()
    logged = db.execute("""SELECT DISTINCT d.key, h.application_id FROM truth_defects d
                           JOIN (SELECT DISTINCT hire_id, application_id FROM ats_hires) h
                             ON d.detail = 'hire ' || h.hire_id
                           WHERE d.defect = 'unmatched_hire'""").fetchall()
    assert linked > 1000 and only_case > 0
    assert sorted(differing) == sorted(logged)
    assert len(logged) / linked == pytest.approx(RATES.unmatched_hire, abs=0.008)  # about 3 SD
    assert 1 - len(logged) / linked >= 0.95  # the quality gate's threshold for matched hires


# -- planted effects ----------------------------------------------------------------------------------
def _fit_logit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return LogisticRegression(C=1e6, max_iter=1000).fit(x, y).coef_[0]


def test_international_experience_and_referrals_raise_12_month_retention(db):
    d = db.execute("""SELECT c.intl = 'true' AS intl, c.channel = 'referral' AS referral,
                             c.channel = 'agency' AS agency,
                             h.retained FROM matured_hires h JOIN candidates c USING (candidate_id)
                      WHERE c.intl IN ('true', 'false') AND c.channel IS NOT NULL""").fetchnumpy()
    x = np.c_[d["intl"], d["referral"], d["agency"]].astype(float)
    intl, referral, _ = _fit_logit(x, d["retained"].astype(int))
    assert len(x) > 800
    assert intl == pytest.approx(fx.RETENTION_INTERNATIONAL, abs=0.8)
    assert referral == pytest.approx(fx.RETENTION_REFERRAL, abs=0.8)


def test_soft_skills_predict_the_12_month_rating_and_grades_do_not(db):
    """Outside customer-facing roles hires are selected on recorded features only, so a regression
    on them recovers the planted slopes; everywhere, soft skills correlate with the rating, grades not."""
    d = db.execute("""
        SELECT r.rating, s.n_soft, c.grade, least(c.experience, 15) AS experience,
               c.education IN ('bachelor', 'master', 'phd') AS degree, h.customer_facing
        FROM matured_hires h JOIN ratings r ON r.employee_id = h.employee_id AND r.day = h.hire_date + INTERVAL 12 MONTH
        JOIN candidates c USING (candidate_id) JOIN soft_skills s USING (candidate_id)
        WHERE r.rating IS NOT NULL AND c.grade IS NOT NULL AND c.experience IS NOT NULL""").fetchnumpy()
    rest = ~d["customer_facing"]
    x = np.c_[np.ones(rest.sum()), d["n_soft"][rest], d["grade"][rest], d["experience"][rest], d["degree"][rest]]
    _, soft, grade, _, _ = np.linalg.lstsq(x.astype(float), d["rating"][rest].astype(float), rcond=None)[0]
    assert rest.sum() > 300
    assert soft == pytest.approx(fx.RATING_PER_SOFT_SKILL, abs=0.2)
    assert grade == pytest.approx(fx.RATING_PER_GRADE_POINT, abs=0.2)
    soft_corr = np.corrcoef(d["rating"], d["n_soft"])[0, 1]
    grade_corr = np.corrcoef(d["rating"], d["grade"])[0, 1]
    assert soft_corr > 0.15 and abs(grade_corr) < soft_corr - 0.05


def test_burnout_raises_the_voluntary_exit_hazard_through_the_episode_and_after(db):
    """Voluntary exits per person-year in each phase of a burnout episode (first half, second half, the
    weeks after its end) over those outside episodes, counted from the day each employee's exits follow
    the hazard model, with exits read from the terminations."""
    d = db.execute("""SELECT e.hazard_from, e.burnout_start, e.burnout_end, coalesce(e.trained_in_burnout, false)
                                 AS trained, x.exit_date, coalesce(x.kind = 'voluntary', false) AS quit
                      FROM truth_employees e LEFT JOIN exits x USING (employee_id)""").df()
    end = np.datetime64(AS_OF)
    day = {k: np.where(np.isnat(v := d[k].to_numpy().astype("datetime64[D]")), end, v)
           for k in ("hazard_from", "burnout_start", "burnout_end", "exit_date")}
    start, stop, exit_day = day["burnout_start"], np.minimum(day["exit_date"], end), day["exit_date"]
    quit = d["quit"].to_numpy() & (exit_day >= day["hazard_from"]) & (exit_day < end)
    middle = start + (day["burnout_end"] - start) // 2
    after = day["burnout_end"] + np.timedelta64(7 * fx.BURNOUT_AFTER_WEEKS, "D")

    def years(lo, hi):
        return np.clip((np.minimum(stop, hi) - np.maximum(day["hazard_from"], lo)).astype(float), 0, None) / 365.25

    def exits(lo, hi):
        return quit & (exit_day >= lo) & (exit_day < hi)

    outside = (quit & ~exits(start, after)).sum() / (years(day["hazard_from"], stop) - years(start, after)).sum()
    assert outside == pytest.approx(fx.VOLUNTARY_EXIT_PER_YEAR, rel=0.3)
    ratio = {}
    for trained in (False, True):
        rows = d["trained"].to_numpy() == trained
        for phase, lo, hi in (("first half", start, middle), ("second half", middle, day["burnout_end"]),
                              ("after", day["burnout_end"], after), ("all", start, after)):
            ratio[trained, phase] = exits(lo, hi)[rows].sum() / years(lo, hi)[rows].sum() / outside
    multiplier = fx.BURNOUT_HAZARD_MULTIPLIER
    # rising linearly from 1 to the multiplier, then held there
    assert 5 < ratio[False, "first half"] < multiplier / 2 < ratio[False, "second half"] < ratio[False, "after"]
    assert ratio[False, "after"] == pytest.approx(multiplier, rel=0.35)
    assert ratio[True, "all"] < fx.BURNOUT_TRAINED_HAZARD_MULTIPLIER + 1  # a training keeps it low


def test_burnout_shows_as_high_overtime_early_falling_engagement_and_no_training(db):
    hris = DIALECTS["hris"]
    db.execute(f"""
        CREATE OR REPLACE TEMP VIEW episodes AS SELECT employee_id, burnout_start AS s, burnout_end AS e,
            trained_in_burnout FROM truth_employees WHERE burnout_start IS NOT NULL;
        CREATE OR REPLACE TEMP VIEW engagement AS SELECT employee_id,
            CAST({_parse_date('survey_date', hris.date_formats)} AS DATE) AS day,
            TRY_CAST(replace(engagement_score, ',', '.') AS DOUBLE) AS score FROM hris_engagement_surveys;
        CREATE OR REPLACE TEMP VIEW courses AS SELECT employee_id,
            CAST({_parse_date('completed_at', hris.date_formats)} AS DATE) AS day FROM hris_trainings""")
    overtime = _one(db, f"""
        SELECT avg(overtime_hours) FILTER (CAST(week_start AS DATE) - s >= (e - s) * {fx.BURNOUT_OVERTIME_BUILDUP}
                                           AND week_start < e)
               - avg(overtime_hours) FILTER (s IS NULL)
        FROM timetracking_timesheets LEFT JOIN episodes USING (employee_id)""")[0]
    engagement = _one(db, """
        SELECT avg(score) FILTER (s <= day AND day < e AND day - s >= (e - s) // 2) - avg(score) FILTER (s IS NULL)
        FROM engagement LEFT JOIN episodes USING (employee_id)""")[0]
    trainings = _one(db, """SELECT count(*) FROM courses JOIN episodes USING (employee_id)
                            WHERE NOT trained_in_burnout AND s <= day AND day < e""")[0]
    assert overtime > fx.BURNOUT_OVERTIME_RAMP * 0.6  # +10 h once built up, to the episode's end
    assert engagement < -fx.BURNOUT_ENGAGEMENT_DROP * 0.4
    assert trainings == 0


def test_recruiters_advance_the_minority_less_although_they_succeed_as_often(db):
    rates = {group: (advanced, hired, p) for group, advanced, hired, p in db.execute("""
        SELECT lower(trim(ethnicity)), avg((decision = 'advance')::INT), avg(hired::INT), avg(p_success)
        FROM screening GROUP BY 1""").fetchall()}
    minority, majority = rates["minority"], rates["majority"]
    assert minority[0] / majority[0] < 0.8 and minority[1] / majority[1] < 0.8
    assert minority[2] == pytest.approx(majority[2], abs=0.02)


def test_overrides_are_right_more_often_than_the_ai_in_customer_facing_roles_only(db):
    """An override is right when the candidate would succeed if advanced, or fail if rejected; in
    expectation that is p_success for an advance and 1 - p_success for a reject."""
    right = dict(db.execute("""
        SELECT customer_facing, avg(CASE WHEN decision = 'advance' THEN p_success ELSE 1 - p_success END)
        FROM screening WHERE decision <> ai GROUP BY 1""").fetchall())
    assert right[True] > 0.55 and right[False] < 0.5
    share = _one(db, "SELECT avg((decision <> ai)::INT) FROM screening")[0]
    assert 0.03 < share < 0.2
    families = db.execute("""SELECT DISTINCT lower(trim(r.job_family)) FROM truth_applications t
                             JOIN ats_requisitions r USING (requisition_id) WHERE t.customer_facing""").fetchall()
    assert {f for (f,) in families} - {None} == set(CUSTOMER_FACING_FAMILIES)


def test_hire_success_is_learnable_from_candidate_features(db):
    """A logistic regression on recorded features of older matured hires ranks newer ones well."""
    d = db.execute("""
        SELECT c.intl = 'true' AS intl, c.channel, coalesce(c.experience, 7) AS experience, s.n_soft,
               len(c.skills) AS n_skills, h.retained AND coalesce(r.rating, 0) >= 3 AS success
        FROM matured_hires h JOIN candidates c USING (candidate_id) JOIN soft_skills s USING (candidate_id)
        LEFT JOIN ratings r ON r.employee_id = h.employee_id AND r.day = h.hire_date + INTERVAL 12 MONTH
        ORDER BY h.hire_date, h.application_id""").fetchnumpy()
    x = np.c_[d["intl"], *(d["channel"] == c for c in ("referral", "agency")), d["experience"], d["n_soft"],
              d["n_skills"]].astype(float)
    cut = len(x) * 3 // 4
    model = LogisticRegression(max_iter=1000).fit(x[:cut], d["success"][:cut])
    assert roc_auc_score(d["success"][cut:], model.predict_proba(x[cut:])[:, 1]) > 0.72


# -- drift --------------------------------------------------------------------------------------------
def test_drift_shifts_the_mix_and_removes_the_international_effect_only_with_the_flag(db, tmp_path):
    mix = {after: (intl, referral, p_intl - p_rest) for after, intl, referral, p_intl, p_rest in db.execute("""
        SELECT t.after_drift, avg((c.intl = 'true')::INT), avg((c.channel = 'job_board')::INT),
               avg(p_retained_12m) FILTER (c.intl = 'true'), avg(p_retained_12m) FILTER (c.intl = 'false')
        FROM truth_applications t JOIN candidates c USING (candidate_id) GROUP BY 1""").fetchall()}
    before, after = mix[False], mix[True]
    assert before[0] == pytest.approx(fx.INTERNATIONAL_SHARE, abs=0.02)
    assert after[0] == pytest.approx(fx.DRIFT_INTERNATIONAL_SHARE, abs=0.02)
    assert after[1] > before[1] + 0.1
    assert before[2] > 0.3 and abs(after[2]) < 0.02

    generate_world(tmp_path, employees=400, years=2, seed=5, as_of=AS_OF)
    assert json.loads((tmp_path / "ground_truth" / "world.json").read_text())["drift_event"] is None
    con = duckdb.connect()
    con.execute(f"CREATE TABLE c AS {_text_relation(tmp_path, CONTRACTS_BY_TABLE['ats_candidates'])}")
    applied_after = f"{_parse_date('updated_at', DIALECTS['ats'].timestamp_formats)} >= DATE '{DRIFT_AT}'"
    before_share, after_share = _one(con, f"""
        SELECT avg((international_experience = 'true')::INT) FILTER (NOT {applied_after}),
               avg((international_experience = 'true')::INT) FILTER ({applied_after})
        FROM c WHERE international_experience IN ('true', 'false')""")
    assert after_share == pytest.approx(before_share, abs=0.04)
    assert not _one(con, f"SELECT bool_or(after_drift) FROM '{tmp_path}/ground_truth/applications.parquet'")[0]


# -- defects ------------------------------------------------------------------------------------------
def _logged(db, defect: str, table: str | None = None, column: str | None = None) -> int:
    return _one(db, """SELECT count(*) FROM truth_defects WHERE defect = ? AND (? IS NULL OR "table" = ?)
                       AND (? IS NULL OR "column" = ?)""", defect, table, table, column, column)[0]


def test_missing_values_hit_their_rate_and_are_logged(db):
    for table, column, rate in (("ats_candidates", "years_experience", RATES.missing),
                                ("ats_candidates", "source_channel", RATES.missing),
                                ("hris_employees", "department", MISSING_OVERRIDE)):
        rows, blank = _one(db, f"SELECT count(*), count(*) FILTER ({column} IS NULL) FROM {table}")
        assert blank / rows == pytest.approx(rate, rel=0.3), (table, column)
        # a version sent twice in one extract is one version (two versions in one week are two)
        contract = CONTRACTS_BY_TABLE[table]
        versions = f"({contract.key}, _extract, {contract.updated_at})"
        duplicated_blanks = _one(db, f"SELECT count(*) - count(DISTINCT {versions}) FROM {table} "
                                     f"WHERE {column} IS NULL")[0]
        assert _logged(db, "missing", table, column) == blank - duplicated_blanks


def test_duplicate_exports_hit_their_rate_and_are_logged(db):
    for contract in CONTRACTS:
        rows, distinct = _one(db, f"""SELECT (SELECT count(*) FROM {contract.table}),
                                             (SELECT count(*) FROM (SELECT DISTINCT * FROM {contract.table}))""")
        assert rows - distinct == _logged(db, "duplicate_export", contract.table), contract.table
        if rows > 20_000:
            assert (rows - distinct) / distinct == pytest.approx(RATES.duplicate_export, rel=0.25), contract.table


def test_late_outcomes_land_in_a_later_extract_than_their_date(db):
    hris = DIALECTS["hris"]
    # the survey's answer, not its sending, is what lands in the next weekly extract when on time
    dated = (("review_date", hris.date_formats), ("termination_date", hris.date_formats),
             ("answered_at", hris.timestamp_formats))
    for table, (day, formats) in zip(LATE_TABLES, dated, strict=True):
        rows, late = _one(db, f"""
            WITH d AS (SELECT _extract, CAST({_parse_date(day, formats)} AS DATE) AS day
                       FROM (SELECT DISTINCT * FROM {table}))
            SELECT count(*), count(*) FILTER (_extract > date_trunc('week', day) + INTERVAL 7 DAY)
            FROM d WHERE day >= (SELECT min(_extract) FROM {table})""")
        assert late / rows == pytest.approx(RATES.late_outcome, abs=0.02), table
        assert late == pytest.approx(_logged(db, "late_outcome", table), abs=0.01 * rows), table


def _unusual(column: str, formats) -> str:
    return f"NOT regexp_full_match({column}, '{_pattern(formats[0])}')"


def _pattern(fmt: str) -> str:
    return re.sub(r"%[dmHMS]", r"\\d\\d", fmt).replace("%Y", r"\d{4}").replace(".", r"\.")


def test_mixed_date_formats_and_malformed_values_are_found_at_their_rates(db):
    """Dates not in the system's usual format are either another format of its dialect (mixed) or
    unparseable garbage (malformed); numbers that do not parse are malformed."""
    hris, ats = DIALECTS["hris"], DIALECTS["ats"]
    cases = (("hris_trainings", "completed_at", hris.date_formats), ("hris_employees", "hire_date", hris.date_formats),
             ("ats_candidates", "updated_at", ats.timestamp_formats),
             ("ats_requisitions", "opened_at", ats.date_formats))
    for table, column, formats in cases:
        parsed = _parse_date(column, formats)
        rows, mixed, malformed = _one(db, f"""
            SELECT count({column}), count(*) FILTER ({_unusual(column, formats)} AND {parsed} IS NOT NULL),
                   count(*) FILTER ({column} IS NOT NULL AND {parsed} IS NULL) FROM (SELECT DISTINCT * FROM {table})""")
        assert mixed / rows == pytest.approx(RATES.mixed_date_format, rel=0.35), (table, column)
        assert mixed == _logged(db, "mixed_date_format", table, column), (table, column)
        assert malformed == _logged(db, "malformed_value", table, column), (table, column)
    rows = sum(_one(db, f"SELECT count(*) FROM (SELECT DISTINCT * FROM {c.table})")[0]
               for c in CONTRACTS if c.system != "timetracking")
    bad_numbers = _one(db, """SELECT count(*) FROM (SELECT DISTINCT * FROM ats_candidates)
                              WHERE years_experience IS NOT NULL AND TRY_CAST(years_experience AS DOUBLE) IS NULL""")[0]
    assert bad_numbers == _logged(db, "malformed_value", "ats_candidates", "years_experience") > 0
    assert _logged(db, "malformed_value") / rows == pytest.approx(RATES.malformed_value, rel=0.35)


def test_messy_categories_and_unnormalised_emails_are_found_at_their_rates(db):
    for table, column in (("ats_candidates", "source_channel"), ("ats_stage_events", "to_stage"),
                          ("hris_employees", "job_family"), ("hris_terminations", "termination_type")):
        assert any(c.allowed for c in CONTRACTS_BY_TABLE[table].columns if c.name == column)
        rows, messy = _one(db, f"""SELECT count({column}), count(*) FILTER ({column} <> lower(trim({column})))
                                   FROM (SELECT DISTINCT * FROM {table})""")
        assert messy / rows == pytest.approx(RATES.messy_category, rel=0.4), (table, column)
        assert messy == _logged(db, "messy_category", table, column), (table, column)
    rows, odd = _one(db, """SELECT count(email), count(*) FILTER (email <> lower(trim(email)))
                            FROM (SELECT DISTINCT * FROM hris_employees)""")
    assert odd / rows == pytest.approx(RATES.email_not_normalised, rel=0.25)
    assert odd == _logged(db, "email_not_normalised", "hris_employees", "email")


def test_skill_variants_are_found_at_their_rate(db):
    usual = {s.ats for s in SKILLS} | {s.hris for s in SKILLS} | set(UNKNOWN_SKILLS)
    varied = {s.ats for s in SKILLS if s.variants}
    variants, variable = db.execute("""
        SELECT count(*) FILTER (NOT list_contains($usual, skill)), count(*) FILTER (list_contains($varied, skill))
        FROM (SELECT unnest(skills) AS skill FROM candidates)""",
                                    {"usual": sorted(usual), "varied": sorted(varied)}).fetchone()
    assert variants / (variants + variable) == pytest.approx(RATES.skill_variant, rel=0.3)
    assert variants == _logged(db, "skill_variant", "ats_candidates")
    hris_variants = _one(db, "SELECT count(*) FILTER (NOT list_contains($1, skill)) FROM hris_employee_skills",
                         sorted(usual))[0]
    assert hris_variants > 0


def test_impossible_values_parse_and_are_found_at_their_rate(db):
    """Ratings outside 1-5, a week of more than 100 hours and start dates a century after the offer was
    accepted are exactly the logged `out_of_range` values, each with its original."""
    ats = DIALECTS["ats"]
    start, accepted = (_parse_date(c, f) for c, f in (("start_date", ats.date_formats),
                                                       ("offer_accepted_at", ats.timestamp_formats)))
    cases = {"hris_performance_reviews": "TRY_CAST(rating AS INTEGER) NOT BETWEEN 1 AND 5",
             "timetracking_timesheets": "hours_worked > 100",
             "ats_hires": f"{start} > {accepted} + INTERVAL 50 YEAR"}
    records = hits = 0
    for table, impossible in cases.items():
        rows, found = _one(db, f"SELECT count(*), count(*) FILTER ({impossible}) FROM (SELECT DISTINCT * FROM {table})")
        assert found == _logged(db, "out_of_range", table) > 0, table
        assert 1 - found / rows >= 0.99, table  # the quality gate's validity threshold
        records, hits = records + rows, hits + found
    assert hits / records == pytest.approx(RATES.out_of_range, rel=0.3)
    ratings = db.execute("""SELECT DISTINCT split_part(detail, ', was ', 1) FROM truth_defects
                            WHERE defect = 'out_of_range' AND "table" = 'hris_performance_reviews'""").fetchall()
    assert {r for (r,) in ratings} <= {"0", "6", "7", "10"}
    originals = _one(db, """SELECT min(CAST(split_part(detail, ', was ', 2) AS DOUBLE)),
                                   max(CAST(split_part(detail, ', was ', 2) AS DOUBLE))
                            FROM truth_defects WHERE defect = 'out_of_range' AND "table" = 'timetracking_timesheets'""")
    assert originals[0] >= 0 and originals[1] < 100


def test_hires_booked_twice_share_their_application_and_are_found_at_their_rate(db):
    ats = DIALECTS["ats"]
    accepted = _parse_date("offer_accepted_at", ats.timestamp_formats)
    pairs = db.execute(f"""
        WITH h AS (SELECT DISTINCT hire_id, application_id,
                          date_trunc('minute', {accepted}) AS accepted FROM ats_hires)  -- some formats drop seconds
        SELECT b.hire_id, a.hire_id, a.accepted IS DISTINCT FROM b.accepted AND a.accepted IS NOT NULL
                                     AND b.accepted IS NOT NULL AS differs
        FROM h a JOIN h b ON a.application_id = b.application_id AND a.hire_id < b.hire_id""").fetchall()
    logged = db.execute("""SELECT key, detail, false FROM truth_defects WHERE defect = 'duplicate_key'
                           AND "table" = 'ats_hires' AND "column" = 'application_id'""").fetchall()
    hires = _one(db, "SELECT count(DISTINCT application_id) FROM ats_hires")[0]
    assert sorted(pairs) == sorted(logged)
    assert len(logged) / hires == pytest.approx(RATES.duplicate_key, abs=0.01)  # about 3 SD
    assert DefectRates().duplicate_key == 0  # by default hires are unique, as the quality gate wants


def test_unknown_skills_are_added_at_their_rate_and_set_the_mapped_share(db):
    """Unknown spellings are added (never replace a skill), at `unknown_skill` per usual mention, so the
    share of mentions the taxonomy maps is exactly 1 - logged unknown mentions / all mentions."""
    for table, column, mentions in (("ats_candidates", "skills", "SELECT unnest(skills) AS skill FROM candidates"),
                                    ("hris_employee_skills", "skill",
                                     "SELECT skill FROM (SELECT DISTINCT * FROM hris_employee_skills)")):
        total, mapped, unknown = db.execute(f"""
            SELECT count(*), count(t.alias), count(*) FILTER (list_contains($unknown, m.skill))
            FROM ({mentions}) m LEFT JOIN taxonomy t ON t.alias = lower(trim(m.skill))
            WHERE m.skill IS NOT NULL""", {"unknown": list(UNKNOWN_SKILLS)}).fetchone()
        logged = _logged(db, "unknown_skill", table, column)
        assert unknown == logged and mapped / total == 1 - logged / total >= 0.95, table  # the gate's threshold
        assert unknown / (total - unknown) == pytest.approx(RATES.unknown_skill, rel=0.3), table


def test_contact_details_typed_into_free_text_are_found_at_their_rate(db):
    texts, with_contact = _one(db, r"""
        SELECT count(reason_text), count(*) FILTER (regexp_matches(reason_text, '@|\+4[579] \d'))
        FROM (SELECT DISTINCT * FROM ats_recruiter_decisions)""")
    assert with_contact / texts == pytest.approx(RATES.pii_in_free_text, rel=0.3)
    assert with_contact == _logged(db, "pii_in_free_text")


def test_default_world_keeps_critical_columns_complete(db):
    for contract in CONTRACTS:
        for column in contract.critical:
            if (contract.table, column) == ("hris_employees", "department"):
                continue  # raised through --missing in this world
            share = _one(db, f"SELECT avg(({column} IS NOT NULL)::INT) FROM {contract.table}")[0]
            assert share > 0.97, (contract.table, column)


def test_cli_generate_sets_defect_rates(tmp_path):
    assert cli_main(["generate", "--out", str(tmp_path), "--employees", "50", "--years", "1", "--no-defects",
                     "--duplicate-export-rate", "0.05", "--duplicate-key-rate", "0.5",
                     "--missing", "candidates.education=0.1"]) == 0
    defects = json.loads((tmp_path / "ground_truth" / "world.json").read_text())["defects"]
    assert defects["duplicate_export"] == 0.05 and defects["skill_variant"] == defects["unknown_skill"] == 0.0
    assert defects["duplicate_key"] == 0.5 and defects["missing_overrides"] == {"ats_candidates.education": 0.1}
    logged = duckdb.sql(f"SELECT DISTINCT defect FROM '{tmp_path}/ground_truth/defects.parquet'").fetchall()
    assert {d for (d,) in logged} == {"duplicate_export", "duplicate_key", "missing"}
