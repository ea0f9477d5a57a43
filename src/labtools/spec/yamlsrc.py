"""YAML documents read fast, with line numbers found only when an error needs one.

Lock files reach megabytes: PyYAML's C loader reads them in a fraction of the time
ruamel.yaml's round-trip loader takes. Checks run on the plain data; when one fails, the
:class:`YamlSource` re-reads the text with ruamel.yaml (which keeps positions) to name the
line of the offending key or item. :meth:`YamlSource.core_data` gives the same document
with YAML 1.2 core-schema typing and every other scalar's text kept as written (``1.10``
stays ``"1.10"``), from PyYAML's C composer: what a rewrite for another reader needs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from labtools.errors import SpecError

Path_ = Sequence[str | int]


def _syntax_error(exc: Exception, source: str) -> SpecError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else f"{source}:1"
    problem = (getattr(exc, "problem", None) or getattr(exc, "context", None)
               or "invalid YAML")
    return SpecError(f"{where}: {str(problem).strip()}", hint="fix the YAML syntax there")


_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False,
         "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")


def _core(node: Any) -> Any:
    """A composed node -> plain values, YAML 1.2 core schema, scalar text kept (pure)."""
    import yaml

    if isinstance(node, yaml.ScalarNode):
        text = str(node.value)
        if node.style:  # quoted or block scalar: a string as written (C: "" when plain)
            return text
        if text in _NULL:
            return None
        if text in _BOOL:
            return _BOOL[text]
        if _INT.match(text) and str(int(text)) == text.lstrip("+"):
            return int(text)
        return text
    if isinstance(node, yaml.SequenceNode):
        return [_core(item) for item in node.value]
    return {str(_core(key)): _core(value) for key, value in node.value}


class YamlSource:
    """One YAML text: ``data`` (plain Python values) and ``line(path)`` on demand."""

    def __init__(self, text: str, *, source: str) -> None:
        import yaml

        self.text = text
        self.source = source
        self._rt: Any = None
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            self.data: Any = yaml.load(text, Loader=loader)  # a safe loader (C when built)
        except yaml.YAMLError as exc:
            raise _syntax_error(exc, source) from None

    @property
    def roundtrip(self) -> Any:
        """The ruamel.yaml round-trip document (slow; loaded on first use)."""
        if self._rt is None:
            from ruamel.yaml import YAML
            from ruamel.yaml.error import YAMLError

            try:
                self._rt = YAML(typ="rt").load(self.text)
            except YAMLError as exc:
                raise _syntax_error(exc, self.source) from None
        return self._rt

    def core_data(self) -> Any:
        """The document as YAML 1.2 reads it, non-special plain scalars kept as their text."""
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            node = yaml.compose(self.text, Loader=loader)
        except yaml.YAMLError as exc:
            raise _syntax_error(exc, self.source) from None
        return None if node is None else _core(node)

    def line(self, path: Path_) -> int:
        """1-based line of the key or item at *path* (the deepest one that exists)."""
        node = self.roundtrip
        line = 1
        for key in path:
            lc = getattr(node, "lc", None)
            try:
                if lc is not None:
                    pos = lc.item(key) if isinstance(key, int) else lc.key(key)
                    line = int(pos[0]) + 1
                node = node[key]
            except (KeyError, IndexError, TypeError, AttributeError):
                break
        return line

    def where(self, path: Path_) -> str:
        return f"{self.source}:{self.line(path)}"
