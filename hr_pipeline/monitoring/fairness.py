"""Selection rates and impact ratios per protected group (NYC LL144 method): one mechanism for the
quarterly fairness audit (`monitoring.fairness_audit`) and the model cards' figures.

With `fairness_audit.py`, the one reader of the `protected` schema (a test enforces it). A score
"selects" when it is above the median score of the whole sample; a group's impact ratio is its
selection rate over that of the most-selected group. Protected values are normalised to the
contract's allowed values as staging normalises categories (trimmed, lower-case); anything else is
`unknown`. Undisclosed or unknown groups are counted, never dropped, and never ratioed; nor are
groups smaller than `Policy.fairness_min_group`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import duckdb

from hr_pipeline.ingest.contracts import CONTRACTS
from hr_pipeline.settings import Policy

if TYPE_CHECKING:
    import pandas as pd

ATTRIBUTES = ("gender", "age_band", "ethnicity")
INTERSECTION = ("gender", "ethnicity")  # the LL144 intersectional category
INTERSECTION_NAME = "_x_".join(INTERSECTION)
UNKNOWN = "unknown"
NOT_RATIOED = ("undisclosed", UNKNOWN)
# Why a group has no impact ratio (`not_ratioed_because`).
UNDISCLOSED_OR_UNKNOWN, BELOW_MIN_GROUP, NO_COMPARISON = "undisclosed_or_unknown", "below_min_group", "no_comparison"
# How each model's rows reach the person they are about: (protected table, its key, SQL mapping the model's key to it).
PEOPLE = {
    "hire_success": ("protected.ats_candidates", "candidate_id",
                     "SELECT application_id, candidate_id FROM marts.fct_decision_outcomes"),
    "attrition_risk": ("protected.hris_employees", "employee_id", None),
}
GROUP_COLUMNS = ("period", "decision", "attribute", "group_value", "group_size", "selected", "selection_rate",
                 "reference_group", "impact_ratio", "not_ratioed_because")


def _allowed(table: str) -> dict[str, tuple[str, ...]]:
    contract = next(c for c in CONTRACTS if f"protected.{c.table}" == table)
    return {c.name: c.allowed for c in contract.protected_columns}


def _normalised(column: str, allowed: tuple[str, ...]) -> str:
    """As staging's `clean_category`: trimmed and lower-case; outside the contract's values (or blank), unknown."""
    values = ", ".join(f"'{v}'" for v in allowed)
    return (f"CASE WHEN lower(trim({column})) IN ({values}) THEN lower(trim({column})) "
            f"ELSE '{UNKNOWN}' END AS {column}")


def people_sql(table: str, person: str) -> str:
    """The latest version of every person's protected attributes, normalised, with the intersection."""
    allowed = _allowed(table)
    return f"""
        SELECT {person}, {', '.join(_normalised(a, allowed[a]) for a in ATTRIBUTES)}
        FROM {table}
        QUALIFY row_number() OVER (PARTITION BY {person} ORDER BY _extract_date DESC, _row_number DESC) = 1"""


def group_figures(cur: duckdb.DuckDBPyConnection, sample: str, table: str, person: str,
                  attributes: tuple[str, ...], policy: Policy) -> list[dict]:
    """Per (period, decision, attribute, group) of `sample` (SQL with `period`, `decision`, the person key
    `person` and a boolean `selected`): group size, selected, selection rate, the reference (most-selected
    ratioed) group and the impact ratio, or why there is none. People missing from `table` are unknown."""
    ratioed_out = ", ".join(f"'{v}'" for v in NOT_RATIOED)
    intersection = " || ' x ' || ".join(f"coalesce(p.{a}, '{UNKNOWN}')" for a in INTERSECTION)
    by_attribute = " UNION ALL ".join(
        f"SELECT period, decision, '{a}' AS attribute, {a} AS group_value, count(*) AS group_size, "
        f"count(*) FILTER (WHERE selected) AS selected, "
        f"list_has_any(string_split({a}, ' x '), [{ratioed_out}]) AS undisclosed "
        f"FROM audited GROUP BY ALL" for a in attributes)
    rows = cur.execute(f"""
        WITH people AS ({people_sql(table, person)}),
        audited AS (
            SELECT s.period, s.decision, s.selected,
                   {', '.join(f"coalesce(p.{a}, '{UNKNOWN}') AS {a}" for a in ATTRIBUTES)},
                   {intersection} AS {INTERSECTION_NAME}
            FROM ({sample}) AS s LEFT JOIN people AS p USING ({person})
        ),
        groups AS (
            SELECT *, selected / group_size AS selection_rate,
                   CASE WHEN undisclosed THEN '{UNDISCLOSED_OR_UNKNOWN}'
                        WHEN group_size < {int(policy.fairness_min_group)} THEN '{BELOW_MIN_GROUP}' END AS why
            FROM ({by_attribute})
        ),
        reference AS (
            SELECT period, decision, attribute, count(*) AS ratioed,
                   arg_max(group_value, (selection_rate, group_value)) AS reference_group,
                   max(selection_rate) AS reference_rate
            FROM groups WHERE why IS NULL GROUP BY ALL
        )
        SELECT g.period, g.decision, g.attribute, g.group_value, g.group_size, g.selected, g.selection_rate,
               CASE WHEN g.why IS NULL AND r.ratioed > 1 AND r.reference_rate > 0 THEN r.reference_group END,
               CASE WHEN g.why IS NULL AND r.ratioed > 1 AND r.reference_rate > 0
                    THEN g.selection_rate / r.reference_rate END,
               CASE WHEN g.why IS NOT NULL THEN g.why
                    WHEN r.ratioed < 2 OR r.reference_rate = 0 THEN '{NO_COMPARISON}' END
        FROM groups AS g LEFT JOIN reference AS r
            ON g.period IS NOT DISTINCT FROM r.period AND g.decision = r.decision AND g.attribute = r.attribute
        ORDER BY g.period NULLS FIRST, g.decision, g.attribute, g.group_value""").fetchall()
    return [dict(zip(GROUP_COLUMNS, row, strict=True)) for row in rows]


def selection_figures(con: duckdb.DuckDBPyConnection, model_name: str, key: str, scored: pd.DataFrame,
                      policy: Policy) -> dict:
    """For model cards and promotion: `scored` holds the model's `key` and `score` per row. Returns {"n": rows,
    "selection_rate": {attribute: {group: rate}}, "group_size": {attribute: {group: n}}, "impact_ratio":
    {attribute: lowest ratio or None}, "impact_ratio_se": {attribute: its standard error or None}}."""
    table, person, mapping = PEOPLE[model_name]
    join = f"JOIN ({mapping}) AS m USING ({key})" if mapping else ""
    sample = (f"SELECT NULL AS period, 'score' AS decision, {person}, s.score > median(s.score) OVER () AS selected "
              f"FROM fairness_scored AS s {join}")
    with con.cursor() as cur:  # a frame registers on a connection with no result pending
        cur.register("fairness_scored", scored[[key, "score"]])
        groups = group_figures(cur, sample, table, person, ATTRIBUTES, policy)
    figures: dict = {"n": len(scored), "selection_rate": {}, "group_size": {}, "impact_ratio": {},
                     "impact_ratio_se": {}}
    for g in groups:
        figures["selection_rate"].setdefault(g["attribute"], {})[g["group_value"]] = float(g["selection_rate"])
        figures["group_size"].setdefault(g["attribute"], {})[g["group_value"]] = int(g["group_size"])
    for attribute in ATTRIBUTES:
        ratioed = {g["group_value"]: g for g in groups if g["attribute"] == attribute and g["impact_ratio"] is not None}
        low = min(ratioed.values(), key=lambda g: g["impact_ratio"], default=None)
        ratio = None if low is None else low["impact_ratio"]
        figures["impact_ratio"][attribute] = ratio
        # Delta method: how far re-drawing groups of these sizes would move the ratio (0 when a rate is 0).
        figures["impact_ratio_se"][attribute] = None if low is None else ratio * math.sqrt(sum(
            (1 - g["selection_rate"]) / (g["selection_rate"] * g["group_size"])
            for g in (low, ratioed[low["reference_group"]]) if g["selection_rate"] > 0))
    return figures
