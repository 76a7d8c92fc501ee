"""Personal data never enters the warehouse: an e-mail becomes a keyed hash, names are dropped.

The key is HMAC-SHA256 over the normalised address with the secret salt. Loading computes it in
DuckDB (a temporary macro, so the salt is never stored) from the HMAC definition,
SHA256((K xor opad) || SHA256((K xor ipad) || m)); `person_key` here is the reference it must equal.

One warehouse, one salt: a second salt would give the same person a second key. The warehouse keeps
a keyed fingerprint of the salt (never the salt) and every later load must match it.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import duckdb

SALT_ENV = "HR_PIPELINE_SALT"
DEMO_SALT = "hr-feedback-loop-demo-salt-not-for-production"
GOVERNANCE_SCHEMA = "governance"  # privacy records of the warehouse itself: salt fingerprint, erasures
SALT_TABLE = f"{GOVERNANCE_SCHEMA}.salt_fingerprint"
_FINGERPRINT_LABEL = b"hr-pipeline salt fingerprint v1"
_PADDING = " \t\r\n"
_BLOCK = 64  # SHA-256 block size in bytes


def person_key(email: str | None, salt: str) -> str | None:
    """HMAC-SHA256 of the normalised e-mail: stable across systems, useless without the salt."""
    if email is None:
        return None
    normalised = email.strip(_PADDING).lower()
    return hmac.new(salt.encode(), normalised.encode(), hashlib.sha256).hexdigest()


class SaltMismatchError(ValueError):
    """The salt is not the one the warehouse's person keys were made with."""


def salt_fingerprint(salt: str) -> str:
    """HMAC-SHA256 of a fixed label keyed by the salt: recognises the salt, reveals nothing of it."""
    return hmac.new(salt.encode(), _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


def salt_problem(con: duckdb.DuckDBPyConnection, salt: str) -> str | None:
    """Why `salt` must not be used with this warehouse (one line), or None; a warehouse that has
    recorded no salt yet accepts any."""
    recorded = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                           SALT_TABLE.split(".")).fetchone()[0]
    row = con.execute(f"SELECT fingerprint FROM {SALT_TABLE}").fetchone() if recorded else None
    if row is None or row[0] == salt_fingerprint(salt):
        return None
    return (f"{SALT_ENV} is not the salt this warehouse's person keys were made with: set the original one again, "
            "or start a new home for a new salt (one warehouse keeps one salt, or people get two keys).")


def check_salt(warehouse: Path, salt: str) -> str | None:
    """`salt_problem` for a warehouse file before a run starts (None when there is no file yet)."""
    if not warehouse.exists():
        return None
    from hr_pipeline.resources import connect_waiting

    con = connect_waiting(warehouse, read_only=True)
    try:
        return salt_problem(con, salt)
    finally:
        con.close()


def claim_salt(con: duckdb.DuckDBPyConnection, salt: str) -> None:
    """Record the salt's fingerprint the first time, and refuse a different salt after that."""
    problem = salt_problem(con, salt)
    if problem:
        raise SaltMismatchError(problem)
    con.execute(f"""CREATE SCHEMA IF NOT EXISTS {GOVERNANCE_SCHEMA};
        CREATE TABLE IF NOT EXISTS {SALT_TABLE} (fingerprint VARCHAR, recorded_at TIMESTAMP)""")
    con.execute(f"INSERT INTO {SALT_TABLE} SELECT ?, now() WHERE NOT EXISTS (FROM {SALT_TABLE})",
                [salt_fingerprint(salt)])


def register_person_key(con: duckdb.DuckDBPyConnection, salt: str) -> None:
    """Make `person_key(email)` callable in SQL on this connection, vectorised in DuckDB, after
    checking the salt against the one the warehouse recorded (and recording it the first time)."""
    if not salt:
        raise ValueError(f"No salt: set {SALT_ENV} to a secret before loading personal data.")
    claim_salt(con, salt)
    key = salt.encode()
    key = (hashlib.sha256(key).digest() if len(key) > _BLOCK else key).ljust(_BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in key).hex()
    outer = bytes(b ^ 0x5C for b in key).hex()
    normalised = f"encode(lower(trim(email, '{_PADDING}')))"
    con.execute(f"""CREATE OR REPLACE TEMP MACRO person_key(email) AS
        CASE WHEN email IS NOT NULL
             THEN sha256(from_hex('{outer}') || unhex(sha256(from_hex('{inner}') || {normalised}))) END""")
