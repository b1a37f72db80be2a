"""Waking every waiter at once, so that long polls and scripted users react to a change without polling."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Signal:
    """A broadcast wake-up: `wait()` returns at the next `fire()`; no waiter misses a fire after it looked.

    A fresh event per round avoids the race of `Event.set(); Event.clear()` where a waiter that was not yet
    scheduled sleeps through the change.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float | None = None) -> bool:
        """Wait for the next fire; False when `timeout` seconds passed first."""
        event = self._event
        try:
            async with asyncio.timeout(timeout):
                await event.wait()
        except TimeoutError:
            return False
        return True


async def wait_until(find: Callable[[], T | None], signal: Signal, timeout: float) -> T | None:
    """Return `find()` once it is not None, re-checking at every fire; None when `timeout` passed first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (found := find()) is None:
        remaining = deadline - loop.time()
        if remaining <= 0 or not await signal.wait(remaining):
            return find()
    return found
