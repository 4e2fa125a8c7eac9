"""Statistics for the marts, as plain Python (no Dagster imports): unit-testable alone, and importable by dbt
Python models, Dagster assets and the API alike. See docs/methods.md for what each method means."""
