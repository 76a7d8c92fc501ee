"""Drift alarms as weekly runs would have raised them, against each world's planted drift event.

Run: `.venv/bin/python benchmarks/drift.py HOME [HOME ...] [--weeks N] [--model NAME]`, each HOME after
`hr-pipeline run` (read only). For the serving champion of each model, replays the weekly runs of the last
N weeks up to the as-of date (`weekly_backtest`, the same function the tests use) and prints, per world and
model, the runs judged, the alarms, the detection delay (weeks from the event in `ground_truth/world.json`
to the first alarm) and the alarms before the event, with the false-alarm rate (alarms over judged runs
before the event, or over all in a world without one). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from hr_pipeline.ml.spec import MODELS
from hr_pipeline.monitoring.drift import summarise, weekly_backtest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("homes", nargs="+", help="homes after `hr-pipeline run`")
    parser.add_argument("--weeks", type=int, default=26, help="weekly runs to replay, up to the as-of date")
    parser.add_argument("--model", action="append", choices=[spec.name for spec in MODELS],
                        help="only this model (repeatable); default every model")
    args = parser.parse_args()
    totals: dict[str, list[int]] = {}
    for home in map(Path, args.homes):
        world = json.loads((home / "ground_truth" / "world.json").read_text(encoding="utf-8"))["spec"]
        drift_at = date.fromisoformat(world["drift_at"]) if world["drift_at"] else None
        with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
            (as_of,) = con.execute("SELECT as_of_date FROM intermediate.int_as_of").fetchone()
            runs = [as_of - timedelta(weeks=k) for k in reversed(range(args.weeks))]
            print(f"{home}: seed {world['seed']}, {world['employees']:,} employees, drift "
                  f"{drift_at or 'none'}, weekly runs {runs[0]} .. {runs[-1]}")
            for spec in (s for s in MODELS if not args.model or s.name in args.model):
                began = time.perf_counter()
                verdicts = weekly_backtest(con, spec, runs)
                s = summarise(verdicts, drift_at)
                alarmed = " ".join(f"{v.run_date:%m-%d}" for v in verdicts if v.alarm) or "none"
                delay = "" if drift_at is None else (
                    f", delay {s.delay_weeks:g} weeks" if s.delay_weeks is not None else ", never detected")
                rate = "n/a" if s.false_alarm_rate is None else f"{s.false_alarm_rate:.0%}"
                print(f"  {spec.name}: {s.judged}/{s.runs} runs judged, {s.alarms} alarms{delay}, "
                      f"{s.alarms_before} before the event, false-alarm rate {rate} "
                      f"({time.perf_counter() - began:.0f} s)\n    alarms: {alarmed}")
                false, before = totals.setdefault(spec.name, [0, 0])
                totals[spec.name] = [false + s.alarms_before, before + s.judged_before]
    for name, (false, before) in totals.items():
        print(f"{name}: {false} false alarms in {before} judged runs without drift before them"
              + (f" ({false / before:.1%})" if before else ""))


if __name__ == "__main__":
    main()
