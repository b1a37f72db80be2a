"""What every session store promises, so that SQLite and a server database are interchangeable."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Protocol, TypeVar

from bot.dialog.engine import Answer, Session

T = TypeVar("T")


class SessionStore(Protocol):
    """Sessions by chat; every call is one transaction, so a crash never leaves half a session."""

    def update(self, chat_id: int, change: Callable[[Session | None], tuple[Session, T]]) -> T:
        """Load the chat's session, apply `change`, save its new session, all in one transaction
        that holds the chat (no other update of it runs meanwhile); returns what `change` gave."""
        ...

    def load(self, chat_id: int) -> Session | None: ...

    def save(self, chat_id: int, session: Session) -> None: ...

    def forget(self, chat_id: int) -> None:
        """Erase everything kept about this chat."""

    def purge_older_than(self, days: float) -> int:
        """Erase sessions untouched for `days`; returns how many."""
        ...

    def close(self) -> None: ...


def encode_answers(answers: tuple[Answer, ...]) -> str:
    return json.dumps([list(a) for a in answers], separators=(",", ":"))


def decode_answers(text: str) -> tuple[Answer, ...]:
    return tuple((str(step), str(option)) for step, option in json.loads(text))
