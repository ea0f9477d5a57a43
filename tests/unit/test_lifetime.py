"""Lifetime: ``with`` starts and stops, and a start that fails half-way is stopped too."""

from __future__ import annotations

import pytest

from labtools.lifetime import Lifetime


class Thing(Lifetime[str]):
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.events: list[str] = []

    def start(self) -> str:
        self.events.append("start")
        if self.fail:
            raise RuntimeError("half-way")
        return "info"

    def stop(self) -> None:
        self.events.append("stop")


def test_with_returns_what_start_returns_and_stops_on_the_way_out() -> None:
    thing = Thing()
    with thing as info:
        assert info == "info" and thing.events == ["start"]
    assert thing.events == ["start", "stop"]


def test_a_failing_start_is_stopped_and_the_error_kept() -> None:
    thing = Thing(fail=True)
    with pytest.raises(RuntimeError, match="half-way"), thing:
        pass
    assert thing.events == ["start", "stop"]
