"""The model registry people can operate: versions, champion and challenger aliases, and an event log.

A version's row never changes once registered; who serves is the alias table (`champion`, `challenger`) and
why is the append-only event log. A version holding no alias is retired. Rollback replays the log, so repeated
rollbacks walk back through earlier champions instead of toggling between two. An artifact's content hash is
checked before it is loaded or put into service: a file changed after training is refused.

Pure DuckDB and hashlib: joblib is imported only by `load`.
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Iterator, Mapping

import duckdb

from hr_pipeline.settings import Policy

CHAMPION, CHALLENGER = "champion", "challenger"
EVENTS = ("trained", "became_champion", "became_challenger", "promoted", "rolled_back", "retired", "refused")
ACTORS = ("pipeline", "cli")
ARM_SALT = "challenger_arm"

DDL = f"""
CREATE SCHEMA IF NOT EXISTS ml;
CREATE TABLE IF NOT EXISTS ml.model_registry (
    model_name VARCHAR NOT NULL, version VARCHAR NOT NULL, trained_at TIMESTAMP,
    train_start TIMESTAMP, train_end TIMESTAMP, holdout_start TIMESTAMP, holdout_end TIMESTAMP,
    n_train BIGINT, n_holdout BIGINT, algorithm VARCHAR, holdout_auc DOUBLE, holdout_brier DOUBLE,
    metrics JSON, fairness JSON, fingerprint VARCHAR, code_version VARCHAR,
    artifact_path VARCHAR, artifact_sha256 VARCHAR, profile JSON, description VARCHAR);
CREATE TABLE IF NOT EXISTS ml.model_aliases (
    model_name VARCHAR NOT NULL, alias VARCHAR NOT NULL CHECK (alias IN ('{CHAMPION}', '{CHALLENGER}')),
    version VARCHAR NOT NULL, since TIMESTAMP);
CREATE SEQUENCE IF NOT EXISTS ml.model_event_ids;
CREATE TABLE IF NOT EXISTS ml.model_events (
    event_id BIGINT DEFAULT nextval('ml.model_event_ids'), logged_at TIMESTAMP, as_of DATE,
    model_name VARCHAR NOT NULL, version VARCHAR,
    event VARCHAR NOT NULL CHECK (event IN {EVENTS}), reason VARCHAR, figures JSON,
    actor VARCHAR NOT NULL CHECK (actor IN {ACTORS}));
"""

# The registry before aliases kept a `status` per row. Its versions were trained on other features, so they
# are kept as history (retired, without a content hash: they cannot be loaded) and the next run trains anew.
LEGACY = "model_registry_with_status"
MIGRATE = f"""
ALTER TABLE ml.model_registry RENAME TO {LEGACY};
{DDL}
INSERT INTO ml.model_registry
SELECT model_name, version, trained_at, train_start, train_end, holdout_start, holdout_end, n_train, n_holdout,
       NULL, holdout_auc, holdout_brier, json_extract(metadata, '$.metrics'), NULL, fingerprint, code_version,
       artifact_path, NULL, NULL, 'trained before the registry had aliases and content hashes'
FROM ml.{LEGACY};
INSERT INTO ml.model_events (logged_at, model_name, version, event, reason, actor)
SELECT now(), model_name, version, 'retired',
       'was ' || status || ' in the registry before aliases; trained on earlier features, so not served', 'pipeline'
FROM ml.{LEGACY};
DROP TABLE ml.{LEGACY};
"""


class RegistryError(ValueError):
    """A request the registry cannot carry out as asked (unknown version, nothing to roll back to...)."""


class TamperedArtifactError(RuntimeError):
    """A model file is missing or its content differs from what was registered."""

    def __init__(self, path: str, registered: str | None, found: str | None):
        if registered is None:
            problem = "has no registered content hash (trained before hashes were kept): retrain instead"
        elif found is None:
            problem = f"is missing (registered sha256 {registered})"
        else:
            problem = f"changed after training: sha256 {found}, registered {registered}"
        super().__init__(f"refusing model artifact {path}: it {problem}")


@dataclass(frozen=True)
class ModelVersion:
    """One row of `ml.model_registry`, JSON columns as dicts."""

    model_name: str
    version: str
    trained_at: datetime
    train_start: datetime
    train_end: datetime
    holdout_start: datetime
    holdout_end: datetime
    n_train: int
    n_holdout: int
    algorithm: str | None
    holdout_auc: float
    holdout_brier: float
    metrics: dict
    fairness: dict  # {"selection_rate": {attribute: {group: rate}}, "impact_ratio": {attribute: ratio | None}}
    fingerprint: str
    code_version: str
    artifact_path: str
    artifact_sha256: str | None
    profile: dict
    description: str | None


NAMES = tuple(f.name for f in fields(ModelVersion))
COLUMNS = ", ".join(NAMES)
QUALIFIED = ", ".join(f"r.{name}" for name in NAMES)  # read from ml.model_registry r
JSON_COLUMNS = {"metrics", "fairness", "profile"}


def _home(con: duckdb.DuckDBPyConnection) -> Path:
    """The folder of the warehouse file: artifact paths are stored relative to it, so a copied or moved home
    loads its own models."""
    (path,) = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0]
    return Path(path).resolve().parent if path else Path.cwd()  # an in-memory warehouse has no file


def _version(con: duckdb.DuckDBPyConnection, row) -> ModelVersion:
    values = {k: json.loads(v or "{}") if k in JSON_COLUMNS else v for k, v in zip(NAMES, row, strict=True)}
    values["artifact_path"] = str(_home(con) / values["artifact_path"])  # an absolute path stays as it is
    return ModelVersion(**values)


def _json(value) -> str:
    """JSON of figures that may hold numpy scalars or timestamps."""
    return json.dumps(value, default=lambda v: v.item() if hasattr(v, "item") else str(v))


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the registry tables, migrating a registry written before aliases once. Writes nothing when they
    exist, so a read-only connection (a BI tool, `models list`) can read the registry."""
    legacy, tables = con.execute("""
        SELECT count(*) FILTER (table_name = 'model_registry' AND column_name = 'status'),
               count(DISTINCT table_name) FILTER (table_name IN ('model_registry', 'model_aliases', 'model_events'))
        FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'ml'""").fetchall()[0]
    if legacy or tables < 3:
        con.execute(MIGRATE if legacy else DDL)


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All of one registry change or none of it: a version is never left without its events."""
    ensure_tables(con)
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def sha256(path: str | Path) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def verify(entry: ModelVersion) -> None:
    """Raise `TamperedArtifactError` unless the artifact is the file that was registered."""
    try:
        found = sha256(entry.artifact_path)
    except FileNotFoundError:
        found = None
    if entry.artifact_sha256 is None or found != entry.artifact_sha256:
        raise TamperedArtifactError(entry.artifact_path, entry.artifact_sha256, found)


def load(entry: ModelVersion):
    """The version's fitted pipeline, after checking that its file is the one registered."""
    import joblib

    verify(entry)
    return joblib.load(entry.artifact_path)


def log_event(con: duckdb.DuckDBPyConnection, model_name: str, version: str | None, event: str, reason: str,
              figures: Mapping | None = None, actor: str = "pipeline", as_of: date | None = None) -> None:
    """Append one event; `as_of` is the data date of the run that logged it (None from the command line)."""
    con.execute("""INSERT INTO ml.model_events (logged_at, as_of, model_name, version, event, reason, figures, actor)
                   VALUES (now(), ?, ?, ?, ?, ?, ?, ?)""",
                [as_of, model_name, version, event, reason, _json(figures) if figures else None, actor])


def _alias(con: duckdb.DuckDBPyConnection, model_name: str, alias: str) -> ModelVersion | None:
    row = con.execute(f"""SELECT {QUALIFIED}
                          FROM ml.model_aliases a JOIN ml.model_registry r USING (model_name, version)
                          WHERE a.model_name = ? AND a.alias = ?""", [model_name, alias]).fetchone()
    return _version(con, row) if row else None


def _set_alias(con: duckdb.DuckDBPyConnection, model_name: str, alias: str, version: str | None) -> None:
    con.execute("DELETE FROM ml.model_aliases WHERE model_name = ? AND alias = ?", [model_name, alias])
    if version:
        con.execute("INSERT INTO ml.model_aliases VALUES (?, ?, ?, now())", [model_name, alias, version])


def serving(con: duckdb.DuckDBPyConnection, model_name: str) -> tuple[ModelVersion | None, ModelVersion | None]:
    """(champion, challenger) of the model; either may be None."""
    ensure_tables(con)
    return _alias(con, model_name, CHAMPION), _alias(con, model_name, CHALLENGER)


def check_model(con: duckdb.DuckDBPyConnection, model_name: str) -> None:
    """Raise `RegistryError` naming the registered models unless `model_name` is one of them."""
    ensure_tables(con)
    names = [n for (n,) in con.execute("SELECT DISTINCT model_name FROM ml.model_registry ORDER BY 1").fetchall()]
    if model_name not in names:
        raise RegistryError(f"no model {model_name} in the registry (models: {', '.join(names) or 'none yet'})")


def get(con: duckdb.DuckDBPyConnection, model_name: str, version: str) -> ModelVersion:
    check_model(con, model_name)
    row = con.execute(f"SELECT {COLUMNS} FROM ml.model_registry WHERE model_name = ? AND version = ?",
                      [model_name, version]).fetchone()
    if row is None:
        known = [v for (v,) in con.execute("SELECT version FROM ml.model_registry WHERE model_name = ? "
                                           "ORDER BY trained_at", [model_name]).fetchall()]
        raise RegistryError(f"no version {version} of {model_name} in the registry (versions: {', '.join(known)})")
    return _version(con, row)


def versions(con: duckdb.DuckDBPyConnection, model_name: str | None = None) -> list[tuple[ModelVersion, str]]:
    """Every version (of one model, or all), oldest first, with its alias or 'retired' when it holds none."""
    ensure_tables(con)
    rows = con.execute(f"""SELECT {QUALIFIED}, coalesce(a.alias, 'retired')
                           FROM ml.model_registry r LEFT JOIN ml.model_aliases a USING (model_name, version)
                           WHERE $model IS NULL OR r.model_name = $model ORDER BY r.model_name, r.trained_at""",
                       {"model": model_name}).fetchall()
    return [(_version(con, row[:-1]), row[-1]) for row in rows]


def recent_events(con: duckdb.DuckDBPyConnection, model_name: str | None, limit: int) -> list[tuple]:
    """The last `limit` events, newest first: (logged_at, model_name, version, event, actor, reason)."""
    ensure_tables(con)
    return con.execute("""SELECT logged_at, model_name, version, event, actor, reason FROM ml.model_events
                          WHERE $model IS NULL OR model_name = $model ORDER BY event_id DESC LIMIT $limit""",
                       {"model": model_name, "limit": limit}).fetchall()


def find_by_fingerprint(con: duckdb.DuckDBPyConnection, model_name: str, fingerprint: str) -> ModelVersion | None:
    """The version trained on exactly this data, if any: the same data never makes a second version."""
    ensure_tables(con)
    row = con.execute(f"SELECT {COLUMNS} FROM ml.model_registry WHERE model_name = ? AND fingerprint = ?",
                      [model_name, fingerprint]).fetchone()
    return _version(con, row) if row else None


def next_version(con: duckdb.DuckDBPyConnection, model_name: str) -> str:
    """The name `register` will give the next version: name the artifact file with it."""
    ensure_tables(con)
    (n,) = con.execute("SELECT count(*) FROM ml.model_registry WHERE model_name = ?", [model_name]).fetchone()
    return f"{model_name}-v{n + 1}"


def register(con: duckdb.DuckDBPyConnection, model_name: str, trained, artifact_path: str | Path,
             fairness: Mapping, as_of: date, description: str = "") -> str:
    """Store a trained version (a `training.TrainedModel`) with its artifact's hash; returns its version.

    The first version serves as champion. A later one becomes the challenger and must win the evaluation
    to be promoted; an earlier challenger it replaces is retired. `as_of` is the data date of the run:
    the evaluation window is counted from it.
    """
    artifact = Path(artifact_path).resolve()
    stored = os.path.relpath(artifact, _home(con)) if artifact.is_relative_to(_home(con)) else str(artifact)
    with _transaction(con):
        version = next_version(con, model_name)
        con.execute(f"INSERT INTO ml.model_registry ({COLUMNS}) VALUES (?, ?, now(), {', '.join('?' * 17)})", [
            model_name, version, *trained.train_window, *trained.holdout_window, trained.n_train,
            trained.n_holdout, trained.algorithm, trained.metrics["holdout_auc"], trained.metrics["holdout_brier"],
            _json(trained.metrics), _json(fairness), trained.fingerprint, package_version("hr-pipeline"),
            stored, sha256(artifact), _json(trained.profile), description])
        figures = {k: trained.metrics[k] for k in ("holdout_auc", "holdout_brier")}
        log_event(con, model_name, version, "trained",
                  f"{trained.algorithm} on {trained.n_train} labelled rows, "
                  f"judged on {trained.n_holdout} held-out outcomes",
                  {**figures, "n_train": trained.n_train, "n_holdout": trained.n_holdout}, as_of=as_of)
        champion, challenger = serving(con, model_name)
        if champion is None:
            _set_alias(con, model_name, CHAMPION, version)
            log_event(con, model_name, version, "became_champion", "no champion was serving", figures, as_of=as_of)
            return version
        if challenger is not None:
            log_event(con, model_name, challenger.version, "retired",
                      f"replaced as challenger by {version} before its evaluation", as_of=as_of)
        _set_alias(con, model_name, CHALLENGER, version)
        log_event(con, model_name, version, "became_challenger", f"to be evaluated against {champion.version}",
                  figures, as_of=as_of)
    return version


def _check_artifact(con, entry: ModelVersion, action: str, actor: str, figures: Mapping | None,
                    as_of: date | None) -> None:
    """Refuse to put a tampered artifact into service, and keep the refusal on record."""
    try:
        verify(entry)
    except TamperedArtifactError as refused:
        log_event(con, entry.model_name, entry.version, "refused", f"{action}: {refused}", figures, actor, as_of)
        raise


def _make_champion(con, entry: ModelVersion) -> ModelVersion | None:
    """Move the champion alias to `entry` (off the challenger alias if it held it); returns the one replaced."""
    champion, challenger = serving(con, entry.model_name)
    if challenger is not None and challenger.version == entry.version:
        _set_alias(con, entry.model_name, CHALLENGER, None)
    _set_alias(con, entry.model_name, CHAMPION, entry.version)
    return champion


def promote(con: duckdb.DuckDBPyConnection, model_name: str, version: str, reason: str, actor: str,
            figures: Mapping | None = None, as_of: date | None = None) -> None:
    """Make `version` the champion; the champion it replaces is retired and stays on the rollback path."""
    entry = get(con, model_name, version)
    champion, _ = serving(con, model_name)
    if champion is not None and champion.version == version:
        raise RegistryError(f"{version} is already the champion of {model_name}")
    _check_artifact(con, entry, "promotion", actor, figures, as_of)
    with _transaction(con):
        replaced = _make_champion(con, entry)
        log_event(con, model_name, version, "promoted", reason, figures, actor, as_of)
        if replaced is not None:
            log_event(con, model_name, replaced.version, "retired", f"replaced as champion by {version}",
                      None, actor, as_of)


def champion_history(con: duckdb.DuckDBPyConnection, model_name: str) -> list[str]:
    """The champions in the order they took over, rolled-back ones removed: the last one serves."""
    ensure_tables(con)
    history: list[str] = []
    for version, event in con.execute("""SELECT version, event FROM ml.model_events
                                         WHERE model_name = ? AND event IN ('became_champion', 'promoted',
                                                                            'rolled_back')
                                         ORDER BY event_id""", [model_name]).fetchall():
        if event == "rolled_back":  # logged on the version rolled back; the restored one is not pushed again
            history.pop()
        else:
            history.append(version)
    return history


def rollback(con: duckdb.DuckDBPyConnection, model_name: str, reason: str, actor: str,
             as_of: date | None = None) -> str:
    """Restore the champion before the current one and retire the current one; returns the restored version."""
    history = champion_history(con, model_name)
    if len(history) < 2:
        raise RegistryError(f"{model_name} has no earlier champion to roll back to"
                            + (f" ({history[0]} is its only one)" if history else " (it has none)"))
    current, previous = history[-1], get(con, model_name, history[-2])
    figures = {"rolled_back": current, "restored": previous.version}
    _check_artifact(con, previous, "rollback", actor, figures, as_of)
    with _transaction(con):
        _make_champion(con, previous)
        log_event(con, model_name, current, "rolled_back", f"{previous.version} restored: {reason}", figures,
                  actor, as_of)
        log_event(con, model_name, current, "retired", f"rolled back to {previous.version}", None, actor, as_of)
    return previous.version


def draw(salt: str, key: str) -> float:
    """A uniform number in [0, 1) from a hash of the salt and the key (its columns joined by '|'): the same key
    always draws the same, and different salts (the challenger arm, the random sample) draw independently."""
    return int(hashlib.sha256(f"{salt}|{key}".encode()).hexdigest()[:8], 16) / 0x1_0000_0000


def arm(key: str, share: float) -> str:
    """Which arm serves this key: a stable `share` of keys goes to the challenger."""
    return CHALLENGER if draw(ARM_SALT, key) < share else CHAMPION


def decide(champion_figures: Mapping, challenger_figures: Mapping, policy: Policy) -> tuple[bool, str]:
    """Promote or not, from both versions' figures on the SAME matured holdout, and why.

    Figures: `auc` and `impact_ratio` ({protected attribute: ratio, None where undefined}). The challenger must
    win by `policy.promotion_margin` and have no impact ratio lower than the champion's.
    """
    gain = challenger_figures["auc"] - champion_figures["auc"]
    if gain < policy.promotion_margin:
        return False, (f"AUC {challenger_figures['auc']:.3f} against the champion's {champion_figures['auc']:.3f} on "
                       f"the same holdout: not better by the margin of {policy.promotion_margin:.3f}")
    for attribute, before in champion_figures["impact_ratio"].items():
        after = challenger_figures["impact_ratio"].get(attribute)
        if before is not None and (after is None or after < before):
            shown = "undefined" if after is None else f"{after:.3f}"
            return False, f"impact ratio for {attribute} would fall from {before:.3f} to {shown}"
    return True, (f"AUC {challenger_figures['auc']:.3f} against {champion_figures['auc']:.3f} on the same holdout "
                  f"(margin {policy.promotion_margin:.3f}) and no impact ratio lower")


def evaluation_due(con: duckdb.DuckDBPyConnection, model_name: str, as_of: date, policy: Policy) -> bool:
    """Whether the challenger has served `policy.evaluation_window_weeks` of data time by `as_of`."""
    ensure_tables(con)
    row = con.execute("""SELECT max(e.as_of) FROM ml.model_aliases a
                         JOIN ml.model_events e USING (model_name, version)
                         WHERE a.model_name = ? AND a.alias = 'challenger' AND e.event = 'became_challenger'""",
                      [model_name]).fetchone()
    return row[0] is not None and as_of >= row[0] + timedelta(weeks=policy.evaluation_window_weeks)


def conclude_evaluation(con: duckdb.DuckDBPyConnection, model_name: str, champion_figures: Mapping,
                        challenger_figures: Mapping, policy: Policy, as_of: date) -> tuple[bool, str]:
    """Promote the challenger or retire it, as `decide` says; the decision, figures and reason are logged."""
    promoted, reason = decide(champion_figures, challenger_figures, policy)
    _, challenger = serving(con, model_name)
    if challenger is None:
        raise RegistryError(f"{model_name} has no challenger to evaluate")
    figures = {"champion": dict(champion_figures), "challenger": dict(challenger_figures),
               "margin": policy.promotion_margin}
    if promoted:
        promote(con, model_name, challenger.version, reason, "pipeline", figures, as_of)
    else:
        with _transaction(con):
            log_event(con, model_name, challenger.version, "refused", reason, figures, as_of=as_of)
            _set_alias(con, model_name, CHALLENGER, None)
            log_event(con, model_name, challenger.version, "retired", "lost its evaluation", as_of=as_of)
    return promoted, reason
