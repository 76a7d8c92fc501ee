"""The bias audit (NYC LL144 method) of every decided application, per quarter of the decision and over
the whole history, into `monitoring.fairness_audit`, and the warning check on its four-fifths flags.

Three decisions about the same applications: the champion hire_success model's recommendation (its
score now on each past decided application; selected = above the median score of the audited
sample), the recruiter's decision to advance, and the hire. Groups by gender, age band, ethnicity
and gender x ethnicity (`fairness.group_figures`, the mechanism the model cards use too). A quarter
of a mid-sized firm holds a few hundred minority applicants, so the whole history is audited as well
(rows with a null `quarter_start`): the figure a small group's ratio is judged by.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import dagster as dg
import duckdb

from hr_pipeline.ml import registry
from hr_pipeline.ml.assets import model_key, no_champion, table_key
from hr_pipeline.ml.spec import HIRE_SUCCESS as SPEC
from hr_pipeline.ml.spec import scored_share
from hr_pipeline.monitoring.fairness import ATTRIBUTES, INTERSECTION_NAME, PEOPLE, group_figures
from hr_pipeline.resources import Warehouse
from hr_pipeline.settings import Policy

if TYPE_CHECKING:
    import pandas as pd

AUDIT_KEY = dg.AssetKey(["monitoring", "fairness_audit"])
AUDIT_TABLE = "monitoring.fairness_audit"
AUDITED_ATTRIBUTES = (*ATTRIBUTES, INTERSECTION_NAME)
AI, RECRUITER, HIRE = "ai_recommendation", "recruiter_advance", "hire"
DECISIONS = (AI, RECRUITER, HIRE)
AUDIT_COLUMNS = ("run_id", "run_at", "quarter_start", "decision", "model_version", "attribute", "group_value",
                 "group_size", "selected", "selection_rate", "reference_group", "impact_ratio", "not_ratioed_because",
                 "flagged")
# The decided applications, the quarter of the decision, and what each human decision selected.
DECIDED = f"""
    SELECT application_id, candidate_id, CAST(date_trunc('quarter', decided_at) AS DATE) AS quarter_start,
           human_decision = 'advance' AS advanced, hired
    FROM {SPEC.table} WHERE NOT is_open"""


@dataclass(frozen=True)
class Scored:
    """The champion's scores on the decided applications the audit scores, and how many it chose them from."""

    champion: registry.ModelVersion
    scores: "pd.DataFrame"  # application_id, score
    decided: int

    @property
    def sampled(self) -> bool:
        return len(self.scores) < self.decided

    @property
    def share(self) -> str:
        return scored_share(len(self.scores), self.decided, "decided applications")


def champion_scores(con: duckdb.DuckDBPyConnection, policy: Policy) -> Scored | None:
    """The champion's scores on the decided applications, or on a stable random sample of `history_max_scored`
    of them (`ModelSpec.select`'s: new applications join it, the rest stay); None without a champion. Scored as
    any registered version scores a row (`training.score_version`)."""
    from hr_pipeline.ml.training import score_version

    champion = registry.serving(con, SPEC.name)[0]
    if champion is None:
        return None
    (decided,) = con.execute(SPEC.count("NOT is_open")).fetchone()
    rows = con.execute(SPEC.select("NOT is_open", limit=policy.history_max_scored)).df()
    return Scored(champion, rows[["application_id"]].assign(score=score_version(champion, rows)), decided)


def audit_sample(with_scores: bool) -> str:
    """SQL of every audited decision: per quarter and over the whole history (period null), the candidate and
    whether the decision selected them. The AI's scores come from the registered frame `audit_scores`."""
    parts = []
    for period in ("quarter_start", "NULL"):
        within = f"PARTITION BY {period}" if period != "NULL" else ""
        if with_scores:
            parts.append(f"SELECT {period} AS period, '{AI}' AS decision, candidate_id, "
                         f"score > median(score) OVER ({within}) AS selected "
                         "FROM decided JOIN audit_scores USING (application_id)")
        parts += [f"SELECT {period} AS period, '{RECRUITER}' AS decision, candidate_id, advanced AS selected "
                  "FROM decided WHERE advanced IS NOT NULL",  # a decision value lost to a defect is no decision
                  f"SELECT {period} AS period, '{HIRE}' AS decision, candidate_id, hired AS selected FROM decided"]
    return f"WITH decided AS ({DECIDED}) " + " UNION ALL ".join(parts)


def audit(con: duckdb.DuckDBPyConnection, policy: Policy) -> tuple[list[dict], Scored | None]:
    """Every group figure of the audit and the champion's scores it audited (None without a champion: the human
    decisions are audited all the same)."""
    scored = champion_scores(con, policy)
    table, person, _ = PEOPLE[SPEC.name]
    with con.cursor() as cur:  # a frame registers on a connection with no result pending
        if scored is not None:
            cur.register("audit_scores", scored.scores)
        groups = group_figures(cur, audit_sample(scored is not None), table, person, AUDITED_ATTRIBUTES, policy)
    version = scored.champion.version if scored else None
    for g in groups:
        g["model_version"] = version if g["decision"] == AI else None
        g["flagged"] = g["impact_ratio"] is not None and g["impact_ratio"] < policy.four_fifths
    return groups, scored


def write_audit(con: duckdb.DuckDBPyConnection, groups: list[dict], run_id: str) -> None:
    """Replace the table's rows: every run audits the whole history again, so the newest run is the audit."""
    from hr_pipeline.monitoring.tables import create_monitoring_tables

    create_monitoring_tables(con)
    run_at = datetime.now()  # one time per run
    con.execute("BEGIN TRANSACTION")
    con.execute(f"DELETE FROM {AUDIT_TABLE}")
    if groups:  # nothing decided yet: an empty audit
        con.executemany(f"INSERT INTO {AUDIT_TABLE} ({', '.join(AUDIT_COLUMNS)}) "
                        f"VALUES ({', '.join(['?'] * len(AUDIT_COLUMNS))})",
                        [(run_id, run_at, g["period"], *(g[c] for c in AUDIT_COLUMNS[3:])) for g in groups])
    con.execute("COMMIT")


def _line(quarter_start, decision, attribute, group_value, impact_ratio) -> str:
    period = f"{quarter_start:%Y-%m-%d}" if quarter_start else "whole history"
    return f"{period} {decision} {attribute}={group_value}: {impact_ratio:.3f}"


@dg.asset(
    key=AUDIT_KEY,
    deps=[model_key(SPEC), table_key(SPEC)],
    group_name="monitoring",
    kinds={"duckdb"},
    description="The bias audit by the NYC LL144 method, per quarter of the decision and over the whole history: "
                "for the champion hire_success model's recommendation (selected = score above the sample's median), "
                "the recruiter's decision to advance and the hire, per gender, age band, ethnicity and gender x "
                "ethnicity: group size, selected, selection rate, impact ratio against the most-selected group and "
                f"the four-fifths flag (below {Policy().four_fifths}). Undisclosed or unknown groups are counted, not "
                f"ratioed; nor are groups under {Policy().fairness_min_group}. The only reader of the protected "
                "schema.",
)
def fairness_audit(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    policy = warehouse.settings.policy
    with warehouse.connect() as con:
        groups, scored = audit(con, policy)
        write_audit(con, groups, context.run.run_id)
    version = scored.champion.version if scored else None
    if scored is None:
        context.log.warning(f"fairness audit: {no_champion(SPEC)}: only the human decisions are audited")
    elif scored.sampled:
        context.log.info(f"fairness audit: the AI's recommendation audited on {scored.share}")
    lowest = {}  # the whole history's lowest ratio per decision and attribute
    for g in groups:
        key = f"lowest_impact_ratio_{g['decision']}_{g['attribute']}"
        ratio = g["impact_ratio"]
        if g["period"] is None and ratio is not None and ratio < lowest.get(key, (float("inf"),))[0]:
            lowest[key] = (ratio, g["group_value"])
    return dg.MaterializeResult(metadata={
        "model_version": version or no_champion(SPEC),
        "ai_recommendation_scored": scored.share if scored else "none",
        "rows": len(groups), "quarters": len({g["period"] for g in groups} - {None}),
        "flagged_ratios": sum(g["flagged"] for g in groups),
        **{key: f"{ratio:.3f} ({group})" for key, (ratio, group) in sorted(lowest.items())},
    })


@dg.asset_check(asset=AUDIT_KEY, name="impact_ratios_above_four_fifths",
                description=f"No audited impact ratio is below {Policy().four_fifths} (the four-fifths rule); warns "
                            "with the flagged groups, for the whole history and every quarter.")
def impact_ratios_above_four_fifths(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        flagged = con.execute(f"""SELECT quarter_start, decision, attribute, group_value, impact_ratio
                                  FROM {AUDIT_TABLE} WHERE flagged
                                  ORDER BY quarter_start NULLS FIRST, decision, attribute, group_value""").fetchall()
    whole = [_line(*row) for row in flagged if row[0] is None]
    quarterly = [_line(*row) for row in flagged if row[0] is not None]
    return dg.AssetCheckResult(
        passed=not flagged, severity=dg.AssetCheckSeverity.WARN,
        metadata={"flagged_ratios": len(flagged), "flagged_whole_history": "; ".join(whole) or "none",
                  "flagged_quarterly": dg.MetadataValue.md("\n".join(f"- {line}" for line in quarterly) or "none")})
