"""Views for clinical review: the outcome table to sign off, and what an edit changes for patients."""

from __future__ import annotations

import csv
import io
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from math import prod
from typing import TypeVar

from bot.dialog.model import Dialog, Urgency
from bot.dialog.paths import Route, routes

_LEVEL_WORDS = {
    Urgency.EMERGENCY: "emergency: call now",
    Urgency.URGENT: "urgent: see a doctor today",
    Urgency.SOON: "soon: book an appointment",
    Urgency.SELF_CARE: "self-care at home",
}
_COLUMNS = ("level", "outcome", "answers", "topics", "source", "reviewed_by", "review_due")


# Per question on a path, the answers that lead the same way.
Answers = tuple[tuple[str, frozenset[str]], ...]
Tag = TypeVar("Tag", bound=Hashable)


def merge_paths(items: Iterable[tuple[Tag, Answers]]) -> set[tuple[Tag, Answers]]:
    """Paths with the same tag that differ in one answer only become one path ("a | b").

    Repeated until nothing merges, this turns thousands of paths into a table a clinician can
    read: an answer that does not change the advice is shown as its alternatives side by side.
    """
    rows = set(items)
    merged = True
    while merged:
        merged = False
        longest = max((len(answers) for _tag, answers in rows), default=0)
        for position in range(longest):
            groups: dict[tuple[object, ...], list[tuple[Tag, Answers]]] = {}
            for row in rows:
                tag, answers = row
                if position < len(answers):
                    rest = answers[:position] + answers[position + 1 :]
                    groups.setdefault((tag, answers[position][0], rest), []).append(row)
            for members in groups.values():
                if len(members) > 1:
                    tag, answers = members[0]
                    labels = frozenset().union(*(m[1][position][1] for m in members))
                    combined = (*answers[:position], (answers[position][0], labels), *answers[position + 1 :])
                    rows.difference_update(members)
                    rows.add((tag, combined))
                    merged = True
    return rows


def _answers(route: Route) -> Answers:
    return tuple((a.step, frozenset({a.label})) for a in route.answers)


def merged_rows(dialog: Dialog) -> list[tuple[str, tuple[str, ...], Answers]]:
    """The outcome table's rows: (outcome, topics, answers), most urgent first."""
    merged = merge_paths(((r.outcome, r.topics), _answers(r)) for r in routes(dialog))
    rows = [(outcome, topics, answers) for (outcome, topics), answers in merged]
    return sorted(rows, key=lambda row: (-_urgency(dialog, row[0]), row[0], _describe(dialog, row[2])))


def _urgency(dialog: Dialog, outcome: str) -> Urgency:
    return dialog.steps[outcome].urgency or Urgency.SELF_CARE


def _describe(dialog: Dialog, answers: Answers) -> str:
    parts = []
    for step_id, labels in answers:
        order = [o.label for o in dialog.steps[step_id].options if o.label in labels]
        parts.append(f"{step_id}: {' | '.join(order)}")
    return " -> ".join(parts) or "(no answers)"


def _rows(dialog: Dialog) -> list[tuple[str, ...]]:
    table: list[tuple[str, ...]] = []
    for row in merged_rows(dialog):
        outcome, topics, answers = row
        review = dialog.steps[outcome].review
        table.append(
            (
                _LEVEL_WORDS[_urgency(dialog, outcome)],
                outcome,
                _describe(dialog, answers),
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


# What changes on a path: level and outcome before and after (None: the path is new or gone),
# and the topics it gains and loses. Paths with the same change are merged.
@dataclass(frozen=True)
class Change:
    path: str
    answers: Answers
    level: tuple[Urgency | None, Urgency | None]
    outcome: tuple[str | None, str | None]
    topics_added: tuple[str, ...]
    topics_removed: tuple[str, ...]

    @property
    def paths(self) -> int:
        """How many answer paths this row stands for."""
        return prod(len(labels) for _step, labels in self.answers)

    def describe(self) -> str:
        (was, now), (was_outcome, now_outcome) = self.level, self.outcome
        if was is None:
            return f"new path: {self.path} => {now.key if now is not None else ''} ({now_outcome})"
        if now is None:
            return f"path removed: {self.path} (was {was.key}, {was_outcome})"
        parts = []
        if was != now:
            warning = "  <-- LESS URGENT" if now < was else ""
            parts.append(f"level {was.key} -> {now.key}{warning}")
        if was_outcome != now_outcome:
            parts.append(f"outcome {was_outcome} -> {now_outcome}")
        if self.topics_added:
            parts.append(f"now also shows {', '.join(self.topics_added)}")
        if self.topics_removed:
            parts.append(f"no longer shows {', '.join(self.topics_removed)}")
        return f"{self.path}: " + "; ".join(parts)


_Delta = tuple[
    tuple[Urgency | None, Urgency | None], tuple[str | None, str | None], tuple[str, ...], tuple[str, ...]
]


def diff(old: Dialog, new: Dialog) -> list[Change]:
    """Answer paths whose advice differs between two versions, matched by step and option ids.

    Paths with the same change that differ in one answer are merged, as in the outcome table.
    """
    before = {r.key: r for r in routes(old)}
    after = {r.key: r for r in routes(new)}
    changed: list[tuple[_Delta, Answers]] = []
    for key in [*before, *(k for k in after if k not in before)]:
        was, now = before.get(key), after.get(key)
        delta = _delta(was, now)
        if delta is not None:
            changed.append((delta, _answers(now or was)))  # type: ignore[arg-type]
    changes = [
        Change(_describe(new if delta[0][1] is not None else old, answers), answers, *delta)
        for delta, answers in merge_paths(changed)
    ]
    return sorted(changes, key=lambda c: (c.level[0] is None, c.level[1] is None, c.path))


def _delta(was: Route | None, now: Route | None) -> _Delta | None:
    if was is not None and now is not None:
        if (was.urgency, was.outcome, was.topics) == (now.urgency, now.outcome, now.topics):
            return None
        added = tuple(t for t in now.topics if t not in was.topics)
        removed = tuple(t for t in was.topics if t not in now.topics)
        return (was.urgency, now.urgency), (was.outcome, now.outcome), added, removed
    return (
        (was.urgency if was else None, now.urgency if now else None),
        (was.outcome if was else None, now.outcome if now else None),
        (),
        (),
    )
