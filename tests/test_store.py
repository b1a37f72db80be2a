"""What is particular to the SQLite store; what every store promises is in test_store_contract.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.dialog.engine import Session
from bot.store import SqliteStore, open_store

SESSION = Session("example", "abc123", (("welcome", ("start",)), ("danger", ("no",))), "how_long")


async def test_forget_erases_every_row_of_the_chat(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    store = SqliteStore(str(path))
    await store.save(1, SESSION)
    await store.save(2, SESSION)
    await store.forget(1)
    rows = sqlite3.connect(path).execute("SELECT chat_id FROM sessions").fetchall()
    assert rows == [(2,)]


async def test_the_store_keeps_no_names_or_message_texts(tmp_path: Path) -> None:
    """Only ids of steps and answers are stored (and Telegram's number of the last update): nothing typed."""
    path = tmp_path / "sessions.sqlite3"
    await SqliteStore(str(path)).save(1, SESSION)
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(sessions)")]
    assert columns == ["chat_id", "dialog_id", "version", "answers", "step", "updated_at", "update_id"]


async def test_a_file_from_before_update_ids_gets_the_column_and_keeps_its_sessions(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE sessions (chat_id INTEGER PRIMARY KEY, dialog_id TEXT NOT NULL, "
            "version TEXT NOT NULL, answers TEXT NOT NULL, step TEXT NOT NULL, updated_at REAL NOT NULL) "
            "WITHOUT ROWID"
        )
        old.execute(
            """INSERT INTO sessions VALUES (1, 'example', 'abc123', '[["welcome","start"]]', 'danger', 0)"""
        )
    store = SqliteStore(str(path))
    assert await store.load(1) == Session("example", "abc123", (("welcome", ("start",)),), "danger")
    results = [
        await store.update(1, lambda s: (SESSION, "applied"), update_id=7, replay=lambda s: "again")
        for _ in "12"
    ]
    assert results == ["applied", "again"]


async def test_the_database_is_in_wal_mode_so_readers_never_block_the_writer(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    SqliteStore(str(path))
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_open_store_makes_missing_folders_for_a_sqlite_url(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/new/folder/s.sqlite3")
    await store.save(1, SESSION)
    assert (tmp_path / "new" / "folder" / "s.sqlite3").exists()
