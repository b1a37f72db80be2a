"""What every session store promises, so that SQLite and a server database are interchangeable."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Protocol, TypeGuard, TypeVar

from bot.dialog.engine import Answer, Session, Shown

T = TypeVar("T")


# What a row that cannot be read loads as: a session of no dialog, so that any caller starts the chat
# again (the next save overwrites the row) instead of failing on every update, which locked patients out.
UNREADABLE = Session("", "", (), "")


class StoreError(Exception):
    """The session store cannot be opened (no server, no permission); the message says why."""


class StoreUnavailableError(Exception):
    """The store did not answer in time or at all (database down, locked, a network partition): the
    update was not applied, and the patient is asked to try again in a minute."""


# Seconds one store transaction may take, waiting for a connection or a lock included, before the update
# gives up (and the patient is asked to try again): a hung database must not hold a chat for ever.
STORE_TIMEOUT = 5.0


class SessionStore(Protocol):
    """Sessions by chat; every call is one transaction, so a crash never leaves half a session.

    Calls are coroutines that never block the event loop: one chat waiting for the database delays no chat
    that does not need it. `change` and `replay` run on the event loop (the engine is not thread-safe).
    """

    async def update(
        self,
        chat_id: int,
        change: Callable[[Session | None], tuple[Session, T]],
        *,
        update_id: int | None = None,
        replay: Callable[[Session | None], T] | None = None,
    ) -> T:
        """Load the chat's session, apply `change`, save its new session, all in one transaction
        that holds the chat (no other update of it runs meanwhile); returns what `change` gave.

        `update_id` (Telegram's, given with `replay`) makes a redelivered update harmless: when it is
        the last update the chat took (Telegram sent it again because the instance that applied it died
        before answering), `replay` gives the result from the stored session and nothing is saved.
        StoreUnavailableError when the database does not answer within STORE_TIMEOUT.
        """
        ...

    async def load(self, chat_id: int) -> Session | None: ...

    async def save(self, chat_id: int, session: Session) -> None: ...

    async def forget(self, chat_id: int) -> None:
        """Erase everything kept about this chat."""

    async def purge_older_than(self, days: float) -> int:
        """Erase sessions untouched for `days`; returns how many."""
        ...

    async def close(self) -> None: ...


def check_replay(update_id: int | None, replay: object) -> None:
    """`update_id` and `replay` come together: a redelivery needs a way to answer without applying."""
    if (update_id is None) != (replay is None):
        raise TypeError("update() takes update_id and replay together")


def is_redelivery(update_id: int | None, last_update_id: int | None) -> bool:
    """Whether `update_id` is the update the chat took last.

    Only the last id counts, never "any smaller id": Telegram delivers a chat's updates one at a time, so a
    redelivery is always of the last one, and its ids restart at a random number after a week of silence.
    """
    return update_id is not None and update_id == last_update_id


def encode_answers(session: Session) -> str:
    """The answers column: `[[step, option], [step, [item, ...]], ...]`, or, with the ticks of a tick list
    in progress or the question on screen, `{"answers": [...], "ticked": [...], "shown": {...}}`; ids only,
    never a typed word. The question on screen lives in the session's row, so that it survives a kill -9
    and is the same for every instance sharing the database."""
    answers = [[step, ids[0] if len(ids) == 1 else list(ids)] for step, ids in session.answers]
    if not session.ticked and session.shown is None:
        return json.dumps(answers, separators=(",", ":"))
    data: dict[str, object] = {"answers": answers, "ticked": list(session.ticked)}
    if (shown := session.shown) is not None:
        on_screen: dict[str, object] = {
            "step": shown.step,
            "version": shown.version,
            "options": list(shown.options),
            "message": shown.message,
        }
        if shown.at is not None:  # shown by an edit: when, on Telegram's clock
            on_screen["at"] = shown.at
        data["shown"] = on_screen
    return json.dumps(data, separators=(",", ":"))


def decode_session(dialog_id: object, version: object, answers: object, step: object) -> Session:
    """A stored row as a Session; UNREADABLE when it was damaged (by hand, a bad migration, a bug).

    Rows written before tick lists existed (`[[step, option], ...]`) read the same; rows written before
    the question on screen was kept read with `shown` None.
    """
    try:
        data = json.loads(answers)  # type: ignore[arg-type]
        ticked: list[object] = []
        shown: Shown | None = None
        if isinstance(data, dict):
            if data.get("shown") is not None:
                shown = _decode_shown(data["shown"])
            data, ticked = data["answers"], data["ticked"]
        decoded: list[Answer] = []
        for step_id, ids in data:
            chosen = (str(ids),) if isinstance(ids, str) else tuple(str(i) for i in ids)
            if not chosen:
                return UNREADABLE
            decoded.append((str(step_id), chosen))
        ticks = tuple(str(t) for t in ticked)
        return Session(str(dialog_id), str(version), tuple(decoded), str(step), ticks, shown)
    except (ValueError, TypeError, KeyError, AttributeError):
        return UNREADABLE


def _decode_shown(data: dict[str, object]) -> Shown:
    options, message, at = data["options"], data["message"], data.get("at")
    if not isinstance(options, list) or not _id_or_none(message) or not _id_or_none(at):
        raise TypeError("shown")
    return Shown(str(data["step"]), str(data["version"]), tuple(str(o) for o in options), message, at)


def _id_or_none(value: object) -> TypeGuard[int | None]:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))
