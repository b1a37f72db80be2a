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


# One row of the table: the outcome, its topics, and per question the answers that lead there.
_Row = tuple[str, tuple[str, ...], tuple[tuple[str, frozenset[str]], ...]]


def merged_rows(dialog: Dialog) -> list[_Row]:
    """Paths that differ in one answer only, with the same advice, become one row ("a | b").

    Repeated until nothing merges, this turns thousands of paths into a table a clinician can
    read: an answer that does not change the advice is shown as its alternatives side by side.
    """
    rows: set[_Row] = {
        (r.outcome, r.topics, tuple((a.step, frozenset({a.label})) for a in r.answers))
        for r in routes(dialog)
    }
    merged = True
    while merged:
        merged = False
        longest = max((len(answers) for _o, _t, answers in rows), default=0)
        for position in range(longest):
            groups: dict[tuple[object, ...], list[_Row]] = {}
            for row in rows:
                outcome, topics, answers = row
                if position < len(answers):
                    rest = answers[:position] + answers[position + 1 :]
                    groups.setdefault((outcome, topics, answers[position][0], rest), []).append(row)
            for members in groups.values():
                if len(members) > 1:
                    outcome, topics, answers = members[0]
                    labels = frozenset().union(*(m[2][position][1] for m in members))
                    combined = (*answers[:position], (answers[position][0], labels), *answers[position + 1 :])
                    rows.difference_update(members)
                    rows.add((outcome, topics, combined))
                    merged = True
    return sorted(rows, key=lambda row: (-_urgency(dialog, row[0]), row[0], _describe(dialog, row)))


def _urgency(dialog: Dialog, outcome: str) -> Urgency:
    return dialog.steps[outcome].urgency or Urgency.SELF_CARE


def _describe(dialog: Dialog, row: _Row) -> str:
    parts = []
    for step_id, labels in row[2]:
        order = [o.label for o in dialog.steps[step_id].options if o.label in labels]
        parts.append(f"{step_id}: {' | '.join(order)}")
    return " -> ".join(parts) or "(no answers)"


def _rows(dialog: Dialog) -> list[tuple[str, ...]]:
    table: list[tuple[str, ...]] = []
    for row in merged_rows(dialog):
        outcome, topics, _answers = row
        review = dialog.steps[outcome].review
        table.append(
            (
                _LEVEL_WORDS[_urgency(dialog, outcome)],
                outcome,
                _describe(dialog, row),
                ", ".join(topics),
                review.source or "",
                review.reviewed_by or "",
                review.review_due or "",
            )
        )
    return table


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
        f"{len(rows)} rows; answers joined by | lead to the same advice.",
        "",
        "Signed off by: ____________________  Date: __________",
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
