"""A minimal hand-written PTB bot: the yardstick for the clinic bot's end-to-end cost.

A dialog in a dict, no persistence, no checks, and per update the same Bot API calls as the clinic
bot: answerCallbackQuery, editMessageText (the answered question, without buttons), then
sendMessage (the next question with its buttons; sendChatAction first at an outcome).

Run: TELEGRAM_BOT_TOKEN=... python -m bench.baseline_bot BASE_URL
"""

from __future__ import annotations

import html
import os
import sys

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, Defaults

# step -> (text, [(option id, label, next step)]); a step without options is an outcome.
DIALOG: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "welcome": (
        "Hello! This check asks a few short questions about pain in your upper back. Then it tells "
        "you how soon to get help. <b>If you have chest pain, call 911 now.</b>",
        [("start", "Start the check", "chest")],
    ),
    "chest": (
        "Right now, do you have chest pain or pressure, or trouble breathing?",
        [("yes", "Yes", "call_now"), ("no", "No", "injury")],
    ),
    "injury": (
        "Did the pain start after an injury?",
        [
            ("major", "A serious accident", "call_now"),
            ("minor", "A small strain", "age"),
            ("none", "No", "age"),
        ],
    ),
    "age": (
        "How old are you?",
        [("teen", "16 to 19", "fever"), ("adult", "20 to 49", "fever"), ("older", "50 or over", "fever")],
    ),
    "fever": (
        "Do you have a fever, or do you feel unwell in yourself?",
        [("yes", "Yes", "see_today"), ("no", "No", "duration")],
    ),
    "duration": (
        "How long have you had the pain?",
        [("days", "A few days", "self_care"), ("weeks", "Two weeks or more", "book")],
    ),
    "call_now": ("<b>Call 911 now.</b> These signs need help at once. Do not drive yourself.", []),
    "see_today": (
        "<b>See a doctor today.</b> Call Example Clinic at +1 555 0100 and say you need an urgent "
        "appointment. If you feel much worse, call 911.",
        [],
    ),
    "book": (
        "<b>Book an appointment in the next few days.</b> Pain that lasts this long should be checked. "
        'Book online: <a href="https://clinic.example/book">clinic.example/book</a>.',
        [],
    ),
    "self_care": (
        "<b>You can look after this at home.</b> Keep moving gently, use warmth, and take a simple "
        "painkiller if you need one. See a doctor if it is not better in 1 to 2 weeks.",
        [],
    ),
}
FIRST = "welcome"
RESTART = "!restart"


def keyboard(step: str) -> InlineKeyboardMarkup:
    options = DIALOG[step][1]
    if not options:
        return InlineKeyboardMarkup([[InlineKeyboardButton("↻ Start again", callback_data=RESTART)]])
    rows = [[InlineKeyboardButton(label, callback_data=f"{step}:{oid}")] for oid, label, _ in options]
    return InlineKeyboardMarkup(rows)


async def send_step(context: ContextTypes.DEFAULT_TYPE, chat_id: int, step: str) -> None:
    if not DIALOG[step][1]:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    await context.bot.send_message(chat_id, DIALOG[step][0], reply_markup=keyboard(step))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A welcome line, then the first question."""
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    await context.bot.send_message(chat_id, "<b>Back pain check</b>\nThis check is not a diagnosis.")
    await send_step(context, chat_id, FIRST)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the query, keep the question with the answer under it, and ask the next one."""
    query = update.callback_query
    assert query is not None
    assert update.effective_chat is not None
    await query.answer()
    chat_id = update.effective_chat.id
    message = query.message if isinstance(query.message, Message) else None
    data = query.data or ""
    if data == RESTART:
        if message is not None:
            await context.bot.edit_message_reply_markup(chat_id, message.message_id, reply_markup=None)
        await send_step(context, chat_id, FIRST)
        return
    step, _, option_id = data.partition(":")
    option = next((o for o in DIALOG.get(step, ("", []))[1] if o[0] == option_id), None)
    if option is None:
        return
    if message is not None:
        answered = f"{message.text_html}\n\n<i>Your answer: {html.escape(option[1])}</i>"
        await context.bot.edit_message_text(answered, chat_id, message.message_id, reply_markup=None)
    await send_step(context, chat_id, option[2])


def main(base_url: str) -> None:
    app = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(base_url)
        .defaults(
            Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
        )
        .concurrent_updates(8)  # as the clinic bot: up to 8 updates at once
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main(sys.argv[1])
