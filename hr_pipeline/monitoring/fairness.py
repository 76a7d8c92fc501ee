"""Selection rates and impact ratios of a model's scores per protected group (NYC LL144 method).

The one reader of the `protected` schema. A score "selects" when it is above the median score of
the whole sample; a group's impact ratio is its selection rate over that of the most-selected
group. Undisclosed or unrecognised values are counted, never dropped, and never ratioed; groups
smaller than `Policy.fairness_min_group` get no ratio either.
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
UNKNOWN = "unknown"
NOT_RATIOED = ("undisclosed", UNKNOWN)
# How each model's rows reach the person they are about: (protected table, its key, SQL mapping the model's key to it).
PEOPLE = {
    "hire_success": ("protected.ats_candidates", "candidate_id",
                     "SELECT application_id, candidate_id FROM marts.fct_decision_outcomes"),
    "attrition_risk": ("protected.hris_employees", "employee_id", None),
}


def _allowed(table: str) -> dict[str, tuple[str, ...]]:
    contract = next(c for c in CONTRACTS if f"protected.{c.table}" == table)
    return {c.name: c.allowed for c in contract.protected_columns}


def _normalised(column: str, allowed: tuple[str, ...]) -> str:
    values = ", ".join(f"'{v}'" for v in allowed)
    return (f"CASE WHEN lower(trim({column})) IN ({values}) THEN lower(trim({column})) "
            f"ELSE '{UNKNOWN}' END AS {column}")


def selection_figures(con: duckdb.DuckDBPyConnection, model_name: str, key: str, scored: pd.DataFrame,
                      policy: Policy) -> dict:
    """`scored`: the model's `key` and `score` per row. Returns {"n": rows, "selection_rate": {attribute:
    {group: rate}}, "group_size": {attribute: {group: n}}, "impact_ratio": {attribute: lowest ratio or None},
    "impact_ratio_se": {attribute: its standard error or None}}."""
    table, person, mapping = PEOPLE[model_name]
    allowed = _allowed(table)
    join = f"JOIN ({mapping}) AS m USING ({key})" if mapping else ""
    with con.cursor() as cur:  # a frame registers on a connection with no result pending
        cur.register("fairness_scored", scored[[key, "score"]])
        rows = cur.execute(f"""
        WITH people AS (
            SELECT {person}, {', '.join(_normalised(a, allowed[a]) for a in ATTRIBUTES)}
            FROM {table}
            QUALIFY row_number() OVER (PARTITION BY {person} ORDER BY _extract_date DESC, _row_number DESC) = 1
        ),
        sample AS (
            SELECT s.score > median(s.score) OVER () AS selected,
                   {', '.join(f"coalesce(p.{a}, '{UNKNOWN}') AS {a}" for a in ATTRIBUTES)}
            FROM fairness_scored AS s {join}
            LEFT JOIN people AS p USING ({person})
        )
        {' UNION ALL '.join(f"SELECT '{a}', {a}, count(*), avg(selected::INT) FROM sample GROUP BY {a}"
                            for a in ATTRIBUTES)}""").fetchall()
    figures: dict = {"n": len(scored), "selection_rate": {}, "group_size": {}, "impact_ratio": {},
                     "impact_ratio_se": {}}
    for attribute, group, n, rate in rows:
        figures["selection_rate"].setdefault(attribute, {})[group] = float(rate)
        figures["group_size"].setdefault(attribute, {})[group] = int(n)
    for attribute in ATTRIBUTES:
        sizes = figures["group_size"].get(attribute, {})
        rated = {g: r for g, r in figures["selection_rate"].get(attribute, {}).items()
                 if g not in NOT_RATIOED and sizes[g] >= policy.fairness_min_group}
        low, high = min(rated, key=rated.get, default=None), max(rated, key=rated.get, default=None)
        ratio = rated[low] / rated[high] if len(rated) > 1 and rated[high] > 0 else None
        figures["impact_ratio"][attribute] = ratio
        # Delta method: how far re-drawing groups of these sizes would move the ratio (0 when a rate is 0).
        figures["impact_ratio_se"][attribute] = None if ratio is None else ratio * math.sqrt(sum(
            (1 - rated[g]) / (rated[g] * sizes[g]) for g in (low, high) if rated[g] > 0))
    return figures
