"""`clinic-bot` with Telegram's flood caps lifted, to measure what the bot itself costs per update.

The shipped bot sends through its per-chat limiter (bot/telegram/limits.py), whose caps of 30 requests a
second and about one a second per chat keep it under Telegram's limits, and so also cap any benchmark.
Everything else is the real `clinic-bot run`; `--transport` builds it with another HTTP client (see
bench/transport.py).

Run: python -m bench.unthrottled [--transport httpx|aiohttp] --config FILE run
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from telegram.request import BaseRequest, HTTPXRequest

import bot.telegram.frontend
from bot.cli import main
from bot.telegram.limits import PerChatLimiter
from bot.telegram.transport import AiohttpRequest

# The HTTP clients the bot can be built with, each made with its connection pool size.
TRANSPORTS: dict[str, Callable[[int], BaseRequest]] = {"httpx": HTTPXRequest, "aiohttp": AiohttpRequest}


def no_flood_cap() -> PerChatLimiter:
    """The same limiter (waiting out 429s included) without its caps."""
    return PerChatLimiter(bot_rate=None, chat_burst=None)


if __name__ == "__main__":
    bot.telegram.frontend.PerChatLimiter = no_flood_cap  # type: ignore[misc,assignment]
    if sys.argv[1:2] == ["--transport"]:
        bot.telegram.frontend.TRANSPORT = TRANSPORTS[sys.argv[2]]
        del sys.argv[1:3]
    sys.exit(main())
