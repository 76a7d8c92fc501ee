"""Quality gate: validate warehouse tables against the Great Expectations suites in `expectations/`.

Each suite (GX 1.x JSON) names its table in `meta.table`; each expectation carries GX's own
`severity` (`critical` blocks everything downstream, `warning` only warns) and a `meta.class`
(completeness, validity, uniqueness, consistency, freshness, feedback) that names it in reports.
GX runs its metrics as SQL inside DuckDB (see `duckdb_dialect`), so no table is pulled into pandas.
Great Expectations is imported inside `run_suites` only: it takes seconds to import, and the
Dagster code location imports this module when it loads.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hr_pipeline.settings import DuckDBLimits

BLOCKING = "critical"
WARNING = "warning"
DATA_DOCS = "data_docs"
# Validation results the Data Docs index lists, newest first: about a year of weekly gate runs of every suite.
# Each build reads every result it lists, so an unbounded index would make each run slower than the last;
# older pages stay on disk, and quality.dq_results keeps the whole history.
DATA_DOCS_LISTED_RESULTS = 400


@dataclass(frozen=True)
class ExpectationResult:
    """One expectation's outcome, as a number against a bound.

    For row-wise expectations `observed` is the share of rows that met it (of non-null rows, except
    for completeness), compared with GX's `mostly`; for aggregate ones (row count, a column's
    maximum or minimum) it is GX's observed value, compared with the bound the suite sets.
    """

    expectation: str
    column: str | None
    kind: str
    severity: str
    observed: float
    threshold: float
    upper_bound: bool
    success: bool
    error: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == BLOCKING

    @property
    def label(self) -> str:
        return f"{self.column or 'row count'} {self.kind}"

    def line(self) -> str:
        """E.g. 'years_experience completeness 0.902 < 0.95 FAILED', 'timetracking freshness 21 > 8 FAILED'."""
        if self.error:
            return f"{self.label} could not be computed ({self.error}) FAILED"
        relations = ("<=", ">") if self.upper_bound else (">=", "<")
        relation, verdict = (relations[0], "ok") if self.success else (relations[1], "FAILED")
        return f"{self.label} {self.observed:.3g} {relation} {self.threshold:g} {verdict}"


@dataclass(frozen=True)
class GateResult:
    table: str
    results: list[ExpectationResult]

    def of(self, blocking: bool) -> list[ExpectationResult]:
        return [result for result in self.results if result.blocking == blocking]

    def passed(self, blocking: bool) -> bool:
        return all(result.success for result in self.of(blocking))

    @property
    def failures(self) -> list[ExpectationResult]:
        return [result for result in self.results if not result.success]

    def as_metadata(self, blocking: bool) -> dict[str, str | float]:
        """Counts plus one readable line per expectation, for Dagster asset-check metadata."""
        results = self.of(blocking)
        return {
            "table": self.table,
            "expectations": len(results),
            "failed": sum(not result.success for result in results),
            **{result.label: result.line() for result in results},
        }


def load_suite(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def severities(suite: dict[str, Any]) -> set[str]:
    return {expectation.get("severity", BLOCKING) for expectation in suite["expectations"]}


def run_suites(warehouse: Path, suites: list[dict[str, Any]], reports_dir: Path,
               parameters: dict[str, Any]) -> list[GateResult]:
    """Validate each suite's table in one GX checkpoint; the run is kept under `reports_dir` and
    GX's Data Docs (`reports_dir/data_docs/index.html`) are rebuilt with it.

    `parameters` fill the suites' `{"$PARAMETER": name}` values (e.g. the as-of date).
    """
    import great_expectations as gx
    from sqlalchemy.pool import NullPool

    from hr_pipeline.quality.duckdb_dialect import DRIVER

    schemas = ",".join(sorted({suite["meta"]["table"].split(".")[0] for suite in suites}))
    # Within DuckDBLimits, hash tables (uniqueness over millions of keys) spill to disk instead of growing the process.
    limits = "&".join(f"{name}={value}" for name, value in DuckDBLimits.from_env().config().items())
    context = _context(reports_dir)
    datasource = context.data_sources.add_or_update_sql(
        "warehouse",
        connection_string=f"{DRIVER.replace('.', '+')}:///{warehouse}?search_path={schemas}&access_mode=read_only"
                          f"&{limits}&temp_directory={reports_dir / 'great_expectations' / 'spill'}",
        kwargs={"poolclass": NullPool},  # no connection outlives a query: the file is free for dbt after
    )
    definitions = []
    for suite in suites:
        batch = datasource.add_table_asset(suite["meta"]["table"], table_name=suite["meta"]["table"].split(".")[1]) \
            .add_batch_definition_whole_table("whole table")  # the schema comes from the search path
        definitions.append(context.validation_definitions.add_or_update(gx.ValidationDefinition(
            name=suite["name"], data=batch, suite=context.suites.add_or_update(gx.ExpectationSuite(**suite)))))
    checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(  # one per suite set: stored ones name their assets
        name="gate_" + "_".join(suite["name"] for suite in suites), validation_definitions=definitions,
        result_format="SUMMARY",
        actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")]))
    outcome = checkpoint.run(expectation_parameters=parameters)
    tables = {suite["name"]: suite["meta"]["table"] for suite in suites}
    return [GateResult(table=tables[run.suite_name], results=[_expectation_result(r) for r in run.results])
            for run in outcome.run_results.values()]


def _context(reports_dir: Path):
    """An in-process GX context whose stores and Data Docs are files under the reports folder, so
    the Data Docs index lists the runs before this one too, not only the latest."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        FilesystemStoreBackendDefaults,
        ProgressBarsConfig,
    )

    root = reports_dir / "great_expectations"
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(reports_dir / DATA_DOCS)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder",
                               "validation_results_limit": DATA_DOCS_LISTED_RESULTS},
    }
    config = DataContextConfig(
        store_backend_defaults=FilesystemStoreBackendDefaults(root_directory=str(root)),
        data_docs_sites={"local_site": site},
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _expectation_result(result: Any) -> ExpectationResult:
    config = result.expectation_config
    kwargs = config.kwargs
    upper_bound = "mostly" not in kwargs and kwargs.get("max_value") is not None and kwargs.get("min_value") is None
    if "observed_value" in result.result:  # an aggregate: compare the value with the bound
        observed = result.result["observed_value"]
        threshold = kwargs["max_value"] if upper_bound else kwargs.get("min_value")
    else:  # row-wise: the share of rows that met it; no rows to judge gives None
        unexpected = result.result.get("unexpected_percent")
        observed = None if unexpected is None else 1 - unexpected / 100
        threshold = kwargs.get("mostly", 1.0)
    errors = [info.get("exception_message") for info in (result.exception_info or {}).values()
              if isinstance(info, dict) and info.get("raised_exception")]
    return ExpectationResult(
        expectation=config.type,
        column=kwargs.get("column") or ", ".join(kwargs.get("column_list", [])) or None,
        kind=(config.meta or {}).get("class", config.type),
        severity=str(getattr(config.severity, "value", config.severity) or BLOCKING),
        observed=math.nan if observed is None else float(observed),
        threshold=float(threshold),
        upper_bound=upper_bound,
        success=bool(result.success),
        error=errors[0].splitlines()[0] if errors else None,
    )
