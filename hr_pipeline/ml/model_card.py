"""The model card of a version: one small, self-contained HTML page HR and auditors can read offline.

It says what the model estimates, on which rows it was trained and judged, how well and how fairly,
why its labels cover only part of the population it scores, and which features move its estimates
which way (the exact contributions of `explain`, averaged over the training rows).
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from hr_pipeline.ml.explain import Factor, background, contributions, number, words
from hr_pipeline.ml.spec import ModelSpec

TEMPLATE = Path(__file__).parent / "templates" / "model_card.html"
EFFECT_ROWS = 2000  # training rows the effects are averaged over: enough for two decimals, fast at any size
MONOTONE = 0.8  # |Spearman| of a number against its contribution from which one direction describes its effect
CALIBRATION_KEYS = ("brier", "base_rate", "mean_score", "calibration")  # metrics shown under calibration
BAR_CLASSES = {1: "raises", -1: "lowers", 0: "depends"}  # by sign; the template's CSS colours them
ROW_HEIGHT, LABEL_WIDTH, BAR_WIDTH, DIRECTION_WIDTH = 24, 280, 300, 560


def global_effects(spec: ModelSpec, pipeline: Pipeline, train_frame: pd.DataFrame) -> pd.DataFrame:
    """Each factor's mean |contribution| (log-odds) over (a sample of) the training rows, largest first, and its
    direction.

    Columns: feature (the spec's column), factor (as HR reads it), mean_abs_contribution, direction
    ('yes raises', 'listed lowers', 'higher raises', or where the effect is not one-way, 'highest for referral,
    lowest for agency', 'highest for 0 months to 6 months, ...' by quintile) and sign (+1, -1, or 0 when the
    direction depends on the value).
    """
    rows = train_frame.sample(n=min(len(train_frame), EFFECT_ROWS), random_state=0)
    found, per_factor = contributions(spec, pipeline, rows, background(pipeline, train_frame))
    seen = pipeline[0].transform(rows)
    records = []
    for factor, contribution in zip(found, per_factor.T, strict=True):
        direction, sign = _direction(factor, seen[factor.feature], contribution)
        records.append({"feature": factor.feature, "factor": factor.label,
                     "mean_abs_contribution": float(np.abs(contribution).mean()), "direction": direction,
                     "sign": sign})
    effects = pd.DataFrame(records)
    return effects.sort_values("mean_abs_contribution", ascending=False, kind="stable").reset_index(drop=True)


def _direction(factor: Factor, values: pd.Series, contribution: np.ndarray) -> tuple[str, int]:
    """Which way the factor moves the estimate, in words, and as a sign (0: it depends on the value)."""
    if not contribution.any():
        return "no effect", 0
    if factor.kind == "num":
        rho = pd.Series(contribution).corr(values.reset_index(drop=True), method="spearman")
        if abs(rho) >= MONOTONE:
            return ("higher raises", 1) if rho > 0 else ("higher lowers", -1)
        groups = _quintiles(factor.feature, values)
    else:
        groups = factor.describe(values)
        present = "yes" if factor.kind == "cat" else f"{words(factor.term)} listed"
        if present in set(groups) and groups.nunique() <= 2:
            word = "yes" if factor.kind == "cat" else "listed"
            sign = 1 if contribution[(groups == present).to_numpy()].mean() > 0 else -1
            return f"{word} {'raises' if sign > 0 else 'lowers'}", sign
    by_group = pd.Series(contribution).groupby(groups.to_numpy()).mean()
    return f"highest for {by_group.idxmax()}, lowest for {by_group.idxmin()}", 0


def _quintiles(column: str, values: pd.Series) -> pd.Series:
    """Each value's quintile as the range it covers: '0 months to 6 months'."""
    bins = pd.qcut(values, 5, duplicates="drop")
    ranges = values.groupby(bins, observed=True).agg(["min", "max"])
    said = {b: number(column, low) if low == high else f"{number(column, low)} to {number(column, high)}"
            for b, (low, high) in ranges.iterrows()}
    return bins.map(said)


def render_model_card(path: Path, spec: ModelSpec, entry: dict, effects: pd.DataFrame) -> Path:
    """Write the card of one version to `path` (`<model_cards_dir>/<version>.html`): inline CSS and SVG,
    no scripts, no links, so it opens anywhere, offline, exactly as written.

    `entry`: model_name, version, algorithm, train_start, train_end, holdout_start, holdout_end, n_train,
    n_holdout, metrics (dict), fairness (dict, may be nested), trained_on (text).
    """
    metrics = _flatten(entry["metrics"])
    calibration = {k: v for k, v in metrics.items() if any(word in k for word in CALIBRATION_KEYS)}
    page = Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        version=html.escape(entry["version"]),
        title=html.escape(spec.title),
        summary=_table({
            "model": entry["model_name"], "version": entry["version"], "algorithm": words(entry["algorithm"]),
            "one row is": spec.unit,
            "training window": f"{entry['train_start']} to {entry['train_end']}",
            "rows trained on": entry["n_train"],
            "holdout window": f"{entry['holdout_start']} to {entry['holdout_end']}",
            "holdout rows": entry["n_holdout"],
        }),
        trained_on=html.escape(entry["trained_on"]),
        selective_labels=(f'<p class="note"><strong>Selective labels.</strong> {html.escape(spec.selective_labels)}'
                          "</p>" if spec.selective_labels else ""),
        metrics=_table({words(k): v for k, v in metrics.items() if k not in calibration}),
        calibration=_table({words(k): v for k, v in calibration.items()}),
        fairness=_table({words(k): v for k, v in _flatten(entry["fairness"]).items()}),
        effects=_effects_chart(effects),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def _flatten(figures: dict, prefix: str = "") -> dict:
    """{'impact_ratio': {'gender': 0.9}} -> {'impact_ratio gender': 0.9}: nested figures as table rows."""
    flat = {}
    for key, value in figures.items():
        name = f"{prefix} {key}".strip()
        flat.update(_flatten(value, name) if isinstance(value, dict) else {name: value})
    return flat


def _figure(value) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{value:,}"
    if isinstance(value, float | np.floating):
        return "n/a" if np.isnan(value) else f"{value:.3f}"
    return str(value)


def _table(rows: dict) -> str:
    if not rows:
        return '<p class="empty">None recorded.</p>'
    cells = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_figure(v))}</td></tr>"
                    for k, v in rows.items())
    return f"<table>{cells}</table>"


def _effects_chart(effects: pd.DataFrame) -> str:
    """A horizontal bar per factor: its mean |contribution|, coloured by direction; figure and direction in words
    in a column of their own."""
    if effects.empty:
        return '<p class="empty">No feature effects.</p>'
    largest = effects["mean_abs_contribution"].max() or 1.0
    width = LABEL_WIDTH + BAR_WIDTH + DIRECTION_WIDTH
    bars = []
    for i, effect in enumerate(effects.itertuples()):
        y = i * ROW_HEIGHT
        length = max(1.0, BAR_WIDTH * effect.mean_abs_contribution / largest)
        bars.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end">{html.escape(effect.factor)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length:.1f}" height="{ROW_HEIGHT - 8}" '
            f'class="{BAR_CLASSES[effect.sign]}"><title>{effect.mean_abs_contribution:.3f}</title></rect>'
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{y + 16}" class="figure">'
            f'{effect.mean_abs_contribution:.3f} · {html.escape(effect.direction)}</text>')
    height = len(effects) * ROW_HEIGHT
    return (f'<svg role="img" aria-label="feature effects" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">{"".join(bars)}</svg>')
