"""Quoted DuckDB relation names: the one place where identifiers enter SQL text."""

from dataclasses import dataclass

MODEL_SCHEMA = "main"


def quote(identifier: str) -> str:
    """Quote an identifier for DuckDB, doubling embedded quotes."""
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True)
class Relation:
    """A schema-qualified table or view; renders as its quoted name, as `{{ ref() }}` does in dbt."""

    schema: str
    identifier: str

    @property
    def name(self) -> str:
        """dbt spells the table name both `identifier` and `name`."""
        return self.identifier

    def __str__(self) -> str:
        return f"{quote(self.schema)}.{quote(self.identifier)}"
