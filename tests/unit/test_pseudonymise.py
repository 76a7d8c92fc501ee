"""The person key computed in DuckDB is exactly HMAC-SHA256 of the normalised e-mail."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hr_pipeline.ingest.pseudonymise import person_key, register_person_key

local = st.text(alphabet=st.sampled_from("abcxyzABCXYZ0129._+-æøß"), min_size=1, max_size=20)
emails = st.builds(lambda pad1, name, domain, pad2: f"{pad1}{name}@{domain}.dk{pad2}", st.sampled_from(["", " ", "\t"]),
                   local, local, st.sampled_from(["", "  ", "\r\n"]))


@given(email=emails, salt=st.text(min_size=1, max_size=100))
def test_sql_key_equals_the_python_hmac(email, salt):
    con = duckdb.connect()
    register_person_key(con, salt)
    assert con.execute("SELECT person_key(?)", [email]).fetchall()[0][0] == person_key(email, salt)


def test_same_address_in_other_case_and_padding_gives_the_same_key_and_the_salt_matters():
    assert person_key(" Søren.Læsø@Example.DK ", "a") == person_key("søren.læsø@example.dk", "a")
    assert person_key("x@example.dk", "a") != person_key("x@example.dk", "b")


def test_no_salt_no_load():
    with pytest.raises(ValueError, match="HR_PIPELINE_SALT"):
        register_person_key(duckdb.connect(), "")
