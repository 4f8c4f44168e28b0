"""The dbt-style loader: SQL models with Jinja and YAML docs, built in DuckDB as Dagster assets."""
