"""Drift of a model's champion, three kinds, as Evidently judges them under the policy's rule.

- data: the model's features on the rows of the latest window against those of the champion's reference (the last
  `Policy.drift_reference_months` of what it was trained and judged on);
- prediction: the champion's scores on the same two sets of rows;
- target: the matured labels of the reference against the latest window of matured labels.

A kind is judged only when both windows hold at least the policy's minimum rows (below it the row says why),
and the data kind drifts when at least the policy's share of features drift: Evidently's small-sample defaults
flag noise (see docs/monitoring.md "Drift" for the benchmark behind the numbers). `weekly_backtest` replays
the verdicts a weekly run would have given, for the benchmark and the tests.

Evidently is imported inside the functions only: it takes seconds to import, and the Dagster code location
imports this module when it loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from hr_pipeline.ml import registry
from hr_pipeline.ml.spec import ModelSpec
from hr_pipeline.settings import Policy

if TYPE_CHECKING:
    import pandas as pd

VALUE_DRIFT = "evidently:metric_v2:ValueDrift"
KINDS = ("data", "prediction", "target")
SCORE, LABEL = "score", "label"  # the single column of the prediction and the target kind


@dataclass(frozen=True)
class FeatureDrift:
    """One column's test as Evidently ran it with the policy's method and threshold.

    `drift_detected` is Evidently's own verdict, not recomputed here: p-value methods drift below their
    threshold, distance methods at or above it. None when the kind was not judged.
    """

    feature: str
    method: str
    score: float | None
    threshold: float | None
    drift_detected: bool | None


@dataclass(frozen=True)
class Window:
    start: date
    end: date  # exclusive
    rows: int  # before sampling
    seasonal: bool = False  # only the rows on the current window's calendar days (`ModelSpec.seasonal`)
    sample: int | None = None  # the rows compared, where fewer than `rows`: a stable random sample of them


@dataclass(frozen=True)
class KindDrift:
    """One kind's verdict: `drift` is None (and `not_judged` says why) when a window is below the minimum size.

    `sampled` says if either window was compared on a sample of `Policy.drift_max_rows` of its rows.
    """

    kind: str
    features: list[FeatureDrift]
    drift: bool | None
    drifted_share: float | None
    reference: Window
    current: Window
    sampled: bool
    not_judged: str | None = None


@dataclass(frozen=True)
class Frames:
    """The rows one kind compares of its two windows: all of a window's rows, or the sample its `Window` says."""

    kind: str
    reference: pd.DataFrame
    current: pd.DataFrame
    reference_window: Window
    current_window: Window
    min_rows: int


def compare(frames: Frames, numerical: list[str], categorical: list[str], policy: Policy):
    """Run Evidently on one kind's windows with the policy's methods and thresholds; the kind drifts when at
    least `policy.drift_share` of its columns drift, not counting `policy.drift_alarm_ignores` (tested and
    reported all the same). Evidently's per-column verdicts are read, not recomputed.

    Returns the `KindDrift` and Evidently's snapshot (None when not judged).
    """
    reference_window, current_window = frames.reference_window, frames.current_window
    sampled = reference_window.sample is not None or current_window.sample is not None
    columns = [*numerical, *categorical]
    small = [name for name, w in (("reference", reference_window), ("current", current_window))
             if w.rows < frames.min_rows]
    if small:
        reason = (f"not judged: {' and '.join(small)} window below {frames.min_rows} rows "
                  f"({reference_window.rows} reference, {current_window.rows} current)")
        return KindDrift(frames.kind, [FeatureDrift(c, reason, None, None, None) for c in columns], None, None,
                         reference_window, current_window, sampled, reason), None

    # A feed that stopped (say time tracking) leaves a column without a value in a window: Evidently refuses
    # it, so that column alone is not judged and the others are.
    empty = {c: " and ".join(name for name, frame in (("reference", frames.reference), ("current", frames.current))
                             if frame[c].isna().all()) for c in columns}
    unjudged = [FeatureDrift(c, f"not judged: no values in the {where} window", None, None, None)
                for c, where in empty.items() if where]
    numerical, categorical = [c for c in numerical if not empty[c]], [c for c in categorical if not empty[c]]
    columns = [*numerical, *categorical]
    if not columns:
        return KindDrift(frames.kind, unjudged, None, None, reference_window, current_window, sampled,
                         "not judged: no column has values in both windows"), None

    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    preset = DataDriftPreset(columns=columns, drift_share=policy.drift_share,
                             num_method=policy.drift_num_method, num_threshold=policy.drift_num_threshold,
                             cat_method=policy.drift_cat_method, cat_threshold=policy.drift_cat_threshold)
    # Report-level include_tests is what makes Evidently record each column's verdict.
    snapshot = Report([preset], include_tests=True).run(
        Dataset.from_pandas(frames.current[columns], data_definition=definition),
        Dataset.from_pandas(frames.reference[columns], data_definition=definition),
    )
    output = snapshot.dict()
    drifted = {test["metric_config"]["metric_id"]: test["status"] == "FAIL" for test in output["tests"]}
    features = [FeatureDrift(feature=m["config"]["column"], method=m["config"]["method"], score=float(m["value"]),
                             threshold=float(m["config"]["threshold"]), drift_detected=drifted[m["id"]])
                for m in _metrics(output, VALUE_DRIFT)]
    counted = [f.drift_detected for f in features if f.feature not in policy.drift_alarm_ignores] or [False]
    share = sum(counted) / len(counted)
    return KindDrift(frames.kind, features + unjudged, share >= policy.drift_share, share, reference_window,
                     current_window, sampled), snapshot


def _metrics(output: dict, kind: str) -> list[dict]:
    return [metric for metric in output["metrics"] if metric["config"]["type"] == kind]


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, or that month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 - months
    first = date(index // 12, index % 12 + 1, 1)
    following = date((index + 1) // 12, (index + 1) % 12 + 1, 1)
    return first + timedelta(days=min(day.day, (following - first).days) - 1)


class ChampionWindows:
    """The windows of each kind for a champion, read from the warehouse as a stable random sample of at most
    `policy.drift_max_rows` rows each (`ModelSpec.select`: Evidently works in memory), so only the rows compared
    are scored. The reference's sample is kept per set of calendar days, so a weekly backtest of a model that
    is not seasonal reads and scores it once.

    The reference is the last `policy.drift_reference_months` of the champion's training window and holdout
    together: the newest data its version was built and judged on, every season once. Data and prediction:
    the rows of the reference against those of the latest `policy.drift_window_weeks`. Target: the
    matured labels of the reference against the latest window of matured labels; labels mature long after
    the decision, so that window ends where the newest matured label does, shifted back by as many days as
    the run date lies before `as_of` (what a run on that date would have seen).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: ModelSpec, champion: registry.ModelVersion,
                 as_of: date, policy: Policy):
        self.con, self.spec, self.as_of, self.policy = con, spec, as_of, policy
        self.pipeline = registry.load(champion)["pipeline"]
        end = _day(champion.holdout_end) + timedelta(days=1)
        self.span = (max(_day(champion.train_start), _months_before(end, policy.drift_reference_months)), end)
        self.within = f"{spec.time_column} >= ? AND {spec.time_column} < ?"
        self.references: dict[tuple[str, ...], tuple[pd.DataFrame, Window]] = {}
        self.reference_labels = self._labels(self.span)
        (newest,) = con.execute(f"SELECT max({spec.time_column}) FROM {spec.table} WHERE {spec.labelled}").fetchone()
        self.newest_label = _day(newest) + timedelta(days=1) if newest else None

    def _sample(self, window: tuple[date, date], where: str = "TRUE", params: tuple = (), extra: tuple[str, ...] = (),
                seasonal: bool = False) -> tuple[pd.DataFrame, Window]:
        """The sample of the rows of `window` matching `where`, and the window with its size before sampling."""
        where, params = f"{self.within} AND ({where})", [*window, *params]
        (rows,) = self.con.execute(self.spec.count(where), params).fetchone()
        frame = self.con.execute(self.spec.select(where, extra, limit=self.policy.drift_max_rows), params).df()
        return frame, Window(*window, rows, seasonal, len(frame) if len(frame) < rows else None)

    def _scored(self, window: tuple[date, date], days: tuple[str, ...] = ()) -> tuple[pd.DataFrame, Window]:
        """The window's rows with the champion's score; with `days`, only those on these calendar days (mm-dd)."""
        from hr_pipeline.ml.training import score

        if days:
            rows, sized = self._sample(window, f"list_contains(?, strftime({self.spec.time_column}, '%m-%d'))",
                                       (list(days),), seasonal=True)
        else:
            rows, sized = self._sample(window)
        return rows.assign(**{SCORE: score(self.pipeline, rows)}), sized

    def _labels(self, window: tuple[date, date]) -> tuple[pd.DataFrame, Window]:
        rows, sized = self._sample(window, self.spec.labelled, extra=(self.spec.label,))
        return rows.assign(**{LABEL: rows[self.spec.label].astype(str)}), sized

    def frames(self, run_date: date) -> list[Frames]:
        """Each kind's windows for a run on `run_date` (the last day of its current window)."""
        days, policy = timedelta(weeks=self.policy.drift_window_weeks), self.policy
        end = run_date + timedelta(days=1)
        current = (end - days, end)
        label_end = (self.newest_label or end) - (self.as_of - run_date)
        label_window = (label_end - days, label_end)
        calendar = _calendar_days(current) if self.spec.seasonal else ()
        if calendar not in self.references:
            self.references[calendar] = self._scored(self.span, calendar)
        (reference, reference_window), (rows, current_window) = self.references[calendar], self._scored(current)
        (labels, labels_window), (latest_labels, latest_window) = self.reference_labels, self._labels(label_window)
        return [
            Frames("data", reference, rows, reference_window, current_window, policy.drift_min_rows),
            Frames("prediction", reference, rows, reference_window, current_window, policy.drift_min_rows),
            Frames("target", labels, latest_labels, labels_window, latest_window, policy.drift_min_labels),
        ]


def _calendar_days(window: tuple[date, date]) -> tuple[str, ...]:
    """The calendar days (month and day, any year) of `window`, as mm-dd."""
    days = {(window[0] + timedelta(days=i)).strftime("%m-%d") for i in range((window[1] - window[0]).days)}
    return tuple(sorted(days))


def columns_of(spec: ModelSpec, kind: str) -> tuple[list[str], list[str]]:
    """(numerical, categorical) columns each kind compares."""
    return {"data": (list(spec.numerical), list(spec.categorical)),
            "prediction": ([SCORE], []),
            "target": ([], [LABEL])}[kind]


def model_drift(windows: ChampionWindows, run_date: date):
    """Every kind's verdict for a run on `run_date` and the snapshots Evidently made (None where not judged)."""
    results = [compare(frames, *columns_of(windows.spec, frames.kind), windows.policy)
               for frames in windows.frames(run_date)]
    return [drift for drift, _ in results], [snapshot for _, snapshot in results]


def alarm(kinds: list[KindDrift]) -> bool:
    """A model's drift alarm: its data drift (labels mature too late to warn in time, and the scores move
    with the job family mix the alarm leaves out); the other kinds are reported beside it."""
    return any(k.drift for k in kinds if k.kind == "data")


@dataclass(frozen=True)
class WeeklyVerdict:
    run_date: date
    alarm: bool
    kinds: list[KindDrift]


def weekly_backtest(con: duckdb.DuckDBPyConnection, spec: ModelSpec, run_dates: list[date],
                    policy: Policy | None = None) -> list[WeeklyVerdict]:
    """The verdicts weekly runs on `run_dates` would have given for the serving champion of `spec`: the
    benchmark's and the tests' one way of replaying drift over time."""
    policy = policy or Policy()
    (as_of,) = con.execute("SELECT as_of_date FROM intermediate.int_as_of").fetchone()
    windows = ChampionWindows(con, spec, registry.serving(con, spec.name)[0], as_of, policy)
    verdicts = []
    for run_date in run_dates:
        kinds, _ = model_drift(windows, run_date)
        verdicts.append(WeeklyVerdict(run_date, alarm(kinds), kinds))
    return verdicts


def _describe_window(name: str, window: Window) -> str:
    span = f"{window.start:%Y-%m-%d} to {window.end - timedelta(days=1):%Y-%m-%d}" + (
        ", only its rows on the current window's calendar days (the model's features follow the season)"
        if window.seasonal else "")
    if window.sample is not None:
        return (f"{name} {span}: a stable random sample of {window.sample:,} of {window.rows:,} rows "
                "(Policy.drift_max_rows).")
    return f"{name} {span}: all {window.rows:,} rows."


def save_report(kinds: list[KindDrift], snapshots: list, title: str, path: Path) -> Path:
    """One HTML page for all kinds of a model's run: a note per kind (windows, sizes, sampling, verdict),
    then Evidently's widgets of each judged kind, self-contained (Evidently inlines its scripts)."""
    from evidently.core.metric_types import render_widgets
    from evidently.legacy.renderers.html_widgets import group_widget

    notes, widgets = [f"<b>{title}</b>"], []
    for kind, snapshot in zip(kinds, snapshots, strict=True):
        verdict = kind.not_judged or ("DRIFT" if kind.drift else "no drift") + (
            f" ({kind.drifted_share:.0%} of the features it counts drifted)" if kind.kind == "data" else "")
        windows = " ".join(_describe_window(name, w) for name, w in (("Reference", kind.reference),
                                                                      ("Current", kind.current)))
        notes.append(f"<b>{kind.kind} drift</b>: {verdict}. {windows}")
        if snapshot is not None:
            # One page per model and run: each kind's widgets (a private attribute of the snapshot) under a title.
            widgets.append(group_widget(title=f"{kind.kind} drift", widgets=snapshot._widgets))
            widgets.extend(snapshot._tests_widgets)
    banner = "".join(f'<p style="font-family:sans-serif;margin:0;padding:4px 24px">{n}</p>' for n in notes)
    html = render_widgets(widgets, as_iframe=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html.replace("<body>", f'<body>\n<div style="background:#fff3cd;padding:8px 0">{banner}</div>',
                                 1), encoding="utf-8")
    return path


@dataclass(frozen=True)
class BacktestSummary:
    """Alarms of weekly runs against the world's drift event (None in a world without one).

    `delay_weeks`: weeks from the event to the first run on or after it that alarmed (None if none did);
    `alarms_before`: runs dated before the event that alarmed; `false_alarm_rate`: those over the judged
    runs before the event (every judged run in a world without drift).
    """

    runs: int
    judged: int
    alarms: int
    delay_weeks: float | None
    alarms_before: int
    judged_before: int

    @property
    def false_alarm_rate(self) -> float | None:
        return self.alarms_before / self.judged_before if self.judged_before else None


def summarise(verdicts: list[WeeklyVerdict], drift_at: date | None) -> BacktestSummary:
    judged = [v for v in verdicts if any(k.drift is not None for k in v.kinds if k.kind == "data")]
    before = [v for v in judged if drift_at is None or v.run_date < drift_at]
    after = [v for v in judged if drift_at is not None and v.run_date >= drift_at and v.alarm]
    first = min((v.run_date for v in after), default=None)
    return BacktestSummary(
        runs=len(verdicts), judged=len(judged), alarms=sum(v.alarm for v in verdicts),
        delay_weeks=(first - drift_at).days / 7 if first else None,
        alarms_before=sum(v.alarm for v in before), judged_before=len(before))
