"""One measured number, and the Markdown table that `bench.run` prints.

No number carries a pass or fail: times depend on the machine and how busy it is. Comparisons are made
as ratios of medians over alternated rounds (bench/end_to_end.py, bench/transport.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    name: str
    value: float
    unit: str
    note: str = ""


def info(name: str, value: float, unit: str, note: str = "") -> Row:
    return Row(name, value, unit, note)


def table(rows: Sequence[Row]) -> str:
    """A Markdown table, readable in a terminal and pasteable into docs/performance.md."""
    head = ("measure", "value", "note")
    body = [(r.name, f"{_number(r.value)} {r.unit}", r.note) for r in rows]
    widths = [max(len(cells[i]) for cells in (head, *body)) for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    rule = "| " + " | ".join("-" * width for width in widths) + " |"
    return "\n".join([line(head), rule, *(line(cells) for cells in body)])


def _number(value: float) -> str:
    """Three significant digits at most, with thousands separators for big numbers."""
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"
