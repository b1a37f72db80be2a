"""What every session store promises (bot/store/contract.py), run against each engine.

SQLite always runs; PostgreSQL runs when CLINIC_BOT_TEST_POSTGRES_URL names a server (see tests/conftest.py).
Two stores opened on one database stand for two bot instances.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from bot.dialog.engine import Session
from bot.store import UNREADABLE, SessionStore, StoreUnavailableError, open_store

SESSION = Session("example", "abc123", (("welcome", ("start",)), ("danger", ("no",))), "how_long")
LATER = Session("example", "abc123", (), "welcome")


@dataclass(frozen=True)
class Database:
    """One database of an engine: stores open on it, and a way to age a row for the purge tests."""

    url: str
    backdate: Callable[[int, float], None]  # (chat id, days): as if the chat were untouched that long
    scribble: Callable[[int, str], None]  # (chat id, text): the row's answers overwritten with it

    def open(self) -> SessionStore:
        return open_store(self.url)


def _sqlite(tmp_path: Path) -> Database:
    path = tmp_path / "sessions.sqlite3"

    def backdate(chat_id: int, days: float) -> None:
        with sqlite3.connect(path) as db:
            db.execute(
                "UPDATE sessions SET updated_at = ? WHERE chat_id = ?", (time.time() - days * 86400, chat_id)
            )

    def scribble(chat_id: int, text: str) -> None:
        with sqlite3.connect(path) as db:
            db.execute("UPDATE sessions SET answers = ? WHERE chat_id = ?", (text, chat_id))

    return Database(f"sqlite:///{path}", backdate, scribble)


def _postgresql(url: str) -> Database:
    def backdate(chat_id: int, days: float) -> None:
        with psycopg.connect(url, autocommit=True) as db:
            db.execute(
                "UPDATE sessions SET updated_at = now() - make_interval(days => %s) WHERE chat_id = %s",
                (days, chat_id),
            )

    def scribble(chat_id: int, text: str) -> None:
        with psycopg.connect(url, autocommit=True) as db:
            db.execute("UPDATE sessions SET answers = %s WHERE chat_id = %s", (text, chat_id))

    return Database(url, backdate, scribble)


SQLITE = pytest.param("sqlite", id="sqlite")
POSTGRESQL = pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)


@pytest.fixture(params=[SQLITE, POSTGRESQL])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if request.param == "sqlite":
        return _sqlite(tmp_path)
    return _postgresql(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def store(database: Database) -> AsyncIterator[SessionStore]:
    opened = database.open()
    yield opened
    await opened.close()


@pytest.fixture
async def other(database: Database) -> AsyncIterator[SessionStore]:
    """A second store on the same database: another bot instance."""
    opened = database.open()
    yield opened
    await opened.close()


# --- load, save, forget, purge ---


@pytest.mark.parametrize("garbage", ["not json", "[1]", '[["welcome"]]', '{"a": 1}', "null", "[[1, 2, 3]]"])
async def test_a_row_that_cannot_be_read_loads_as_unreadable_and_is_overwritten_by_the_next_save(
    database: Database, store: SessionStore, garbage: str
) -> None:
    """Damaged by hand, a bad migration or a bug: no exception, so the patient is not locked out."""
    await store.save(42, SESSION)
    database.scribble(42, garbage)
    assert await store.load(42) == UNREADABLE
    assert await store.update(42, lambda session: (LATER, session)) == UNREADABLE
    assert await store.load(42) == LATER


async def test_an_unknown_chat_has_no_session(store: SessionStore) -> None:
    assert await store.load(7) is None


async def test_a_saved_session_is_seen_by_another_instance_and_after_reopening(
    database: Database, store: SessionStore, other: SessionStore
) -> None:
    await store.save(42, SESSION)
    assert await other.load(42) == SESSION
    await store.close()
    reopened = database.open()
    assert await reopened.load(42) == SESSION
    await reopened.close()


async def test_saving_again_replaces_the_session_of_that_chat_only(store: SessionStore) -> None:
    await store.save(1, SESSION)
    await store.save(2, SESSION)
    await store.save(1, LATER)
    assert (await store.load(1), await store.load(2)) == (LATER, SESSION)


async def test_forget_erases_the_chat_only_and_an_unknown_chat_is_no_error(store: SessionStore) -> None:
    await store.save(1, SESSION)
    await store.save(2, SESSION)
    await store.forget(1)
    await store.forget(99)
    assert (await store.load(1), await store.load(2)) == (None, SESSION)


async def test_purge_removes_only_sessions_older_than_the_retention(
    database: Database, store: SessionStore
) -> None:
    for chat in (1, 2, 3):
        await store.save(chat, SESSION)
    database.backdate(1, 40)
    database.backdate(2, 31)
    database.backdate(3, 29)
    assert await store.purge_older_than(30) == 2
    assert [await store.load(chat) for chat in (1, 2, 3)] == [None, None, SESSION]


# --- update: one transaction ---


async def test_update_gives_the_change_the_stored_session_saves_its_result_and_returns_its_value(
    store: SessionStore,
) -> None:
    seen: list[Session | None] = []

    def change(session: Session | None) -> tuple[Session, str]:
        seen.append(session)
        return LATER if session else SESSION, "done"

    assert await store.update(1, change) == "done"
    assert await store.update(1, change) == "done"
    assert seen == [None, SESSION]
    assert await store.load(1) == LATER


async def test_an_update_that_fails_half_way_leaves_the_stored_session_as_it_was(store: SessionStore) -> None:
    await store.save(1, SESSION)

    def broken(session: Session | None) -> tuple[Session, None]:
        raise RuntimeError("the engine failed")

    with pytest.raises(RuntimeError, match="the engine failed"):
        await store.update(1, broken)
    with pytest.raises(RuntimeError, match="the engine failed"):
        await store.update(2, broken)
    assert (await store.load(1), await store.load(2)) == (SESSION, None)
    assert await store.update(1, lambda session: (LATER, "after")) == "after"  # the chat is not left held
    assert await store.load(1) == LATER


async def test_an_instance_killed_inside_an_update_loses_nothing_and_holds_nothing(
    database: Database, store: SessionStore
) -> None:
    """kill -9 while the chat is held: the transaction rolls back, the lock goes with the connection."""
    await store.save(1, SESSION)
    script = (
        "import asyncio, sys, time\n"
        "from bot.store import open_store\n"
        "from bot.dialog.engine import Session\n"
        "def change(session):\n"
        "    print('inside', flush=True)\n"
        "    time.sleep(60)\n"
        "    return Session('x', 'x', (), 'x'), None\n"
        "asyncio.run(open_store(sys.argv[1]).update(1, change))\n"
    )
    instance = subprocess.Popen(
        [sys.executable, "-c", script, database.url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert instance.stdout is not None
        assert instance.stdout.readline() == "inside\n"
    finally:
        instance.send_signal(signal.SIGKILL)
        instance.wait()
        if instance.stdout is not None:
            instance.stdout.close()
    # Held still, the chat would be refused after STORE_TIMEOUT (StoreUnavailableError).
    assert await store.update(1, lambda session: (LATER, session)) == SESSION
    assert await store.load(1) == LATER


# --- update: a redelivered Telegram update is applied once ---


def _answered(session: Session | None) -> tuple[Session, str]:
    answers = session.answers if session else ()
    return Session("example", "abc123", (*answers, ("step", (str(len(answers)),))), "next"), "applied"


def _replayed(session: Session | None) -> str:
    return "replayed"


async def test_the_same_update_id_again_replays_without_saving(
    store: SessionStore, other: SessionStore
) -> None:
    assert await store.update(1, _answered, update_id=500, replay=_replayed) == "applied"
    once = await store.load(1)
    assert await other.update(1, _answered, update_id=500, replay=_replayed) == "replayed"
    assert await other.load(1) == once
    assert await other.update(1, _answered, update_id=501, replay=_replayed) == "applied"
    assert await store.update(1, _answered, update_id=501, replay=_replayed) == "replayed"
    loaded = await store.load(1)
    assert loaded is not None
    assert len(loaded.answers) == 2


async def test_only_the_last_update_id_counts_as_a_redelivery(store: SessionStore) -> None:
    """Telegram restarts update ids at a random number after a week of silence: a smaller id is new."""
    await store.update(1, _answered, update_id=900, replay=_replayed)
    assert await store.update(1, _answered, update_id=17, replay=_replayed) == "applied"
    await store.save(1, SESSION)  # a plain save keeps the last update id
    assert await store.update(1, _answered, update_id=17, replay=_replayed) == "replayed"
    assert await store.update(2, _answered, update_id=17, replay=_replayed) == "applied"  # ids are per chat


async def test_forget_erases_the_last_update_id_too(store: SessionStore) -> None:
    await store.update(1, _answered, update_id=5, replay=_replayed)
    await store.forget(1)
    assert await store.update(1, _answered, update_id=5, replay=_replayed) == "applied"


async def test_update_id_and_replay_come_together(store: SessionStore) -> None:
    with pytest.raises(TypeError, match="update_id and replay together"):
        await store.update(1, _answered, update_id=5)
    with pytest.raises(TypeError, match="update_id and replay together"):
        await store.update(1, _answered, replay=_replayed)


# --- update: holding a chat across instances ---


class Held:
    """Another instance, in a thread with its own event loop and store, holding chat 1 in an update until
    released: its change waits there, as a slow engine step or a stuck instance would."""

    def __init__(self, database: Database) -> None:
        self.inside = threading.Event()
        self.release = threading.Event()
        self.results: list[object] = []
        self._database = database
        self._thread = threading.Thread(target=lambda: asyncio.run(self._hold()), daemon=True)
        self._thread.start()
        assert self.inside.wait(5)

    async def _hold(self) -> None:
        store = self._database.open()

        def change(session: Session | None) -> tuple[Session, str]:
            self.inside.set()
            self.release.wait(10)
            return _answered(session)[0], "held"

        try:
            self.results.append(await store.update(1, change))
        except StoreUnavailableError as error:  # held past its own deadline
            self.results.append(error)
        finally:
            await store.close()

    def end(self) -> list[object]:
        self.release.set()
        self._thread.join(10)
        return self.results


async def test_two_instances_updating_one_chat_at_once_never_interleave(
    database: Database, store: SessionStore
) -> None:
    """The second update waits while the first holds the chat, then sees the first one's result."""
    held = Held(database)
    seen: list[Session | None] = []

    def second_change(session: Session | None) -> tuple[Session, str]:
        seen.append(session)
        return _answered(session)

    second = asyncio.create_task(store.update(1, second_change))
    await asyncio.sleep(0.3)  # room for the second update to overtake, which it must not
    assert not seen, "the second update ran while the first held the chat"
    assert held.end() == ["held"]
    assert await second == "applied"
    assert seen[0] is not None
    assert seen[0].answers == (("step", ("0",)),)
    final = await store.load(1)
    assert final is not None
    assert final.answers == (("step", ("0",)), ("step", ("1",)))


@pytest.mark.parametrize("database", [POSTGRESQL], indirect=True)
async def test_an_update_of_another_chat_does_not_wait_for_a_held_chat(
    database: Database, store: SessionStore
) -> None:
    """Server engines hold a chat, not the table (SQLite has one writer per file: it serves one instance)."""
    held = Held(database)
    try:
        assert await store.update(2, _answered) == "applied"
        assert held.inside.is_set()
        assert not held.results  # chat 1 is still held: chat 2 did not wait for it
    finally:
        assert held.end() == ["held"]


@pytest.mark.parametrize("database", [POSTGRESQL], indirect=True)
async def test_a_chat_held_longer_than_the_deadline_gets_store_unavailable_and_others_go_on(
    database: Database, store: SessionStore
) -> None:
    """A stuck instance holding a chat: that chat's next update gives up after STORE_TIMEOUT (the patient
    is asked to try again), instead of waiting with it for ever."""
    held = Held(database)
    try:
        waiting = asyncio.create_task(store.update(1, _answered))
        assert await store.update(2, _answered) == "applied"
        with pytest.raises(StoreUnavailableError):
            await waiting
    finally:
        held.end()
    assert await store.update(1, _answered) == "applied"


# --- a database that does not answer ---


async def test_a_session_file_locked_by_another_process_makes_only_the_store_wait(tmp_path: Path) -> None:
    """A backup or a second bot holding SQLite's write lock: the store's calls wait in their worker thread
    and then give up with StoreUnavailableError; the event loop is never blocked meanwhile."""
    path = tmp_path / "sessions.sqlite3"
    store = open_store(f"sqlite:///{path}")
    await store.save(1, SESSION)
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        updating = asyncio.create_task(store.update(1, _answered))
        ticks = 0
        while not updating.done():  # the loop keeps running while the update waits
            await asyncio.sleep(0.05)
            ticks += 1
        assert ticks > 10
        with pytest.raises(StoreUnavailableError):
            await updating
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert await store.update(1, _answered) == "applied"
    await store.close()


# --- PostgreSQL only: a connection the server dropped ---


@pytest.mark.parametrize("database", [POSTGRESQL], indirect=True)
async def test_a_dropped_connection_is_opened_again(database: Database) -> None:
    """As after a database restart or a network cut: the next call connects again and carries on."""
    name = f"clinic_bot_dropped_{uuid.uuid4().hex[:8]}"
    store = open_store(f"{database.url}&application_name={name}")
    await store.save(1, SESSION)
    with psycopg.connect(database.url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", (name,)
        )
    assert await store.load(1) == SESSION
    assert await store.update(1, lambda session: (LATER, "after")) == "after"
    assert await store.load(1) == LATER
    await store.close()
