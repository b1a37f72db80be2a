"""Warnings for a valid dialog: things a clinic should fix, but that do not stop the bot serving it."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from bot.dialog.checks import patient_texts
from bot.dialog.model import Dialog, StepKind
from bot.dialog.readability import grade
from bot.problems import Problem

MAX_GRADE = 8.0  # US school grade: what a 12-year-old reads with ease
_MIN_WORDS = 8  # grades of very short texts (a label, a title) say nothing useful


def advisories(dialog: Dialog, today: datetime.date | None = None) -> list[Problem]:
    """Hard-to-read texts, and outcomes whose advice lacks a source or a current clinical review."""
    today = today or datetime.date.today()
    found = [Problem(dialog.path, line, message) for line, message in _reading(dialog)]
    found += [Problem(dialog.path, line, message) for line, message in _reviews(dialog, today)]
    return sorted(found)


def _reading(dialog: Dialog) -> Iterator[tuple[int, str]]:
    for line, what, text in patient_texts(dialog):
        if len(text.split()) < _MIN_WORDS:
            continue
        level = grade(text)
        if level > MAX_GRADE:
            yield (
                line,
                (
                    f"{what}: reads at US grade {level:.1f} (aim for {MAX_GRADE:.0f} or lower); "
                    "use shorter sentences and shorter words"
                ),
            )


def _reviews(dialog: Dialog, today: datetime.date) -> Iterator[tuple[int, str]]:
    for step in dialog.steps.values():
        if step.kind is not StepKind.OUTCOME:
            continue
        what = f"step '{step.id}'"
        review = step.review
        missing = [key for key in ("source", "reviewed_by", "review_due") if not getattr(review, key)]
        if missing:
            yield step.line, f"{what}: the advice has no {', '.join(missing)}; add it for clinical review"
        if review.review_due:
            try:
                due = datetime.date.fromisoformat(review.review_due)
            except ValueError:
                yield step.line, f"{what}: review_due '{review.review_due}' is not a date like 2027-01-31"
                continue
            if due < today:
                yield (
                    step.line,
                    f"{what}: the clinical review was due on {due}; review the advice and set a new date",
                )
