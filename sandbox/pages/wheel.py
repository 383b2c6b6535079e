"""The wheel's geometry: each variant's interval of the 0-100 roll line as a slice of a circle."""

import math

RADIUS = 95


def _point(percent: float, radius: float = RADIUS) -> tuple[float, float]:
    """Return the point at `percent` of a turn, clockwise from the top."""
    angle = math.radians(percent * 3.6)
    return round(radius * math.sin(angle), 3), round(-radius * math.cos(angle), 3)


def wedge(start: float, end: float) -> str:
    """Return the SVG path of the slice from `start` to `end` percent of the turn."""
    if end - start >= 99.999:  # a whole turn: two half arcs (one arc cannot close on itself)
        arc = f"A {RADIUS} {RADIUS} 0 1 1"
        return f"M 0 {-RADIUS} {arc} 0 {RADIUS} {arc} 0 {-RADIUS} Z"
    (x1, y1), (x2, y2) = _point(start), _point(end)
    large = 1 if end - start > 50 else 0
    return f"M 0 0 L {x1} {y1} A {RADIUS} {RADIUS} 0 {large} 1 {x2} {y2} Z"


def label(start: float, end: float) -> tuple[float, float]:
    """Return where a slice's label goes: mid-slice, two thirds out."""
    return _point((start + end) / 2, RADIUS * 0.62)
