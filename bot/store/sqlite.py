"""Sessions in one SQLite file (WAL): embedded, nothing to run, survives `kill -9`.

Calls are synchronous on purpose: a local WAL commit takes well under a millisecond, less than
handing the work to a thread would cost, and it keeps each update's load-answer-save in order.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bot.dialog.engine import Session
from bot.store.contract import decode_answers, encode_answers

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    chat_id INTEGER PRIMARY KEY,
    dialog_id TEXT NOT NULL,
    version TEXT NOT NULL,
    answers TEXT NOT NULL,
    step TEXT NOT NULL,
    updated_at REAL NOT NULL
) WITHOUT ROWID
"""


class SqliteStore:
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a commit survives the process being killed; only a power cut
        # can lose the last moments, which costs a patient one answer at worst.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute(_SCHEMA)

    def update(self, chat_id: int, change: Callable[[Session | None], tuple[Session, T]]) -> T:
        # BEGIN IMMEDIATE takes the write lock first, so another process sharing the file waits.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            session, result = change(self.load(chat_id))
            self.save(chat_id, session)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return result

    def load(self, chat_id: int) -> Session | None:
        row = self._db.execute(
            "SELECT dialog_id, version, answers, step FROM sessions WHERE chat_id = ?", (chat_id,)
        ).fetchone()
        if row is None:
            return None
        dialog_id, version, answers, step = row
        return Session(dialog_id, version, decode_answers(answers), step)

    def save(self, chat_id: int, session: Session) -> None:
        self._db.execute(
            "INSERT INTO sessions (chat_id, dialog_id, version, answers, step, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET "
            "dialog_id = excluded.dialog_id, version = excluded.version, "
            "answers = excluded.answers, step = excluded.step, updated_at = excluded.updated_at",
            (
                chat_id,
                session.dialog_id,
                session.version,
                encode_answers(session.answers),
                session.step,
                time.time(),
            ),
        )

    def forget(self, chat_id: int) -> None:
        self._db.execute("DELETE FROM sessions WHERE chat_id = ?", (chat_id,))

    def purge_older_than(self, days: float) -> int:
        cursor = self._db.execute("DELETE FROM sessions WHERE updated_at < ?", (time.time() - days * 86400,))
        return cursor.rowcount

    def close(self) -> None:
        self._db.close()
