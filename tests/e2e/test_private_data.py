"""What the running bot keeps and writes about patients: /forget erases it, old sessions are purged,
and the logs of whole conversations hold no message text, no name and no token (docs/reliability.md)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import psycopg
import pytest
from botprocess import BotProcess
from patients import BOOK, HOME, stored_answers, walk

from testkit import BotApiServer

# Ids of 5 bytes, as SQLite stores an integer of that size: their bytes are easy to find in the file.
KIM = 0x7A_3C_91_E4_2B


def _rows_naming(database: Path, chat_id: int) -> list[tuple[str, tuple[object, ...]]]:
    """Every row, in every table, with the chat id in any column."""
    with sqlite3.connect(database) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = []
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from sqlite_master
                if chat_id in row or str(chat_id) in map(str, row):
                    found.append((table, row))
    return found


async def test_forget_erases_every_row_of_the_patient_and_every_trace_in_the_files(
    server: BotApiServer, bot: BotProcess
) -> None:
    kim = server.user(KIM, "Kim")
    await walk(kim, BOOK, timeout=10)
    database = bot.workdir / "sessions.sqlite3"
    assert _rows_naming(database, KIM)

    await kim.send("/forget")
    await kim.wait_for("Erase everything")
    await kim.tap("Yes, erase everything")
    await kim.wait_for("everything I kept about you is erased")

    assert _rows_naming(database, KIM) == []
    files = [path for path in bot.workdir.glob("sessions.sqlite3*") if path.is_file()]
    key = KIM.to_bytes(5, "big")
    assert [path.name for path in files if key in path.read_bytes()] == []  # not in a free page or the WAL


async def test_sessions_untouched_for_retention_days_are_erased_at_start_up(
    server: BotApiServer, bot: BotProcess
) -> None:
    old, recent = server.user(0x7B_11_22_33_44, "Old"), server.user(8102, "Recent")
    await walk(old, HOME, timeout=10)
    await walk(recent, HOME, timeout=10)
    await bot.stop()
    database = bot.workdir / "sessions.sqlite3"
    with sqlite3.connect(database) as db:
        for chat, days in ((old.id, 31), (recent.id, 29)):
            db.execute(
                "UPDATE sessions SET updated_at = ? WHERE chat_id = ?", (time.time() - days * 86400, chat)
            )

    await bot.start()  # privacy.retention_days is not in the config: 30 days

    assert stored_answers(database, old.id) is None
    assert stored_answers(database, recent.id) is not None
    files = [path for path in bot.workdir.glob("sessions.sqlite3*") if path.is_file()]
    assert [path.name for path in files if old.id.to_bytes(5, "big") in path.read_bytes()] == []
    assert "erased 1 session(s) untouched for 30 days" in bot.logs()


async def test_the_logs_of_whole_conversations_hold_no_text_no_name_and_no_token(
    server: BotApiServer, bot: BotProcess
) -> None:
    """Names, usernames and everything typed carry a marker; the logs, faults and errors included, must
    not show any of them, nor the token, nor a raw user id (the logs use a keyed hash)."""
    server.faults.server_error("sendMessage", status=500, fraction=0.2)
    server.faults.drop("editMessageText", fraction=0.2)
    patients = [
        server.user(731_904_226_118 + i, f"Zelda{i}Marker", last_name="Quux", username=f"zq_user_{i}")
        for i in range(4)
    ]
    typed = ["xyzzy secret words", "My back hurts since Tuesday", "plugh 12345", "/nosuchcommand frobozz"]
    for user, text in zip(patients, typed, strict=True):
        await user.send("/start")
        await user.wait_for("Hi!", timeout=20)
        await user.send(text)
        await user.wait_for(
            "I do not know that command" if text[0] == "/" else "I did not understand", timeout=20
        )
        await user.send("1")
        await user.wait_for("Do you have trouble breathing", timeout=20)
        await user.send_sticker()
        await user.send_photo(caption="photo caption fnord")
        await user.edit_last("edited text grault")
        await user.send("/why")
        await user.send("no")
        await user.wait_for("How long have you had it?", timeout=20)
        await user.tap("A week or more")
        await user.wait_for("Book an appointment", timeout=20)
    server.faults.clear()
    await asyncio.sleep(0.5)
    logs = bot.logs()

    assert "sendMessage failed" in logs  # the faults were logged, and so were the answers
    assert "step=book" in logs
    secrets = [*typed, "fnord", "grault", "Quux", server.token, server.token.partition(":")[2]]
    for user in patients:
        secrets += [user.json["first_name"], user.json["username"], str(user.id)]
    assert [secret for secret in secrets if secret in logs] == []


def _pages_holding(postgres_url: str, needle: bytes) -> int:
    """How many pages of the sessions table hold `needle`, read raw (pageinspect), as an attacker with
    the database's files would; a deleted row stays there, readable, until it is vacuumed away."""
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("CREATE EXTENSION IF NOT EXISTS pageinspect SCHEMA public")
        pages = db.execute(
            "SELECT pg_relation_size('sessions') / current_setting('block_size')::int"
        ).fetchone()
        assert pages is not None
        found = 0
        for page in range(int(pages[0])):
            row = db.execute("SELECT public.get_raw_page('sessions', %s)", (page,)).fetchone()
            assert row is not None
            found += needle in bytes(row[0])
        return found


@pytest.mark.postgres
async def test_forget_on_postgresql_leaves_nothing_readable_in_the_table_pages(
    server: BotApiServer, tmp_path: Path, postgres_url: str
) -> None:
    """PostgreSQL keeps a deleted row in its page (a dead tuple) until the table is vacuumed, while the
    patient was told everything was erased; the bot now vacuums the table soon after each erasure."""
    instance = BotProcess(server, tmp_path, "example", storage_url=postgres_url)
    await instance.start()
    kim = server.user(KIM, "Kim")
    try:
        await walk(kim, BOOK, timeout=10)
        assert _pages_holding(postgres_url, b"a_week_or_more") == 1
        await kim.send("/forget")
        await kim.wait_for("Erase everything")
        await kim.tap("Yes, erase everything")
        await kim.wait_for("everything I kept about you is erased")
        async with asyncio.timeout(10):
            while _pages_holding(postgres_url, b"a_week_or_more"):
                await asyncio.sleep(0.2)
    finally:
        await instance.stop()
