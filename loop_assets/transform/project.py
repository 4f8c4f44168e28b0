"""A model project: the .sql files of a folder, their YAML docs and sources, checked and in build order."""

import difflib
from dataclasses import dataclass
from pathlib import Path

from loop_assets.transform.compile import ModelCompiler
from loop_assets.transform.docs import ColumnDoc, DataTest, ModelDoc, SourceTable, read_schema_docs
from loop_assets.transform.errors import ModelError
from loop_assets.transform.graph import build_order, check_references
from loop_assets.transform.relation import MODEL_SCHEMA, Relation

MACRO_FOLDER = "macros"
MATERIALIZATIONS = ("view", "table", "incremental")
# Models directly in the project folder have no layer folder to name their group.
DEFAULT_LAYER = "default"


@dataclass(frozen=True)
class Model:
    """One SQL model: its file, layer, config and dependencies, with what its YAML says about it."""

    name: str
    path: Path
    layer: str
    config: dict
    refs: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]
    doc: ModelDoc | None

    @property
    def relation(self) -> Relation:
        """Where the model is built: `main.<file name>`."""
        return Relation(MODEL_SCHEMA, self.name)

    @property
    def materialized(self) -> str:
        """view (dbt's default), table or incremental."""
        return self.config.get("materialized", "view")

    @property
    def unique_key(self) -> tuple[str, ...]:
        """The columns an incremental model merges on; empty means append."""
        key = self.config.get("unique_key") or ()
        return (key,) if isinstance(key, str) else tuple(key)

    @property
    def description(self) -> str | None:
        """The YAML description."""
        return self.doc.description if self.doc else None

    @property
    def columns(self) -> dict[str, ColumnDoc]:
        """The YAML column docs and their data tests."""
        return self.doc.columns if self.doc else {}

    @property
    def tests(self) -> tuple[DataTest, ...]:
        """The model-level data tests from YAML."""
        return self.doc.tests if self.doc else ()


@dataclass(frozen=True)
class Project:
    """The parsed project; `compile()` renders a model's SQL for a build or for checks."""

    directory: Path
    models: dict[str, Model]
    sources: dict[tuple[str, str], SourceTable]
    compiler: ModelCompiler

    def compile(self, model_name: str, *, is_incremental: bool = False) -> str:
        """The model's SQL with its Jinja rendered (`is_incremental()` answers as given)."""
        model = self.models[model_name]
        template = model.path.relative_to(self.directory).as_posix()
        return self.compiler.render(template, this=model.relation, is_incremental=is_incremental).sql

    def asset_key_of(self, relation: Relation) -> tuple[str, ...] | None:
        """The Dagster asset key of a model or source table, found by where it lives."""
        # DuckDB (and sqlglot's DuckDB dialect) treat identifiers case-insensitively.
        wanted = (relation.schema.lower(), relation.identifier.lower())
        for model in self.models.values():
            if (model.relation.schema.lower(), model.name.lower()) == wanted:
                return (model.name,)
        for table in self.sources.values():
            if (table.relation.schema.lower(), table.relation.identifier.lower()) == wanted:
                return table.asset_key
        return None


def load_project(project_dir: Path, *, vars: dict | None = None) -> Project:
    """Parse every model and YAML file under `project_dir` (macros from its `macros/` folder)."""
    directory = Path(project_dir).resolve()
    if not directory.is_dir():
        raise ModelError(f"model project folder {directory} does not exist")
    model_paths, macro_files = _sql_files(directory)
    docs = read_schema_docs(sorted([*directory.rglob("*.yml"), *directory.rglob("*.yaml")]))
    _check_docs_name_models(docs.models, model_paths)
    compiler = ModelCompiler(directory, macro_files, docs.sources, dict(vars or {}))

    parsed = {}
    for name, path in model_paths.items():
        doc = docs.models.get(name)
        rendered = compiler.render(
            path.relative_to(directory).as_posix(), this=Relation(MODEL_SCHEMA, name), is_incremental=False
        )
        # dbt's precedence: config() in the file wins over config in YAML.
        config = {**(doc.config if doc else {}), **rendered.config}
        _check_config(config, path)
        relative = path.relative_to(directory)
        parsed[name] = Model(
            name=name,
            path=path,
            layer=relative.parts[0] if len(relative.parts) > 1 else DEFAULT_LAYER,
            config=config,
            refs=tuple(dict.fromkeys(rendered.refs)),
            sources=tuple(dict.fromkeys(rendered.sources)),
            doc=doc,
        )

    refs = {name: list(model.refs) for name, model in parsed.items()}
    check_references(
        model_paths, refs, {name: list(m.sources) for name, m in parsed.items()}, set(docs.sources)
    )
    ordered = {name: parsed[name] for name in build_order(refs, model_paths)}
    return Project(directory=directory, models=ordered, sources=docs.sources, compiler=compiler)


def _sql_files(directory: Path) -> tuple[dict[str, Path], list[str]]:
    models: dict[str, Path] = {}
    macros: list[str] = []
    for path in sorted(directory.rglob("*.sql")):
        relative = path.relative_to(directory)
        if relative.parts[0] == MACRO_FOLDER:
            macros.append(relative.as_posix())
            continue
        if path.stem in models:
            raise ModelError(f"two models are named '{path.stem}': {models[path.stem]} and {path}")
        models[path.stem] = path
    return models, macros


def _check_docs_name_models(model_docs: dict[str, ModelDoc], model_paths: dict[str, Path]) -> None:
    for name, doc in model_docs.items():
        if name not in model_paths:
            closest = difflib.get_close_matches(name, list(model_paths), n=3, cutoff=0.5)
            hint = f"closest: {', '.join(closest)}" if closest else "no model file has a similar name"
            raise ModelError(f"{doc.yml_path}: documents model '{name}' but there is no {name}.sql; {hint}")


def _check_config(config: dict, path: Path) -> None:
    if config.get("materialized", "view") not in MATERIALIZATIONS:
        raise ModelError(
            f"{path}: materialized={config['materialized']!r} is not supported; "
            f"use one of {', '.join(MATERIALIZATIONS)}"
        )
    key = config.get("unique_key")
    if key is not None and not (
        isinstance(key, str) or (isinstance(key, list) and all(isinstance(k, str) for k in key))
    ):
        raise ModelError(f"{path}: unique_key must be a column name or a list of names, not {key!r}")
