"""What every session store promises, so that SQLite and a server database are interchangeable."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Protocol, TypeVar

from bot.dialog.engine import Answer, Session

T = TypeVar("T")


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


def encode_answers(session: Session) -> str:
    """The answers column: `[[step, option], [step, [item, ...]], ...]`, and the ticks of a tick list
    in progress as `{"answers": [...], "ticked": [...]}`; ids only, never a typed word."""
    answers = [[step, ids[0] if len(ids) == 1 else list(ids)] for step, ids in session.answers]
    if session.ticked:
        return json.dumps({"answers": answers, "ticked": list(session.ticked)}, separators=(",", ":"))
    return json.dumps(answers, separators=(",", ":"))


def decode_session(dialog_id: str, version: str, answers: str, step: str) -> Session:
    """A stored row as a Session; rows written before tick lists existed read the same."""
    data = json.loads(answers)
    ticked: list[str] = []
    if isinstance(data, dict):
        data, ticked = data["answers"], data["ticked"]
    decoded: list[Answer] = []
    for step_id, ids in data:
        decoded.append((str(step_id), (str(ids),) if isinstance(ids, str) else tuple(str(i) for i in ids)))
    return Session(dialog_id, version, tuple(decoded), step, tuple(str(t) for t in ticked))
