"""Serving: long polling or webhook until a signal, and start-up failures worded as config errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.config import Config, Webhook
from bot.library import DialogLibrary
from bot.problems import ConfigError
from bot.store import SessionStore
from bot.telegram.frontend import TelegramFrontEnd
from bot.telegram.logs import LogHygiene
from bot.telegram.updates import ALLOWED_UPDATES, UpdatesTransport, read_update
from bot.webhook import receiving

log = logging.getLogger("clinic_bot")

STOP_POLLING_WITHIN = 3.0  # seconds polling gets to stop (and confirm the updates in hand) on SIGTERM


def run_bot(config: Config, library: DialogLibrary, store: SessionStore) -> None:
    """Serve until stopped (Ctrl-C or SIGTERM): long polling, or webhook when configured.

    Telegram refusing the token (at start-up, or later: revoked in BotFather), or staying out of reach at
    start-up, is a ConfigError without the token, so that the process exits 1 and systemd notices.
    """
    token = config.token or ""
    hygiene = LogHygiene(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(hygiene)
    # python-telegram-bot logs an answer that is not JSON (Telegram's HTML 502 page) with a traceback, then
    # raises a NetworkError, which RetryingLimiter logs in one line; transitions logs every state change.
    logging.getLogger("telegram.request").setLevel(logging.CRITICAL)
    logging.getLogger("transitions").setLevel(logging.WARNING)
    front = TelegramFrontEnd(config, library, store)
    app = front.build()
    try:
        asyncio.run(_serve(app, front.updates, config.webhook))
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


async def _serve(app: Application, updates: UpdatesTransport, webhook: Webhook | None) -> None:  # type: ignore[type-arg]
    """As `Application.run_polling` or `run_webhook`, with three differences: a token refused while
    polling ends the process (python-telegram-bot's polling loop ends, the process stayed up serving
    nobody); every way out stops the background tasks, so that no thread keeps the process alive after
    SIGTERM; and in webhook mode each POST is answered once its update is handled (bot/webhook.py)."""
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    try:
        async with app:
            try:
                if app.post_init:
                    await app.post_init(app)
                await app.start()
                receive = _polling(app) if webhook is None else _webhook(app, webhook)
                async with receive:
                    await _first(stop.wait(), updates.token_refused.wait())
            finally:
                if app.running:
                    await app.stop()
                if app.post_stop:
                    await app.post_stop(app)
    finally:
        # python-telegram-bot shuts down only an application that finished starting: when its getMe failed
        # (Telegram out of reach, the token refused) the HTTP sessions are closed here.
        await app.bot.shutdown()
    if updates.token_refused.is_set():
        raise InvalidToken("getUpdates was refused")


@contextlib.asynccontextmanager
async def _polling(app: Application) -> AsyncIterator[None]:  # type: ignore[type-arg]
    updater = app.updater
    assert updater is not None  # noqa: S101 - the builder makes one unless told not to
    await updater.start_polling(allowed_updates=ALLOWED_UPDATES, error_callback=_polling_failed)
    try:
        yield
    finally:
        # After a refused token the polling task ended with InvalidToken, which stopping raises again. While
        # getUpdates keeps failing, python-telegram-bot's retry loop sleeps up to 30 s before it notices it
        # should stop: it is cut short, so that SIGTERM ends the bot within seconds.
        with contextlib.suppress(TelegramError, TimeoutError):
            await asyncio.wait_for(updater.stop(), STOP_POLLING_WITHIN)


def _polling_failed(error: TelegramError) -> None:
    """getUpdates failed; python-telegram-bot tries again after 1 s, growing to 30 s (nothing is lost:
    unconfirmed updates stay with Telegram)."""
    log.warning("getting updates failed (%s); trying again", type(error).__name__)


@contextlib.asynccontextmanager
async def _webhook(app: Application, webhook: Webhook) -> AsyncIterator[None]:  # type: ignore[type-arg]
    async def handle(data: dict[str, Any]) -> None:
        update = read_update(data, app.bot)
        if update is not None:  # as polling does: in order per chat, within the concurrency limit
            await app.update_processor.process_update(update, app.process_update(update))

    path = webhook.url.split("://", 1)[1].partition("/")[2]
    async with receiving(
        handle, listen=webhook.listen, port=webhook.port, path=path, secret_token=webhook.secret_token
    ):
        # Every instance registers the same public URL (the load balancer's); the last one wins.
        await app.bot.set_webhook(
            webhook.url, secret_token=webhook.secret_token, allowed_updates=ALLOWED_UPDATES
        )
        yield


async def _first(*waits: Coroutine[Any, Any, object]) -> None:
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
