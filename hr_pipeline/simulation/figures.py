"""The simulation's figures, measured from the ground truth each week and summarised after the drift.

A week's figures count its screenings (by when the recommendation was shown) and its hires (by when the offer
was accepted), as numerators and denominators, so any span of weeks can be pooled. The served AUC is the
ground-truth AUC of the shown scores against what each applicant would have achieved if hired (drawn for
everyone), which only a synthetic world knows.
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from hr_pipeline.resources import connect_waiting
from hr_pipeline.settings import Settings
from hr_pipeline.simulation.screener import OUTBOX

# The seeds' claims the summary is set beside (DESIGN.md, "The loop").
SEED_CLAIMS = {
    "static": "a static model degrades within 12 months of a change in the world",
    "improvement_per_year": "a loop improves 15-25 % a year",
    "improvement_per_month": "2-3 % a month",
    "time_to_impact": "time to impact 4-6 weeks",
}
RECOVERED_WITHIN = 0.02  # served AUC back within this of its pre-drift level: recovered
POOL_WEEKS = 8  # weeks pooled for a level of the served AUC (before the drift, and each rolling point after)
GROUPS = ("majority", "minority")


def _spill(world, table: str) -> str:
    return f"read_parquet('{world.work / table}/*.parquet')"


def world_week(world, week_end: date) -> dict:
    """Counts and sums of the week before `week_end` from the world's ground truth, as simulated so far."""
    if not (world.work / "truth_screenings").is_dir():
        return {}
    params = [week_end - pd.Timedelta(weeks=1), week_end]
    screened = duckdb.execute(f"""
        SELECT s.score, s.recommended_advance, s.routed_to_human, s.advanced, s.source = '{OUTBOX}' AS from_outbox,
               a.would_succeed, a.p_success, CAST(a.ethnicity AS VARCHAR) AS ethnicity
        FROM {_spill(world, 'truth_screenings')} s JOIN {_spill(world, 'truth_applications')} a USING (application_id)
        WHERE s.recommended_at >= ? AND s.recommended_at < ?""", params).df()
    hires = pd.DataFrame(columns=["p_success", "would_succeed", "ethnicity"])
    if (world.work / "truth_hires").is_dir():
        hires = duckdb.execute(f"""
            SELECT a.p_success, a.would_succeed, CAST(a.ethnicity AS VARCHAR) AS ethnicity
            FROM {_spill(world, 'truth_hires')} h JOIN {_spill(world, 'truth_applications')} a USING (application_id)
            WHERE h.hired_at >= ? AND h.hired_at < ?""", params).df()
    row = {"screened": len(screened), "from_outbox": int(screened["from_outbox"].sum()),
           "routed": int(screened["routed_to_human"].sum()), "hires": len(hires),
           "hires_p_success_sum": float(hires["p_success"].sum()),
           "hires_succeeding": int(hires["would_succeed"].sum()),
           # scores and outcomes of the week, kept so that any span can be pooled for an AUC
           "scores": screened["score"].round(4).tolist(), "outcomes": screened["would_succeed"].tolist()}
    for group in GROUPS:
        mine = screened["ethnicity"] == group
        row[f"screened_{group}"] = int(mine.sum())
        row[f"recommended_{group}"] = int(screened.loc[mine, "recommended_advance"].sum())
        row[f"hires_{group}"] = int((hires["ethnicity"] == group).sum())
    return row


def pipeline_week(settings: Settings, week_end: date, alarms: dict[str, str], retrained: list[str]) -> dict:
    """What the pipeline served and decided in the week: the hire_success champion and challenger, promotions,
    versions registered, and whether its drift alarm fired."""
    from hr_pipeline.ml import registry
    from hr_pipeline.ml.spec import HIRE_SUCCESS

    with connect_waiting(settings.warehouse_path, read_only=True) as con:
        champion, challenger = registry.serving(con, HIRE_SUCCESS.name)
        events = dict(con.execute("""SELECT event, count(*) FROM ml.model_events
                                     WHERE model_name = ? AND as_of = ? GROUP BY 1""",
                                  [HIRE_SUCCESS.name, week_end]).fetchall())
    return {"champion": champion.version if champion else None,
            "challenger": challenger.version if challenger else None,
            "trained": events.get("trained", 0), "promoted": events.get("promoted", 0),
            "drift_alarm": HIRE_SUCCESS.name in alarms, "drift_retrained": HIRE_SUCCESS.name in retrained}


def week_line(row: dict) -> str:
    auc = pooled_auc([row.get("scores", [])], [row.get("outcomes", [])])
    parts = [f"{row['policy']}: week {row['week']} ({row['week_start']})", f"{row.get('screened', 0)} screened",
             f"{row.get('hires', 0)} hires", f"served AUC {auc:.2f}" if auc is not None else "served AUC -"]
    if row.get("champion"):
        parts.append(f"champion {row['champion']}" + (f", challenger {row['challenger']}" if row["challenger"] else ""))
    if row.get("drift_alarm"):
        parts.append("drift alarm")
    if row.get("exit_code"):
        parts.append(f"run exit {row['exit_code']}")
    return ", ".join(parts) + f" ({row['seconds']:.0f} s)"


def pooled_auc(scores: list, outcomes: list) -> float | None:
    """The AUC of the pooled weeks' shown scores against the outcomes (None without both outcomes)."""
    from sklearn.metrics import roc_auc_score

    s = np.concatenate([np.asarray(x, float) for x in scores]) if scores else np.zeros(0)
    y = np.concatenate([np.asarray(x, bool) for x in outcomes]) if outcomes else np.zeros(0, bool)
    return float(roc_auc_score(y, s)) if len(set(y)) == 2 else None


def rolling_auc(weeks: pd.DataFrame, pool: int = POOL_WEEKS) -> pd.Series:
    """Each week's served AUC pooled over it and the `pool - 1` weeks before (one policy's rows, in order)."""
    scores, outcomes = weeks["scores"].tolist(), weeks["outcomes"].tolist()
    return pd.Series([pooled_auc(scores[max(0, i - pool + 1):i + 1], outcomes[max(0, i - pool + 1):i + 1])
                      for i in range(len(weeks))], index=weeks.index, dtype=float)


def impact_ratio(frame: pd.DataFrame, numerator: str, pool: int | None = None):
    """The minority's rate over the majority's, of `numerator` per screened applicant: pooled over all the rows
    (None where a rate is missing), or with `pool` a series, each row pooled with the `pool - 1` before it."""
    columns = [f"{n}_{g}" for n in (numerator, "screened") for g in GROUPS]
    sums = frame[columns].rolling(pool, min_periods=1).sum() if pool else frame[columns].sum().to_frame().T
    rate = {g: sums[f"{numerator}_{g}"] / sums[f"screened_{g}"] for g in GROUPS}
    ratio = (rate["minority"] / rate["majority"]).replace([np.inf, -np.inf], np.nan)
    if pool:
        return ratio
    return None if pd.isna(ratio.iloc[0]) else float(ratio.iloc[0])


def weeks_to_recover(week: pd.Series, after: pd.Series, level: float, start: int) -> int | None:
    """Weeks from the drift to the first week the served AUC (`after`, rolling, by row) is back within
    `RECOVERED_WITHIN` of `level` after it first fell below: 0 when it never fell, None when it has not come back.
    The pool still holds weeks from before the drift at first, so "within" alone would count those as recovered."""
    fell = after[after < level - RECOVERED_WITHIN]
    if not len(fell):
        return 0
    back = after[(after.index > fell.index[0]) & (after >= level - RECOVERED_WITHIN)]
    return int(week[back.index[0]] - start) if len(back) else None


def summarise(weeks: pd.DataFrame, sim) -> dict:
    """Per policy, after the drift (or over the whole run without one): the mean true success probability of
    the hires, the served AUC before and at the end, time to impact and the improvement rate per month."""
    start = sim.drift_at_week or 0
    out: dict = {"drift_at_week": sim.drift_at_week, "drift_at": sim.drift_at, "weeks": sim.weeks,
                 "employees": sim.employees, "seed": sim.seed, "claims": SEED_CLAIMS, "policies": {}}
    for policy, rows in weeks.groupby("policy", sort=False):
        rows = rows.sort_values("week").reset_index(drop=True)
        before, after = rows[rows["week"] <= start], rows[rows["week"] > start]
        rolling = rolling_auc(rows)
        level = pooled_auc(before["scores"].tolist()[-POOL_WEEKS:], before["outcomes"].tolist()[-POOL_WEEKS:])
        after_rolling = rolling[rows["week"] > start]
        recovered = None if level is None else weeks_to_recover(rows["week"], after_rolling, level, start)
        first = after_rolling.dropna()
        monthly = None
        if len(first) >= 2 * POOL_WEEKS:
            x = rows.loc[first.index, "week"].to_numpy(float) * 12 / 52  # months
            slope = np.polyfit(x, first.to_numpy(), 1)[0]
            monthly = float(slope / first.iloc[0])
        hires = after["hires"].sum()
        out["policies"][policy] = {
            "hires": int(hires),
            "hire_p_success": float(after["hires_p_success_sum"].sum() / hires) if hires else None,
            "hire_success_rate": float(after["hires_succeeding"].sum() / hires) if hires else None,
            "served_auc_before": level,
            "served_auc_after": pooled_auc(after["scores"].tolist(), after["outcomes"].tolist()),
            "served_auc_last": pooled_auc(rows["scores"].tolist()[-POOL_WEEKS:],
                                          rows["outcomes"].tolist()[-POOL_WEEKS:]),
            "weeks_to_recover": recovered,
            "improvement_per_month": monthly,
            "routed_share": float(after["routed"].sum() / after["screened"].sum()) if after["screened"].sum() else None,
            "impact_ratio_recommended": impact_ratio(after, "recommended"),
            "impact_ratio_hired": impact_ratio(after, "hires"),
            "drift_alarms": int(after["drift_alarm"].eq(True).sum()) if "drift_alarm" in after else 0,
            "promotions": int(after["promoted"].fillna(0).sum()) if "promoted" in after else 0,
            "versions_trained": int(after["trained"].fillna(0).sum()) if "trained" in after else 0,
            "fallbacks": int(rows["fallbacks"].iloc[-1]),
        }
    return out


def _fmt(value, digits: int = 3, pct: bool = False) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    return f"{value:+.1%}" if pct else (f"{value:.{digits}f}" if isinstance(value, float) else str(value))


def summary_rows(summary: dict) -> list[list[str]]:
    """The summary table: one row per figure, one column per policy."""
    policies = summary["policies"]
    figures = (("hires after the drift", "hires", {}), ("mean true success probability of hires", "hire_p_success", {}),
               ("share of hires who succeed", "hire_success_rate", {}),
               ("served AUC before the drift", "served_auc_before", {}),
               ("served AUC after the drift", "served_auc_after", {}),
               ("served AUC, last weeks", "served_auc_last", {}),
               ("weeks to recover (within 0.02)", "weeks_to_recover", {}),
               ("served AUC change per month", "improvement_per_month", {"pct": True}),
               ("share routed to a person", "routed_share", {}),
               ("impact ratio, recommended (minority)", "impact_ratio_recommended", {}),
               ("impact ratio, hired (minority)", "impact_ratio_hired", {}),
               ("drift alarms", "drift_alarms", {}), ("promotions", "promotions", {}),
               ("versions trained", "versions_trained", {}),
               ("applications the outbox lacked (shown the vendor's)", "fallbacks", {}))
    return [[label, *(_fmt(p.get(key), **kw) for p in policies.values())] for label, key, kw in figures]


def comparisons(summary: dict) -> list[str]:
    """How much better the loop hires than the others, in the hires' mean true success probability."""
    p = summary["policies"]
    loop = p.get("loop", {}).get("hire_p_success")
    lines = []
    for other in ("frozen", "vendor"):
        theirs = p.get(other, {}).get("hire_p_success")
        if loop is not None and theirs:
            lines.append(f"loop vs {other}: {loop - theirs:+.3f} mean true success probability of hires "
                         f"({(loop - theirs) / theirs:+.1%})")
    return lines


def summary_lines(summary: dict) -> list[str]:
    policies = list(summary["policies"])
    span = f"after the drift at week {summary['drift_at_week']}" if summary["drift_at_week"] else "over the run"
    rows = summary_rows(summary)
    width = max(len(r[0]) for r in rows)
    out = [f"\nSimulation summary, {span} ({summary['weeks']} weeks, {summary['employees']} employees, "
           f"seed {summary['seed']}):", f"  {'':{width}}  " + "  ".join(f"{p:>8}" for p in policies)]
    out += [f"  {r[0]:{width}}  " + "  ".join(f"{v:>8}" for v in r[1:]) for r in rows]
    out += [f"  {line}" for line in comparisons(summary)]
    out.append("  the seeds' claims: " + "; ".join(summary["claims"].values()))
    return out
