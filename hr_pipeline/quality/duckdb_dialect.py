"""A SQLAlchemy dialect that lets Great Expectations run its SQL on the DuckDB warehouse.

GX 1.x supports DuckDB only through pandas, which would pull whole marts into memory. Its SQL
engine works with duckdb-engine but for two gaps (great_expectations issues #10738, #11579):

- GX closes each connection before it reads the result, and DuckDB results are lazy, so every
  metric came back empty. This dialect buffers a query's rows before the connection closes.
- GX drops the schema when it reflects a table's columns. This dialect sets DuckDB's
  `search_path` from the URL (`?search_path=marts,quality`) on every new connection.

URL: `duckdb+gx:///path/to/warehouse.duckdb?search_path=marts,quality&access_mode=read_only`.
"""

import duckdb_engine
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql.psycopg2 import PGExecutionContext_psycopg2
from sqlalchemy.engine.cursor import FullyBufferedCursorFetchStrategy

DRIVER = "duckdb.gx"


class BufferedExecutionContext(PGExecutionContext_psycopg2):
    def post_exec(self) -> None:
        super().post_exec()
        if self.cursor.description is not None:  # a query: read its rows while the connection is open
            self.cursor_fetch_strategy = FullyBufferedCursorFetchStrategy(self.cursor)


class GxDuckDBDialect(duckdb_engine.Dialect):
    execution_ctx_cls = BufferedExecutionContext
    supports_statement_cache = False  # as duckdb-engine's own; SQLAlchemy asks every subclass

    def connect(self, *cargs, **cparams):
        url_config = dict(cparams.get("url_config", {}))  # a copy: SQLAlchemy reuses cparams
        search_path = url_config.pop("search_path", None)
        connection = super().connect(*cargs, **{**cparams, "url_config": url_config})
        if search_path:
            connection.execute(f"SET search_path = '{search_path}'")
        return connection


registry.register(DRIVER, __name__, GxDuckDBDialect.__name__)
