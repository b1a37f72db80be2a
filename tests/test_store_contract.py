"""What every session store promises (bot/store/contract.py), run against each engine.

SQLite always runs; PostgreSQL runs when CLINIC_BOT_TEST_POSTGRES_URL names a server (see tests/conftest.py).
Two stores opened on one database stand for two bot instances.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from bot.dialog.engine import Session
from bot.store import UNREADABLE, SessionStore, open_store

SESSION = Session("example", "abc123", (("welcome", "start"), ("danger", "no")), "how_long")
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
def store(database: Database) -> Iterator[SessionStore]:
    opened = database.open()
    yield opened
    opened.close()


@pytest.fixture
def other(database: Database) -> Iterator[SessionStore]:
    """A second store on the same database: another bot instance."""
    opened = database.open()
    yield opened
    opened.close()


# --- load, save, forget, purge ---


@pytest.mark.parametrize("garbage", ["not json", "[1]", '[["welcome"]]', '{"a": 1}', "null", "[[1, 2, 3]]"])
def test_a_row_that_cannot_be_read_loads_as_unreadable_and_is_overwritten_by_the_next_save(
    database: Database, store: SessionStore, garbage: str
) -> None:
    """Damaged by hand, a bad migration or a bug: no exception, so the patient is not locked out."""
    store.save(42, SESSION)
    database.scribble(42, garbage)
    assert store.load(42) == UNREADABLE
    assert store.update(42, lambda session: (LATER, session)) == UNREADABLE
    assert store.load(42) == LATER


def test_an_unknown_chat_has_no_session(store: SessionStore) -> None:
    assert store.load(7) is None


def test_a_saved_session_is_seen_by_another_instance_and_after_reopening(
    database: Database, store: SessionStore, other: SessionStore
) -> None:
    store.save(42, SESSION)
    assert other.load(42) == SESSION
    store.close()
    reopened = database.open()
    assert reopened.load(42) == SESSION
    reopened.close()


def test_saving_again_replaces_the_session_of_that_chat_only(store: SessionStore) -> None:
    store.save(1, SESSION)
    store.save(2, SESSION)
    store.save(1, LATER)
    assert (store.load(1), store.load(2)) == (LATER, SESSION)


def test_forget_erases_the_chat_only_and_an_unknown_chat_is_no_error(store: SessionStore) -> None:
    store.save(1, SESSION)
    store.save(2, SESSION)
    store.forget(1)
    store.forget(99)
    assert (store.load(1), store.load(2)) == (None, SESSION)


def test_purge_removes_only_sessions_older_than_the_retention(
    database: Database, store: SessionStore
) -> None:
    for chat in (1, 2, 3):
        store.save(chat, SESSION)
    database.backdate(1, 40)
    database.backdate(2, 31)
    database.backdate(3, 29)
    assert store.purge_older_than(30) == 2
    assert [store.load(chat) for chat in (1, 2, 3)] == [None, None, SESSION]


# --- update: one transaction ---


def test_update_gives_the_change_the_stored_session_saves_its_result_and_returns_its_value(
    store: SessionStore,
) -> None:
    seen: list[Session | None] = []

    def change(session: Session | None) -> tuple[Session, str]:
        seen.append(session)
        return LATER if session else SESSION, "done"

    assert store.update(1, change) == "done"
    assert store.update(1, change) == "done"
    assert seen == [None, SESSION]
    assert store.load(1) == LATER


def test_an_update_that_fails_half_way_leaves_the_stored_session_as_it_was(store: SessionStore) -> None:
    store.save(1, SESSION)

    def broken(session: Session | None) -> tuple[Session, None]:
        raise RuntimeError("the engine failed")

    with pytest.raises(RuntimeError, match="the engine failed"):
        store.update(1, broken)
    with pytest.raises(RuntimeError, match="the engine failed"):
        store.update(2, broken)
    assert (store.load(1), store.load(2)) == (SESSION, None)
    assert store.update(1, lambda session: (LATER, "after")) == "after"  # the chat is not left held
    assert store.load(1) == LATER


def test_an_instance_killed_inside_an_update_loses_nothing_and_holds_nothing(
    database: Database, store: SessionStore
) -> None:
    """kill -9 while the chat is held: the transaction rolls back, the lock goes with the connection."""
    store.save(1, SESSION)
    script = (
        "import sys, time\n"
        "from bot.store import open_store\n"
        "from bot.dialog.engine import Session\n"
        "def change(session):\n"
        "    print('inside', flush=True)\n"
        "    time.sleep(60)\n"
        "    return Session('x', 'x', (), 'x'), None\n"
        "open_store(sys.argv[1]).update(1, change)\n"
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
    started = time.monotonic()
    assert store.update(1, lambda session: (LATER, session)) == SESSION
    assert time.monotonic() - started < 2
    assert store.load(1) == LATER


# --- update: a redelivered Telegram update is applied once ---


def _answered(session: Session | None) -> tuple[Session, str]:
    answers = session.answers if session else ()
    return Session("example", "abc123", (*answers, ("step", str(len(answers)))), "next"), "applied"


def _replayed(session: Session | None) -> str:
    return "replayed"


def test_the_same_update_id_again_replays_without_saving(store: SessionStore, other: SessionStore) -> None:
    assert store.update(1, _answered, update_id=500, replay=_replayed) == "applied"
    once = store.load(1)
    assert other.update(1, _answered, update_id=500, replay=_replayed) == "replayed"
    assert other.load(1) == once
    assert other.update(1, _answered, update_id=501, replay=_replayed) == "applied"
    assert store.update(1, _answered, update_id=501, replay=_replayed) == "replayed"
    loaded = store.load(1)
    assert loaded is not None
    assert len(loaded.answers) == 2


def test_only_the_last_update_id_counts_as_a_redelivery(store: SessionStore) -> None:
    """Telegram restarts update ids at a random number after a week of silence: a smaller id is new."""
    store.update(1, _answered, update_id=900, replay=_replayed)
    assert store.update(1, _answered, update_id=17, replay=_replayed) == "applied"
    store.save(1, SESSION)  # a plain save keeps the last update id
    assert store.update(1, _answered, update_id=17, replay=_replayed) == "replayed"
    assert store.update(2, _answered, update_id=17, replay=_replayed) == "applied"  # ids are per chat


def test_forget_erases_the_last_update_id_too(store: SessionStore) -> None:
    store.update(1, _answered, update_id=5, replay=_replayed)
    store.forget(1)
    assert store.update(1, _answered, update_id=5, replay=_replayed) == "applied"


def test_update_id_and_replay_come_together(store: SessionStore) -> None:
    with pytest.raises(TypeError, match="update_id and replay together"):
        store.update(1, _answered, update_id=5)
    with pytest.raises(TypeError, match="update_id and replay together"):
        store.update(1, _answered, replay=_replayed)


# --- update: holding a chat across instances ---


class Held:
    """A change that signals when it runs and then holds the chat until released (or `timeout` passes)."""

    def __init__(self, timeout: float = 5.0) -> None:
        self.inside = threading.Event()
        self.release = threading.Event()
        self.timeout = timeout

    def __call__(self, session: Session | None) -> tuple[Session, str]:
        self.inside.set()
        self.release.wait(self.timeout)
        return _answered(session)[0], "held"


def _in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(work()), daemon=True)
    thread.start()
    return thread, results


def test_two_instances_updating_one_chat_at_once_never_interleave(
    store: SessionStore, other: SessionStore
) -> None:
    """The second update waits while the first holds the chat, then sees the first one's result."""
    held = Held()
    first, _ = _in_thread(lambda: store.update(1, held))
    assert held.inside.wait(5)
    seen: list[Session | None] = []

    def second_change(session: Session | None) -> tuple[Session, str]:
        seen.append(session)
        return _answered(session)

    second, second_results = _in_thread(lambda: other.update(1, second_change))
    time.sleep(0.3)
    assert second.is_alive(), "the second update ran while the first held the chat"
    assert not seen
    held.release.set()
    first.join(5)
    second.join(5)
    assert second_results == ["applied"]
    assert seen[0] is not None
    assert seen[0].answers == (("step", "0"),)
    final = store.load(1)
    assert final is not None
    assert final.answers == (("step", "0"), ("step", "1"))


@pytest.mark.parametrize("database", [POSTGRESQL], indirect=True)
def test_an_update_of_another_chat_does_not_wait_for_a_held_chat(
    store: SessionStore, other: SessionStore
) -> None:
    """Server engines hold a chat, not the table (SQLite has one writer per file: it serves one instance)."""
    held = Held()
    first, _ = _in_thread(lambda: store.update(1, held))
    assert held.inside.wait(5)
    try:
        started = time.monotonic()
        assert other.update(2, _answered) == "applied"
        assert time.monotonic() - started < 1
        assert first.is_alive()
    finally:
        held.release.set()
        first.join(5)
    assert store.load(1) is not None


# --- PostgreSQL only: a connection the server dropped ---


@pytest.mark.parametrize("database", [POSTGRESQL], indirect=True)
def test_a_dropped_connection_is_opened_again(database: Database, store: SessionStore) -> None:
    """As after a database restart or a network cut: the next call connects again and carries on."""
    store.save(1, SESSION)
    with psycopg.connect(database.url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (store._db.info.backend_pid,))  # type: ignore[attr-defined]
    assert store.load(1) == SESSION
    assert store.update(1, lambda session: (LATER, "after")) == "after"
    assert store.load(1) == LATER
