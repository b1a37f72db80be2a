"""One measured number with its target, and the Markdown table that `bench.run` prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """A result; `passed` is None for numbers reported without a target."""

    name: str
    value: float
    unit: str
    target: str = ""
    passed: bool | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        return {None: "", True: "pass", False: "MISS"}[self.passed]


def at_most(name: str, value: float, unit: str, limit: float, note: str = "") -> Row:
    return Row(name, value, unit, f"<= {_number(limit)} {unit}", value <= limit, note)


def at_least(name: str, value: float, unit: str, limit: float, note: str = "") -> Row:
    return Row(name, value, unit, f">= {_number(limit)} {unit}", value >= limit, note)


def info(name: str, value: float, unit: str, note: str = "") -> Row:
    return Row(name, value, unit, note=note)


def table(rows: Sequence[Row]) -> str:
    """A Markdown table, readable in a terminal and pasteable into docs/performance.md."""
    head = ("measure", "value", "target", "result", "note")
    body = [(r.name, f"{_number(r.value)} {r.unit}", r.target, r.verdict, r.note) for r in rows]
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
