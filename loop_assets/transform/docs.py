"""Model docs, data tests and sources from YAML files in dbt's schema.yml format."""

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from loop_assets.transform.errors import ModelError
from loop_assets.transform.relation import Relation


@dataclass(frozen=True)
class DataTest:
    """One dbt data test as written in YAML: `unique`, `accepted_values` with its arguments, ..."""

    name: str
    arguments: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ColumnDoc:
    """A documented column: its description and data tests."""

    name: str
    description: str | None
    tests: tuple[DataTest, ...]


@dataclass(frozen=True)
class ModelDoc:
    """What a YAML file says about one model."""

    name: str
    yml_path: Path
    description: str | None
    columns: dict[str, ColumnDoc]
    tests: tuple[DataTest, ...]
    config: dict


@dataclass(frozen=True)
class SourceTable:
    """A raw table declared as a dbt source, with the Dagster asset that produces it."""

    source_name: str
    name: str
    relation: Relation
    asset_key: tuple[str, ...]
    description: str | None
    columns: dict[str, ColumnDoc]
    tests: tuple[DataTest, ...]


@dataclass(frozen=True)
class SchemaDocs:
    """Every model doc and source table of a project, by model name and by (source, table)."""

    models: dict[str, ModelDoc]
    sources: dict[tuple[str, str], SourceTable]


def read_schema_docs(yml_paths: list[Path]) -> SchemaDocs:
    """Parse the project's YAML files; a duplicate model or source table names both files."""
    models: dict[str, ModelDoc] = {}
    sources: dict[tuple[str, str], SourceTable] = {}
    source_files: dict[tuple[str, str], Path] = {}
    for path in yml_paths:
        content = _load_yaml(path)
        for entry in content.get("models") or []:
            doc = _model_doc(entry, path)
            if doc.name in models:
                raise ModelError(
                    f"{path}: model '{doc.name}' is already documented in {models[doc.name].yml_path}"
                )
            models[doc.name] = doc
        for entry in content.get("sources") or []:
            for table in _source_tables(entry, path):
                key = (table.source_name, table.name)
                if key in sources:
                    raise ModelError(
                        f"{path}: source '{key[0]}' table '{key[1]}' is already declared in "
                        f"{source_files[key]}"
                    )
                sources[key] = table
                source_files[key] = path
    return SchemaDocs(models=models, sources=sources)


def _load_yaml(path: Path) -> dict:
    try:
        content = yaml.safe_load(path.read_text())
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else "?"
        raise ModelError(f"{path}:{line}: invalid YAML: {error.problem}") from error
    if content is None:
        return {}
    if not isinstance(content, dict):
        raise ModelError(f"{path}: expected a mapping with 'models' and/or 'sources' at the top")
    return content


def _model_doc(entry: dict, path: Path) -> ModelDoc:
    name = _required_name(entry, path, "model")
    return ModelDoc(
        name=name,
        yml_path=path,
        description=entry.get("description"),
        columns=_columns(entry, path),
        tests=_tests(entry, path),
        config=dict(entry.get("config") or {}),
    )


def _source_tables(entry: dict, path: Path) -> list[SourceTable]:
    source_name = _required_name(entry, path, "source")
    # dbt's default schema for a source is the source's own name.
    schema = entry.get("schema") or source_name
    tables = []
    for table in entry.get("tables") or []:
        name = _required_name(table, path, f"table of source '{source_name}'")
        identifier = table.get("identifier") or name
        asset_key = ((table.get("meta") or {}).get("dagster") or {}).get("asset_key") or [schema, identifier]
        tables.append(
            SourceTable(
                source_name=source_name,
                name=name,
                relation=Relation(schema, identifier),
                asset_key=tuple(asset_key),
                description=table.get("description"),
                columns=_columns(table, path),
                tests=_tests(table, path),
            )
        )
    return tables


def _columns(entry: dict, path: Path) -> dict[str, ColumnDoc]:
    columns = {}
    for column in entry.get("columns") or []:
        name = _required_name(column, path, f"column of '{entry['name']}'")
        columns[name] = ColumnDoc(name, column.get("description"), _tests(column, path))
    return columns


def _tests(entry: dict, path: Path) -> tuple[DataTest, ...]:
    # dbt 1.8 renamed `tests` to `data_tests`; projects use either.
    written = (entry.get("data_tests") or []) + (entry.get("tests") or [])
    return tuple(_data_test(test, path, entry["name"]) for test in written)


def _data_test(test: str | dict, path: Path, owner: str) -> DataTest:
    if isinstance(test, str):
        return DataTest(test)
    if isinstance(test, dict) and len(test) == 1:
        ((name, body),) = test.items()
        body = dict(body or {})
        config = body.pop("config", None) or {}
        # dbt 1.10 nests arguments under `arguments:`; older projects put them beside `config`.
        arguments = dict(body.pop("arguments", None) or {})
        arguments.update(body)
        return DataTest(name, arguments, config)
    raise ModelError(f"{path}: test {test!r} of '{owner}' is neither a name nor a one-key mapping")


def _required_name(entry: dict, path: Path, what: str) -> str:
    if not isinstance(entry, dict) or not entry.get("name"):
        raise ModelError(f"{path}: a {what} entry has no 'name': {entry!r}")
    return str(entry["name"])
