"""Sessions in PostgreSQL, shared by several bot instances (`storage.url: postgresql://user@host/db`).

The driver is psycopg 3, called synchronously on purpose, as the SQLite store is: an update is a few
round trips of well under a millisecond on a LAN, less than handing it to a thread would cost, and it
keeps each update's load-answer-save in order. A chat is held by a transaction-level advisory lock on its
id, so that two instances never interleave one chat's updates while different chats never wait for each
other; the lock lasts one transaction (the engine's step), never a call to Telegram.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg

from bot.dialog.engine import Session
from bot.store.contract import StoreError, check_replay, decode_session, encode_answers, is_redelivery

T = TypeVar("T")
Connection = psycopg.Connection[tuple[Any, ...]]

log = logging.getLogger("clinic_bot")

# Instances starting together create the table once; a two-number key never meets a chat's one-number key.
_SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(1668049257, 0)"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    chat_id BIGINT PRIMARY KEY,
    dialog_id TEXT NOT NULL,
    version TEXT NOT NULL,
    answers TEXT NOT NULL,
    step TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    update_id BIGINT
)
"""
_SAVE = """
INSERT INTO sessions (chat_id, dialog_id, version, answers, step, updated_at, update_id)
VALUES (%s, %s, %s, %s, %s, now(), %s)
ON CONFLICT (chat_id) DO UPDATE SET
    dialog_id = excluded.dialog_id, version = excluded.version, answers = excluded.answers,
    step = excluded.step, updated_at = excluded.updated_at,
    update_id = coalesce(excluded.update_id, sessions.update_id)
"""
_PURGE = "DELETE FROM sessions WHERE updated_at < now() - make_interval(secs => %s)"
# A hung instance must not hold a chat for ever, and a waiting one must not block its event loop for ever.
_SESSION_SETTINGS = ("SET idle_in_transaction_session_timeout = '5s'", "SET lock_timeout = '10s'")


class PostgresStore:
    """One connection, opened again when it is found dropped; the table is created if missing."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._db: Connection | None = None
        try:
            self._run(_create_schema)
        except psycopg.Error as error:  # the first line says it all; psycopg's hints follow it
            raise StoreError(str(error).removeprefix("connection failed: ").splitlines()[0]) from None

    def update(
        self,
        chat_id: int,
        change: Callable[[Session | None], tuple[Session, T]],
        *,
        update_id: int | None = None,
        replay: Callable[[Session | None], T] | None = None,
    ) -> T:
        check_replay(update_id, replay)

        def work(db: Connection) -> T:
            db.execute("SELECT pg_advisory_xact_lock(%s::bigint)", (chat_id,))
            session, last_update_id = _read(db, chat_id)
            if replay is not None and is_redelivery(update_id, last_update_id):
                return replay(session)
            session, result = change(session)
            _save(db, chat_id, session, update_id)
            return result

        return self._run(work)

    def load(self, chat_id: int) -> Session | None:
        return self._run(lambda db: _read(db, chat_id)[0])

    def save(self, chat_id: int, session: Session) -> None:
        self._run(lambda db: _save(db, chat_id, session, None))

    def forget(self, chat_id: int) -> None:
        self._run(lambda db: db.execute("DELETE FROM sessions WHERE chat_id = %s", (chat_id,)))

    def purge_older_than(self, days: float) -> int:
        return self._run(lambda db: db.execute(_PURGE, (days * 86400,)).rowcount)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()

    def _run(self, work: Callable[[Connection], T]) -> T:
        """`work` in one transaction. A dropped connection is opened again and the work tried once more,
        unless it dropped while committing: then nobody knows whether it committed, so the error stands."""
        retried = False
        while True:
            db = self._connection()
            committing = False
            try:
                with db.transaction():
                    result = work(db)
                    committing = True
            except psycopg.OperationalError:
                if retried or committing or not db.broken:
                    raise
                log.warning("the database connection was lost; connecting again")
                retried = True
                continue
            return result

    def _connection(self) -> Connection:
        if self._db is None or self._db.broken or self._db.closed:
            if self._db is not None:
                self._db.close()
            self._db = psycopg.connect(self._url, autocommit=True, connect_timeout=10)
            for setting in _SESSION_SETTINGS:
                self._db.execute(setting)
        return self._db


def _create_schema(db: Connection) -> None:
    db.execute(_SCHEMA_LOCK)
    db.execute(_SCHEMA)


def _read(db: Connection, chat_id: int) -> tuple[Session | None, int | None]:
    """The chat's session and the id of the update that saved it last."""
    row = db.execute(
        "SELECT dialog_id, version, answers, step, update_id FROM sessions WHERE chat_id = %s", (chat_id,)
    ).fetchone()
    if row is None:
        return None, None
    dialog_id, version, answers, step, update_id = row
    return decode_session(dialog_id, version, answers, step), update_id


def _save(db: Connection, chat_id: int, session: Session, update_id: int | None) -> None:
    values = (chat_id, session.dialog_id, session.version, encode_answers(session.answers), session.step)
    db.execute(_SAVE, (*values, update_id))
