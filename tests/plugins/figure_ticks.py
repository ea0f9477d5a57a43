"""Readable ticks (issue 18, item 9): what is wrong with a matplotlib figure's tick labels.

:func:`tick_problems` draws the figure and lists, one line each, every tick label that
overlaps its neighbour on the same axis, reaches outside the figure, or is too small to
read. :func:`capture_figures` keeps every figure saved while it is active (the real
drawing code runs unchanged; only ``Figure.savefig`` is watched).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

MIN_POINTS = 6.0  # smaller tick labels are not readable on a phone
SLACK_PX = 0.5  # antialiasing: boxes that touch do not overlap


def _shown_labels(axis: Any) -> list[Any]:
    """The tick labels the last draw showed: in the view, visible, not empty."""
    low, high = sorted(axis.get_view_interval())
    shown = []
    for which in ("major", "minor"):
        locs = axis.get_majorticklocs() if which == "major" else axis.get_minorticklocs()
        ticks = (axis.get_major_ticks(len(locs)) if which == "major"
                 else axis.get_minor_ticks(len(locs)))
        for loc, tick in zip(locs, ticks, strict=True):
            if not low <= loc <= high:
                continue
            for label in (tick.label1, tick.label2):
                if label.get_visible() and label.get_text().strip():
                    shown.append(label)
    return shown


def _overlap(a: Bbox, b: Bbox) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > SLACK_PX
            and min(a.y1, b.y1) - max(a.y0, b.y0) > SLACK_PX)


def tick_problems(fig: Figure, name: str = "figure") -> list[str]:
    """Every tick label of *fig* that overlaps another, leaves the figure or is tiny."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    frame = fig.bbox
    problems = []
    for n, ax in enumerate(fig.axes):
        title = ax.get_title(loc="left") or ax.get_title() or f"axes {n}"
        for axis_name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            labels = _shown_labels(axis)
            boxes = [(label.get_text(), label.get_window_extent(renderer)) for label in labels]
            where = f"{name}, {title!r}, {axis_name} axis"
            for label, (text, box) in zip(labels, boxes, strict=True):
                if label.get_fontsize() < MIN_POINTS:
                    problems.append(f"{where}: tick {text!r} is {label.get_fontsize()} pt")
                if (box.x0 < frame.x0 - SLACK_PX or box.y0 < frame.y0 - SLACK_PX
                        or box.x1 > frame.x1 + SLACK_PX or box.y1 > frame.y1 + SLACK_PX):
                    problems.append(f"{where}: tick {text!r} leaves the figure ({box.bounds} "
                                    f"outside {frame.bounds})")
            for i, (text, box) in enumerate(boxes):
                for other, other_box in boxes[i + 1:]:
                    if _overlap(box, other_box):
                        problems.append(f"{where}: ticks {text!r} and {other!r} overlap")
    return problems


@contextmanager
def capture_figures() -> Iterator[list[Figure]]:
    """Every figure ``savefig`` is called on inside the block, in order."""
    saved: list[Figure] = []
    original = Figure.savefig

    def savefig(self: Figure, *args: Any, **kwargs: Any) -> Any:
        saved.append(self)
        return original(self, *args, **kwargs)

    Figure.savefig = savefig  # type: ignore[method-assign]
    try:
        yield saved
    finally:
        Figure.savefig = original  # type: ignore[method-assign]
