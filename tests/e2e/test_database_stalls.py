"""A database that is slow, locked or gone delays only the chats that need it, through the real bot.

Before, store calls ran on the event loop: a SQLite file locked by another process froze every chat
(even /help), and one chat's PostgreSQL lock froze all of them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

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
