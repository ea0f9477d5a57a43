"""The package's shape: dependencies point one way, and one module reads an env's records.

Read from the source with ``ast``, counting imports inside functions too: an import hidden
in a function is still a dependency.
"""

from __future__ import annotations

import ast
import itertools
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "labtools"
#: what the environment core may import: itself and the foundation
ENVS_MAY_IMPORT = {"envs", "process", "errors", "aio", "profile", "redact", "__init__"}
#: the only modules that may name the records folder
RECORDS_READERS = {"envs/prefix.py"}
RECORDS_WRITERS = ("channel/",)  # the channel builder writes packages' info, not envs


def unit_of(module: str) -> str:
    """``labtools.envs.prefix`` -> ``envs``; ``labtools`` (``__version__``) -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def import_graph() -> dict[str, dict[str, set[str]]]:
    """unit -> imported unit -> the files that import it (every import, any depth)."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        source = unit_of(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                    node.module.split(".")[0] == "labtools":
                targets = [node.module] if node.module != "labtools" else [
                    f"labtools.{a.name}" if a.name != "__version__" else "labtools"
                    for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("labtools.")]
            for target in targets:
                unit = unit_of(target)
                if unit != source:
                    graph[source][unit].add(str(path.relative_to(SRC)))
    return graph


def cycles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """Every elementary cycle's node list, found by depth-first search from each node."""
    found: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in graph.get(node, {}):
            if nxt == start:
                key = tuple(sorted(path))
                if key not in seen:
                    seen.add(key)
                    found.append([*path, start])
            elif nxt not in path and nxt > start:
                walk(start, nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, start, [start])
    return found


def test_no_import_cycle_between_subpackages() -> None:
    graph = import_graph()
    found = cycles(graph)
    detail = [" -> ".join(c) + "  (" + "; ".join(
        f"{a}->{b}: {sorted(graph[a][b])[0]}" for a, b in itertools.pairwise(c)) + ")"
        for c in found]
    assert not found, "import cycles:\n" + "\n".join(detail)


def test_the_environment_core_depends_only_on_the_foundation() -> None:
    graph = import_graph()
    extra = {unit: sorted(files) for unit, files in graph["envs"].items()
             if unit not in ENVS_MAY_IMPORT}
    assert not extra, f"envs imports features: {extra}"


def test_only_the_read_model_names_the_records_folder() -> None:
    naming = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                    if "conda-meta" in p.read_text(encoding="utf-8"))
    assert [p for p in naming if not p.startswith(RECORDS_WRITERS)] == sorted(RECORDS_READERS)


def test_the_checks_see_a_cycle_when_there_is_one() -> None:
    graph = {"a": {"b": {"a.py"}}, "b": {"c": {"b.py"}}, "c": {"a": {"c.py"}}, "d": {}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b": {"x"}}, "b": {}}) == []
