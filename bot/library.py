"""The dialog being served, swapped for a new version only when the new file passes every check.

An admin's edit goes live for the next answer; a broken edit is refused with its problems and the
last good version keeps serving, so a typo never takes the bot down.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import watchfiles

from bot.dialog.engine import Engine
from bot.dialog.loader import load_dialog
from bot.problems import LoadError, Problem

log = logging.getLogger("clinic_bot.library")


@dataclass(frozen=True)
class Status:
    dialog_id: str
    version: str
    loaded_at: float
    last_problems: tuple[Problem, ...]


class DialogLibrary:
    """Holds the current engine for one dialog file; `engine()` is what handlers call per update."""

    def __init__(self, path: Path, values: Mapping[str, str]) -> None:
        self.path = path
        self._values = dict(values)
        self._engine = Engine(load_dialog(path), self._values)  # a bad file at start-up is fatal
        self._loaded_at = time.time()
        self._problems: tuple[Problem, ...] = ()

    def engine(self) -> Engine:
        return self._engine

    def reload(self) -> tuple[Problem, ...]:
        """Load the file again; on success serve it, else keep the last good version."""
        try:
            dialog = load_dialog(self.path)
        except LoadError as error:
            self._problems = error.problems
            log.error(  # noqa: TRY400 - the problems are the message; a traceback would only hide them
                "dialog refused, still serving version %s:\n%s", self._engine.dialog.version, error
            )
            return self._problems
        self._problems = ()
        if dialog.version != self._engine.dialog.version:
            self._engine = Engine(dialog, self._values)
            self._loaded_at = time.time()
            log.info("dialog %s version %s is live", dialog.id, dialog.version)
        return ()

    def status(self) -> Status:
        dialog = self._engine.dialog
        return Status(dialog.id, dialog.version, self._loaded_at, self._problems)


async def watch(
    library: DialogLibrary,
    on_refused: Callable[[tuple[Problem, ...]], Awaitable[None]],
    stop: asyncio.Event,
) -> None:
    """Reload whenever the dialog file changes (editors often write a new file and rename it)."""
    folder = library.path.parent
    async for changes in watchfiles.awatch(folder, stop_event=stop, debounce=300):
        if any(Path(changed).name == library.path.name for _kind, changed in changes):
            # Parsing runs in a thread: a big file takes a second or two, and patients must not wait.
            problems = await asyncio.to_thread(library.reload)
            if problems:
                await on_refused(problems)
