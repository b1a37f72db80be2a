"""One chat's updates are handled one at a time, in the order they arrived; different chats at once.

A python-telegram-bot update processor (`ApplicationBuilder.concurrent_updates`), so that every handler is
ordered (a lock inside handlers ordered only those that took it: /help could overtake a tap), and the
webhook path gets the same order and the same limit by going through `Application.update_processor`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates handled at once. Chosen when the bot used httpx, whose connection pool scans grew with its
# queue (with 200 users at once, 8 served about twice as many updates a second as no limit); kept with
# aiohttp, not measured again.
CONCURRENT_UPDATES = 8
# Updates in hand at once, running or waiting for their chat's turn: python-telegram-bot's own bound,
# kept above CONCURRENT_UPDATES so that updates waiting for a busy chat never keep other chats waiting.
IN_HAND = 256


class PerChatOrder(BaseUpdateProcessor):
    def __init__(self, running: int = CONCURRENT_UPDATES, in_hand: int = IN_HAND) -> None:
        super().__init__(in_hand)
        self._running = asyncio.Semaphore(running)
        self._chats: dict[int, tuple[asyncio.Lock, list[int]]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        async with self._turn(chat.id if chat else None), self._running:
            await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @contextlib.asynccontextmanager
    async def _turn(self, chat: int | None) -> AsyncIterator[None]:
        """The chat's turn (asyncio's locks are fair: first come, first served); the lock goes when
        nobody waits for it, so memory does not grow with the chats seen."""
        if chat is None:  # e.g. a button of an inline message: no conversation to keep in order
            yield
            return
        lock, users = self._chats.setdefault(chat, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._chats[chat]
