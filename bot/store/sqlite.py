"""Sessions in one SQLite file (WAL): embedded, nothing to run, survives `kill -9`.

The connection lives in one worker thread, so that a file locked by another process (a backup, a second
bot started by mistake) makes the updates that need it wait there, not the event loop: /help and every
chat that needs no session carry on. One transaction runs at a time; the engine's step between its read
and its write runs on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bot.dialog.engine import Session
from bot.store.contract import (
    STORE_TIMEOUT,
    StoreUnavailableError,
    check_replay,
    decode_session,
    encode_answers,
    is_redelivery,
)

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
_SAVE = (
    "INSERT INTO sessions (chat_id, dialog_id, version, answers, step, updated_at, update_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET "
    "dialog_id = excluded.dialog_id, version = excluded.version, "
    "answers = excluded.answers, step = excluded.step, updated_at = excluded.updated_at, "
    "update_id = coalesce(excluded.update_id, sessions.update_id)"
)


class SqliteStore:
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._lock = asyncio.Lock()
        self._closed = False
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a commit survives the process being killed; only a power cut
        # can lose the last moments, which costs a patient one answer at worst.
        self._db.execute("PRAGMA synchronous=NORMAL")
        # Waits for a lock held by another process, in the worker thread; below STORE_TIMEOUT, so that
        # SQLite's own error ends the wait and the transaction is not left open behind a timed-out update.
        self._db.execute(f"PRAGMA busy_timeout={int(STORE_TIMEOUT * 800)}")
        # Erased means erased: deleted rows are overwritten with zeros, not left in free space.
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.execute(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(sessions)")}
        if "update_id" not in columns:  # a file from before redelivered updates were recognised
            self._db.execute("ALTER TABLE sessions ADD COLUMN update_id INTEGER")
        # A file the bot may only read opens without complaint and fails at the first write (the start-up
        # purge, in a traceback): find out now, so that `run` says so in one line.
        self._db.execute("DELETE FROM sessions WHERE 0")

    async def update(
        self,
        chat_id: int,
        change: Callable[[Session | None], tuple[Session, T]],
        *,
        update_id: int | None = None,
        replay: Callable[[Session | None], T] | None = None,
    ) -> T:
        check_replay(update_id, replay)
        async with self._turn():
            # One trip to the worker thread for the whole transaction: `change` (the engine, pure and
            # quick) runs there too, one transaction at a time, so the engine is never used by two threads.
            return await self._in_thread(self._transact, chat_id, change, update_id, replay)

    async def load(self, chat_id: int) -> Session | None:
        async with self._turn():
            return (await self._in_thread(self._read, chat_id))[0]

    async def save(self, chat_id: int, session: Session) -> None:
        async with self._turn():
            await self._in_thread(self._save, chat_id, session, None)

    async def forget(self, chat_id: int) -> None:
        async with self._turn():
            await self._in_thread(self._forget, chat_id)

    async def purge_older_than(self, days: float) -> int:
        async with self._turn():
            return await self._in_thread(self._purge, days)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        async with self._turn():
            await self._in_thread(self._db.close)
        self._thread.shutdown()

    @contextlib.asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """The connection, once the transactions before have ended; StoreUnavailableError when they take
        longer than STORE_TIMEOUT (the file is locked elsewhere), so that a queue of waiting updates stays
        short."""
        try:
            async with asyncio.timeout(STORE_TIMEOUT):
                await self._lock.acquire()
        except TimeoutError:
            raise StoreUnavailableError("the session file stayed busy") from None
        try:
            yield
        finally:
            self._lock.release()

    async def _in_thread(self, work: Callable[..., T], *args: Any) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._thread, work, *args)
        except sqlite3.OperationalError as error:  # "database is locked", a full disk, a lost file
            raise StoreUnavailableError(str(error)) from None

    # In the worker thread:

    def _transact(
        self,
        chat_id: int,
        change: Callable[[Session | None], tuple[Session, T]],
        update_id: int | None,
        replay: Callable[[Session | None], T] | None,
    ) -> T:
        # BEGIN IMMEDIATE takes the write lock first, so another process sharing the file waits.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            session, last_update_id = self._read(chat_id)
            if replay is not None and is_redelivery(update_id, last_update_id):
                result = replay(session)
            else:
                session, result = change(session)
                self._save(chat_id, session, update_id)
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        return result

    def _read(self, chat_id: int) -> tuple[Session | None, int | None]:
        """The chat's session and the id of the update that saved it last."""
        row = self._db.execute(
            "SELECT dialog_id, version, answers, step, update_id FROM sessions WHERE chat_id = ?", (chat_id,)
        ).fetchone()
        if row is None:
            return None, None
        dialog_id, version, answers, step, update_id = row
        return decode_session(dialog_id, version, answers, step), update_id

    def _save(self, chat_id: int, session: Session, update_id: int | None) -> None:
        """Write the session; `update_id` records the update that made it (kept when None)."""
        values = (chat_id, session.dialog_id, session.version, encode_answers(session), session.step)
        self._db.execute(_SAVE, (*values, time.time(), update_id))

    def _forget(self, chat_id: int) -> None:
        self._db.execute("DELETE FROM sessions WHERE chat_id = ?", (chat_id,))
        # The write-ahead log still holds the pages as they were; copy the zeroed ones into the file
        # and empty the log (rare, so its cost does not matter).
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _purge(self, days: float) -> int:
        cursor = self._db.execute("DELETE FROM sessions WHERE updated_at < ?", (time.time() - days * 86400,))
        if cursor.rowcount:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as in forget()
        return cursor.rowcount
