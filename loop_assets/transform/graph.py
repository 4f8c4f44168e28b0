"""The model graph: refs and sources checked against what exists, and a build order without cycles."""

import difflib
from collections.abc import Mapping
from pathlib import Path

from loop_assets.transform.errors import ModelError


def check_references(
    model_files: Mapping[str, Path],
    refs: Mapping[str, list[str]],
    sources: Mapping[str, list[tuple[str, str]]],
    declared_sources: set[tuple[str, str]],
) -> None:
    """Fail on the first ref to an unknown model or undeclared source, naming the file and close names."""
    for model, path in model_files.items():
        for name in refs[model]:
            if name not in model_files:
                raise ModelError(
                    f"{path}: ref('{name}') names no model; {_closest(name, list(model_files))}"
                )
        for source in sources[model]:
            if source not in declared_sources:
                spelled = {f"source('{s}', '{t}')": (s, t) for s, t in declared_sources}
                raise ModelError(
                    f"{path}: source('{source[0]}', '{source[1]}') is not declared in any YAML file; "
                    f"{_closest(f'source({source[0]!r}, {source[1]!r})', list(spelled))}"
                )


def build_order(refs: Mapping[str, list[str]], model_files: Mapping[str, Path]) -> list[str]:
    """Models ordered so every model comes after the ones it refs; a cycle fails with its path."""
    order: list[str] = []
    done: set[str] = set()
    stack: list[str] = []

    def visit(model: str) -> None:
        if model in done:
            return
        if model in stack:
            cycle = stack[stack.index(model) :] + [model]
            files = ", ".join(str(model_files[name]) for name in cycle[:-1])
            raise ModelError(f"models ref each other in a cycle: {' -> '.join(cycle)} ({files})")
        stack.append(model)
        for upstream in sorted(set(refs[model])):
            visit(upstream)
        stack.pop()
        done.add(model)
        order.append(model)

    for model in sorted(refs):
        visit(model)
    return order


def _closest(name: str, candidates: list[str]) -> str:
    matches = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
    if matches:
        return "closest: " + ", ".join(matches)
    return "known: " + (", ".join(sorted(candidates)[:20]) or "none")
