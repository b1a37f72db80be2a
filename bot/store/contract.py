"""What every session store promises, so that SQLite and a server database are interchangeable."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Protocol, TypeVar

from bot.dialog.engine import Answer, Session

T = TypeVar("T")


# What a row that cannot be read loads as: a session of no dialog, so that any caller starts the chat
# again (the next save overwrites the row) instead of failing on every update, which locked patients out.
UNREADABLE = Session("", "", (), "")


class StoreError(Exception):
    """The session store cannot be opened (no server, no permission); the message says why."""


class SessionStore(Protocol):
    """Sessions by chat; every call is one transaction, so a crash never leaves half a session."""

    def update(
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
        """
        ...

    def load(self, chat_id: int) -> Session | None: ...

    def save(self, chat_id: int, session: Session) -> None: ...

    def forget(self, chat_id: int) -> None:
        """Erase everything kept about this chat."""

    def purge_older_than(self, days: float) -> int:
        """Erase sessions untouched for `days`; returns how many."""
        ...

    def close(self) -> None: ...


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


def encode_answers(answers: tuple[Answer, ...]) -> str:
    return json.dumps([list(a) for a in answers], separators=(",", ":"))


def decode_session(dialog_id: object, version: object, answers: object, step: object) -> Session:
    """A stored row as a Session; UNREADABLE when it was damaged (by hand, a bad migration, a bug)."""
    try:
        decoded = tuple((str(s), str(o)) for s, o in json.loads(answers))  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return UNREADABLE
    return Session(str(dialog_id), str(version), decoded, str(step))
