"""Flood limits as Telegram applies them: they count messages, about 30 a second for the whole bot and
about one a second per chat with short bursts allowed, and a 429 answer pauses only the chat it was about.

python-telegram-bot's AIORateLimiter stops every request of the bot while it waits out any 429, so one
chat's `retry_after` of 20 s made every other patient wait as long; and it counts every request, so the
callback answers and edits of a tap used up the bot's 30 a second as if they were messages. Here only
calls that create a message wait for the caps (`counts_as_message`), each chat has its own bucket
(aiolimiter's leaky bucket, as in AIORateLimiter) and its own pause.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.config import RateLimit

log = logging.getLogger("clinic_bot")

Result = bool | dict[str, Any] | list[dict[str, Any]]
RETRIES_AFTER_429 = 3
CHATS_REMEMBERED = 10_000  # the buckets of the most recent chats, so memory stays bounded
# Calls whose name starts with send but that leave no message in the chat: "typing...", and the
# ephemeral preview of a message being written (the sendMessage that follows it counts).
_NOT_MESSAGES = frozenset({"sendChatAction", "sendMessageDraft"})
_BATCHES = {"sendMediaGroup": "media", "copyMessages": "message_ids", "forwardMessages": "message_ids"}


def counts_as_message(endpoint: str) -> bool:
    """Whether a Bot API call creates a message in a chat: the thing Telegram's flood limits count.

    Telegram's Bots FAQ, "My bot is hitting limits, how do I avoid this?"
    (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this): "When sending
    messages inside a particular chat, avoid sending more than one message per second. We may allow short
    bursts that go over this limit"; "If you're sending bulk notifications to multiple users, the API will
    not allow more than 30 messages per second or so"; "your bot will not be able to send more than 20
    messages per minute to the same group" (the bot says at most a few lines in a group, see
    `NON_ANSWERS` in frontend.py, so groups get no cap of their own).

    So sendMessage, sendPhoto, sendDocument, sendMediaGroup ..., copyMessage(s) and forwardMessage(s)
    count; editing a message, answering a callback query, sendChatAction, getUpdates and the rest do not.
    """
    if endpoint.startswith("send"):
        return endpoint not in _NOT_MESSAGES
    return endpoint.startswith(("copyMessage", "forwardMessage"))


def _messages(endpoint: str, data: dict[str, Any]) -> int:
    """How many messages the call creates: an album is one message per photo, as Telegram shows it."""
    if not counts_as_message(endpoint):
        return 0
    batch = data.get(_BATCHES.get(endpoint, ""))
    return max(len(batch), 1) if isinstance(batch, (list, tuple)) else 1


def _bucket(burst: float, per_second: float) -> AsyncLimiter:
    """`burst` messages at once, then `per_second` a second on average."""
    return AsyncLimiter(burst, burst / per_second)


class _Chat:
    def __init__(self, caps: RateLimit | None) -> None:
        self.bucket = _bucket(caps.chat_burst, caps.chat_messages_per_second) if caps else None
        self.resume = asyncio.Event()
        self.resume.set()


class PerChatLimiter(BaseRateLimiter[int]):
    """Keeps the messages the bot sends within `caps` (config `telegram.rate_limit`); `caps` None sends
    without caps (a test server, a benchmark). 429 answers are waited out either way."""

    def __init__(self, caps: RateLimit | None) -> None:
        self._caps = caps
        # At least one message fits in the bucket, or it could never let one through (0.5 a second: one
        # message, then one every 2 s).
        self._bot = _bucket(max(caps.messages_per_second, 1), caps.messages_per_second) if caps else None
        self._chats: OrderedDict[str, _Chat] = OrderedDict()

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
        messages = _messages(endpoint, data)
        for attempt in range(RETRIES_AFTER_429 + 1):
            if chat is not None:
                await chat.resume.wait()
            if messages:
                await self._wait_for_room(chat, messages)
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
                try:
                    await asyncio.sleep(seconds)
                finally:
                    chat.resume.set()
        raise AssertionError("unreachable")  # the last attempt returns or raises

    async def _wait_for_room(self, chat: _Chat | None, messages: int) -> None:
        """The chat's own bucket first, then the bot's: a chat waiting its turn holds no one else's room.
        A batch bigger than a bucket takes the whole bucket."""
        for bucket in (chat.bucket if chat else None, self._bot):
            if bucket is not None:
                await bucket.acquire(min(messages, bucket.max_rate))

    def _chat(self, chat_id: object) -> _Chat | None:
        """The chat's bucket and pause; None for a request about no chat (getUpdates, setMyCommands ...)."""
        if chat_id is None:
            return None
        key = str(chat_id)
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat(self._caps)
            if len(self._chats) > CHATS_REMEMBERED:
                self._chats.popitem(last=False)
        self._chats.move_to_end(key)
        return chat


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # an int today, a timedelta in python-telegram-bot's next major version
        warnings.simplefilter("ignore")
        pause = error.retry_after
    return pause.total_seconds() if isinstance(pause, dt.timedelta) else float(pause)
