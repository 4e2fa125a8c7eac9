"""The serving snapshot: the writer that publishes the marts as a new read-only DuckDB file, the read-only pool the
API reads it through, and the audit and lineage queries copied into it. Plain Python: no Dagster, no FastAPI, so
the orchestration (which writes snapshots) and the API (which reads them) share it without importing each other."""
