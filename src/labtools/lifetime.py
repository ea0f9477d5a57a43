"""Things that start and stop (a loopback SSH host, a test Slurm cluster) as context managers.

``with Thing(...) as info:`` calls ``start()`` and returns what it returns; ``stop()`` runs on
the way out, and also when ``start()`` itself fails half-way (nothing is left running).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Generic, TypeVar

InfoT = TypeVar("InfoT")


class Lifetime(ABC, Generic[InfoT]):
    """``start()`` returns how to reach the thing; ``stop()`` may run at any point."""

    @abstractmethod
    def start(self) -> InfoT: ...

    @abstractmethod
    def stop(self) -> None: ...

    def __enter__(self) -> InfoT:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None,
                                   TracebackType | None]) -> None:
        self.stop()
