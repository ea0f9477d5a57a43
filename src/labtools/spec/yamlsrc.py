"""YAML documents read fast, with line numbers found only when an error needs one.

Lock files reach megabytes: PyYAML's C loader reads them in a fraction of the time
ruamel.yaml's round-trip loader takes. Checks run on the plain data; when one fails, the
:class:`YamlSource` re-reads the text with ruamel.yaml (which keeps positions) to name the
line of the offending key or item.
"""

from __future__ import annotations

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
