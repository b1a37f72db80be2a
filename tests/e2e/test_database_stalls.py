"""A database that is slow, locked or gone delays only the chats that need it, through the real bot.

Before, store calls ran on the event loop: a SQLite file locked by another process froze every chat
(even /help), and one chat's PostgreSQL lock froze all of them.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from botprocess import BotProcess

from bot.texts import TRY_LATER
from testkit import BotApiServer, ScriptedUser


async def _at_the_first_question(user: ScriptedUser) -> None:
    await user.send("/start")
    await user.wait_for("Hi!")


async def _tap_start_and_wait_until_it_is_in_hand(server: BotApiServer, user: ScriptedUser) -> None:
    """The bot answers a tap's callback query first, then goes to the store."""
    tap = await user.tap("Start")
    await tap.answered()


@pytest.fixture
async def locked(bot: BotProcess) -> AsyncIterator[sqlite3.Connection]:
    """Another process holding the session file's write lock, as a backup or a second bot would."""
    locker = sqlite3.connect(bot.workdir / "sessions.sqlite3", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    yield locker
    if locker.in_transaction:
        locker.execute("ROLLBACK")
    locker.close()


async def test_a_locked_session_file_holds_up_only_the_chat_that_needs_it(
    server: BotApiServer, bot: BotProcess, locked: sqlite3.Connection
) -> None:
    ann, bob = server.user(5101, "Ann"), server.user(5102, "Bob")
    locked.execute("ROLLBACK")
    await _at_the_first_question(ann)
    locked.execute("BEGIN EXCLUSIVE")
    await _tap_start_and_wait_until_it_is_in_hand(server, ann)
    await bob.send("/help")  # needs no session: answered while Ann's update waits for the file
    await bob.wait_for("I ask a few questions", timeout=3)
    locked.execute("ROLLBACK")
    await ann.wait_for("trouble breathing")  # and Ann's tap, once the file is free, counts
    assert not any(m.shows(TRY_LATER) or m.shows("went wrong") for m in ann.messages)


async def test_while_the_session_file_stays_locked_the_patient_is_asked_to_try_again_and_loses_nothing(
    server: BotApiServer, bot: BotProcess, locked: sqlite3.Connection
) -> None:
    ann = server.user(5103, "Ann")
    locked.execute("ROLLBACK")
    await _at_the_first_question(ann)
    locked.execute("BEGIN EXCLUSIVE")
    await ann.tap("Start")
    sorry = await ann.wait_for("try again in a minute", timeout=15)
    assert sorry.plain_text == TRY_LATER
    locked.execute("ROLLBACK")
    await ann.tap("Start")  # the same button again, once the database is back
    await ann.wait_for("trouble breathing")
    assert "ERROR" not in bot.logs()


@pytest.mark.postgres
async def test_one_chat_held_in_postgresql_does_not_hold_up_another(
    server: BotApiServer, tmp_path: Path, postgres_url: str
) -> None:
    """Another instance (here: the test) holds Ann's chat lock; Bob's answers go through meanwhile."""
    instance = BotProcess(server, tmp_path, "example", storage_url=postgres_url)
    await instance.start()
    ann, bob = server.user(5201, "Ann"), server.user(5202, "Bob")
    try:
        await _at_the_first_question(ann)
        await _at_the_first_question(bob)
        with psycopg.connect(postgres_url, autocommit=True) as other:
            other.execute("SELECT pg_advisory_lock(%s::bigint)", (ann.id,))
            await _tap_start_and_wait_until_it_is_in_hand(server, ann)
            await bob.tap("Start")
            await bob.wait_for("trouble breathing", timeout=3)
            other.execute("SELECT pg_advisory_unlock(%s::bigint)", (ann.id,))
        await ann.wait_for("trouble breathing")
    finally:
        await instance.stop()
    assert "Traceback" not in instance.logs()


class Partition:
    """A TCP relay between the bot and PostgreSQL that can be cut, as a network partition cuts it: while
    cut, nothing passes either way and no side is told (no server-side timeout can fire)."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self.healed = asyncio.Event()
        self.healed.set()
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> int:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        for pipe in self._pipes:
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            pipe = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(pipe)
            pipe.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(65536):
                await self.healed.wait()
                sink.write(chunk)
                await sink.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            sink.close()


@pytest.mark.postgres
async def test_while_postgresql_is_cut_off_patients_are_asked_to_try_again_and_lose_nothing(
    server: BotApiServer, tmp_path: Path, postgres_url: str
) -> None:
    """A 25 s network partition froze the whole bot for 25 s: now the updates that need the database give
    up after 5 s with one short message, the others are served, and all works again once it is back."""
    parts = urlsplit(postgres_url)
    assert parts.hostname is not None
    partition = Partition(parts.hostname, parts.port or 5432)
    async with partition as port:
        relayed = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{port}"))
        instance = BotProcess(server, tmp_path, "example", storage_url=relayed)
        await instance.start()
        ann, bob = server.user(5301, "Ann"), server.user(5302, "Bob")
        try:
            await _at_the_first_question(ann)
            partition.healed.clear()
            await ann.tap("Start")
            await bob.send("/help")
            await bob.wait_for("I ask a few questions")  # not waiting for the database
            sorry = await ann.wait_for("try again in a minute", timeout=15)
            assert sorry.plain_text == TRY_LATER
            partition.healed.set()
            await ann.tap("Start")
            await ann.wait_for("trouble breathing", timeout=15)
        finally:
            await instance.stop()
    assert sum(m.shows(TRY_LATER) for m in ann.messages) == 1
    with psycopg.connect(postgres_url) as db:
        [(column,)] = db.execute("SELECT answers FROM sessions WHERE chat_id = %s", (ann.id,)).fetchall()
    assert json.loads(column)["answers"] == [["welcome", "start"]]  # beside it: the question on screen
