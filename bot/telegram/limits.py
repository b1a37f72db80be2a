"""Flood limits as Telegram applies them: about 30 messages a second for the bot, about one a second per
chat with short bursts allowed, and a 429 answer pausing only the chat it was about.

python-telegram-bot's AIORateLimiter stops every request of the bot while it waits out any 429, so one
chat's `retry_after` of 20 s made every other patient wait as long. Here each chat has its own limiter
(aiolimiter's leaky bucket, as in AIORateLimiter) and its own pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import warnings
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger("clinic_bot")

Result = bool | dict[str, Any] | list[dict[str, Any]]
BOT_RATE = 30.0  # requests a second for the whole bot (Telegram: about 30 messages a second)
CHAT_BURST = 10  # messages sent to a chat at once: a whole conversation's worth when a patient taps fast
CHAT_PERIOD = 10.0  # ... then one a second on average (Telegram: about one message a second per chat,
# short bursts allowed); edits and callback answers are not messages, and are not held back
RETRIES_AFTER_429 = 3
CHATS_REMEMBERED = 10_000  # the limiters of the most recent chats, so memory stays bounded


class _Chat:
    def __init__(self, burst: int, period: float) -> None:
        self.limiter = AsyncLimiter(burst, period)
        self.resume = asyncio.Event()
        self.resume.set()


class PerChatLimiter(BaseRateLimiter[int]):
    """`bot_rate` or `chat_burst` None turns that cap off (in-process tests feed thousands of updates)."""

    def __init__(
        self,
        bot_rate: float | None = BOT_RATE,
        chat_burst: int | None = CHAT_BURST,
        chat_period: float = CHAT_PERIOD,
    ) -> None:
        self._bot = AsyncLimiter(bot_rate, 1.0) if bot_rate else None
        self._burst, self._period = chat_burst, chat_period
        self._chats: OrderedDict[object, _Chat] = OrderedDict()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(  # noqa: PLR0917 - the signature is python-telegram-bot's
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        chat = self._chat(data.get("chat_id"))
        for attempt in range(RETRIES_AFTER_429 + 1):
            if chat is not None:
                await chat.resume.wait()
            async with contextlib.AsyncExitStack() as limits:
                if chat is not None and self._burst and endpoint.startswith("send"):  # new messages count
                    await limits.enter_async_context(chat.limiter)
                if self._bot is not None:
                    await limits.enter_async_context(self._bot)
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as error:
                    if attempt == RETRIES_AFTER_429:
                        raise
                    seconds = _seconds(error) + 0.1
            log.info("%s: flood limit, this chat waits %.1f s", endpoint, seconds)
            if chat is None:
                await asyncio.sleep(seconds)
            elif chat.resume.is_set():  # the first to hit it pauses the chat; the others wait with it
                chat.resume.clear()
                await asyncio.sleep(seconds)
                chat.resume.set()
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _chat(self, chat_id: object) -> _Chat | None:
        """The chat's limiter; None for a request about no chat (getUpdates, setMyCommands ...)."""
        if chat_id is None:
            return None
        key = str(chat_id)
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat(self._burst or 1, self._period)
            if len(self._chats) > CHATS_REMEMBERED:
                self._chats.popitem(last=False)
        self._chats.move_to_end(key)
        return chat


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # an int today, a timedelta in python-telegram-bot's next major version
        warnings.simplefilter("ignore")
        pause = error.retry_after
    return pause.total_seconds() if isinstance(pause, dt.timedelta) else float(pause)
