"""`clinic-bot run` built with another HTTP client, to compare transports under the same load
(bench/transport.py). Everything else is the real command.

Run: python -m bench.transports httpx|aiohttp --config FILE run
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from telegram.request import BaseRequest, HTTPXRequest

import bot.telegram.frontend
from bot.cli import main
from bot.telegram.transport import AiohttpRequest

# The HTTP clients the bot can be built with, each made with its connection pool size.
TRANSPORTS: dict[str, Callable[[int], BaseRequest]] = {"httpx": HTTPXRequest, "aiohttp": AiohttpRequest}


if __name__ == "__main__":
    bot.telegram.frontend.TRANSPORT = TRANSPORTS[sys.argv.pop(1)]
    sys.exit(main())
