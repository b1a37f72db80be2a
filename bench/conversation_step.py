"""The bot's own work per tapped answer, outside PTB: load the session, engine step, save and commit
(SQLite, WAL, on disk), then render the reply as Telegram HTML with buttons."""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path

from bench.results import Row, info
from bench.sessions import engine_for, shipped_dialog
from bench.stats import percentile
from bot import render
from bot.conversations import Conversations
from bot.dialog.model import DONE, StepKind
from bot.store import SqliteStore


def measure(chats: int, steps: int, seed: int = 3) -> list[Row]:
    """Time `steps` taps by `chats` chats in turn, as the Telegram handler makes them."""
    return asyncio.run(_measure(chats, steps, seed))


async def _measure(chats: int, steps: int, seed: int) -> list[Row]:
    engine = engine_for(shipped_dialog())
    dialog = engine.dialog
    rng = random.Random(seed)
    clock = time.perf_counter_ns
    chose: list[int] = []
    drew: list[int] = []
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore(str(Path(folder) / "sessions.sqlite3"))
        conversations = Conversations(lambda: engine, store)
        where = {chat: (await conversations.start(chat)).step for chat in range(chats)}
        for turn in range(steps):
            chat = turn % chats
            step = dialog.steps[where[chat]]
            if step.kind is StepKind.OUTCOME:
                where[chat] = (await conversations.start(chat)).step
                continue
            option = step.options[rng.randrange(len(step.options))]
            for tap in (option.id, DONE) if step.many else (option.id,):  # a tick list: one tick, Done
                started = clock()
                reply, _label = await conversations.choose(chat, step.id, tap)
                middle = clock()
                render.render(reply)
                drew.append(clock() - middle)
                chose.append(middle - started)
            where[chat] = reply.step
        await store.close()
    return [
        info(
            "tap handled by Conversations.choose, median",
            percentile(chose, 0.5) / 1000,
            "µs",
            f"SQLite load + engine + save + commit; p99 {percentile(chose, 0.99) / 1000:.0f} µs",
        ),
        info(
            "reply rendered to Telegram HTML, median",
            percentile(drew, 0.5) / 1000,
            "µs",
            f"render.render; p99 {percentile(drew, 0.99) / 1000:.0f} µs",
        ),
    ]
