"""The Telegram adapter: the one package that imports `telegram` (python-telegram-bot).

`frontend` turns updates into `Conversations` calls and draws the replies; `serving` runs polling or the
webhook until a signal; `transport` makes Bot API calls (over aiohttp); `retries` tries failed ones again;
`logs` keeps tokens out of the logs.
"""

from bot.telegram.serving import run_bot

__all__ = ["run_bot"]
