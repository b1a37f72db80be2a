"""A minimal hand-written PTB bot: the yardstick for the clinic bot's end-to-end cost.

It serves the shipped dialog's screens for the benchmark's walks from a table (bench/walks.py: the same
engine and rendering as `clinic-bot chat --json` and the bot, byte for byte), with no engine, no store
and no checks, and makes the clinic bot's Bot API calls per tap: the callback query answered without
waiting; the card edited into the next question (or a tick list's buttons edited); at the advice, the
card edited into its last form, then the advice sent; "Start again" takes the advice's buttons off and
sends the first card.

Run: TELEGRAM_BOT_TOKEN=... python -m bench.baseline_bot BASE_URL SCREENS.json [httpx|aiohttp]
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, Defaults

from bench.transports import TRANSPORTS

RESTART = "!restart"
SCREENS: dict[str, dict[str, Any]] = {}
TAPS: dict[int, list[str]] = {}  # per chat, the taps since the first question
PENDING: set[asyncio.Task[Any]] = set()


def keyboard(rows: list[list[list[str]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows])


async def first_card(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    TAPS[chat_id] = []
    card = SCREENS[""]
    await context.bot.send_message(chat_id, card["html"], reply_markup=keyboard(card["buttons"]))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await first_card(context, update.effective_chat.id)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    assert update.effective_chat is not None
    assert query.message is not None
    task = asyncio.ensure_future(query.answer())
    PENDING.add(task)
    task.add_done_callback(PENDING.discard)
    chat_id, message_id, data = update.effective_chat.id, query.message.message_id, query.data or ""
    bot = context.bot
    if data == RESTART:
        await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
        await first_card(context, chat_id)
        return
    taps = TAPS.setdefault(chat_id, [])
    taps.append(data)
    screen = SCREENS["|".join(taps)]
    if screen["kind"] == "toggle":
        await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=keyboard(screen["buttons"]))
    elif screen["kind"] == "card":
        await bot.edit_message_text(
            screen["html"], chat_id, message_id, reply_markup=keyboard(screen["buttons"])
        )
    else:
        await bot.edit_message_text(screen["record"], chat_id, message_id, reply_markup=None)
        for message in screen["messages"]:
            await bot.send_message(chat_id, message["html"], reply_markup=keyboard(message["buttons"]))


def main(base_url: str, screens: Path, transport: str = "httpx") -> None:
    SCREENS.update(json.loads(screens.read_text(encoding="utf-8")))
    builder = Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(base_url)
    if transport != "httpx":  # python-telegram-bot's own is httpx
        request = TRANSPORTS[transport]
        builder = builder.request(request(256)).get_updates_request(request(1))
    app = (
        builder.defaults(
            Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
        )
        .concurrent_updates(8)  # as the clinic bot: up to 8 updates at once
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), *sys.argv[3:])
