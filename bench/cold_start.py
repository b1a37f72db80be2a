"""Cold start: from launching `clinic-bot --config X run` to its first getUpdates call at the server."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bench.launch import BASELINE, SHIPPED, launch
from bench.results import Row, info
from bench.stats import percentile
from bench.walks import walks, write_screens
from testkit import BotApiServer


def measure(repeats: int) -> list[Row]:
    return asyncio.run(_measure(repeats))


async def _measure(repeats: int) -> list[Row]:
    rows = []
    for kind in (SHIPPED, BASELINE):
        times = [await _once(kind) for _ in range(repeats)]
        rows.append(
            info(
                f"cold start to first getUpdates: {kind}",
                percentile(times, 0.5),
                "s",
                f"median of {repeats}, range {min(times):.2f}-{max(times):.2f} s",
            )
        )
    return rows


async def _once(kind: str) -> float:
    with tempfile.TemporaryDirectory() as folder:
        async with BotApiServer() as server:
            screens = write_screens(Path(folder) / "screens.json", walks())  # the baseline's table
            bot = await launch(kind, server, Path(folder) / "bot", screens=screens)
            try:
                return await bot.first_poll(server)
            finally:
                await bot.stop()
