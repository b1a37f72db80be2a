"""Flood limits count what Telegram counts: messages (not callback answers or edits), per chat and in all.

Each test drives `PerChatLimiter` with a fake Bot API call that notes when it got through, on the event
loop's clock. The caps are configured small (a few messages a second), so that waits stay short.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import warnings
from typing import Any

import pytest
from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.config import RateLimit
from bot.telegram.limits import PerChatLimiter, counts_as_message

SLACK = 0.08  # seconds: what "at once" allows for the event loop's own work on a busy machine
EARLY = 0.001  # seconds: a bucket lets a message go no earlier than its time, but for rounding


class FakeBotApi:
    """Notes when each call got through; raises a 429 for a chat when told to."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.start = self.loop.time()
        self.passed: list[tuple[str, object, float]] = []  # endpoint, chat, seconds since the start
        self.flood: dict[object, float] = {}  # chat -> retry_after of its next call, once

    async def call(self, endpoint: str, data: dict[str, Any]) -> bool:
        retry_after = self.flood.pop(data.get("chat_id"), None)
        if retry_after is not None:
            raise flood_limit(retry_after)
        self.passed.append((endpoint, data.get("chat_id"), self.loop.time() - self.start))
        return True

    def times(self, chat: object = None) -> list[float]:
        return [at for _endpoint, of, at in self.passed if chat is None or of == chat]


def flood_limit(seconds: float) -> RetryAfter:
    """A 429 as python-telegram-bot raises it, with a pause shorter than Telegram's whole seconds."""
    with warnings.catch_warnings():  # it reads its own deprecated int attribute when given a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        return RetryAfter(dt.timedelta(seconds=seconds))


async def send(limiter: PerChatLimiter, api: FakeBotApi, endpoint: str, **data: Any) -> None:
    await limiter.process_request(api.call, (endpoint, data), {}, endpoint, data, None)


async def all_of(*calls: Any) -> None:
    await asyncio.gather(*calls)


def caps(per_second: float = 1000, burst: int = 1000, chat_per_second: float = 1000) -> RateLimit:
    """Only the caps a test is about are small; the others are out of the way."""
    return RateLimit(per_second, burst, chat_per_second)


@pytest.mark.parametrize(
    "endpoint",
    [
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendPoll",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    ],
)
def test_calls_that_create_a_message_count(endpoint: str) -> None:
    assert counts_as_message(endpoint)


@pytest.mark.parametrize(
    "endpoint",
    [
        "sendChatAction",
        "sendMessageDraft",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
        "deleteMessage",
        "getUpdates",
        "setMyCommands",
        "getMe",
    ],
)
def test_calls_that_create_no_message_do_not_count(endpoint: str) -> None:
    assert not counts_as_message(endpoint)


async def test_messages_to_many_chats_are_held_to_the_bots_rate_while_edits_pass_at_once() -> None:
    limiter, api = PerChatLimiter(caps(per_second=10)), FakeBotApi()
    await all_of(*(send(limiter, api, "sendMessage", chat_id=chat, text="hi") for chat in range(15)))
    sent = sorted(api.times())
    assert sent[9] < SLACK  # a second's worth at once ...
    assert sent[10] >= 0.1 - EARLY  # ... then 10 a second: the 15th waits half a second
    assert sent[14] >= 0.5 - EARLY

    limiter, api = PerChatLimiter(caps(per_second=10)), FakeBotApi()
    edits = (send(limiter, api, "editMessageText", chat_id=chat, message_id=1) for chat in range(40))
    answers = (send(limiter, api, "answerCallbackQuery", callback_query_id=str(n)) for n in range(40))
    typing = (send(limiter, api, "sendChatAction", chat_id=chat, action="typing") for chat in range(40))
    await all_of(*edits, *answers, *typing)
    assert len(api.times()) == 120
    assert max(api.times()) < SLACK


async def test_one_chat_gets_its_burst_then_about_its_rate() -> None:
    limiter, api = PerChatLimiter(caps(burst=3, chat_per_second=10)), FakeBotApi()
    await all_of(
        *(send(limiter, api, "sendMessage", chat_id=7, text=str(n)) for n in range(6)),
        send(limiter, api, "sendMessage", chat_id=8, text="another chat"),
    )
    sent = api.times(7)
    assert sent[2] < SLACK  # the burst
    for n, at in enumerate(sent[3:], start=1):
        assert at >= n * 0.1 - EARLY  # then 10 a second: never more than the burst and 10 a second since
    assert api.times(8)[0] < SLACK  # another chat did not wait for it


async def test_edits_do_not_use_up_a_chats_burst() -> None:
    limiter, api = PerChatLimiter(caps(burst=2, chat_per_second=5)), FakeBotApi()
    await all_of(*(send(limiter, api, "editMessageText", chat_id=7, message_id=n) for n in range(20)))
    await all_of(*(send(limiter, api, "sendMessage", chat_id=7, text=str(n)) for n in range(2)))
    assert max(api.times()) < SLACK


async def test_an_album_counts_as_one_message_per_photo() -> None:
    limiter, api = PerChatLimiter(caps(burst=4, chat_per_second=10)), FakeBotApi()
    await send(limiter, api, "sendMediaGroup", chat_id=7, media=["a", "b", "c"])
    await send(limiter, api, "sendMessage", chat_id=7, text="one more fits in the burst")
    await send(limiter, api, "sendMessage", chat_id=7, text="this one waits")
    sent = api.times(7)
    assert sent[1] < SLACK
    assert sent[2] >= 0.1 - EARLY


async def test_without_caps_everything_passes_at_once() -> None:
    limiter, api = PerChatLimiter(None), FakeBotApi()
    one_chat = (send(limiter, api, "sendMessage", chat_id=7, text=str(n)) for n in range(50))
    many = (send(limiter, api, "sendMessage", chat_id=chat, text="hi") for chat in range(100, 200))
    await all_of(*one_chat, *many)
    assert len(api.times()) == 150
    assert max(api.times()) < SLACK


@pytest.mark.parametrize("rate_limit", [caps(per_second=5, burst=2, chat_per_second=5), None])
async def test_a_429_for_one_chat_pauses_that_chat_and_no_other(rate_limit: RateLimit | None) -> None:
    limiter, api = PerChatLimiter(rate_limit), FakeBotApi()
    api.flood["A"] = 0.3
    paused = asyncio.ensure_future(send(limiter, api, "editMessageText", chat_id="A", message_id=1))
    await asyncio.sleep(0)  # A's call is answered 429 and its chat paused
    await all_of(
        send(limiter, api, "sendMessage", chat_id="B", text="not held up"),
        send(limiter, api, "sendMessage", chat_id="A", text="waits with the edit"),
    )
    await paused
    assert api.times("B")[0] < SLACK
    assert min(api.times("A")) >= 0.3
    assert len(api.times("A")) == 2  # the edit was tried again, and got through


async def test_a_429_on_a_call_about_no_chat_waits_only_that_call() -> None:
    limiter, api = PerChatLimiter(caps(per_second=5)), FakeBotApi()
    api.flood[None] = 0.3
    waiting = asyncio.ensure_future(send(limiter, api, "setMyCommands", commands=[]))
    await asyncio.sleep(0)
    await all_of(
        send(limiter, api, "sendMessage", chat_id=1, text="hi"),
        send(limiter, api, "answerCallbackQuery", callback_query_id="1"),
    )
    await waiting
    assert sorted(api.times())[:2] == pytest.approx([0, 0], abs=SLACK)
    assert max(api.times()) >= 0.3


async def test_a_chat_that_keeps_getting_429_gives_up_after_three_retries() -> None:
    limiter, api = PerChatLimiter(None), FakeBotApi()

    async def always_429(endpoint: str, data: dict[str, Any]) -> bool:
        raise flood_limit(0.01)

    with pytest.raises(RetryAfter):
        await limiter.process_request(
            always_429, ("sendMessage", {}), {}, "sendMessage", {"chat_id": 1}, None
        )
    await send(limiter, api, "sendMessage", chat_id=1, text="the chat is not left paused")
    assert len(api.times(1)) == 1
