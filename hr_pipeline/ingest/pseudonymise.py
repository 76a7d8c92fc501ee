"""Personal data never enters the warehouse: an e-mail becomes a keyed hash, names are dropped.

The key is HMAC-SHA256 over the normalised address with the secret salt. Loading computes it in
DuckDB (a temporary macro, so the salt is never stored) from the HMAC definition,
SHA256((K xor opad) || SHA256((K xor ipad) || m)); `person_key` here is the reference it must equal.
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb

SALT_ENV = "HR_PIPELINE_SALT"
DEMO_SALT = "hr-feedback-loop-demo-salt-not-for-production"
_PADDING = " \t\r\n"
_BLOCK = 64  # SHA-256 block size in bytes


def person_key(email: str | None, salt: str) -> str | None:
    """HMAC-SHA256 of the normalised e-mail: stable across systems, useless without the salt."""
    if email is None:
        return None
    normalised = email.strip(_PADDING).lower()
    return hmac.new(salt.encode(), normalised.encode(), hashlib.sha256).hexdigest()


def register_person_key(con: duckdb.DuckDBPyConnection, salt: str) -> None:
    """Make `person_key(email)` callable in SQL on this connection, vectorised in DuckDB."""
    if not salt:
        raise ValueError(f"No salt: set {SALT_ENV} to a secret before loading personal data.")
    key = salt.encode()
    key = (hashlib.sha256(key).digest() if len(key) > _BLOCK else key).ljust(_BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in key).hex()
    outer = bytes(b ^ 0x5C for b in key).hex()
    normalised = f"encode(lower(trim(email, '{_PADDING}')))"
    con.execute(f"""CREATE OR REPLACE TEMP MACRO person_key(email) AS
        CASE WHEN email IS NOT NULL
             THEN sha256(from_hex('{outer}') || unhex(sha256(from_hex('{inner}') || {normalised}))) END""")
