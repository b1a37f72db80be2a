"""The session store keeps exactly what a conversation needs, survives reopening, and forgets on request."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from bot.dialog.engine import Session
from bot.store import SqliteStore, open_store

SESSION = Session("example", "abc123", (("welcome", "start"), ("danger", "no")), "how_long")


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(str(tmp_path / "sessions.sqlite3"))


def test_a_saved_session_comes_back_after_the_file_is_reopened(tmp_path: Path) -> None:
    path = str(tmp_path / "sessions.sqlite3")
    first = SqliteStore(path)
    first.save(42, SESSION)
    first.close()
    assert SqliteStore(path).load(42) == SESSION


def test_an_unknown_chat_has_no_session(store: SqliteStore) -> None:
    assert store.load(7) is None


def test_saving_again_replaces_the_session_of_that_chat_only(store: SqliteStore) -> None:
    store.save(1, SESSION)
    store.save(2, SESSION)
    later = Session("example", "abc123", (), "welcome")
    store.save(1, later)
    assert store.load(1) == later
    assert store.load(2) == SESSION


def test_forget_erases_every_row_of_the_chat(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    store = SqliteStore(str(path))
    store.save(1, SESSION)
    store.save(2, SESSION)
    store.forget(1)
    rows = sqlite3.connect(path).execute("SELECT chat_id FROM sessions").fetchall()
    assert rows == [(2,)]
    assert store.load(1) is None


def test_purge_removes_only_sessions_older_than_the_retention(store: SqliteStore) -> None:
    store.save(1, SESSION)
    store._db.execute("UPDATE sessions SET updated_at = ? WHERE chat_id = 1", (time.time() - 40 * 86400,))
    store.save(2, SESSION)
    assert store.purge_older_than(30) == 1
    assert store.load(1) is None
    assert store.load(2) == SESSION


def test_the_store_keeps_no_names_or_message_texts(tmp_path: Path) -> None:
    """Only ids of steps and answers are stored: nothing a patient typed."""
    path = tmp_path / "sessions.sqlite3"
    SqliteStore(str(path)).save(1, SESSION)
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(sessions)")]
    assert columns == ["chat_id", "dialog_id", "version", "answers", "step", "updated_at"]


def test_the_database_is_in_wal_mode_so_readers_never_block_the_writer(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    SqliteStore(str(path))
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_open_store_makes_missing_folders_for_a_sqlite_url(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/new/folder/s.sqlite3")
    store.save(1, SESSION)
    assert (tmp_path / "new" / "folder" / "s.sqlite3").exists()


def test_an_update_that_fails_half_way_leaves_the_stored_session_as_it_was(store: SqliteStore) -> None:
    store.save(1, SESSION)

    def broken(session: Session | None) -> tuple[Session, None]:
        raise RuntimeError("the engine failed")

    with pytest.raises(RuntimeError):
        store.update(1, broken)
    assert store.load(1) == SESSION
    moved = Session("example", "abc123", (), "welcome")
    assert store.update(1, lambda session: (moved, "done")) == "done"
    assert store.load(1) == moved
