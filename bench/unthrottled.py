"""`clinic-bot` with Telegram's flood caps lifted, to measure what the bot itself costs per update.

The shipped bot sends through its per-chat limiter (bot/telegram/limits.py), whose caps of 30 requests a
second and about one a second per chat keep it under Telegram's limits, and so also cap any benchmark.
Everything else is the real `clinic-bot run`.

Run: python -m bench.unthrottled --config FILE run
"""

from __future__ import annotations

import sys

import bot.telegram.frontend
from bot.cli import main
from bot.telegram.limits import PerChatLimiter


def no_flood_cap() -> PerChatLimiter:
    """The same limiter (waiting out 429s included) without its caps."""
    return PerChatLimiter(bot_rate=None, chat_burst=None)


if __name__ == "__main__":
    bot.telegram.frontend.PerChatLimiter = no_flood_cap  # type: ignore[misc,assignment]
    sys.exit(main())
