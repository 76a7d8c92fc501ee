"""The console of `hr-pipeline run` and `demo`: one line per phase with its time, read from the run's
Dagster event stream, and a heartbeat so that no phase is silent for long. The full Dagster and dbt
log goes to a file; `--verbose` shows it instead."""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Iterator, TextIO

import dagster as dg

from hr_pipeline.quality.checks import CHECKS, GATE_STEP
from hr_pipeline.quality.gx_gate import BLOCKING, WARNING

HEARTBEAT_SECONDS = 10  # longest silence in a phase; on a terminal the status line is redrawn every second
QUIET_HEARTBEAT_SECONDS = 60  # into a file or pipe, a heartbeat that says nothing new waits this long
CLEAR_LINE = "\r\033[K"
GATE_PHASE = "quality gate"
# Phase of each step; ingest steps are `ingest <system>`.
PHASES = {
    "warehouse_models": "dbt warehouse build",
    "ml__review_queue": "routing",
    "ml__score_explanations": "scoring",
    "ml__attrition_high_risk": "scoring",
    "ml__attrition_early_warnings": "scoring",
    "review_models": "reviews",
    "reviews__review_report": "review report",
    "warehouse__bi_exports": "exports",
    "outbox__ats_recommendations": "outbox",
    "warehouse__dbt_docs": "docs",
}
DBT_PHASES = (PHASES["warehouse_models"], PHASES["review_models"])
INGEST_COUNTS = ("files_loaded", "rows_loaded", "rows_quarantined", "files_quarantined")


def phase_of(step_key: str) -> str:
    if step_key.startswith("ingest_"):
        return f"ingest {step_key.removeprefix('ingest_')}"
    if step_key == GATE_STEP:
        return GATE_PHASE
    if step_key.startswith("ml__") and "_model" in step_key:  # training and the checks on its versions
        return "models"
    if step_key.endswith("_scores"):
        return "scoring"
    if step_key.startswith("monitoring__"):  # drift, estimated performance, the fairness audit and its check
        return "monitoring"
    return PHASES.get(step_key, step_key.replace("__", "/"))


def failed_expectations(evaluations: list, severity: str) -> int:
    """Failed expectations in the gate's checks of one severity."""
    return sum(int(e.metadata["failed"].value) for e in evaluations
               if e.asset_check_key.name == CHECKS[severity][0] and not e.passed and "failed" in e.metadata)


def gate_verdict(evaluations: list) -> str:
    """E.g. 'passed (5 suites, 0 blocking failures, 2 warnings)'; counts are failed expectations."""
    suites = {e.asset_key for e in evaluations if e.asset_check_key.name in (CHECKS[BLOCKING][0], CHECKS[WARNING][0])}
    blocking, warnings = failed_expectations(evaluations, BLOCKING), failed_expectations(evaluations, WARNING)
    counts = f"{len(suites)} suites, {blocking} blocking failures, {warnings} warnings"
    return f"BLOCKED ({counts}): nothing downstream ran" if blocking else f"passed ({counts})"


class Progress:
    """Listens to a run's events (`DagsterInstance.add_event_listener`) and says when a phase ends."""

    def __init__(self, out: TextIO, err: TextIO):
        self.out, self.err = out, err
        self.live = out.isatty()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.phase: str | None = None
        self.ingest_totals = dict.fromkeys(INGEST_COUNTS, 0)  # over every ingest phase of the run
        self.gate_evaluations: list = []
        self._start()

    def _start(self, phase: str | None = None) -> None:
        self.phase, self._since, self._last_line, self.hint = phase, time.monotonic(), time.monotonic(), ""
        self.materialized: list[dict] = []
        self.evaluations: list = []
        self.failed = False

    def say(self, line: str, error: bool = False) -> None:
        """Print to the console (stderr with `error`), even while the libraries' output goes to the log."""
        with self._lock:
            if self.live:
                print(CLEAR_LINE, end="", file=self.out, flush=True)
            print(line, file=self.err if error else self.out, flush=True)
            self._last_line = time.monotonic()

    def on_event(self, entry) -> None:
        event = entry.dagster_event
        if event is None:
            if entry.user_message and entry.level == logging.INFO:
                self.hint = entry.user_message
            return
        if event.is_step_start and phase_of(event.step_key) != self.phase:
            self.end_phase()
            self._start(phase_of(event.step_key))
        elif event.is_step_materialization:
            metadata = event.step_materialization_data.materialization.metadata
            self.materialized.append({k: v.value for k, v in metadata.items()})
            self.hint = f"{len(self.materialized)} tables built"
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            self.evaluations.append(event.asset_check_evaluation_data)
            if self.phase == GATE_PHASE:
                self.gate_evaluations.append(event.asset_check_evaluation_data)
        elif event.is_step_failure:
            self.failed = True
        elif event.is_job_success or event.is_job_failure:
            self.end_phase()
            self._start()

    def end_phase(self) -> None:
        if self.phase is None:
            return
        if self.phase.startswith("ingest "):
            counts = self._ingest_counts()
            self.ingest_totals = {key: self.ingest_totals[key] + counts[key] for key in INGEST_COUNTS}
        self.say(f"{self.phase}: {self._summary()} ({time.monotonic() - self._since:.0f} s)")

    def _summary(self) -> str:
        if self.phase == GATE_PHASE:
            return gate_verdict(self.gate_evaluations)
        if self.failed:
            return "FAILED"
        if self.phase.startswith("ingest "):
            n = self._ingest_counts()
            return (f"{n['files_loaded']} files, {n['rows_loaded']} new rows; quarantined "
                    f"{n['rows_quarantined']} rows and {n['files_quarantined']} files")
        warned = sum(not e.passed for e in self.evaluations)
        checks = f", {warned} of {len(self.evaluations)} dbt tests warn" if self.evaluations else ""
        return f"{len(self.materialized)} tables{checks}" if self.phase in DBT_PHASES else "done"

    def _ingest_counts(self) -> dict[str, int]:
        return {key: sum(int(m.get(key) or 0) for m in self.materialized) for key in INGEST_COUNTS}

    @property
    def quality_warnings(self) -> int:
        return failed_expectations(self.gate_evaluations, WARNING)

    def log_hint(self, record: logging.LogRecord) -> None:
        self.hint = record.getMessage()

    def _heartbeat(self) -> None:
        """A terminal gets a status line redrawn in place; a file or pipe a new line when the phase has been
        silent a while and has news (or, without news, after a longer while), so the line count stays small."""
        said = ""
        while not self._stopped.wait(1):
            if not self.phase:
                continue
            line = f"  {self.phase}: {self.hint or 'running'} ({time.monotonic() - self._since:.0f} s)"
            if self.live:
                with self._lock:
                    print(f"{CLEAR_LINE}{line[:150]}", end="", file=self.out, flush=True)
                continue
            silent = time.monotonic() - self._last_line
            if silent >= QUIET_HEARTBEAT_SECONDS or (silent >= HEARTBEAT_SECONDS and self.hint != said):
                said = self.hint
                self.say(line)

    @contextmanager
    def heartbeat(self) -> Iterator[None]:
        thread = threading.Thread(target=self._heartbeat, daemon=True, name="hr-pipeline-heartbeat")
        thread.start()
        try:
            yield
        finally:
            self._stopped.set()
            thread.join()


class _Hints(logging.Handler):
    def __init__(self, progress: Progress):
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        self.progress.log_hint(record)


def _stream_handler(stream: TextIO, level: int, detailed: bool) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.setLevel(level)
    if detailed:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return handler


@contextmanager
def console(verbose: bool, log_file: Path) -> Iterator[Progress]:
    """Without `verbose`, everything Dagster, dbt and the libraries print goes to `log_file` (rewritten each
    run); the console gets the phase lines and our own warnings (e.g. waiting for the warehouse lock)."""
    progress = Progress(sys.stdout, sys.stderr)
    ours = logging.getLogger("hr_pipeline")
    ours.setLevel(logging.INFO)
    with contextlib.ExitStack() as stack:
        if verbose:
            handlers = [_stream_handler(sys.stderr, logging.INFO, detailed=True)]
        else:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            log = stack.enter_context(open(log_file, "w", encoding="utf-8"))
            handlers = [_stream_handler(sys.stderr, logging.WARNING, detailed=False),
                        _stream_handler(log, logging.INFO, detailed=True)]
            stack.enter_context(redirect_stdout(log))
            stack.enter_context(redirect_stderr(log))
        for handler in (*handlers, _Hints(progress)):
            ours.addHandler(handler)
            stack.callback(ours.removeHandler, handler)
        stack.enter_context(progress.heartbeat())
        yield progress
