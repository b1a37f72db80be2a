"""What the admins are told about the dialog being served, as plain text for any front end to send.

Every publication is announced, good or refused, with what it changes for patients, so that nothing
goes live (or fails to) unnoticed; sign-off and overdue reviews are part of each message.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from bot.dialog import wording
from bot.dialog.content import content
from bot.dialog.model import Dialog, StepKind
from bot.dialog.signoff import State
from bot.problems import Problem

REFUSED = "The dialog edit was refused; the last good version is still live."
MAX_ROWS = 20  # of problems or changes; what fits one Telegram message is cut where it is sent


def published(old: Dialog, new: Dialog, signed: State | None) -> str:
    """A new version went live."""
    lines = [
        f"Dialog {new.id} version {new.version} is live (it replaces version {old.version}).",
        signoff_line(new, signed),
        *_changes(old, new, "What changed for patients:"),
    ]
    return "\n".join(lines)


def refused(problems: Sequence[Problem], old: Dialog | None = None, new: Dialog | None = None) -> str:
    """An edit was refused; with the dialogs, what it would have changed (a sign-off refusal)."""
    lines = [REFUSED, *(str(p) for p in problems)]  # all: where it is sent, it is cut to fit
    if old is not None and new is not None:
        lines += _changes(old, new, "What the edit would change for patients:")
    return "\n".join(lines)


def unsigned_problem(dialog: Dialog, signed: State) -> Problem:
    """Why `signoff: required` refuses a dialog, and how to get it signed."""
    how = f'after the clinician\'s review: clinic-bot sign {dialog.path} --by "Name, role"'
    return Problem(
        dialog.path, 0, f"{signed.summary()}, and signoff: required serves only signed content; {how}"
    )


def signoff_line(dialog: Dialog, signed: State | None) -> str:
    """`Signed off by ...`, or a warning that it is not (or no longer) signed."""
    if signed is None:
        return "The sign-off file is broken (see clinic-bot validate); patients get content nobody signed."
    if signed.signed:
        return signed.summary()[0].upper() + signed.summary()[1:] + "."
    return f"Warning: {signed.summary()}; have a clinician review it (clinic-bot sign {dialog.path})."


def overdue(dialog: Dialog, today: datetime.date) -> list[str]:
    """Outcomes whose clinical review date has passed."""
    found = []
    for step in dialog.steps.values():
        due = step.review.review_due
        if step.kind is not StepKind.OUTCOME or not due:
            continue
        try:
            date = datetime.date.fromisoformat(due)
        except ValueError:
            continue  # validate warns about it
        if date < today:
            found.append(f"step '{step.id}': the clinical review was due on {date}; review the advice")
    return found


def at_start(dialog: Dialog, today: datetime.date) -> str | None:
    """What admins must know when the bot starts: overdue reviews (None when there are none)."""
    late = overdue(dialog, today)
    if not late:
        return None
    return "\n".join([f"Dialog {dialog.id}: {len(late)} clinical review(s) overdue.", *_listed(late)])


def _changes(old: Dialog, new: Dialog, title: str) -> list[str]:
    changes = wording.compare(content(old), content(new))
    if not changes:
        return ["Nothing changed for patients."]
    return [title, *_listed(wording.rows(changes, width=None))]  # a phone folds by itself


def _listed(rows: Sequence[str]) -> list[str]:
    more = [f"... and {len(rows) - MAX_ROWS} more"] if len(rows) > MAX_ROWS else []
    return [*rows[:MAX_ROWS], *more]
