"""Conversations by chat: load the session, let the engine act, save; the same for every front end.

Actions are coroutines: the store does not block the event loop (other chats go on while one waits for
the database); the engine's step runs on the loop. Each action runs inside one store transaction
(`SessionStore.update`), so two updates of one chat never interleave, even across bot instances
sharing a database, and the answer is committed before the reply is sent, so a crash loses no answer.
An action given the Telegram `update_id` is applied once: the same update delivered again (its instance
died before answering Telegram) shows where the chat stands instead of answering the next question.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from bot.dialog.engine import Engine, Reply, Session
from bot.store import UNREADABLE, SessionStore
from bot.texts import TYPED_TOO_EARLY
from bot.texts import UNREADABLE as SORRY

Step = Callable[[Engine, Session], tuple[Session, Reply]]
log = logging.getLogger("clinic_bot")


class Conversations:
    """The patient actions, applied to stored sessions; `engine` is read per call (hot reload)."""

    def __init__(
        self, engine: Callable[[], Engine], store: SessionStore, chat_hash: Callable[[int], str] = str
    ) -> None:
        """`chat_hash` names a chat in the log (the front end's keyed hash: logs never hold user ids)."""
        self._engine = engine
        self._store = store
        self._chat_hash = chat_hash

    async def start(self, chat_id: int, *, update_id: int | None = None) -> Reply:
        return await self._act(chat_id, lambda engine, _session: engine.start(), update_id)

    async def choose(
        self, chat_id: int, step_id: str, option_id: str, *, update_id: int | None = None
    ) -> tuple[Reply, str | None]:
        """A tapped button, and the label of the answer it gave (None when it was stale)."""
        reply = await self._act(
            chat_id, lambda engine, session: engine.choose(session, step_id, option_id), update_id
        )
        return reply, ", ".join(o.label for o in reply.answered) or None

    async def text(
        self,
        chat_id: int,
        typed: str,
        *,
        update_id: int | None = None,
        message_id: int | None = None,
        sent_at: int | None = None,
    ) -> Reply:
        """A typed answer, or 'back' or 'restart' typed as words, as `Engine.interpret` reads it.

        A text typed before the question on screen was shown (its `message_id` older than that question's
        message, or its date `sent_at` not after the edit that showed it) was meant for an earlier
        question, answered meanwhile (e.g. by a tap): it is not used for this one.
        """

        def answer(engine: Engine, session: Session) -> tuple[Session, Reply]:
            shown = session.shown
            if shown is not None and shown.typed_before(message_id, sent_at):
                session, reply = engine.show(session)
                return session, dataclasses.replace(reply, notice=TYPED_TOO_EARLY)
            return engine.answer(session, typed)  # the engine's one reading of typed words

        return await self._act(chat_id, answer, update_id)

    async def back(self, chat_id: int, *, update_id: int | None = None) -> Reply:
        return await self._act(chat_id, lambda engine, session: engine.back(session), update_id)

    async def current(self, chat_id: int) -> Reply:
        """Where the chat stands, starting a conversation if there is none."""
        return await self._act(chat_id, lambda engine, session: engine.show(session))

    async def delivered(
        self, chat_id: int, reply: Reply, message_id: int | None = None, at: int | None = None
    ) -> None:
        """Record that `reply` reached the patient: typed answers now mean its question. Kept in the
        session's row, so it holds across kill -9 and for every instance sharing the store. `at`: when
        the message `message_id` was edited to show it (an edit gets no new message id)."""
        engine = self._engine()

        def bind(session: Session | None) -> tuple[Session, None]:
            if session is None or session == UNREADABLE or session.dialog_id != engine.dialog.id:
                return session or UNREADABLE, None
            return engine.delivered(session, reply, message_id, at), None

        session = await self._store.load(chat_id)
        if session is not None and session.dialog_id == engine.dialog.id:
            await self._store.update(chat_id, bind)

    async def is_new(self, chat_id: int) -> bool:
        """True for a chat with no conversation (never started, or erased by /forget)."""
        session = await self._store.load(chat_id)
        return session is None or session.dialog_id not in (self._engine().dialog.id, UNREADABLE.dialog_id)

    async def forget(self, chat_id: int) -> None:
        await self._store.forget(chat_id)

    async def _act(self, chat_id: int, action: Step, update_id: int | None = None) -> Reply:
        """Apply `action` to the chat's session; a chat without one (new, or after /forget) starts."""
        engine = self._engine()

        def change(session: Session | None) -> tuple[Session, Reply]:
            if session is not None and not _usable(engine, session):
                # Damaged, or naming an option this version lacks: the engine cannot use it. Before, every
                # action failed on it and only /forget got the patient out.
                log.warning(
                    "user=%s: the stored session cannot be read; starting again", self._chat_hash(chat_id)
                )
                fresh, reply = engine.start()
                return fresh, dataclasses.replace(reply, notice=SORRY)
            if session is None or session.dialog_id != engine.dialog.id:
                return engine.start()
            moved, reply = action(engine, session)
            # Only a delivery changes what is on screen: until then it is the question shown before.
            on_screen = session.shown.message if session.shown is not None else None
            return dataclasses.replace(moved, shown=session.shown), dataclasses.replace(
                reply, on_screen=on_screen
            )

        def replay(session: Session | None) -> Reply:
            """The update was applied already: show where the chat stands, changing nothing."""
            if session is None or session.dialog_id != engine.dialog.id:
                return engine.start()[1]
            return engine.show(session)[1]

        if update_id is None:
            return await self._store.update(chat_id, change)
        return await self._store.update(chat_id, change, update_id=update_id, replay=replay)


def _usable(engine: Engine, session: Session) -> bool:
    """Whether the engine can take the session: of another dialog or version it starts or replays it,
    but on this version every answer must name an option that exists."""
    if session == UNREADABLE:
        return False
    if session.dialog_id != engine.dialog.id or session.version != engine.dialog.version:
        return True
    steps = engine.dialog.steps
    current = steps.get(session.step)
    return (
        current is not None
        and all(step in steps and all(steps[step].option(i) for i in ids) for step, ids in session.answers)
        and all(current.option(t) for t in session.ticked)
    )
