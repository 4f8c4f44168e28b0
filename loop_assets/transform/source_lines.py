"""Point a DuckDB error in compiled SQL back at the model file line that produced it."""

import difflib
import re

from loop_assets.transform.errors import ModelError

_DUCKDB_LINE = re.compile(r"\n\s*LINE (\d+):")


def source_line(source: str, compiled: str, compiled_line: int) -> int:
    """The 1-based model file line behind a 1-based compiled line, by aligning the two texts."""
    source_lines = [line.strip() for line in source.splitlines()]
    compiled_lines = [line.strip() for line in compiled.splitlines()]
    target = compiled_line - 1
    matcher = difflib.SequenceMatcher(None, source_lines, compiled_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if not j1 <= target < j2:
            continue
        if tag == "equal":
            return i1 + (target - j1) + 1
        if tag == "replace":
            # A Jinja expression rewrote these lines: pair them in order, extra output to the last.
            return i1 + min(target - j1, i2 - i1 - 1) + 1
        # Lines Jinja added (a loop or a macro) come from the statement just before them.
        return max(i1, 1)
    return max(len(source_lines), 1)


def model_sql_error(model_path, source: str, compiled: str, error: Exception, lines_before: int) -> ModelError:
    """A ModelError naming the model file, its line and DuckDB's message.

    `lines_before` counts the lines the builder put in front of the compiled SQL in the statement.
    """
    message = str(error)
    found = _DUCKDB_LINE.search(message)
    if not found:
        return ModelError(f"{model_path}: DuckDB could not build the model: {message}")
    compiled_line = int(found.group(1)) - lines_before
    line = source_line(source, compiled, compiled_line)
    duckdb_message = message[: found.start()].strip()
    text = source.splitlines()[line - 1].strip() if source.strip() else ""
    return ModelError(
        f"{model_path}:{line}: DuckDB could not build the model: {duckdb_message}\n"
        f"    {text}\n"
        f"(line {compiled_line} of the compiled SQL)"
    )
