"""Personal data never enters the warehouse: an e-mail becomes a keyed hash, names are dropped."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pyarrow as pa

SALT_ENV = "HR_PIPELINE_SALT"
DEMO_SALT = "hr-feedback-loop-demo-salt-not-for-production"


def person_key(email: str | None, salt: str) -> str | None:
    """HMAC-SHA256 of the normalised e-mail: stable across systems, useless without the salt."""
    if email is None:
        return None
    normalised = email.strip().lower()
    return hmac.new(salt.encode(), normalised.encode(), hashlib.sha256).hexdigest()


def register_person_key(con: duckdb.DuckDBPyConnection, salt: str) -> None:
    """Make `person_key(email)` callable in SQL, vectorised over Arrow chunks."""
    if not salt:
        raise ValueError(f"No salt: set {SALT_ENV} to a secret before loading personal data.")

    def _keys(emails: pa.Array) -> pa.Array:
        return pa.array([person_key(e, salt) for e in emails.to_pylist()], type=pa.string())

    try:  # re-registering replaces the salt of an earlier load on this connection
        con.remove_function("person_key")
    except duckdb.InvalidInputException:
        pass
    con.create_function("person_key", _keys, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR"),
                        type="arrow", null_handling="special", side_effects=False)
