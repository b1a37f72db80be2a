"""What every session store promises, so that SQLite and a server database are interchangeable."""

from __future__ import annotations

import json
from typing import Protocol

from bot.dialog.engine import Answer, Session


class SessionStore(Protocol):
    """Sessions by chat; every call is one transaction, so a crash never leaves half a session."""

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
