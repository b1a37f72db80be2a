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
from bot.store.contract import check_replay, decode_session, encode_answers, is_redelivery

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    chat_id INTEGER PRIMARY KEY,
    dialog_id TEXT NOT NULL,
    version TEXT NOT NULL,
    answers TEXT NOT NULL,
    step TEXT NOT NULL,
    updated_at REAL NOT NULL,
    update_id INTEGER
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
        # Erased means erased: deleted rows are overwritten with zeros, not left in free space.
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.execute(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(sessions)")}
        if "update_id" not in columns:  # a file from before redelivered updates were recognised
            self._db.execute("ALTER TABLE sessions ADD COLUMN update_id INTEGER")
        # A file the bot may only read opens without complaint and fails at the first write (the start-up
        # purge, in a traceback): find out now, so that `run` says so in one line.
        self._db.execute("DELETE FROM sessions WHERE 0")

    def update(
        self,
        chat_id: int,
        change: Callable[[Session | None], tuple[Session, T]],
        *,
        update_id: int | None = None,
        replay: Callable[[Session | None], T] | None = None,
    ) -> T:
        check_replay(update_id, replay)
        # BEGIN IMMEDIATE takes the write lock first, so another process sharing the file waits.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            session, last_update_id = self._read(chat_id)
            if replay is not None and is_redelivery(update_id, last_update_id):
                result = replay(session)
            else:
                session, result = change(session)
                self.save(chat_id, session, update_id)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return result

    def load(self, chat_id: int) -> Session | None:
        return self._read(chat_id)[0]

    def _read(self, chat_id: int) -> tuple[Session | None, int | None]:
        """The chat's session and the id of the update that saved it last."""
        row = self._db.execute(
            "SELECT dialog_id, version, answers, step, update_id FROM sessions WHERE chat_id = ?", (chat_id,)
        ).fetchone()
        if row is None:
            return None, None
        dialog_id, version, answers, step, update_id = row
        return decode_session(dialog_id, version, answers, step), update_id

    def save(self, chat_id: int, session: Session, update_id: int | None = None) -> None:
        """Write the session; `update_id` records the update that made it (kept when None)."""
        self._db.execute(
            "INSERT INTO sessions (chat_id, dialog_id, version, answers, step, updated_at, update_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET "
            "dialog_id = excluded.dialog_id, version = excluded.version, "
            "answers = excluded.answers, step = excluded.step, updated_at = excluded.updated_at, "
            "update_id = coalesce(excluded.update_id, sessions.update_id)",
            (
                chat_id,
                session.dialog_id,
                session.version,
                encode_answers(session.answers),
                session.step,
                time.time(),
                update_id,
            ),
        )

    def forget(self, chat_id: int) -> None:
        self._db.execute("DELETE FROM sessions WHERE chat_id = ?", (chat_id,))
        # The write-ahead log still holds the pages as they were; copy the zeroed ones into the file
        # and empty the log (rare, so its cost does not matter).
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def purge_older_than(self, days: float) -> int:
        cursor = self._db.execute("DELETE FROM sessions WHERE updated_at < ?", (time.time() - days * 86400,))
        if cursor.rowcount:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as in forget()
        return cursor.rowcount

    def close(self) -> None:
        self._db.close()
