"""Serving: long polling or webhook until a signal, and start-up failures worded as config errors."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.config import Config, Webhook
from bot.library import DialogLibrary
from bot.problems import ConfigError
from bot.store import SessionStore
from bot.telegram.frontend import TelegramFrontEnd
from bot.telegram.logs import LogHygiene
from bot.telegram.updates import read_update
from bot.webhook import receiving


def run_bot(config: Config, library: DialogLibrary, store: SessionStore) -> None:
    """Serve until stopped (Ctrl-C or SIGTERM): long polling, or webhook when configured.

    Telegram refusing the token, or staying out of reach at start-up, is a ConfigError without the token.
    """
    token = config.token or ""
    hygiene = LogHygiene(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(hygiene)
    # python-telegram-bot logs an answer that is not JSON (Telegram's HTML 502 page) with a traceback, then
    # raises a NetworkError, which RetryingLimiter logs in one line; transitions logs every state change.
    logging.getLogger("telegram.request").setLevel(logging.CRITICAL)
    logging.getLogger("transitions").setLevel(logging.WARNING)
    app = TelegramFrontEnd(config, library, store).build()
    webhook = config.webhook
    try:
        if webhook is None:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
            return
        asyncio.run(_serve_webhook(app, webhook))
    except InvalidToken:
        raise ConfigError.single(
            config.source,
            0,
            f"Telegram did not accept the token at {config.base_url}: check the environment variable "
            "TELEGRAM_BOT_TOKEN (or telegram.token), and that telegram.base_url ends in /bot",
        ) from None
    except TelegramError as error:
        reason = str(error).replace(token, "<token>") if token else str(error)
        raise ConfigError.single(
            config.source,
            0,
            f"could not reach the Telegram Bot API at {config.base_url} ({reason}); "
            "check telegram.base_url and the network, then start the bot again",
        ) from None


async def _serve_webhook(app: Application, webhook: Webhook) -> None:  # type: ignore[type-arg]
    """As `Application.run_webhook`, but each POST is answered once its update is handled (bot/webhook.py)."""
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)

    async def handle(data: dict[str, Any]) -> None:
        update = read_update(data, app.bot)
        if update is not None:
            await app.process_update(update)

    path = webhook.url.split("://", 1)[1].partition("/")[2]
    async with app:
        if app.post_init:
            await app.post_init(app)
        await app.start()
        try:
            async with receiving(
                handle, listen=webhook.listen, port=webhook.port, path=path, secret_token=webhook.secret_token
            ):
                # Every instance registers the same public URL (the load balancer's); the last one wins.
                await app.bot.set_webhook(
                    webhook.url, secret_token=webhook.secret_token, allowed_updates=Update.ALL_TYPES
                )
                await stop.wait()
        finally:
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
