"""The simulation's page: the summary table beside the seeds' claims and the weekly figures as charts, one offline
HTML file (Plotly inlined, as the review report does)."""

from __future__ import annotations

import html
import textwrap
from datetime import datetime
from pathlib import Path

import pandas as pd

from hr_pipeline.reviews.report import CSS, DRAW, Page, section, table
from hr_pipeline.simulation import figures

PAGE_FILE = "simulation.html"
COLOURS = {"vendor": "#8c959f", "frozen": "#cf222e", "loop": "#1a7f37"}
RATIO_POOL = 13  # weeks pooled for a rolling impact ratio: a quarter, enough minority applicants for a rate
TITLE_CHARS = 60  # a chart title wraps after this many characters, clear of Plotly's mode bar


def _series(weeks: pd.DataFrame, value) -> dict[str, pd.DataFrame]:
    """{policy: frame of week and `value(rows)`}."""
    return {policy: pd.DataFrame({"week": rows["week"], "value": value(rows.reset_index(drop=True)).to_numpy()})
            for policy, rows in weeks.sort_values("week").groupby("policy", sort=False)}


def _pooled(rows: pd.DataFrame, numerator: str, denominator: str, pool: int = figures.POOL_WEEKS) -> pd.Series:
    return rows[numerator].rolling(pool, min_periods=1).sum() / rows[denominator].rolling(pool, min_periods=1).sum()


def chart(page: Page, title: str, series: dict[str, pd.DataFrame], drift_at_week: int | None, y: str,
          line: float | None = None) -> str:
    import plotly.graph_objects as go

    fig = go.Figure()
    for policy, frame in series.items():
        fig.add_trace(go.Scatter(x=frame["week"], y=frame["value"], name=policy, mode="lines",
                                 line={"color": COLOURS.get(policy)}))
    if drift_at_week:
        fig.add_vline(x=drift_at_week, line_dash="dash", line_color="#9a6700", annotation_text="drift")
    if line is not None:
        fig.add_hline(y=line, line_dash="dot", line_color="#57606a")
    # Wrapped: a long title runs under Plotly's mode bar at the top right.
    fig.update_layout(title="<br>".join(textwrap.wrap(title, TITLE_CHARS)), xaxis_title="week after the burn-in",
                      yaxis_title=y, height=340)
    return page.figure(fig)


def write_page(sim, weeks: pd.DataFrame, summary: dict) -> Path:
    from plotly.offline import get_plotlyjs

    from hr_pipeline.settings import Policy

    page, drift = Page(), sim.drift_at_week
    pool = figures.POOL_WEEKS
    charts = [
        chart(page, f"Mean true success probability of the hires ({pool}-week pool)",
              _series(weeks, lambda r: _pooled(r, "hires_p_success_sum", "hires")), drift, "probability"),
        chart(page, f"Served AUC against the ground truth ({pool}-week pool)",
              _series(weeks, figures.rolling_auc), drift, "AUC"),
        chart(page, f"Share routed to a person ({pool}-week pool)",
              _series(weeks, lambda r: _pooled(r, "routed", "screened")), drift, "share"),
        chart(page, f"Impact ratio of recommendations to advance, ethnicity minority ({RATIO_POOL}-week pool)",
              _series(weeks, lambda r: figures.impact_ratio(r, "recommended", RATIO_POOL)), drift, "ratio",
              Policy().four_fifths),
        chart(page, f"Impact ratio of hires per applicant, ethnicity minority ({RATIO_POOL}-week pool)",
              _series(weeks, lambda r: figures.impact_ratio(r, "hires", RATIO_POOL)), drift, "ratio",
              Policy().four_fifths),
    ]
    served = weeks[weeks["policy"] != "vendor"]
    if len(served) and "drift_alarm" in served:
        charts.append(chart(page, "Drift alarms of hire_success (1 = alarm)",
                            _series(served, lambda r: r["drift_alarm"].eq(True).astype(int)), drift, "alarm"))
        versions = served.assign(version=served["champion"].fillna("none"))
        charts.append(chart(page, "Serving version of hire_success (number of the champion)",
                            _series(versions, lambda r: r["version"].str.extract(r"(\d+)$")[0].astype(float)), drift,
                            "version"))
    policies = list(summary["policies"])
    span = f"after the drift at week {drift} ({summary['drift_at']})" if drift else "over the whole run"
    claims = "".join(f"<li>{html.escape(c)}</li>" for c in summary["claims"].values())
    compared = "".join(f"<li>{html.escape(c)}</li>" for c in figures.comparisons(summary))
    body = (table(["figure", *policies], figures.summary_rows(summary))
            + f"<ul>{compared}</ul><p>The seeds' claims, to set beside these figures:</p><ul>{claims}</ul>")
    title = f"Closed-loop simulation: {', '.join(policies)}"
    document = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body><header><h1>{html.escape(title)}</h1>
<p>{sim.employees} employees, seed {sim.seed}, {sim.burn_in_years} years of burn-in, then {sim.weeks} weeks from
{sim.switch}; drift {f"at week {drift} ({sim.drift_at})" if drift else "none"}. Written {datetime.now():%Y-%m-%d %H:%M}.
</p></header><main>
{section("summary", "Summary", f"Figures {span}, measured against the synthetic world's ground truth.", body)}
{section("weeks", "Week by week", "Each point pools the weeks named in its title, ending with the week.",
         '<div class="grid">' + "".join(charts) + "</div>")}
</main><script>{get_plotlyjs()}</script><script>{DRAW}</script></body></html>
"""
    path = sim.results / PAGE_FILE
    path.write_text(document, encoding="utf-8")
    return path
