"""Conversations by chat: load the session, let the engine act, save; the same for every front end.

Each call is synchronous from load to save, so on the event loop no two updates of one chat can
interleave inside it; the store commits before the reply is sent, so a crash loses no answer.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.dialog.engine import Engine, Reply, Session
from bot.dialog.matching import control_word, normalise
from bot.store import SessionStore


class Conversations:
    """The patient actions, applied to stored sessions; `engine` is read per call (hot reload)."""

    def __init__(self, engine: Callable[[], Engine], store: SessionStore) -> None:
        self._engine = engine
        self._store = store

    def start(self, chat_id: int) -> Reply:
        return self._save(chat_id, self._engine().start())

    def choose(self, chat_id: int, step_id: str, option_id: str) -> tuple[Reply, str | None]:
        """A tapped button, and the label of the answer it gave (None when it was stale)."""
        engine, session = self._session(chat_id)
        if session is None:  # a button from before /forget or a purge
            return self.start(chat_id), None
        moved, reply = engine.choose(session, step_id, option_id)
        self._store.save(chat_id, moved)
        if len(moved.answers) <= len(session.answers):
            return reply, None
        option = engine.dialog.steps[step_id].option(option_id)
        return reply, option.label if option else None

    def text(self, chat_id: int, typed: str) -> Reply:
        """A typed answer; 'back' and 'restart' typed as words work too, unless an option says so."""
        engine, session = self._session(chat_id)
        if session is None:
            return self.start(chat_id)
        word = control_word(typed)
        if word is not None and not _is_option(engine, session, typed):
            return self.back(chat_id) if word == "back" else self.start(chat_id)
        return self._save(chat_id, engine.answer(session, typed))

    def back(self, chat_id: int) -> Reply:
        engine, session = self._session(chat_id)
        if session is None:
            return self.start(chat_id)
        return self._save(chat_id, engine.back(session))

    def current(self, chat_id: int) -> Reply:
        """Where the chat stands, starting a conversation if there is none."""
        engine, session = self._session(chat_id)
        if session is None:
            return self.start(chat_id)
        return self._save(chat_id, engine.show(session))

    def forget(self, chat_id: int) -> None:
        self._store.forget(chat_id)

    def _session(self, chat_id: int) -> tuple[Engine, Session | None]:
        engine = self._engine()
        session = self._store.load(chat_id)
        if session is not None and session.dialog_id != engine.dialog.id:
            session = None
        return engine, session

    def _save(self, chat_id: int, result: tuple[Session, Reply]) -> Reply:
        session, reply = result
        self._store.save(chat_id, session)
        return reply


def _is_option(engine: Engine, session: Session, typed: str) -> bool:
    step = engine.dialog.steps.get(session.step)
    return step is not None and any(normalise(o.label) == normalise(typed) for o in step.options)
