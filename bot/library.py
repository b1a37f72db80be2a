"""The dialog being served, swapped for a new version only when the new file passes every check.

An admin's edit goes live for the next answer; a broken edit is refused with its problems and the
last good version keeps serving, so a typo never takes the bot down. With `signoff: required`, an
edit no clinician signed is refused the same way. Every publication is announced to the admins.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import watchfiles

from bot import announcements
from bot.dialog import signoff
from bot.dialog.engine import Engine
from bot.dialog.loader import load_dialog
from bot.dialog.model import Dialog
from bot.problems import DialogError, LoadError, Problem

log = logging.getLogger("clinic_bot.library")


@dataclass(frozen=True)
class Status:
    dialog_id: str
    version: str
    loaded_at: float
    last_problems: tuple[Problem, ...]
    notes: tuple[str, ...] = ()  # the sign-off, overdue reviews


@dataclass(frozen=True)
class Publication:
    """The outcome of a reload that found something new: `text` is the admins' announcement."""

    live: bool
    problems: tuple[Problem, ...]
    text: str


class DialogLibrary:
    """Holds the current engine for one dialog file; `engine()` is what handlers call per update."""

    def __init__(self, path: Path, values: Mapping[str, str], *, signoff_required: bool = False) -> None:
        self.path = path
        self._values = dict(values)
        self._required = signoff_required
        self._broken_signoff: tuple[Problem, ...] = ()
        dialog = load_dialog(path)  # a bad file at start-up is fatal
        self._signed = self._signoff(dialog)
        if self._required and (self._signed is None or not self._signed.signed):
            raise DialogError(self._refusal(dialog, self._signed))
        self._engine = Engine(dialog, self._values)
        self._loaded_at = time.time()
        self._problems: tuple[Problem, ...] = ()
        self._refused: tuple[str, ...] = ()  # the files last refused

    def engine(self) -> Engine:
        return self._engine

    def reload(self) -> tuple[Problem, ...]:
        """Load the file again; on success serve it, else keep the last good version."""
        self.publish()
        return self._problems

    def publish(self) -> Publication | None:
        """Reload, and say what happened; None when neither the dialog nor its sign-off changed."""
        live = self._engine.dialog
        try:
            dialog = load_dialog(self.path)
        except LoadError as error:
            log.error(  # noqa: TRY400 - the problems are the message; a traceback would only hide them
                "dialog refused, still serving version %s:\n%s", live.version, error
            )
            return self._refuse(error.problems, announcements.refused(error.problems))
        signed = self._signoff(dialog)
        if self._required and (signed is None or not signed.signed):
            problems = self._refusal(dialog, signed)
            log.error("dialog %s version %s refused: not signed off", dialog.id, dialog.version)
            return self._refuse(problems, announcements.refused(problems, live, dialog))
        was_signed = self._signed
        self._problems, self._signed = (), signed
        if dialog.version == live.version:
            if _summary(signed) == _summary(was_signed):
                return None
            return Publication(True, (), f"Dialog {dialog.id}: {announcements.signoff_line(dialog, signed)}")
        self._engine = Engine(dialog, self._values)
        self._loaded_at = time.time()
        log.info("dialog %s version %s is live", dialog.id, dialog.version)
        return Publication(True, (), announcements.published(live, dialog, signed))

    def status(self) -> Status:
        dialog = self._engine.dialog
        notes = (
            announcements.signoff_line(dialog, self._signed),
            *announcements.overdue(dialog, datetime.date.today()),
        )
        return Status(dialog.id, dialog.version, self._loaded_at, self._problems, notes)

    def warnings(self) -> tuple[str, ...]:
        """For the log at start-up: the sign-off state if it is not signed, overdue reviews; no names."""
        dialog = self._engine.dialog
        unsigned = (
            ()
            if self._signed is not None and self._signed.signed
            else (
                f"dialog {dialog.id} version {dialog.version} is served without a current sign-off "
                f"(signoff: warn); run clinic-bot validate {dialog.path} to see why",
            )
        )
        return (*unsigned, *announcements.overdue(dialog, datetime.date.today()))

    def notice_at_start(self) -> str | None:
        """What admins are told when the bot starts (overdue reviews), or None."""
        return announcements.at_start(self._engine.dialog, datetime.date.today())

    def _refuse(self, problems: tuple[Problem, ...], text: str) -> Publication | None:
        files = self._fingerprint()
        if (problems, files) == (self._problems, self._refused):
            return None  # told already: e.g. a scenario file of the same name was saved
        self._problems, self._refused = problems, files
        return Publication(False, problems, text)

    def _fingerprint(self) -> tuple[str, ...]:
        """The bytes of the dialog and its sign-off, hashed: a refusal is told once per version of them."""
        found = []
        for path in (self.path, signoff.signoff_path(self.path)):
            try:
                found.append(hashlib.sha256(path.read_bytes()).hexdigest())
            except OSError:
                found.append("")
        return tuple(found)

    def _signoff(self, dialog: Dialog) -> signoff.State | None:
        """The sign-off's state; None when its file is broken (logged; refused with `required`)."""
        try:
            return signoff.state(dialog, self.path)
        except LoadError as error:
            log.warning("the sign-off file is broken:\n%s", error)
            self._broken_signoff = error.problems
            return None

    def _refusal(self, dialog: Dialog, signed: signoff.State | None) -> tuple[Problem, ...]:
        if signed is None:
            return self._broken_signoff
        return (announcements.unsigned_problem(dialog, signed),)


def _summary(signed: signoff.State | None) -> str | None:
    return signed.summary() if signed is not None else None


async def watch(
    library: DialogLibrary,
    announce: Callable[[str], Awaitable[None]],
    stop: asyncio.Event,
) -> None:
    """Reload whenever the dialog or its sign-off changes (editors often write a new file and rename it)."""
    folder = library.path.parent
    names = {library.path.name, signoff.signoff_path(library.path).name}
    async for changes in watchfiles.awatch(folder, stop_event=stop, debounce=300):
        if any(Path(changed).name in names for _kind, changed in changes):
            # Parsing runs in a thread: a big file takes a second or two, and patients must not wait.
            publication = await asyncio.to_thread(library.publish)
            if publication is not None:
                await announce(publication.text)
