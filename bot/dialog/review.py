"""Views for clinical review: the outcome table to sign off, and what an edit changes for patients."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from bot.dialog.model import Dialog, Urgency
from bot.dialog.paths import Route, routes

_LEVEL_WORDS = {
    Urgency.EMERGENCY: "emergency: call now",
    Urgency.URGENT: "urgent: see a doctor today",
    Urgency.SOON: "soon: book an appointment",
    Urgency.SELF_CARE: "self-care at home",
}
_COLUMNS = ("level", "outcome", "answers", "topics", "source", "reviewed_by", "review_due")


def _rows(dialog: Dialog) -> list[tuple[str, ...]]:
    ordered = sorted(routes(dialog), key=lambda r: (-r.urgency, r.outcome))
    rows: list[tuple[str, ...]] = []
    for route in ordered:
        review = dialog.steps[route.outcome].review
        rows.append(
            (
                _LEVEL_WORDS[route.urgency],
                route.outcome,
                route.describe(),
                ", ".join(route.topics),
                review.source or "",
                review.reviewed_by or "",
                review.review_due or "",
            )
        )
    return rows


def outcome_table(dialog: Dialog, fmt: str = "markdown") -> str:
    """Every distinct way to each outcome, most urgent first, as Markdown or CSV."""
    rows = _rows(dialog)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(_COLUMNS)
        writer.writerows(rows)
        return out.getvalue()
    lines = [
        f"# Outcomes of '{dialog.title}' (version {dialog.version})",
        "",
        f"{len(rows)} distinct answer paths. Signed off by: ____________________  Date: __________",
        "",
        "| # | " + " | ".join(_COLUMNS) + " |",
        "|---" * (len(_COLUMNS) + 1) + "|",
    ]
    for number, row in enumerate(rows, start=1):
        cells = [cell.replace("|", "\\|") for cell in row]
        lines.append(f"| {number} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Change:
    path: str
    before: Route | None
    after: Route | None

    def describe(self) -> str:
        before, after = self.before, self.after
        if before is None:
            return f"new path: {self.path} => {after.urgency.key} ({after.outcome})" if after else ""
        if after is None:
            return f"path removed: {self.path} (was {before.urgency.key}, {before.outcome})"
        parts = []
        if before.urgency != after.urgency:
            warning = "  <-- LESS URGENT" if after.urgency < before.urgency else ""
            parts.append(f"level {before.urgency.key} -> {after.urgency.key}{warning}")
        if before.outcome != after.outcome:
            parts.append(f"outcome {before.outcome} -> {after.outcome}")
        if before.topics != after.topics:
            parts.append(f"topics [{', '.join(before.topics)}] -> [{', '.join(after.topics)}]")
        return f"{self.path}: " + "; ".join(parts)


def diff(old: Dialog, new: Dialog) -> list[Change]:
    """Answer paths whose advice differs between two versions; paths are matched by step and option ids."""
    before = {r.key: r for r in routes(old)}
    after = {r.key: r for r in routes(new)}
    changes = []
    for key in [*before, *(k for k in after if k not in before)]:
        was, now = before.get(key), after.get(key)
        if was and now and (was.urgency, was.outcome, was.topics) == (now.urgency, now.outcome, now.topics):
            continue
        shown = now or was
        changes.append(Change(shown.describe() if shown else "", was, now))
    return changes
