"""Memory per stored session (SQLite) and per active session (in memory), each in a fresh process.

A fresh interpreter per measure keeps one measure's garbage out of the next one's resident set.
Run as `python -m bench.memory stored|active COUNT` it prints one JSON object.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.results import Row, info
from bench.sessions import engine_for, random_sessions, shipped_dialog
from bench.stats import peak_rss_bytes, rss_bytes
from bot.store import SqliteStore
from bot.telegram.frontend import RecentChats

MB = 1024 * 1024


def measure(stored: int, active: int) -> list[Row]:
    """RSS growth of the process that stores `stored` sessions, and the cost of `active` live ones."""
    disk = _child("stored", stored)
    live = _child("active", active)
    per_row = disk["file_bytes"] / stored
    return [
        info(
            f"RSS growth, {stored:,} sessions stored in SQLite",
            disk["rss_growth"] / MB,
            "MB",
            f"peak growth {disk['peak_growth'] / MB:.1f} MB",
        ),
        info(
            "SQLite file per stored session",
            per_row,
            "bytes",
            f"{disk['payload_bytes'] / stored:.0f} B payload, {disk['pages']:,} pages of "
            f"{disk['page_size']:,} B, {disk['answers']:.1f} answers/session",
        ),
        info("store.update() per session (write)", disk["seconds"] / stored * 1e6, "µs", "one commit each"),
        info(
            f"memory, {active:,} active sessions (tracemalloc)",
            live["traced"] / MB,
            "MB",
            f"RSS grew {live['rss_growth'] / MB:.2f} MB: freed pool memory was reused",
        ),
        info(
            "memory per active session (tracemalloc)",
            live["traced"] / active,
            "bytes",
            f"Session objects; {live['answers']:.1f} answers/session",
        ),
        info(
            "front end's per-chat memory after 100k chats",
            live["keyboard_dict"] / MB,
            "MB",
            "RecentChats: the 10,000 most recent chats are kept",
        ),
    ]


def _child(kind: str, count: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.memory", kind, str(count)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def stored(count: int) -> dict[str, float]:
    """Store `count` finished conversations as the bot does (one `update` transaction each)."""
    engine = engine_for(shipped_dialog())
    sessions = random_sessions(engine, count)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sessions.sqlite3"
        store = SqliteStore(str(path))
        gc.collect()
        before = rss_bytes()
        peak_before = peak_rss_bytes()
        answers = 0

        async def write() -> float:
            nonlocal answers
            took = 0.0
            for chat_id, session in enumerate(sessions, start=1):
                answers += len(session.answers)
                started = time.perf_counter()
                await store.update(chat_id, lambda _old, new=session: (new, None))
                took += time.perf_counter() - started
            return took

        seconds = asyncio.run(write())
        gc.collect()
        after = rss_bytes()
        peak = peak_rss_bytes()
        asyncio.run(store.close())
        db = sqlite3.connect(path)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        payload = _payload_bytes(db)
        db.close()
        return {
            "rss_growth": after - before,
            "peak_growth": peak - peak_before,
            "file_bytes": path.stat().st_size,
            "page_size": page_size,
            "pages": pages,
            "payload_bytes": payload,
            "answers": answers / count,
            "seconds": seconds,
        }


def _payload_bytes(db: sqlite3.Connection) -> float:
    """Bytes of row data in the table, from the dbstat table when SQLite has it, else from the columns."""
    try:
        return float(db.execute("SELECT sum(payload) FROM dbstat WHERE name = 'sessions'").fetchone()[0])
    except sqlite3.OperationalError:
        query = (
            "SELECT sum(8 + length(dialog_id) + length(version) + length(answers) + length(step) + 8) "
            "FROM sessions"
        )
        return float(db.execute(query).fetchone()[0])


def active(count: int) -> dict[str, float]:
    """Hold `count` conversations as Session objects: RSS growth first, then tracemalloc's count."""
    engine = engine_for(shipped_dialog())
    list(random_sessions(engine, 10, seed=99))  # first-use allocations (caches) are not per session
    gc.collect()
    before = rss_bytes()
    held = list(random_sessions(engine, count))
    gc.collect()
    growth = rss_bytes() - before
    answers = sum(len(s.answers) for s in held) / count
    del held
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    held = list(random_sessions(engine, count))
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] - base
    # The Telegram front end keeps chat id -> message id of the open keyboard for the recent chats.
    base = tracemalloc.get_traced_memory()[0]
    chats = RecentChats()
    for chat in range(100_000):
        chats[1_000_000_000 + chat] = 1_000 + chat % 50
    keyboard_dict = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del held, chats
    return {"rss_growth": growth, "traced": traced, "answers": answers, "keyboard_dict": keyboard_dict}


if __name__ == "__main__":
    kind, number = sys.argv[1], int(sys.argv[2])
    print(json.dumps(stored(number) if kind == "stored" else active(number)))
