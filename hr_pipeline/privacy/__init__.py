"""GDPR duties of the warehouse: erasure of a person, retention of raw versions, owner-only files.

Plain functions over a DuckDB connection and the home's folders, so they run (and are tested)
without Dagster; `hr-pipeline erase` and `hr-pipeline retention` are thin shells over them.
"""
