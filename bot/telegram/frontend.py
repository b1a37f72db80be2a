"""The handlers: each turns an update into a `Conversations` call and sends what `render` makes of it.

Handlers are thin: `Conversations` loads, applies and saves the session in one store transaction; the
texts the bot says are in `bot.texts`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import logging
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import render
from bot.config import Config
from bot.conversations import Conversations
from bot.dialog.engine import Reply
from bot.dialog.model import DONE
from bot.dialog.text import to_html
from bot.library import DialogLibrary, Status, watch
from bot.problems import Problem
from bot.store import SessionStore, StoreUnavailableError
from bot.store.retention import PURGE_EVERY, purge, purge_regularly
from bot.telegram.limits import PerChatLimiter
from bot.telegram.ordering import PerChatOrder
from bot.telegram.retries import RetryingLimiter
from bot.telegram.transport import AiohttpRequest
from bot.telegram.updates import UpdatesTransport
from bot.texts import (
    EDITED,
    FAILED,
    FORGET_ASK,
    FORGOTTEN,
    GROUP,
    HELP,
    KEPT,
    MENU,
    NOT_TEXT,
    PRIVACY,
    TRY_LATER,
    UNKNOWN_COMMAND,
    why_default,
)

log = logging.getLogger("clinic_bot")
# The HTTP client for Bot API calls, made with its connection pool size: aiohttp, about 1.5 times the
# updates a second of python-telegram-bot's httpx, at 0.6 times the CPU per update (performance.md, 3).
TRANSPORT: Callable[[int], BaseRequest] = AiohttpRequest
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


NON_ANSWERS = 3  # replies to things in a row that are not answers (stickers ...); then quiet until one is


_Kept = TypeVar("_Kept")


class RecentChats(OrderedDict[int, _Kept]):
    """A value per chat (e.g. a message id), for the most recent chats only, so memory stays bounded.

    Forgetting an old chat only means its last keyboard is not cleared; the engine still explains
    a stale button.
    """

    def __init__(self, limit: int = 10_000) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, chat: int, value: _Kept) -> None:
        super().__setitem__(chat, value)
        self.move_to_end(chat)
        if len(self) > self.limit:
            self.popitem(last=False)


class TelegramFrontEnd:
    """Wires a Conversations service into a python-telegram-bot Application."""

    def __init__(self, config: Config, library: DialogLibrary, store: SessionStore) -> None:
        self.config = config
        self.library = library
        self.engine = library.engine
        self.conversations = Conversations(library.engine, store, self._user_hash_of)
        self._store = store
        self._stop_watching = asyncio.Event()
        self._bot: Bot | None = None
        # The message that still shows answer buttons, per chat, so a typed answer can clear them.
        self._open_keyboard: RecentChats[int] = RecentChats()
        # How many things in a row each chat sent that are not answers (stickers, unknown commands ...).
        self._non_answers: RecentChats[int] = RecentChats()
        # The last message given its last form (answered, or its buttons taken off), not to edit it again.
        self._final: RecentChats[int] = RecentChats()
        # What each chat's card shows (message id, and a hash of its text and buttons), not to send an edit
        # that changes nothing (Telegram refuses it: "message is not modified").
        self._card: RecentChats[tuple[int, int]] = RecentChats()
        self._salt = hashlib.sha256((config.token or "").encode()).digest()
        self._tasks: set[asyncio.Task[None]] = set()
        self._calls: set[asyncio.Task[None]] = set()  # Bot API calls not awaited (answering a tap)

    def build(self, request: BaseRequest | None = None) -> Application:  # type: ignore[type-arg]
        """The Application; `request` replaces the HTTP transport (tests run the bot in process)."""
        if not self.config.token:
            raise ValueError("no token")
        builder = Application.builder().request(request or TRANSPORT(256))
        polling = request or TRANSPORT(1)  # pool sizes as python-telegram-bot's own
        self.updates = UpdatesTransport(polling)
        builder = builder.get_updates_request(self.updates)
        app = (
            builder.token(self.config.token)
            .base_url(self.config.base_url)
            .base_file_url(self.config.base_url.removesuffix("/bot") + "/file/bot")
            # Not parse_mode: python-telegram-bot would add it to editMessageReplyMarkup too, which does
            # not take it; `_say` and `_edit` give it.
            .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
            # Different chats are served at once; one chat's updates one at a time, in order.
            .concurrent_updates(PerChatOrder())
            # Telegram's flood limits, per chat, so that one chat's 429 pauses that chat only. Calls that
            # fail with a 5xx, a timeout or a lost connection are retried around it.
            .rate_limiter(RetryingLimiter(PerChatLimiter(self.config.rate_limit)))
            .post_init(self._post_init)
            .post_stop(self._post_stop)
            .build()
        )
        private = filters.ChatType.PRIVATE
        if self.config.admins:
            # For anyone else these commands do not exist: they get the unknown-command reply.
            admins = private & filters.User(user_id=list(self.config.admins))
            app.add_handler(CommandHandler("reload", self._reload, filters=admins))
            app.add_handler(CommandHandler("status", self._status, filters=admins))
        # In a channel the bot was made admin of, answering every post would be spam.
        app.add_handler(MessageHandler(filters.UpdateType.CHANNEL_POSTS, self._ignore))
        app.add_handler(MessageHandler(filters.UpdateType.EDITED, self._edited))
        app.add_handler(MessageHandler(~private, self._group))
        for name, _text, callback in self._commands():
            app.add_handler(CommandHandler(name, callback, filters=private))
        app.add_handler(CallbackQueryHandler(self._button))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self._text))
        app.add_handler(MessageHandler(filters.COMMAND, self._unknown_command))
        app.add_handler(MessageHandler(filters.ALL, self._not_text))
        app.add_handler(TypeHandler(Update, self._ignore))
        app.add_error_handler(self._error)
        return app

    def _commands(self) -> tuple[tuple[str, str, Handler], ...]:
        """The one table of the patients' commands: the menu Telegram shows, and the handler of each."""
        handlers: dict[str, Handler] = {
            "start": self._start,
            "back": self._back,
            "restart": self._start,
            "why": self._why,
            "help": self._help,
            "about": self._about,
            "privacy": self._privacy,
            "forget": self._forget,
        }
        return tuple((name, MENU[name], handler) for name, handler in handlers.items())

    async def _post_init(self, app: Application) -> None:  # type: ignore[type-arg]
        self._bot = app.bot
        try:
            await app.bot.set_my_commands([BotCommand(name, text) for name, text, _ in self._commands()])
        except TelegramError as error:  # the command menu is a convenience: serve without it
            log.warning("could not set the command menu: %s", type(error).__name__)
        self._background(watch(self.library, self._tell_admins, self._stop_watching))
        notice = self.library.notice_at_start()
        if notice is not None:
            await self._tell_admins(notice)
        days = self.config.retention_days
        await purge(self._store, days)  # at start-up, before the first update
        self._background(purge_regularly(self._store, days, self._stop_watching, PURGE_EVERY))

    def _background(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run until the bot stops (they watch `_stop_watching`); a crash is logged, without data.

        Not `Application.create_task`: before the application runs, it warns that it will not await them.
        """
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed: %s", type(task.exception()).__name__)

    async def _post_stop(self, app: Application) -> None:  # type: ignore[type-arg]
        self._stop_watching.set()
        if self._calls:  # taps still being answered
            await asyncio.wait(self._calls, timeout=5)
        if self._tasks:
            # Let them end before the loop closes: watchfiles' worker thread ends with its task, and a
            # thread left waiting keeps the process from exiting after SIGTERM.
            await asyncio.wait(self._tasks, timeout=5)
        await self._store.close()

    # Admin commands.

    async def _reload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        publication = await asyncio.to_thread(self.library.publish)
        if publication is not None:
            await self._tell_admins(publication.text)  # the one who asked is one of them
        else:  # nothing new: where things stand, with the refusal still in force, if any
            await self._status(update, context)

    async def _status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        status = self.library.status()
        text = html.escape(_status_text(status))
        if status.last_problems:
            text = _refused_text(status.last_problems, before=text + "\n\n")
        await _say(context.bot, _chat_id(update), text)

    async def _tell_admins(self, text: str) -> None:
        """An announcement of bot/announcements.py (a publication, a refused edit) to every admin, cut
        to what one Telegram message holds."""
        bot = self._bot
        if bot is None:
            return
        first, *rest = text.split("\n")
        message = render.fit_lines(html.escape(first, quote=False), rest)
        for admin in self.config.admins:
            try:
                await _say(bot, admin, message)
            except TelegramError:
                log.warning("could not reach an admin about the dialog")

    # Patient actions.

    async def _start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start and /restart: the first question, on a card headed by the title and the disclaimer."""
        chat = _chat_id(update)
        await self._welcome(context, chat, update.update_id)

    async def _welcome(self, context: ContextTypes.DEFAULT_TYPE, chat: int, update_id: int) -> None:
        reply = await self.conversations.start(chat, update_id=update_id)
        await self._send(context, chat, reply)

    async def _back(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = _chat_id(update)
        await self._send(context, chat, await self.conversations.back(chat, update_id=update.update_id))

    async def _text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed answer: matched by the engine, or the same question again with a hint."""
        chat = _chat_id(update)
        message = update.effective_message
        text = message.text if message else None
        if await self.conversations.is_new(chat):  # a first "hello" gets the welcome, as /start does
            await self._welcome(context, chat, update.update_id)
            return
        # Resolved against the question stored as on screen, not the one the session is at (the reply
        # with that one may never have arrived), nor one shown after this text was typed.
        message_id = message.message_id if message is not None else None
        sent_at = int(message.date.timestamp()) if message is not None else None
        reply = await self.conversations.text(
            chat, text or "", update_id=update.update_id, message_id=message_id, sent_at=sent_at
        )
        await self._send(context, chat, reply)

    async def _button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A tapped button. Every callback query is answered, or the button spins for a while; the answer
        is not awaited, so that the next question is the one round trip the patient waits for."""
        query = update.callback_query
        if query is None:
            return
        chat = update.effective_chat
        if chat is None or chat.type != chat.PRIVATE:
            # A button of an inline message, or one forged in a group: no conversation lives there.
            await _answer(query, None if chat is None else GROUP)
            return
        data = query.data or ""
        self._soon(_answer(query))
        if data in (render.FORGET_YES, render.FORGET_NO):
            await self._forget_answer(context, chat.id, query.message, data == render.FORGET_YES)
            return
        reply = await self._tapped(chat.id, data, update.update_id)
        message = query.message if isinstance(query.message, Message) else None
        self._know_card(chat.id, reply)
        if message is None:  # too old for Telegram to say which message it was: a new one
            await self._send(context, chat.id, reply)
        elif _is_toggle(reply, data):
            # A tick in a tick list: the same question stays, with the item's box ticked or cleared.
            await self._edit_buttons(context, chat.id, message.message_id, render.buttons(reply))
        elif not _shows_a_question(message):
            # "Change an answer" or "Start again" under the advice: the advice stays, without buttons.
            await self._edit(context, chat.id, message.message_id, None)
            await self._send(context, chat.id, reply)
        elif not await self._replace(context, chat.id, message, reply):
            # An outcome, a card above the current one, or a reply too long for one message: new messages
            # (the advice notifies, and stays), and the current card keeps every answer given.
            if self._card.get(chat.id, (None, 0))[0] != message.message_id:
                await self._edit(context, chat.id, message.message_id, None)
            await self._send(context, chat.id, reply)

    async def _tapped(self, chat: int, data: str, update_id: int) -> Reply:
        """What a button does: go back, start again, show the question again, or answer it."""
        if data == render.BACK:
            return await self.conversations.back(chat, update_id=update_id)
        if data == render.RESTART:
            return await self.conversations.start(chat, update_id=update_id)
        if data == render.SHOW:  # "No, I did not mean that": where the check is, nothing changed
            return await self.conversations.current(chat)
        step_id, _, option_id = data.partition(":")
        return (await self.conversations.choose(chat, step_id, option_id, update_id=update_id))[0]

    async def _why(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = _chat_id(update)
        reply = await self.conversations.current(chat)
        why = reply.why or why_default(reply.ended)
        await _say(context.bot, chat, to_html(why))

    async def _help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _say(context.bot, _chat_id(update), html.escape(HELP))

    async def _about(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        dialog = self.engine().dialog
        await _say(context.bot, _chat_id(update), to_html(self.engine().fill(dialog.contact)))

    async def _privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _say(context.bot, _chat_id(update), html.escape(PRIVACY))

    async def _forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        buttons = ((("Yes, erase everything", render.FORGET_YES), ("No, keep it", render.FORGET_NO)),)
        await _say(context.bot, _chat_id(update), FORGET_ASK, reply_markup=_keyboard(buttons))

    async def _forget_answer(
        self, context: ContextTypes.DEFAULT_TYPE, chat: int, message: object, confirmed: bool
    ) -> None:
        if confirmed:
            await self.conversations.forget(chat)
            self._open_keyboard.pop(chat, None)
        if isinstance(message, Message):
            await self._edit(context, chat, message.message_id, FORGOTTEN if confirmed else KEPT)
        else:
            await _say(context.bot, chat, FORGOTTEN if confirmed else KEPT)

    # Updates we cannot use: a friendly word, never silence or a traceback.

    async def _not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._say_once_in_a_while(context, update, NOT_TEXT)

    async def _edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._say_once_in_a_while(context, update, EDITED)

    async def _group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._say_once_in_a_while(context, update, GROUP)

    async def _unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._say_once_in_a_while(context, update, UNKNOWN_COMMAND)

    async def _say_once_in_a_while(
        self, context: ContextTypes.DEFAULT_TYPE, update: Update, text: str
    ) -> None:
        """A reply to what is not an answer, for the first NON_ANSWERS in a row of a chat; then quiet until
        the chat answers again: someone sending 100 stickers got 100 replies, each one counted against the
        bot's flood limits."""
        chat = _chat_id(update)
        seen = self._non_answers.get(chat, 0) + 1
        self._non_answers[chat] = seen
        if seen <= NON_ANSWERS:
            await _say(context.bot, chat, text)

    async def _ignore(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Updates without a chat to answer in (e.g. a member status change) need no reply."""

    async def _error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure without texts or names (a hashed user id and the step); tell the user."""
        error = context.error
        if update is None and isinstance(error, (NetworkError, RetryAfter)):
            # Fetching updates failed; PTB's polling loop tries again (nothing is lost: unconfirmed updates
            # stay with Telegram).
            log.warning("getting updates failed (%s); trying again", type(error).__name__)
            return
        chat = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
        user = self._user_hash(update)
        if isinstance(
            error, StoreUnavailableError
        ):  # nothing was applied: the same tap or answer works later
            log.warning("user=%s: the session store did not answer (%s)", user, error)
            if chat is not None:
                with contextlib.suppress(TelegramError):
                    await _say(context.bot, chat, TRY_LATER)
            return
        if isinstance(error, Forbidden):  # blocked the bot, or deleted their account: nothing to fix here
            log.info(
                "user=%s cannot be reached (%s); the reply was not delivered", user, type(error).__name__
            )
            return
        frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
        log.error("update failed: user=%s error=%s\n%s", user, type(error).__name__, frames.rstrip())
        if chat is not None:
            try:
                await _say(context.bot, chat, FAILED)
            except TelegramError:
                log.warning("could not tell user=%s about the failure", user)

    # Sending.

    async def _send(self, context: ContextTypes.DEFAULT_TYPE, chat: int, reply: Reply) -> None:
        """Show where the chat stands in new messages; the buttons of the message before come off first."""
        self._non_answers.pop(chat, None)
        self._know_card(chat, reply)
        await self._clear_keyboard(context, chat, reply)
        last: int | None = None
        for message in render.render(reply):
            sent = await _say(context.bot, chat, message.html, reply_markup=_keyboard(message.buttons))
            if message.buttons:
                self._open_keyboard[chat] = sent.message_id
                if render.is_card(reply):
                    self._card[chat] = (sent.message_id, hash(message))
            last = sent.message_id
        await self._delivered(chat, reply, last)

    async def _replace(
        self, context: ContextTypes.DEFAULT_TYPE, chat: int, card: Message, reply: Reply
    ) -> bool:
        """Show a question in place of the one tapped (one call, the chat does not scroll); False when it
        cannot be: an outcome, or a reply longer than one message."""
        messages = render.render(reply)
        current = self._card.get(chat)
        if reply.ended or len(messages) > 1 or (current is not None and current[0] != card.message_id):
            return False  # (a card above the current one: the current question comes below, new)
        self._non_answers.pop(chat, None)
        if self._open_keyboard.get(chat) != card.message_id:
            await self._clear_keyboard(context, chat)  # e.g. a hint below the card: one set of buttons
        (message,) = messages
        shows = (card.message_id, hash(message))
        if self._card.get(chat) == shows:  # the same tap twice, or a stale one: the card shows this already
            return True
        try:
            edited = await context.bot.edit_message_text(
                message.html,
                chat,
                card.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=_keyboard(message.buttons),
            )
        except BadRequest as error:
            if "not modified" in str(error).lower():  # the same tap twice: it shows this already
                return True
            log.info("edit in place refused (%s); sending instead", type(error).__name__)
            await self._send(context, chat, reply)
            return True
        self._open_keyboard[chat] = card.message_id
        self._card[chat] = shows
        self._final.pop(chat, None)
        when = edited.edit_date if isinstance(edited, Message) else None
        await self._delivered(chat, reply, card.message_id, int(when.timestamp()) if when else None)
        return True

    async def _delivered(
        self, chat: int, reply: Reply, message_id: int | None, at: int | None = None
    ) -> None:
        log.info("user=%s step=%s", self._user_hash_of(chat), reply.step)
        try:
            await self.conversations.delivered(chat, reply, message_id, at)
        except StoreUnavailableError as error:
            # The reply is out; until this is recorded, a typed answer shows this question again first.
            log.warning("user=%s: could not record the question shown (%s)", self._user_hash_of(chat), error)

    def _know_card(self, chat: int, reply: Reply) -> None:
        """The card of a chat this process has not shown (before a restart, or on another instance) is the
        message the store has as showing the question: it is tidied, edited or kept as any other."""
        if reply.on_screen is not None and chat not in self._card:
            self._card[chat] = (reply.on_screen, 0)
            self._open_keyboard.setdefault(chat, reply.on_screen)

    def _soon(self, call: Coroutine[Any, Any, None]) -> None:
        """A call whose result nobody waits for; kept referenced until done (asyncio holds tasks weakly)."""
        task = asyncio.get_running_loop().create_task(call)
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)

    async def _clear_keyboard(
        self, context: ContextTypes.DEFAULT_TYPE, chat: int, reply: Reply | None = None
    ) -> None:
        """Take the buttons off the previous question, so only the current one can be tapped; before the
        advice, the card keeps every answer given, in place of its question."""
        message_id = self._open_keyboard.pop(chat, None)
        if reply is not None and reply.ended and (card := self._card.pop(chat, None)) is not None:
            await self._edit(context, chat, card[0], render.record(reply))
            if message_id == card[0]:
                return
        if message_id is not None:
            await self._edit(context, chat, message_id, None)

    async def _edit(
        self, context: ContextTypes.DEFAULT_TYPE, chat: int, message_id: int, text: str | None
    ) -> None:
        """Give a message its last form (the answer shown, no buttons), once: a double tap or a stale tap
        would send an edit that changes nothing, which Telegram refuses ("message is not modified")."""
        if self._final.get(chat) == message_id:
            return
        self._final[chat] = message_id
        try:
            if text is None:
                await context.bot.edit_message_reply_markup(chat, message_id, reply_markup=None)
            else:
                await context.bot.edit_message_text(
                    text, chat, message_id, parse_mode=ParseMode.HTML, reply_markup=None
                )
        except BadRequest as error:
            # Already edited, too old, or deleted by the user: the new message matters, not this.
            log.info("edit skipped: %s", type(error).__name__)
        except TelegramError as error:  # failed even when retried; still send the reply
            log.warning("edit failed: %s", type(error).__name__)

    async def _edit_buttons(
        self, context: ContextTypes.DEFAULT_TYPE, chat: int, message_id: int, buttons: render.Buttons
    ) -> None:
        try:
            await context.bot.edit_message_reply_markup(chat, message_id, reply_markup=_keyboard(buttons))
        except BadRequest as error:  # e.g. the same tap twice: the keyboard already shows it
            log.info("edit skipped: %s", type(error).__name__)
        except TelegramError as error:
            log.warning("edit failed: %s", type(error).__name__)

    def _user_hash(self, update: object) -> str:
        user = update.effective_user if isinstance(update, Update) else None
        return self._user_hash_of(user.id) if user else "-"

    def _user_hash_of(self, user_id: int) -> str:
        return hashlib.blake2b(str(user_id).encode(), key=self._salt, digest_size=6).hexdigest()


async def _say(bot: Bot, chat: int, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> Message:
    """Send an HTML message (every text of the bot is HTML, escaped where it is plain)."""
    return await bot.send_message(chat, text, parse_mode=ParseMode.HTML, reply_markup=reply_markup)


async def _answer(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner; if Telegram refuses (query too old, answered already), the tap counts."""
    try:
        await query.answer(text)
    except TelegramError as error:
        log.info("callback query not answered: %s", type(error).__name__)


def _status_text(status: Status) -> str:
    loaded = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(status.loaded_at))
    serving = f"Serving dialog {status.dialog_id}, version {status.version}, live since {loaded}."
    return "\n".join((serving, *status.notes))


def _refused_text(problems: tuple[Problem, ...], before: str = "") -> str:
    head = f"{before}<b>The dialog edit was refused; the last good version is still live.</b>"
    return render.fit_lines(head, [str(p) for p in problems])


def _chat_id(update: Update) -> int:
    chat = update.effective_chat
    if chat is None:
        raise LookupError("update without a chat")
    return chat.id


def _is_toggle(reply: Reply, data: str) -> bool:
    """Whether a tap ticked or unticked an item of the tick list still on screen (nothing to send)."""
    step_id, _, option_id = data.partition(":")
    return reply.many and reply.step == step_id and option_id != DONE and reply.notice is None


def _shows_a_question(message: Message) -> bool:
    """Whether a message is a question's card (its buttons answer), not the advice or a notice."""
    markup = message.reply_markup
    rows = markup.inline_keyboard if markup is not None else ()
    return any(not str(b.callback_data or "!").startswith("!") for row in rows for b in row)


def _keyboard(buttons: render.Buttons) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons]
    )
