"""The benchmark suite: loop beside dlt and dbt-duckdb on the same sandbox data (`-m loop_assets_tests.benchmarks`)."""
