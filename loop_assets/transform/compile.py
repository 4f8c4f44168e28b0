"""Render a model's Jinja as dbt does: ref, source, config, var, is_incremental, this and macros."""

from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from loop_assets.transform.docs import SourceTable
from loop_assets.transform.errors import ModelError
from loop_assets.transform.relation import MODEL_SCHEMA, Relation

_NO_DEFAULT = object()


@dataclass
class Rendered:
    """A model's compiled SQL and what its Jinja called: refs, sources and config."""

    sql: str
    refs: list[str] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    config: dict = field(default_factory=dict)


class ModelCompiler:
    """Renders the templates of one project folder; Jinja compiles each template once and reuses it."""

    def __init__(
        self,
        project_dir: Path,
        macro_files: list[str],
        sources: dict[tuple[str, str], SourceTable],
        vars: dict,
    ):
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(project_dir)),
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.do"],
        )
        self._project_dir = project_dir
        self._macro_files = macro_files
        self._sources = sources
        self._vars = vars

    def render(self, template_name: str, *, this: Relation, is_incremental: bool) -> Rendered:
        """Render one model file (a path relative to the project folder) into SQL."""
        rendered = Rendered(sql="")
        namespace = self._namespace(rendered, this, is_incremental)
        try:
            for macro_file in self._macro_files:
                # A shared namespace lets macros call ref(), var() and each other across files.
                module = self._env.get_template(macro_file).make_module(namespace, shared=True)
                namespace.update({k: v for k, v in vars(module).items() if not k.startswith("_")})
            rendered.sql = self._env.get_template(template_name).render(namespace)
        except jinja2.TemplateSyntaxError as error:
            raise ModelError(f"{error.filename}:{error.lineno}: Jinja syntax error: {error.message}") from error
        except Exception as error:
            where = _template_location(error, self._project_dir) or str(self._project_dir / template_name)
            raise ModelError(f"{where}: Jinja error: {error}") from error
        return rendered

    def _namespace(self, rendered: Rendered, this: Relation, is_incremental: bool) -> dict:
        def ref(model_name: str) -> Relation:
            rendered.refs.append(model_name)
            return Relation(MODEL_SCHEMA, model_name)

        def source(source_name: str, table_name: str) -> Relation:
            rendered.sources.append((source_name, table_name))
            declared = self._sources.get((source_name, table_name))
            # An undeclared source is reported by the graph check, with the closest names.
            return declared.relation if declared else Relation(source_name, table_name)

        def config(**settings) -> str:
            rendered.config.update(settings)
            return ""

        def var(name: str, default=_NO_DEFAULT):
            if name in self._vars:
                return self._vars[name]
            if default is _NO_DEFAULT:
                raise ModelError(
                    f"var '{name}' has no value: pass vars={{'{name}': ...}} to build_model_assets() "
                    f"or give a default, var('{name}', default)"
                )
            return default

        return {
            "ref": ref,
            "source": source,
            "config": config,
            "var": var,
            "is_incremental": lambda: is_incremental,
            "this": this,
        }


def _template_location(error: Exception, project_dir: Path) -> str | None:
    """The innermost template file and line in the traceback (Jinja rewrites frames to template lines)."""
    location = None
    traceback = error.__traceback__
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.endswith(".sql") and Path(filename).is_relative_to(project_dir):
            location = f"{filename}:{traceback.tb_lineno}"
        traceback = traceback.tb_next
    return location
