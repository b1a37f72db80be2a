"""Sessions in PostgreSQL, shared by several bot instances (`storage.url: postgresql://user@host/db`).

psycopg 3's asynchronous connections, from a psycopg_pool pool, so that a chat waiting for the database (a
held lock, a slow server) delays no other chat: each update takes a connection of its own. A chat is held
by a transaction-level advisory lock on its id, so that two instances never interleave one chat's updates
while different chats never wait for each other; the lock lasts one transaction (the engine's step), never
a call to Telegram. Every transaction has a client-side deadline (STORE_TIMEOUT), which also covers a
network partition, where no server-side timeout can fire.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
import psycopg_pool

from bot.dialog.engine import Session
from bot.store.contract import (
    STORE_TIMEOUT,
    StoreError,
    StoreUnavailableError,
    check_replay,
    decode_session,
    encode_answers,
    is_redelivery,
)

T = TypeVar("T")
Connection = psycopg.AsyncConnection[tuple[Any, ...]]

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
CONNECT_TIMEOUT = 5  # seconds to reach the server
VACUUM_AFTER = 1.0  # seconds from an erasure to the vacuum that makes it final, for all erasures meanwhile
VACUUM_TIMEOUT = 300.0  # seconds a vacuum may take (it skips pages that hold no dead rows)
POOL_SIZE = 16  # connections: twice the updates handled at once, so a held chat never starves the others
# A hung instance must not hold a chat for ever; the server ends a statement that outlives the deadline.
_SESSION_SETTINGS = (
    "SET idle_in_transaction_session_timeout = '5s'",
    f"SET lock_timeout = '{int(STORE_TIMEOUT * 1000)}ms'",
    f"SET statement_timeout = '{int(STORE_TIMEOUT * 1000)}ms'",
)


class PostgresStore:
    """A pool of connections, opened on first use (it belongs to the event loop that serves); the table is
    created when the store is made, so that a wrong address is a clear error before the bot starts."""

    def __init__(self, url: str) -> None:
        try:
            with (
                psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as db,
                db.transaction(),
            ):
                db.execute(_SCHEMA_LOCK)
                db.execute(_SCHEMA)
        except psycopg.Error as error:  # the first line says it all; psycopg's hints follow it
            raise StoreError(str(error).removeprefix("connection failed: ").splitlines()[0]) from None
        self._pool = psycopg_pool.AsyncConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            open=False,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
            configure=_configure,
            check=psycopg_pool.AsyncConnectionPool.check_connection,  # a dropped connection is replaced
            timeout=STORE_TIMEOUT,
        )
        self._opened: asyncio.Task[None] | None = None
        self._vacuum: asyncio.Task[None] | None = None
        self._abandoned: set[asyncio.Future[Any]] = set()  # transactions past their deadline, ending

    async def update(
        self,
        chat_id: int,
        change: Callable[[Session | None], tuple[Session, T]],
        *,
        update_id: int | None = None,
        replay: Callable[[Session | None], T] | None = None,
    ) -> T:
        check_replay(update_id, replay)

        async def work(db: Connection) -> T:
            await db.execute("SELECT pg_advisory_xact_lock(%s::bigint)", (chat_id,))
            session, last_update_id = await _read(db, chat_id)
            if replay is not None and is_redelivery(update_id, last_update_id):
                return replay(session)
            session, result = change(session)
            await _save(db, chat_id, session, update_id)
            return result

        return await self._run(work)

    async def load(self, chat_id: int) -> Session | None:
        return (await self._run(lambda db: _read(db, chat_id)))[0]

    async def save(self, chat_id: int, session: Session) -> None:
        await self._run(lambda db: _save(db, chat_id, session, None))

    async def forget(self, chat_id: int) -> None:
        async def delete(db: Connection) -> None:
            await db.execute("DELETE FROM sessions WHERE chat_id = %s", (chat_id,))

        await self._run(delete)
        self._vacuum_soon()

    async def purge_older_than(self, days: float) -> int:
        async def purge(db: Connection) -> int:
            return (await db.execute(_PURGE, (days * 86400,))).rowcount

        removed = await self._run(purge)
        if removed:
            self._vacuum_soon()
        return removed

    async def close(self) -> None:
        if self._vacuum is not None:  # an erasure just before stopping is still made final
            await asyncio.wait([self._vacuum], timeout=STORE_TIMEOUT)
        await self._pool.close()

    def _vacuum_soon(self) -> None:
        """A deleted row stays readable in its page (a dead tuple) until VACUUM removes it, and autovacuum
        waits for a fifth of the table to change: vacuum the table VACUUM_AFTER seconds after an erasure,
        once for all the erasures of that moment."""
        if self._vacuum is None or self._vacuum.done():
            self._vacuum = asyncio.ensure_future(self._vacuum_table())

    async def _vacuum_table(self) -> None:
        await asyncio.sleep(VACUUM_AFTER)
        try:
            async with asyncio.timeout(VACUUM_TIMEOUT), self._pool.connection() as db:
                await db.execute("SET statement_timeout = 0")
                await db.execute("VACUUM sessions")  # outside a transaction: the connection autocommits
                await _configure(db)  # the timeouts again, before the pool lends it to an update
        except (TimeoutError, psycopg.Error, psycopg_pool.PoolTimeout) as error:
            log.warning(
                "vacuum after an erasure failed (%s); the next erasure tries again", type(error).__name__
            )

    async def _run(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """`work` in one transaction, within STORE_TIMEOUT; StoreUnavailableError when the database is
        down, does not answer, or a connection broke mid-way (the server then rolls the transaction back,
        unless it broke while committing: an update tried again is recognised by its update id).

        On the deadline the transaction is left to end in the background: psycopg, interrupted, first
        asks the server to cancel the query and waits for that up to 10 s, which in a network partition
        never comes, and the patient should not wait with it."""
        attempt = asyncio.ensure_future(self._transaction(work))
        try:
            async with asyncio.timeout(STORE_TIMEOUT):
                return await asyncio.shield(attempt)
        except TimeoutError:
            attempt.cancel()
            self._abandoned.add(attempt)
            attempt.add_done_callback(self._forget_abandoned)
            raise StoreUnavailableError("no answer within the deadline") from None
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as error:
            raise StoreUnavailableError(type(error).__name__) from None

    async def _transaction(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        if self._opened is None:
            self._opened = asyncio.ensure_future(self._pool.open(wait=False))
        await asyncio.shield(self._opened)
        async with self._pool.connection() as db, db.transaction():
            return await work(db)

    def _forget_abandoned(self, attempt: asyncio.Future[Any]) -> None:
        self._abandoned.discard(attempt)
        if not attempt.cancelled():
            attempt.exception()  # retrieved, so that asyncio does not report it: the update gave up already


async def _configure(db: Connection) -> None:
    for setting in _SESSION_SETTINGS:
        await db.execute(setting)


async def _read(db: Connection, chat_id: int) -> tuple[Session | None, int | None]:
    """The chat's session and the id of the update that saved it last."""
    cursor = await db.execute(
        "SELECT dialog_id, version, answers, step, update_id FROM sessions WHERE chat_id = %s", (chat_id,)
    )
    row = await cursor.fetchone()
    if row is None:
        return None, None
    dialog_id, version, answers, step, update_id = row
    return decode_session(dialog_id, version, answers, step), update_id


async def _save(db: Connection, chat_id: int, session: Session, update_id: int | None) -> None:
    values = (chat_id, session.dialog_id, session.version, encode_answers(session), session.step)
    await db.execute(_SAVE, (*values, update_id))
