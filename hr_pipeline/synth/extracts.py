"""Write a simulated world as the weekly delta extracts the source systems would export.

Layout: `<out>/landing/<system>/<extract_date>/<entity>.<ext>` and `<out>/ground_truth/` beside
(never inside) the landing zone. Defects are injected here, each one logged per record.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hr_pipeline.ingest.contracts import CONTRACTS, Contract
from hr_pipeline.synth import world as w

log = logging.getLogger(__name__)

DEFAULT_DUPLICATE_RATE = 0.01


def parse_missing(items: list[str]) -> dict[tuple[str, str], float]:
    """`ENTITY.COLUMN=RATE` (entity as `candidates` or `ats_candidates`) -> {(table, column): rate}."""
    by_name = {c.entity: c for c in CONTRACTS} | {c.table: c for c in CONTRACTS}
    parsed = {}
    for item in items:
        try:
            target, rate = item.split("=")
            entity, column = target.split(".")
            contract, rate = by_name[entity], float(rate)
        except (ValueError, KeyError) as exc:
            raise ValueError(f"--missing {item!r}: expected ENTITY.COLUMN=RATE with a known entity") from exc
        if column not in {c.name for c in contract.columns} or not 0 <= rate <= 1:
            raise ValueError(f"--missing {item!r}: {contract.entity} has no column {column!r} or rate not in [0, 1]")
        parsed[(contract.table, column)] = rate
    return parsed


@dataclass(frozen=True)
class GenerateSummary:
    out: str
    extracts: int
    files: int
    rows: dict[str, int]
    start: str
    as_of: str


def _inject_defects(contract: Contract, frame: pd.DataFrame, missing: dict, duplicate_rate: float,
                    rng: np.random.Generator, log_rows: list) -> pd.DataFrame:
    for (table, column), rate in missing.items():
        if table != contract.table:
            continue
        hit = rng.random(len(frame)) < rate
        frame.loc[hit, column] = None
        log_rows.append(pd.DataFrame({"table": table, "key": frame.loc[hit, contract.key], "column": column,
                                      "defect": "missing"}))
    dup = frame[rng.random(len(frame)) < duplicate_rate]
    log_rows.append(pd.DataFrame({"table": contract.table, "key": dup[contract.key], "column": None,
                                  "defect": "duplicate_export"}))
    return pd.concat([frame, dup], ignore_index=True)


def _for_file(contract: Contract, frame: pd.DataFrame) -> pd.DataFrame:
    """The contract's columns in its order, dates rendered as the system exports them."""
    out = frame[[c.name for c in contract.columns]].copy()
    if contract.file_format == "parquet":
        return out
    for col in contract.columns:
        if col.type in ("DATE", "TIMESTAMP"):
            fmt = "%Y-%m-%d" if col.type == "DATE" else "%Y-%m-%dT%H:%M:%S"
            out[col.name] = pd.to_datetime(out[col.name]).dt.strftime(fmt)
    return out


def _write(contract: Contract, frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if contract.file_format == "jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    elif contract.file_format == "csv":
        frame.to_csv(path, index=False, encoding="utf-8")
    else:
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)


def extract_date_of(events: pd.Series) -> pd.Series:
    """An event lands in the first Monday extract after it."""
    day = events.dt.normalize()
    return day - pd.to_timedelta(day.dt.weekday, unit="D") + pd.Timedelta(days=7)


def generate_world(out: Path, employees: int = 250, years: int = 3, seed: int = 7, as_of: date | None = None,
                   drift_at: date | None = None, missing: dict | None = None,
                   duplicate_rate: float = DEFAULT_DUPLICATE_RATE) -> GenerateSummary:
    """Simulate the world and write its landing zone and ground truth under `out`."""
    spec = w.WorldSpec(employees=employees, years=years, seed=seed, as_of=as_of or w.WorldSpec.as_of,
                       drift_at=drift_at)
    log.info("simulating %d employees over %d years up to %s", employees, years, spec.end.date())
    world = w.simulate(spec)
    rng = np.random.default_rng(seed + 1)
    missing = missing or {}
    out = Path(out)
    defects: list[pd.DataFrame] = []
    files, rows, extract_dates = 0, {}, set()
    for contract in CONTRACTS:
        frame = _inject_defects(contract, world.tables[contract.table].copy(), missing, duplicate_rate, rng, defects)
        extract = extract_date_of(pd.to_datetime(frame["_event_at"]))
        for when, part in frame.groupby(extract, sort=True):
            folder = out / "landing" / contract.system / f"{when:%Y-%m-%d}"
            _write(contract, _for_file(contract, part), folder / contract.file_name)
            files += 1
            extract_dates.add(when)
        rows[contract.table] = len(frame)
        log.info("wrote %s: %d rows", contract.table, len(frame))

    truth = out / "ground_truth"
    truth.mkdir(parents=True, exist_ok=True)
    world.truth_applications.to_parquet(truth / "applications.parquet", index=False)
    pd.concat(defects, ignore_index=True).to_csv(truth / "defects.csv", index=False)
    summary = GenerateSummary(str(out), len(extract_dates), files, rows, f"{spec.start:%Y-%m-%d}", f"{spec.end:%Y-%m-%d}")
    (truth / "world.json").write_text(json.dumps({
        "spec": {**asdict(spec), "as_of": f"{spec.end:%Y-%m-%d}", "start": f"{spec.start:%Y-%m-%d}",
                 "drift_at": spec.drift_at.isoformat() if spec.drift_at else None},
        "planted_effects": _planted_effects(),
        "drift_event": _drift_event(spec),
        "defects": {"missing": {f"{t}.{c}": r for (t, c), r in missing.items()}, "duplicate_export": duplicate_rate},
        "routing": {"confidence_below": w.ROUTING_CONFIDENCE, "random_sample_share": w.RANDOM_SAMPLE_SHARE},
        "summary": asdict(summary),
    }, indent=2, default=str))
    return summary


def _planted_effects() -> list[dict]:
    e = w.EFFECTS
    return [
        {"name": "international_experience_raises_success", "feature": "international_experience",
         "log_odds": e["international_experience"],
         "meaning": "hire success (employed at 12 months with rating >= 3) log-odds rise with international experience"},
        {"name": "soft_skill_mentions_raise_success", "feature": "soft skill mentions in skills",
         "log_odds_per_mention": e["soft_skill_mention"]},
        {"name": "referrals_succeed_more", "feature": "source_channel = referral", "log_odds": e["referral"]},
        {"name": "agency_hires_succeed_less", "feature": "source_channel = agency", "log_odds": e["agency"]},
    ]


def _drift_event(spec: w.WorldSpec) -> dict | None:
    if spec.drift_at is None:
        return None
    return {
        "at": spec.drift_at.isoformat(),
        "applicant_mix": {"international_share": [w.INTERNATIONAL_SHARE, w.INTERNATIONAL_SHARE_AFTER_DRIFT],
                          "channel_mix": dict(zip(("before", "after"), (w.CHANNEL_MIX, w.CHANNEL_MIX_AFTER_DRIFT))),
                          "years_experience_mean": [7.0, 4.4]},
        "relation_change": {"feature": "international_experience",
                            "log_odds": [w.EFFECTS["international_experience"], w.INTERNATIONAL_EFFECT_AFTER_DRIFT]},
    }
