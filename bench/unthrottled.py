"""`clinic-bot` with Telegram's flood cap lifted, to measure what the bot itself costs per update.

The shipped bot sends through PTB's AIORateLimiter, whose default cap of 30 requests a second with a
chat id (sendMessage, editMessageText, sendChatAction) keeps it under Telegram's limit, and so also
caps any benchmark at about 14 taps a second. Everything else is the real `clinic-bot run`.

Run: python -m bench.unthrottled --config FILE run
"""

from __future__ import annotations

import sys
from typing import Any

from telegram.ext import AIORateLimiter

import bot.telegram.frontend
from bot.cli import main


class NoFloodCap(AIORateLimiter):
    """The same limiter (retries after 429 included) without the overall requests-per-second cap."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["overall_max_rate"] = 0
        super().__init__(*args, **kwargs)


if __name__ == "__main__":
    bot.telegram.frontend.AIORateLimiter = NoFloodCap  # type: ignore[misc]
    sys.exit(main())
