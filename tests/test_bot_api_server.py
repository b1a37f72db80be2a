"""The local Bot API server, driven by the real python-telegram-bot stack over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from testkit import BotApiServer, Faults
from testkit.html_text import HtmlError, parse_html

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer(webhook_retry_delay=0.02) as running:
        yield running


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    async with Bot(server.token, base_url=server.base_url, base_file_url=server.base_file_url) as client:
        yield client


@asynccontextmanager
async def running_app(server: BotApiServer, *handlers: BaseHandler) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """A tiny PTB application polling the server, as the real bot does."""
    app = (
        Application.builder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    for handler in handlers:
        app.add_handler(handler)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data) for text, data in pairs]])


async def ask_chest_pain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: one question with two buttons."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "Do you have <b>chest pain</b>?",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(("Yes", "answer:yes"), ("No", "answer:no")),
    )


async def record_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap: answer the query, then replace the question (without markup, which drops the keyboard)."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    await query.answer("Noted")
    await query.edit_message_text(f"You said: {query.data.partition(':')[2]}")


# --- the real PTB application, end to end ---


async def test_a_ptb_app_replies_to_start_and_edits_the_message_after_a_tap(server: BotApiServer) -> None:
    async with running_app(
        server, CommandHandler("start", ask_chest_pain), CallbackQueryHandler(record_answer)
    ):
        alice = server.user(1001, "Alice")
        await alice.send_command("/start")

        question = await alice.next_message()
        assert question.text == "Do you have <b>chest pain</b>?"
        assert question.plain_text == "Do you have chest pain?"
        assert question.parse_mode == "HTML"
        assert question.entities == [{"type": "bold", "offset": 12, "length": 10}]
        assert question.buttons == ((("Yes", "answer:yes"), ("No", "answer:no")),)

        tap = await alice.tap("Yes")
        assert (await tap.answered())["text"] == "Noted"
        edited = await alice.next_edit()

    assert edited is question
    assert edited.plain_text == "You said: yes"
    assert edited.buttons == ()
    assert [version.plain_text for version in edited.edits] == ["Do you have chest pain?"]
    assert [
        call.method for call in server.calls_to("sendMessage", "answerCallbackQuery", "editMessageText")
    ] == [
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
    ]


async def test_wait_for_finds_a_message_by_substring_or_predicate(server: BotApiServer) -> None:
    async with running_app(
        server, CommandHandler("start", ask_chest_pain), CallbackQueryHandler(record_answer)
    ):
        bob = server.user(1002, "Bob")
        await bob.send("/start")
        await bob.wait_for("chest pain")
        await bob.tap("answer:no")  # by callback data
        edited = await bob.wait_for(lambda message: message.plain_text == "You said: no")
    assert edited.edits


async def test_waiting_in_vain_names_the_chat_and_what_the_bot_last_said(server: BotApiServer) -> None:
    carol = server.user(1003, "Carol")
    with pytest.raises(TimeoutError, match=r"user 1003: no new message from the bot within 0.05 s"):
        await carol.next_message(timeout=0.05)


# --- polling ---


async def test_a_long_poll_returns_as_soon_as_an_update_arrives(server: BotApiServer, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await server.wait_for_call("getUpdates")
    started = time.monotonic()
    await server.user(1004, "Dan").send("hello")
    updates = await poll
    assert time.monotonic() - started < 0.5
    assert [update.message.text for update in updates if update.message] == ["hello"]


async def test_a_long_poll_without_updates_ends_after_its_timeout(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=dtm.timedelta(seconds=0.2)) == ()
    assert 0.2 <= time.monotonic() - started < 1.0


async def test_an_offset_confirms_earlier_updates(server: BotApiServer, bot: Bot) -> None:
    erin = server.user(1005, "Erin")
    for text in ("one", "two", "three"):
        await erin.send(text)
    first = await bot.get_updates(limit=2)
    assert [update.message.text for update in first if update.message] == ["one", "two"]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [update.message.text for update in rest if update.message] == ["three"]
    await bot.get_updates(offset=rest[-1].update_id + 1)
    assert server.updates.pending == []


async def test_allowed_updates_keeps_other_kinds_from_being_queued(server: BotApiServer, bot: Bot) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    await server.user(1006, "Fay").send("ignored")
    assert server.updates.pending == []


async def test_a_second_bot_instance_polling_terminates_the_first_with_a_conflict(
    server: BotApiServer, bot: Bot
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await server.wait_for_call("getUpdates")
    async with Bot(server.token, base_url=server.base_url) as second:
        await second.get_updates(timeout=0)
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first


async def test_scripted_users_send_media_edits_and_group_messages(server: BotApiServer, bot: Bot) -> None:
    gus = server.user(1007, "Gus", username="gus")
    staff = server.group("Clinic staff")
    await gus.send_sticker()
    await gus.send_photo(caption="my back")
    await gus.send_location(51.5, -0.12)
    await gus.send("first try")
    await gus.edit_last("second try")
    await gus.send_command("/help", chat=staff)

    sticker, photo, location, _, edited, in_group = await bot.get_updates()
    assert sticker.message
    assert sticker.message.sticker
    assert sticker.message.sticker.emoji == "👍"
    assert photo.message
    assert photo.message.photo
    assert photo.message.caption == "my back"
    assert location.message
    assert location.message.location
    assert location.message.location.latitude == 51.5
    assert edited.edited_message
    assert edited.edited_message.text == "second try"
    assert in_group.message
    assert (in_group.message.chat.type, in_group.message.chat.id) == ("group", staff.id)
    assert in_group.message.entities[0].type == "bot_command"
    assert in_group.message.from_user
    assert in_group.message.from_user.username == "gus"
    await bot.send_message(staff.id, "Hello, staff")
    assert (await staff.next_message()).plain_text == "Hello, staff"


# --- sendMessage and edits: Telegram's refusals ---


async def test_callback_data_over_64_bytes_is_refused_as_ptb_bad_request(
    server: BotApiServer, bot: Bot
) -> None:
    server.user(1010, "Hal")
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(1010, "Pick one", reply_markup=keyboard(("Long", "x" * 65)))
    assert server.calls[-1].status == 400
    assert server.calls[-1].description == "Bad Request: BUTTON_DATA_INVALID"


async def test_64_bytes_of_callback_data_are_fine(server: BotApiServer, bot: Bot) -> None:
    server.user(1011, "Ivy")
    message = await bot.send_message(1011, "Pick one", reply_markup=keyboard(("Ok", "é" * 32)))
    assert message.reply_markup is not None


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("", "Bad Request: message text is empty"),
        ("x" * 4097, "Bad Request: message is too long"),
        ("<b>open", "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""),
        ("line<br>break", 'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 4'),
    ],
)
async def test_send_message_refusals_have_telegrams_texts(
    server: BotApiServer, bot: Bot, text: str, description: str
) -> None:
    server.user(1012, "Jo")
    with pytest.raises(BadRequest):
        await bot.send_message(1012, text, parse_mode=ParseMode.HTML)
    assert server.calls[-1].description == description


async def test_the_length_limit_counts_text_after_markup(server: BotApiServer, bot: Bot) -> None:
    server.user(1013, "Kim")
    await bot.send_message(1013, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)


async def test_sending_to_a_chat_nobody_opened_is_refused(server: BotApiServer, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "hello")


async def test_an_identical_edit_is_not_modified(server: BotApiServer, bot: Bot) -> None:
    server.user(1014, "Lee")
    markup = keyboard(("Yes", "y"))
    sent = await bot.send_message(1014, "Question?", reply_markup=markup)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "Question?", chat_id=1014, message_id=sent.message_id, reply_markup=markup
        )
    assert server.calls[-1].description == NOT_MODIFIED
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(chat_id=1014, message_id=sent.message_id, reply_markup=markup)


async def test_editing_the_keyboard_alone_keeps_the_text(server: BotApiServer, bot: Bot) -> None:
    lee = server.user(1015, "Max")
    sent = await bot.send_message(1015, "Question?", reply_markup=keyboard(("Yes", "y")))
    await bot.edit_message_reply_markup(chat_id=1015, message_id=sent.message_id, reply_markup=None)
    edited = await lee.next_edit()
    assert (edited.plain_text, edited.buttons) == ("Question?", ())


async def test_editing_an_unknown_message_is_refused(server: BotApiServer, bot: Bot) -> None:
    server.user(1016, "Ned")
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("new", chat_id=1016, message_id=42)


async def test_a_callback_query_can_be_answered_once(server: BotApiServer, bot: Bot) -> None:
    ola = server.user(1017, "Ola")
    await bot.send_message(1017, "Pick", reply_markup=keyboard(("A", "a")))
    tap = await ola.tap("A")
    assert await bot.answer_callback_query(tap.query_id, text="ok")
    with pytest.raises(
        BadRequest, match="Query is too old and response timeout expired or query id is invalid"
    ):
        await bot.answer_callback_query(tap.query_id)


async def test_tapping_a_missing_button_lists_what_is_there(server: BotApiServer, bot: Bot) -> None:
    pat = server.user(1018, "Pat")
    await bot.send_message(1018, "Pick", reply_markup=keyboard(("A", "a")))
    with pytest.raises(LookupError, match=r"no button 'B' on .*buttons=\['A'\]"):
        await pat.tap("B")


# --- commands, chat actions, small methods ---


async def test_commands_are_stored_per_scope_and_checked(server: BotApiServer, bot: Bot) -> None:
    await bot.set_my_commands([("start", "Begin the check"), ("help", "What this bot does")])
    assert [command.command for command in await bot.get_my_commands()] == ["start", "help"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Start!", "bad name")])
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_chat_actions_are_recorded_on_the_chat(server: BotApiServer, bot: Bot) -> None:
    server.user(1019, "Quinn")
    await bot.send_chat_action(1019, "typing")
    assert server.chat(1019).actions == ["typing"]


async def test_a_wrong_token_is_unauthorized(server: BotApiServer) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("1:wrong", base_url=server.base_url):
            pass
    assert server.calls[-1].status == 401


async def test_an_unknown_method_is_not_found_and_close_is_harmless(server: BotApiServer) -> None:
    async with httpx.AsyncClient() as client:
        unknown = await client.post(f"{server.base_url}{server.token}/sendRocket", data={"chat_id": "1"})
        closed = await client.post(f"{server.base_url}{server.token}/close", json={})
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    assert closed.json() == {"ok": True, "result": True}


async def test_json_bodies_work_like_forms(server: BotApiServer) -> None:
    server.user(1020, "Rae")
    body = {
        "chat_id": 1020,
        "text": "hi",
        "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
    }
    async with httpx.AsyncClient() as client:
        answer = (await client.post(f"{server.base_url}{server.token}/sendMessage", json=body)).json()
    assert answer["ok"] is True
    assert answer["result"]["reply_markup"] == body["reply_markup"]
    assert server.calls[-1].params == body


# --- injected faults ---


async def test_a_rate_limit_becomes_retry_after_in_ptb(
    server: BotApiServer, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22 warns when retry_after is read as an int
    server.user(1021, "Sam")
    fault = server.faults.rate_limit("sendMessage", retry_after=7, times=1)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(1021, "hi")
    assert raised.value.retry_after == dtm.timedelta(seconds=7)
    assert server.calls[-1].description == "Too Many Requests: retry after 7"
    await bot.send_message(1021, "hi again")  # only the next call was limited
    assert fault.hits == 1


@pytest.mark.parametrize(("status", "message"), [(500, "Internal Server Error"), (502, "Bad Gateway")])
async def test_server_errors_become_network_errors(
    server: BotApiServer, bot: Bot, status: int, message: str
) -> None:
    server.faults.server_error("getMe", status=status, times=1)
    with pytest.raises(NetworkError, match=message):
        await bot.get_me()


async def test_a_dropped_connection_after_the_work_loses_only_the_answer(
    server: BotApiServer, bot: Bot
) -> None:
    tia = server.user(1022, "Tia")
    server.faults.drop("sendMessage", after=True, times=1)
    with pytest.raises(NetworkError):
        await bot.send_message(1022, "sent, but you will not know")
    assert (await tia.next_message()).plain_text == "sent, but you will not know"


async def test_a_slow_answer_is_delayed(server: BotApiServer, bot: Bot) -> None:
    server.faults.slow("getMe", seconds=0.2, times=1)
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.2


def test_fractional_faults_repeat_with_the_same_seed() -> None:
    def pattern(seed: int) -> list[bool]:
        faults = Faults(seed)
        faults.rate_limit("sendMessage", fraction=0.3)
        return [bool(faults.draw("sendMessage")) for _ in range(200)]

    assert pattern(5) == pattern(5)
    assert pattern(5) != pattern(6)
    assert 40 <= sum(pattern(5)) <= 80


# --- webhooks ---


@asynccontextmanager
async def webhook_receiver(
    statuses: list[int],
) -> AsyncIterator[tuple[str, list[tuple[dict[str, object], str]]]]:
    """A bot's webhook endpoint answering `statuses` in turn, then 200; yields its URL and what came in."""
    received: list[tuple[dict[str, object], str]] = []

    async def receive(request: web.Request) -> web.Response:
        received.append((await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")))
        return web.Response(status=statuses.pop(0) if statuses else 200)

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", received
    finally:
        await runner.cleanup()


async def test_a_webhook_gets_updates_with_the_secret_and_a_failed_one_is_retried(
    server: BotApiServer, bot: Bot
) -> None:
    async with webhook_receiver([500]) as (url, received):
        await bot.set_webhook(url, secret_token="s3cret")  # noqa: S106 - a test value
        await server.user(1023, "Uma").send("via webhook")
        await asyncio.wait_for(_until(lambda: len(received) == 2, server), timeout=5)
        info = await bot.get_webhook_info()

    assert [secret for _, secret in received] == ["s3cret", "s3cret"]
    assert received[0][0] == received[1][0]
    assert json.dumps(received[1][0]["message"]).count("via webhook") == 1
    assert [(d.attempt, d.status) for d in server.webhook.deliveries] == [(1, 500), (2, 200)]
    assert (info.url, info.pending_update_count) == (url, 0)
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"


async def test_webhook_targets_take_turns_like_a_load_balancer_and_a_retry_goes_to_the_next(
    server: BotApiServer, bot: Bot
) -> None:
    async with webhook_receiver([500]) as (first, to_first), webhook_receiver([]) as (second, to_second):
        server.webhook.targets = [first, second]
        # Telegram is told one URL; the targets stand for the load balancer behind it.
        await bot.set_webhook("http://127.0.0.1:9/balancer")
        vic = server.user(1024, "Vic")
        await vic.send("one")
        await asyncio.wait_for(_until(lambda: len(to_second) == 1, server), timeout=5)
        await vic.send("two")
        await asyncio.wait_for(_until(lambda: len(to_first) == 2, server), timeout=5)

    deliveries = [(d.url, d.status) for d in server.webhook.deliveries]
    assert deliveries == [(first, 500), (second, 200), (first, 200)]
    assert [update["update_id"] for update, _ in to_first + to_second] == [1, 2, 1]
    assert not server.webhook.sending


async def test_setting_the_same_webhook_again_interrupts_no_delivery(server: BotApiServer, bot: Bot) -> None:
    """As Telegram ("Webhook is already set"): a second bot instance starting up disturbs nothing."""
    arrived, release, received = asyncio.Event(), asyncio.Event(), []

    async def receive(request: web.Request) -> web.Response:
        received.append(await request.json())
        arrived.set()
        await release.wait()
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        await bot.set_webhook(url, secret_token="s3cret")  # noqa: S106 - a test value
        await server.user(1025, "Wen").send("hello")
        await asyncio.wait_for(arrived.wait(), timeout=5)
        await bot.set_webhook(url, secret_token="s3cret")  # noqa: S106
        release.set()
        await asyncio.wait_for(_until(lambda: not server.updates.pending, server), timeout=5)
    finally:
        await runner.cleanup()
    assert len(received) == 1
    assert [(d.attempt, d.status) for d in server.webhook.deliveries] == [(1, 200)]


async def test_get_updates_conflicts_while_a_webhook_is_set(bot: Bot) -> None:
    await bot.set_webhook("http://127.0.0.1:9/unused")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def _until(condition: object, server: BotApiServer) -> None:
    assert callable(condition)
    while not condition():
        await server.webhook.delivered.wait(1.0)


# --- the HTML checker ---


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<b>bold</i>", 'Unmatched end tag at byte offset 7, expected "</b>", found "</i>"'),
        ("text</b>", "Unexpected end tag at byte offset 4"),
        ("é<p>", 'Unsupported start tag "p" at byte offset 2'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="x>', "Unclosed start tag at byte offset 0"),
    ],
)
def test_refused_html_names_the_problem_as_telegram_does(markup: str, error: str) -> None:
    with pytest.raises(HtmlError) as raised:
        parse_html(markup)
    assert str(raised.value) == error


def test_html_becomes_plain_text_with_utf16_entity_offsets() -> None:
    plain, entities = parse_html(
        '😀 <a href="https://x.org/?a=1&amp;b=2">link</a> &lt;3 &unknown; <b><i>x</i></b>'
    )
    assert plain == "😀 link <3 &unknown; x"
    assert entities == [
        {"type": "text_link", "offset": 3, "length": 4, "url": "https://x.org/?a=1&b=2"},
        {"type": "bold", "offset": 21, "length": 1},
        {"type": "italic", "offset": 21, "length": 1},
    ]
