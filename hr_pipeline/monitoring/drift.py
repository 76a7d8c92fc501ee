"""Feature drift between a reference and a current window, as Evidently judges it.

Evidently is imported inside `compute_drift` only: it takes seconds to import, and the Dagster
code location imports this module when it loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

VALUE_DRIFT = "evidently:metric_v2:ValueDrift"
DRIFTED_COLUMNS = "evidently:metric_v2:DriftedColumnsCount"


@dataclass(frozen=True)
class FeatureDrift:
    """One feature's test as Evidently chose it.

    `drift_detected` is Evidently's own verdict, not recomputed here: p-value methods drift
    below their threshold, distance methods at or above it.
    """

    feature: str
    method: str
    score: float
    threshold: float
    drift_detected: bool


@dataclass(frozen=True)
class DriftResult:
    """`dataset_drift` is Evidently's verdict: at least half the features drifted.

    Row counts are the windows' sizes before sampling; `sampled` says if either was cut.
    """

    features: list[FeatureDrift]
    dataset_drift: bool
    drifted_share: float
    reference_rows: int
    current_rows: int
    sampled: bool
    html_path: Path


def compute_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numerical: list[str],
    categorical: list[str],
    html_path: Path,
    max_rows: int = 50_000,
    seed: int = 0,
    title: str = "",
) -> DriftResult:
    """Compare `current` with `reference` on the named features and save the HTML report.

    Windows over `max_rows` are sampled with `seed`, so that reruns give the same answer; the
    report opens with a note saying so, after `title` (what the two windows are). Evidently picks
    each test from the reference size: up to 1,000 rows K-S / chi-square / Z p-values, above that
    Wasserstein / Jensen-Shannon.
    """
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    features = [*numerical, *categorical]
    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    # Report-level include_tests is what makes Evidently record each column's drift verdict.
    snapshot = Report([DataDriftPreset()], include_tests=True).run(
        Dataset.from_pandas(_sample(current[features], max_rows, seed), data_definition=definition),
        Dataset.from_pandas(_sample(reference[features], max_rows, seed), data_definition=definition),
    )

    windows = [_describe_window(name, len(frame), max_rows, seed)
               for name, frame in (("Reference", reference), ("Current", current))]
    note = " ".join([title, *windows] if title else windows)
    _save_html(snapshot.get_html_str(as_iframe=False), note, html_path)

    output = snapshot.dict()
    drifted = {test["metric_config"]["metric_id"]: test["status"] == "FAIL" for test in output["tests"]}
    [dataset] = _metrics(output, DRIFTED_COLUMNS)
    return DriftResult(
        features=[
            FeatureDrift(
                feature=metric["config"]["column"],
                method=metric["config"]["method"],
                score=float(metric["value"]),
                threshold=float(metric["config"]["threshold"]),
                drift_detected=drifted[metric["id"]],
            )
            for metric in _metrics(output, VALUE_DRIFT)
        ],
        dataset_drift=drifted[dataset["id"]],
        drifted_share=float(dataset["value"]["share"]),
        reference_rows=len(reference),
        current_rows=len(current),
        sampled=len(reference) > max_rows or len(current) > max_rows,
        html_path=html_path,
    )


def _sample(frame: pd.DataFrame, max_rows: int, seed: int) -> pd.DataFrame:
    return frame.sample(n=max_rows, random_state=seed) if len(frame) > max_rows else frame


def _metrics(output: dict, kind: str) -> list[dict]:
    return [metric for metric in output["metrics"] if metric["config"]["type"] == kind]


def _describe_window(name: str, rows: int, max_rows: int, seed: int) -> str:
    if rows > max_rows:
        return f"{name}: random sample of {max_rows:,} of {rows:,} rows (seed {seed})."
    return f"{name}: all {rows:,} rows."


def _save_html(html: str, note: str, path: Path) -> None:
    # Evidently's HTML shows neither a run's name nor its tags, so the note goes into the page.
    banner = f'<p style="font-family:sans-serif;padding:8px 24px;background:#fff3cd">{note}</p>'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html.replace("<body>", f"<body>\n{banner}", 1), encoding="utf-8")
