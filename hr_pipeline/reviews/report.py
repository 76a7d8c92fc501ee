"""The review report: one HTML page an HR lead and the model owner open, offline.

It is read from the warehouse alone (a read-only connection): the KPIs of one week or quarter against
their targets (the catalogue `staging.kpi_targets` says which KPIs and how to read them), the funnel,
the review queue, the model versions, drift per feature, the fairness impact ratios and the
data-quality history. Charts are Plotly figures kept as JSON in the page and drawn by the Plotly
library inlined once, so nothing is fetched from a network; a section without data says why instead
of showing an empty chart.
"""

from __future__ import annotations

import html
import math
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from hr_pipeline.ingest.contracts import STAGES
from hr_pipeline.quality.gx_gate import BLOCKING, DATA_DOCS
from hr_pipeline.settings import Policy

STATUS_COLOURS = {"on_target": "#1a7f37", "off_target": "#cf222e", "not_enough_data": "#8c959f"}
STATUS_WORDS = {"on_target": "on target", "off_target": "off target", "not_enough_data": "not enough data"}
PARTIAL_FILL = "rgba(140, 149, 159, 0.18)"
FUNNEL_STAGES = STAGES[:STAGES.index("hired") + 1]


class ReportError(RuntimeError):
    """The report cannot be written (no review table, no period); the message says why in one line."""


@dataclass(frozen=True)
class Kind:
    """A kind of review period and the table that holds one row per period of it."""

    name: str  # week or quarter
    table: str
    start: str  # the table's period-start column
    review: str  # the KPI catalogue's `review` value
    step: str  # a DuckDB interval unit


PERIODS = {
    "week": Kind("week", "marts.weekly_review", "week_start", "weekly", "WEEK"),
    "quarter": Kind("quarter", "marts.quarterly_review", "quarter_start", "quarterly", "QUARTER"),
}


@dataclass(frozen=True)
class Period:
    kind: Kind
    start: date
    end: date
    partial: bool
    as_of: date

    @property
    def label(self) -> str:
        if self.kind.name == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year} ({self.start} to {self.end})"
        return f"week {self.start.isocalendar().week} of {self.start.isocalendar().year} ({self.start} to {self.end})"


@dataclass
class Page:
    """The figures of the page, in order: each becomes a JSON island that the inlined Plotly draws."""

    figures: list = field(default_factory=list)

    def figure(self, fig) -> str:
        fig.update_layout(template="plotly_white", margin={"l": 60, "r": 20, "t": 50, "b": 50},
                          font={"family": "system-ui, sans-serif", "size": 12})
        figure_id = f"figure-{len(self.figures) + 1}"
        self.figures.append(fig)
        payload = fig.to_json().replace("</", "<\\/")
        return (f'<div class="chart" id="{figure_id}"></div>'
                f'<script type="application/json" data-figure="{figure_id}">{payload}</script>')


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The table's columns in order; [] when it does not exist."""
    schema, name = table.split(".")
    return [c for (c,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, name]).fetchall()]


def rows_of(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def period_columns(con: duckdb.DuckDBPyConnection, kind: Kind) -> tuple[str, str, str]:
    """The review table's columns for the period's end, its partial flag and the as-of date."""
    if not columns_of(con, kind.table):
        raise ReportError(f"no {kind.table} in the warehouse: run the pipeline first (hr-pipeline run)")
    return "period_end", "is_partial", "as_of_date"


def period_rows(con: duckdb.DuckDBPyConnection, kind: Kind) -> list[Period]:
    """Every period of the review table, in order."""
    end, partial, as_of = period_columns(con, kind)
    return [Period(kind, start, end_, bool(partial_), as_of_) for start, end_, partial_, as_of_ in con.execute(
        f"SELECT {kind.start}, {end}, {partial}, {as_of} FROM {kind.table} ORDER BY 1").fetchall()]


def choose_period(con: duckdb.DuckDBPyConnection, kind: Kind, at: date | None = None) -> Period:
    """The period containing `at`; without it the latest complete period (the latest at all if none is)."""
    periods = period_rows(con, kind)
    if not periods:
        raise ReportError(f"{kind.table} has no rows: no application has been loaded yet")
    if at is None:
        complete = [p for p in periods if not p.partial]
        return (complete or periods)[-1]
    for period in periods:
        if period.start <= at <= period.end:
            return period
    raise ReportError(f"{at} is outside the {kind.name}s of {kind.table} ({periods[0].start} to {periods[-1].end})")


def report_path(reports_dir: Path, period: Period) -> Path:
    return reports_dir / f"review_{period.kind.name}_{period.start:%Y-%m-%d}.html"


# ----------------------------------------------------------------------------------------------- formatting

def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt(value, unit: str = "") -> str:
    """A figure as a person reads it, by the catalogue's unit."""
    if _missing(value):
        return "–"
    if isinstance(value, (date, datetime)):
        return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    formats = {"share": "{:.1%}", "eur": "€{:,.0f}", "days": "{:.1f} days", "hours": "{:.1f} h", "count": "{:,.0f}",
               "auc": "{:.3f}", "ratio": "{:.2f}", "score_1_5": "{:.2f} / 5"}
    if unit in formats:
        return formats[unit].format(value)
    return "{:,.0f}".format(value) if float(value).is_integer() or abs(value) >= 1e4 else "{:.4g}".format(value)


def esc(value) -> str:
    return html.escape(value if isinstance(value, str) else fmt(value))


def table(headers: list[str], rows: list[list], classes: list[str] | None = None) -> str:
    """An HTML table; cells are escaped unless given as `Markup`."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        f'<tr class="{classes[i] if classes else ""}">'
        + "".join(f"<td>{c if isinstance(c, Markup) else esc(c)}</td>" for c in row) + "</tr>"
        for i, row in enumerate(rows))
    return f'<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


class Markup(str):
    """HTML that `table` puts in as it is."""


def chip(status: str | None) -> Markup:
    status = status or "not_enough_data"
    return Markup(f'<span class="chip" style="background:{STATUS_COLOURS.get(status, "#8c959f")}">'
                  f'{html.escape(STATUS_WORDS.get(status, status))}</span>')


def empty(reason: str) -> str:
    return f'<p class="empty">{html.escape(reason)}</p>'


def section(anchor: str, title: str, intro: str, body: str) -> str:
    return (f'<section id="{anchor}"><h2>{html.escape(title)}</h2><p class="intro">{intro}</p>{body}</section>')


# ----------------------------------------------------------------------------------------------- sections

def kpi_catalogue(con: duckdb.DuckDBPyConnection, kind: Kind) -> list[dict]:
    if not columns_of(con, "staging.kpi_targets"):
        return []
    return rows_of(con, "SELECT kpi, unit, direction, target, min_n, description FROM staging.kpi_targets "
                        "WHERE review = ? ORDER BY rowid", [kind.review])


def kpi_series(con: duckdb.DuckDBPyConnection, period: Period, kpi: str) -> list[dict]:
    """The KPI with its target and status in every period up to the report's, from the review table."""
    kind = period.kind
    end, partial, _ = period_columns(con, kind)
    return rows_of(con, f"SELECT {kind.start} AS start, {end} AS period_end, {partial} AS partial, {kpi} AS value, "
                        f"{kpi}_target AS target, {kpi}_status AS status FROM {kind.table} "
                        f"WHERE {kind.start} <= ? ORDER BY 1", [period.start])


def kpi_figure(entry: dict, series: list[dict]):
    import plotly.graph_objects as go

    unit, kpi = entry["unit"], entry["kpi"]
    fig = go.Figure()
    for row in series:
        if row["partial"]:
            fig.add_vrect(x0=row["start"], x1=row["period_end"] + timedelta(days=1), fillcolor=PARTIAL_FILL,
                          line_width=0, annotation_text="partial", annotation_position="top left")
    shown = [r for r in series if not _missing(r["value"])]
    fig.add_trace(go.Scatter(
        name=kpi, x=[r["start"] for r in shown], y=[r["value"] for r in shown], mode="lines+markers",
        line={"color": "#57606a", "width": 1.5},
        marker={"size": 7, "color": [STATUS_COLOURS.get(r["status"], "#8c959f") for r in shown],
                "symbol": ["circle-open" if r["partial"] else "circle" for r in shown]},
        text=[f"{fmt(r['value'], unit)}: {STATUS_WORDS.get(r['status'], r['status'])}"
              + (" (partial period)" if r["partial"] else "") for r in shown],
        hovertemplate="%{x|%Y-%m-%d}: %{text}<extra></extra>"))
    fig.add_trace(go.Scatter(
        name="target", x=[r["start"] for r in series], y=[r["target"] for r in series], mode="lines",
        line={"color": "#0969da", "dash": "dash", "width": 1.5}, hovertemplate="target %{y}<extra></extra>"))
    direction = "at least" if entry["direction"] == "at_least" else "at most"
    fig.update_layout(title={"text": f"{kpi}  <span style='font-size:11px;color:#57606a'>target {direction} "
                                     f"{fmt(entry['target'], unit)}</span>", "font": {"size": 14}},
                      height=260, showlegend=False)
    if unit == "share":
        fig.update_yaxes(tickformat=".0%")
    return fig


def kpi_section(con: duckdb.DuckDBPyConnection, period: Period, page: Page) -> str:
    kind = period.kind
    catalogue = kpi_catalogue(con, kind)
    intro = (f"Every {kind.review} KPI of the catalogue (<code>staging.kpi_targets</code>, the one owner of the "
             f"targets) from <code>{kind.table}</code>: the dashed line is the target, dots are green on target, red "
             "off target, grey with not enough data; a shaded period is partial (it ends after the newest extract, "
             "its figures are incomplete).")
    if not catalogue:
        return section("kpis", "KPIs against their targets", intro,
                       empty("no KPI catalogue in the warehouse (staging.kpi_targets): run the pipeline first"))
    columns = set(columns_of(con, kind.table))
    present = [e for e in catalogue if {e["kpi"], f"{e['kpi']}_target", f"{e['kpi']}_status"} <= columns]
    absent = [e["kpi"] for e in catalogue if e not in present]
    summary, charts = [], []
    for entry in present:
        series = kpi_series(con, period, entry["kpi"])
        now = series[-1] if series and series[-1]["start"] == period.start else {}
        summary.append([entry["kpi"], Markup(f"<b>{esc(fmt(now.get('value'), entry['unit']))}</b>"),
                        fmt(now.get("target"), entry["unit"]), chip(now.get("status")), entry["description"]])
        if any(not _missing(r["value"]) for r in series):
            charts.append(page.figure(kpi_figure(entry, series)))
        else:
            needs = f" (a value needs at least {entry['min_n']} observations)" if entry["min_n"] > 1 else ""
            charts.append(f'<div class="chart-empty"><h3>{html.escape(entry["kpi"])}</h3>'
                          + empty(f"no value in any {kind.name} yet{needs}") + "</div>")
    body = table(["KPI", f"this {kind.name}", "target", "status", "what it is"], summary) if summary else ""
    if absent:
        body += empty(f"not in {kind.table} (with target and status) yet: {', '.join(absent)}; the next run of the "
                      "review models adds them")
    body += f'<div class="grid">{"".join(charts)}</div>'
    return section("kpis", "KPIs against their targets", intro, body)


def funnel_counts(con: duckdb.DuckDBPyConnection, period: Period) -> list[tuple[str, int]]:
    """How many applications entered each funnel stage during the period (its flow through the funnel)."""
    entered = ", ".join(f"count(*) FILTER (WHERE CAST({stage}_at AS DATE) BETWEEN $start AND $end)"
                        for stage in FUNNEL_STAGES)
    counts = con.execute(f"SELECT {entered} FROM marts.fct_applications",
                         {"start": period.start, "end": period.end}).fetchone()
    return list(zip(FUNNEL_STAGES, counts, strict=True))


def funnel_section(con: duckdb.DuckDBPyConnection, period: Period, page: Page) -> str:
    import plotly.graph_objects as go

    intro = (f"How many applications entered each stage of the funnel during the {period.kind.name} (from "
             "<code>marts.fct_applications</code>): this period's flow, not one cohort's conversion; the "
             "conversion KPIs are in the review table.")
    if not columns_of(con, "marts.fct_applications"):
        return section("funnel", "The funnel", intro, empty("no marts.fct_applications yet: run the pipeline"))
    counts = funnel_counts(con, period)
    if not any(n for _, n in counts):
        return section("funnel", "The funnel", intro, empty(f"no application moved in this {period.kind.name}"))
    # bars, not a funnel shape: a period's flow need not narrow (last week's applicants are screened this week)
    fig = go.Figure(go.Bar(orientation="h", y=[s for s, _ in counts], x=[n for _, n in counts],
                           text=[n for _, n in counts], textposition="auto", marker_color="#0969da"))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=300, title={"text": f"Applications entering each stage, {period.label}",
                                         "font": {"size": 14}})
    return section("funnel", "The funnel", intro, page.figure(fig))


def queue_rows(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict]:
    """Queued applications by primary reason and state (resolved, overdue, open on time) at the as-of date."""
    return rows_of(con, """
        SELECT primary_reason AS reason,
               CASE WHEN status = 'resolved' THEN 'resolved' WHEN due_date < ? THEN 'overdue'
                    ELSE 'open, on time' END AS state,
               count(*) AS items, median(days_to_resolve) AS median_days
        FROM ml.review_queue GROUP BY ALL ORDER BY reason, state""", [as_of])


def queue_section(con: duckdb.DuckDBPyConnection, period: Period, page: Page) -> str:
    import plotly.graph_objects as go

    intro = (f"Applications this pipeline's model routed to a person (<code>ml.review_queue</code>), by why, at "
             f"{period.as_of}: open items are the backlog; overdue ones have waited past their due date.")
    rows = queue_rows(con, period.as_of) if columns_of(con, "ml.review_queue") else []
    if not rows:
        return section("queue", "The review queue", intro,
                       empty("no application has been routed to a person yet (ml.review_queue is empty): the model "
                             "routes once it has a champion"))
    fig = go.Figure()
    colours = {"overdue": "#cf222e", "open, on time": "#bf8700", "resolved": "#1a7f37"}
    for state, colour in colours.items():
        mine = [r for r in rows if r["state"] == state]
        if mine:
            fig.add_trace(go.Bar(name=state, x=[r["reason"] for r in mine], y=[r["items"] for r in mine],
                                 marker_color=colour))
    fig.update_layout(barmode="stack", height=320,
                      title={"text": "Queued applications by reason", "font": {"size": 14}})
    total = {state: sum(r["items"] for r in rows if r["state"] == state) for state in colours}
    resolved = con.execute(
        "SELECT median(days_to_resolve) FROM ml.review_queue WHERE status = 'resolved'").fetchone()[0]
    facts = (f"<p>Backlog: <b>{total['overdue'] + total['open, on time']}</b> open, of which <b>{total['overdue']}</b> "
             f"overdue; {total['resolved']} resolved"
             + (f", in a median of {fmt(resolved, 'days')}" if not _missing(resolved) else "") + ".</p>")
    return section("queue", "The review queue", intro, facts + page.figure(fig))


def model_section(con: duckdb.DuckDBPyConnection, period: Period, page: Page) -> str:
    import plotly.graph_objects as go

    intro = ("Every registered version of each model with its holdout ROC AUC (<code>ml.model_registry</code>), "
             "its alias now (<code>ml.model_aliases</code>) and the latest registry events "
             "(<code>ml.model_events</code>).")
    if not columns_of(con, "ml.model_registry"):
        return section("models", "Model versions", intro, empty("no model registry yet: the models have not run"))
    versions = rows_of(con, """
        SELECT r.model_name, r.version, r.trained_at, r.train_start, r.train_end, r.n_train, r.algorithm,
               r.holdout_auc, r.holdout_brier, coalesce(a.alias, 'retired or never served') AS alias
        FROM ml.model_registry AS r
        LEFT JOIN ml.model_aliases AS a ON a.model_name = r.model_name AND a.version = r.version
        ORDER BY r.model_name, r.train_end, r.trained_at""")
    if not versions:
        return section("models", "Model versions", intro,
                       empty("no model version registered yet: too few matured labels to train on"))
    fig = go.Figure()
    symbols = {"champion": "star", "challenger": "diamond"}
    for model in dict.fromkeys(v["model_name"] for v in versions):
        mine = [v for v in versions if v["model_name"] == model]
        fig.add_trace(go.Scatter(
            name=model, x=[v["train_end"] for v in mine], y=[v["holdout_auc"] for v in mine], mode="lines+markers",
            marker={"size": 12, "symbol": [symbols.get(v["alias"], "circle") for v in mine]},
            text=[f"{v['version']} ({v['alias']}), {v['algorithm']}, {v['n_train']} training rows, trained "
                  f"{v['trained_at']:%Y-%m-%d %H:%M}" for v in mine],
            hovertemplate="%{text}<br>AUC %{y:.3f}<extra></extra>"))
    fig.update_layout(height=320, title={"text": "Holdout ROC AUC of each version (star: champion, diamond: "
                                                 "challenger)", "font": {"size": 14}}, yaxis_title="holdout AUC",
                      xaxis_title="end of its training window (what the version learned from)")
    body = page.figure(fig) + table(
        ["model", "version", "alias", "trained", "training window", "rows", "algorithm", "holdout AUC", "Brier"],
        [[v["model_name"], v["version"], v["alias"], v["trained_at"],
          f"{fmt(v['train_start'])[:10]} to {fmt(v['train_end'])[:10]}", fmt(v["n_train"], "count"), v["algorithm"],
          fmt(v["holdout_auc"], "auc"), fmt(v["holdout_brier"], "auc")] for v in versions])
    events = rows_of(con, "SELECT logged_at, model_name, version, event, reason, actor FROM ml.model_events "
                          "ORDER BY logged_at DESC, event_id DESC LIMIT 12"
                     ) if columns_of(con, "ml.model_events") else []
    if events:
        body += "<h3>Latest registry events</h3>" + table(
            ["when", "model", "version", "event", "why", "by"],
            [[e["logged_at"], e["model_name"], e["version"], e["event"], e["reason"], e["actor"]] for e in events])
    return section("models", "Model versions", intro, body)


def drift_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every row of each model's latest drift run."""
    return rows_of(con, """
        WITH latest AS (
            SELECT model_name, arg_max(run_id, run_at) AS run_id FROM monitoring.drift_metrics GROUP BY model_name)
        SELECT d.* FROM monitoring.drift_metrics AS d INNER JOIN latest USING (model_name, run_id)
        ORDER BY d.model_name, d.drift_kind, d.feature""")


def drift_figure(model: str, kind: str, scored: list[dict]):
    """Score per column (red where it drifted) with its threshold as a tick."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_trace(go.Bar(name="score", x=[r["feature"] for r in scored], y=[r["score"] for r in scored],
                         marker_color=["#cf222e" if r["drift_detected"] else "#8c959f" for r in scored],
                         customdata=[r["method"] for r in scored], textposition="none",
                         hovertemplate="%{x}: %{y:.4g} (%{customdata})<extra></extra>"))
    fig.add_trace(go.Scatter(name="threshold", x=[r["feature"] for r in scored], y=[r["threshold"] for r in scored],
                             mode="markers", marker={"symbol": "line-ew-open", "size": 26, "color": "#000",
                                                     "line": {"width": 2}},
                             hovertemplate="threshold %{y:.4g}<extra></extra>"))
    verdict = "DRIFT" if scored[0]["kind_drift"] else "no drift"
    drifted = sum(bool(r["drift_detected"]) for r in scored)
    fig.update_layout(height=320, showlegend=False, title={
        "text": f"{model}: {kind} drift, {verdict} ({drifted} of {len(scored)} drifted)", "font": {"size": 14}})
    return fig


def drift_section(con: duckdb.DuckDBPyConnection, period: Period, page: Page, reports_dir: Path) -> str:
    intro = ("Each model's latest drift run (<code>monitoring.drift_metrics</code>): per feature its test's score "
             "(bar; red where it drifted) and threshold (black tick). A p-value drifts below its threshold, a "
             "distance above it. A column the run could not judge says why.")
    rows = drift_rows(con) if columns_of(con, "monitoring.drift_metrics") else []
    if not rows:
        return section("drift", "Drift per feature", intro,
                       empty("no drift run yet (monitoring.drift_metrics is empty): drift is measured once a model "
                             "has a champion and both windows have rows"))
    parts = []
    sampled = f"; a window over {fmt(Policy().drift_max_rows, 'count')} rows is compared on a random sample of as many"
    for (model, kind) in dict.fromkeys((r["model_name"], r["drift_kind"]) for r in rows):
        mine = [r for r in rows if r["model_name"] == model and r["drift_kind"] == kind]
        first, scored = mine[0], [r for r in mine if not _missing(r["score"])]
        report = first.get("report_path")
        link = (f' <a href="{html.escape(os.path.relpath(report, reports_dir))}">Evidently report</a>'
                if report else "")
        part = (f"<div><p><b>{html.escape(model)}</b> {html.escape(str(first['model_version']))}, "
                f"{html.escape(kind)} drift: reference {first['reference_start']} to {first['reference_end']} "
                f"({fmt(first['reference_rows'], 'count')} rows) against {first['current_start']} to "
                f"{first['current_end']} ({fmt(first['current_rows'], 'count')} rows"
                f"{sampled if first['sampled'] else ''}); run {fmt(first['run_at'])}.{link}</p>")
        if scored:
            part += page.figure(drift_figure(model, kind, scored))
        part += "".join(empty(f"{r['feature']}: {r['method']}") for r in mine if _missing(r["score"]))
        parts.append(part + "</div>")
    return section("drift", "Drift per feature", intro, f'<div class="grid">{"".join(parts)}</div>')


def fairness_rows(con: duckdb.DuckDBPyConnection, period: Period) -> list[dict]:
    """The latest audit run's rows a period is judged by: for a quarter, the latest audited quarter starting by its
    end; for a week, the whole history (a week's quarter is unfinished, its groups small and its ratios noisy)."""
    week = period.kind.name == "week"
    which = "quarter_start IS NULL" if week else (
        "quarter_start = (SELECT max(quarter_start) FROM audit WHERE quarter_start <= ?)")
    return rows_of(con, f"""
        WITH latest AS (SELECT arg_max(run_id, run_at) AS run_id FROM monitoring.fairness_audit),
        audit AS (SELECT * FROM monitoring.fairness_audit WHERE run_id = (SELECT run_id FROM latest))
        SELECT * FROM audit WHERE {which}
        ORDER BY decision, attribute, group_value""", [] if week else [period.end])


def fairness_section(con: duckdb.DuckDBPyConnection, period: Period, page: Page) -> str:
    import plotly.graph_objects as go

    line = Policy().four_fifths
    intro = (f"The fairness audit (<code>monitoring.fairness_audit</code>, NYC LL144 method): per decision, each "
             f"protected group's selection rate over the most-selected group's. Below the {line} line (four-fifths "
             "rule) a ratio is flagged (red). Groups too small for a ratio are listed beneath.")
    rows = fairness_rows(con, period) if columns_of(con, "monitoring.fairness_audit") else []
    if not rows:
        return section("fairness", "Fairness impact ratios", intro,
                       empty("no fairness audit yet (monitoring.fairness_audit is empty, or no audited quarter starts "
                             f"by {period.end})"))
    scope = (f"Quarter from {rows[0]['quarter_start']}" if rows[0]["quarter_start"] is not None
             else "The whole history, the figure a flag is judged by (each quarter: the quarterly report)")
    parts = [f"<p>{scope}, audited {fmt(rows[0]['run_at'])}; "
             f"<b>{sum(bool(r['flagged']) for r in rows)}</b> ratio(s) flagged.</p>"]
    for decision in dict.fromkeys(r["decision"] for r in rows):
        mine = [r for r in rows if r["decision"] == decision]
        ratioed = [r for r in mine if not _missing(r["impact_ratio"])]
        if ratioed:
            fig = go.Figure(go.Bar(
                orientation="h", y=[f"{r['attribute']}: {r['group_value']}" for r in ratioed],
                x=[r["impact_ratio"] for r in ratioed],
                marker_color=["#cf222e" if r["flagged"] else "#0969da" for r in ratioed],
                text=[f"n={r['group_size']}, selection rate {fmt(r['selection_rate'], 'share')}" for r in ratioed],
                hovertemplate="%{y}: %{x:.2f} (%{text})<extra></extra>"))
            fig.add_vline(x=line, line_dash="dash", line_color="#cf222e", annotation_text=f"{line}")
            fig.update_xaxes(range=[0, max([1.0, *(r["impact_ratio"] for r in ratioed)]) * 1.05])
            version = mine[0].get("model_version")
            fig.update_layout(height=120 + 22 * len(ratioed), showlegend=False, xaxis_title="impact ratio",
                              title={"text": f"{decision}" + (f" ({version})" if version else ""),
                                     "font": {"size": 14}})
            fig.update_yaxes(autorange="reversed")
            parts.append(page.figure(fig))
        unratioed = [r for r in mine if _missing(r["impact_ratio"])]
        if unratioed:
            parts.append(f"<details><summary>{html.escape(decision)}: {len(unratioed)} group(s) without a ratio"
                         "</summary>" + table(["attribute", "group", "size", "why no ratio"],
                                              [[r["attribute"], r["group_value"], fmt(r["group_size"], "count"),
                                                r["not_ratioed_because"]] for r in unratioed]) + "</details>")
    return section("fairness", "Fairness impact ratios", intro, "".join(parts))


def dq_runs(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per gate run: expectations passed, failed warnings and failed blocking ones."""
    return rows_of(con, f"""
        SELECT run_id, min(validated_at) AS validated_at, count(*) FILTER (WHERE success) AS passed,
               count(*) FILTER (WHERE NOT success AND severity IS DISTINCT FROM '{BLOCKING}') AS warnings_failed,
               count(*) FILTER (WHERE NOT success AND severity = '{BLOCKING}') AS blocking_failed
        FROM quality.dq_results GROUP BY run_id ORDER BY validated_at""")


def quality_section(con: duckdb.DuckDBPyConnection, period: Period, page: Page) -> str:
    import plotly.graph_objects as go

    intro = ("The quality gate's history (<code>quality.dq_results</code>): every expectation of every run, passed "
             "or failed, blocking or warning. Great Expectations' own Data Docs "
             f"(<code>{DATA_DOCS}/index.html</code>) load their scripts from the internet; this is the same record "
             "offline.")
    runs = dq_runs(con) if columns_of(con, "quality.dq_results") else []
    if not runs:
        return section("quality", "Data quality", intro, empty("no quality-gate run yet (quality.dq_results is empty)"))
    fig = go.Figure()
    for name, key, colour in (("passed", "passed", "#1a7f37"), ("failed, warning only", "warnings_failed", "#bf8700"),
                              ("failed, blocking", "blocking_failed", "#cf222e")):
        fig.add_trace(go.Bar(name=name, x=[fmt(r["validated_at"]) for r in runs], y=[r[key] for r in runs],
                             marker_color=colour))
    fig.update_layout(barmode="stack", height=300, title={"text": "Expectations per gate run", "font": {"size": 14}},
                      legend={"orientation": "h", "y": -0.25}, xaxis={"type": "category"})
    latest = rows_of(con, """
        SELECT table_name, expectation_class, column_name, expectation, observed, threshold, severity, success
        FROM quality.dq_results WHERE run_id = ? ORDER BY success, severity, table_name, column_name""",
                     [runs[-1]["run_id"]])
    failing = rows_of(con, """
        SELECT table_name, expectation_class, column_name,
               count(DISTINCT run_id) FILTER (WHERE NOT success) AS failed_runs,
               count(DISTINCT run_id) AS runs, max(validated_at) FILTER (WHERE NOT success) AS last_failed,
               arg_max(observed, validated_at) AS last_observed, arg_max(threshold, validated_at) AS threshold
        FROM quality.dq_results GROUP BY ALL HAVING failed_runs > 0 ORDER BY last_failed DESC""")
    body = page.figure(fig)
    body += "<h3>Expectations that have ever failed</h3>" + (table(
        ["table", "class", "column", "failed runs", "of runs", "last failed", "latest observed", "threshold"],
        [[r["table_name"], r["expectation_class"], r["column_name"] or "table", r["failed_runs"], r["runs"],
          r["last_failed"], r["last_observed"], r["threshold"]] for r in failing])
        if failing else empty("none: every expectation has passed in every run"))
    body += (f"<details><summary>Every expectation of the latest run ({fmt(runs[-1]['validated_at'])})</summary>"
             + table(["table", "class", "column", "expectation", "observed", "threshold", "severity", "verdict"],
                     [[r["table_name"], r["expectation_class"], r["column_name"] or "table", r["expectation"],
                       r["observed"], r["threshold"], r["severity"], "passed" if r["success"] else "FAILED"]
                      for r in latest], ["" if r["success"] else "failed" for r in latest]) + "</details>")
    return section("quality", "Data quality", intro, body)


# ----------------------------------------------------------------------------------------------- the page

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; margin: 0; background: #f6f8fa; }
header { background: #24292f; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; } header p { margin: 2px 0; color: #d0d7de; }
nav { padding: 8px 32px; background: #fff; border-bottom: 1px solid #d0d7de; position: sticky; top: 0; z-index: 5; }
nav a { margin-right: 18px; color: #0969da; text-decoration: none; }
main { max-width: 1280px; margin: 0 auto; padding: 8px 32px 40px; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 20px 16px; margin: 16px 0; }
h2 { font-size: 18px; } h3 { font-size: 14px; margin: 16px 0 6px; } .intro { color: #57606a; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 8px; }
.chart-empty { border: 1px dashed #d0d7de; border-radius: 6px; padding: 4px 12px; align-self: start; }
.empty { color: #57606a; font-style: italic; }
.banner { background: #fff8c5; border: 1px solid #d4a72c; padding: 8px 12px; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
th { background: #f6f8fa; } tr.failed td { color: #cf222e; }
.chip { color: #fff; border-radius: 10px; padding: 1px 8px; font-size: 12px; white-space: nowrap; }
details { margin: 8px 0; } summary { cursor: pointer; color: #0969da; }
"""

DRAW = """
document.querySelectorAll('script[data-figure]').forEach(function (island) {
  var figure = JSON.parse(island.textContent);
  Plotly.newPlot(island.dataset.figure, figure.data, figure.layout, {displaylogo: false, responsive: true});
});
"""


def render_page(con: duckdb.DuckDBPyConnection, period: Period, reports_dir: Path) -> tuple[str, Page]:
    """The whole page as one string, and its figures (for whoever checks them)."""
    from plotly.offline import get_plotlyjs

    page = Page()
    sections = [kpi_section(con, period, page), funnel_section(con, period, page), queue_section(con, period, page),
                model_section(con, period, page), drift_section(con, period, page, reports_dir),
                fairness_section(con, period, page), quality_section(con, period, page)]
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in (
        ("kpis", "KPIs"), ("funnel", "Funnel"), ("queue", "Review queue"), ("models", "Models"), ("drift", "Drift"),
        ("fairness", "Fairness"), ("quality", "Data quality")))
    title = f"{period.kind.review.capitalize()} review, {period.label}"
    banner = (f'<p class="banner">This {period.kind.name} is partial: it ends after the newest extract '
              f"({period.as_of}), so its figures are incomplete and no KPI is judged.</p>" if period.partial else "")
    document = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body><header><h1>{html.escape(title)}</h1>
<p>Warehouse current to {period.as_of} (newest extract). KPIs are of the {period.kind.name}; the queue, models, drift,
fairness and data quality are as the warehouse stands now. Written {datetime.now():%Y-%m-%d %H:%M}.</p></header>
<nav>{nav}</nav><main>{banner}{"".join(sections)}</main>
<script>{get_plotlyjs()}</script><script>{DRAW}</script></body></html>
"""
    return document, page


def render_report(con: duckdb.DuckDBPyConnection, reports_dir: Path, period: str = "week",
                  at: date | None = None) -> Path:
    """Write `<reports_dir>/review_<period>_<period start>.html` for the period containing `at` (default: the
    latest complete one) and return its path. The file is replaced whole, never half-written."""
    chosen = choose_period(con, PERIODS[period], at)
    document, _ = render_page(con, chosen, reports_dir)
    path = report_path(reports_dir, chosen)
    reports_dir.mkdir(parents=True, exist_ok=True)
    partial_file = path.with_suffix(".html.tmp")
    partial_file.write_text(document, encoding="utf-8")
    partial_file.replace(path)
    return path
