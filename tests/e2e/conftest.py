"""Fixtures: a local Bot API server, and the real bot process talking to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from botprocess import BotProcess

from testkit import BotApiServer


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        yield running


@pytest.fixture
async def bot(server: BotApiServer, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(server, tmp_path, "example")
    await process.start()
    yield process
    await process.stop()
    assert "Traceback" not in process.logs(), process.logs()
