"""YAML data tests of the models as Dagster asset checks, validated by Great Expectations."""
