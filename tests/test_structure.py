"""The shape of the code, as its next maintainer reads it: modules small enough
to hold one concern, functions that fit on a screen, and imports in layers
(each part of the package above everything it imports, none reaching back up)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from tests.helpers import PROJECT_ROOT

SOURCE = PROJECT_ROOT / "src"
PACKAGES = ("fashion_mnist", "fashion_mnist_classifier")
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60
MAX_LAYERS = 5


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((SOURCE / package).rglob("*.py")):
            parts = path.relative_to(SOURCE).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _part(module: str) -> str:
    """The part of the package a module belongs to: the classifier package, a
    pipeline, a subpackage of fashion_mnist, or a module of its own."""
    names = module.split(".")
    if names[0] == "fashion_mnist_classifier":
        return "fashion_mnist_classifier"
    if len(names) == 1:
        return "fashion_mnist"
    if names[1] == "pipelines" and len(names) > 2:
        return ".".join(names[1:3])
    return names[1]


def _imports(module: str, path: Path) -> set[str]:
    """The project modules ``module`` imports (``from x import y`` counts ``x.y``
    when ``y`` is a module)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


@cache
def _graph() -> dict[str, set[str]]:
    modules = _modules()
    parts: dict[str, set[str]] = {}
    for module, path in modules.items():
        own = _part(module)
        targets = {_part(t) for t in _imports(module, path) if t in modules}
        parts.setdefault(own, set()).update(targets - {own})
    return parts


def _layer(part: str, graph: dict[str, set[str]], seen: tuple[str, ...] = ()) -> int:
    if part in seen:
        raise AssertionError(f"imports run in a circle: {' -> '.join((*seen, part))}")
    below = [_layer(other, graph, (*seen, part)) for other in graph[part]]
    return 1 + max(below, default=0)


def test_the_import_layers_form_no_circle_and_stay_few():
    graph = _graph()
    layers = {part: _layer(part, graph) for part in graph}
    assert max(layers.values()) <= MAX_LAYERS, sorted(
        layers.items(), key=lambda x: x[1]
    )
    # The base of the stack really is the base: these import no other part.
    for base in ("defaults", "stopping", "recipes", "performance", "cost"):
        assert graph[base] == set(), (base, graph[base])
    # Nothing below the registry imports a pipeline for a constant.
    assert "pipelines" not in graph["tracking"]


def test_the_layer_count_sees_a_circle_and_a_deep_stack():
    """The checker itself, on made-up graphs, so that it can fail."""
    with pytest.raises(AssertionError, match="circle"):
        _layer("a", {"a": {"b"}, "b": {"a"}})
    chain = {str(i): {str(i + 1)} for i in range(6)} | {"6": set()}
    assert _layer("0", chain) == 7


@pytest.mark.parametrize("module", sorted(_modules()))
def test_modules_and_functions_stay_small(module):
    path = _modules()[module]
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{path}: split it by concern"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if node.name == "create_pipeline":
                continue  # a node list reads best whole
            length = node.end_lineno - node.lineno + 1
            assert length <= MAX_FUNCTION_LINES, f"{path}:{node.lineno} {node.name}"
