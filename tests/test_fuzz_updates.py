"""Thousands of generated updates fed to the real Application (handlers, store, engine), in process.

Whatever Telegram could send (any text, unicode, empty and huge texts, commands, media, edits, channel
posts, groups, forged or stale button data, inline buttons), the bot answers without an unhandled
exception (the error handler is never reached), and a session only ever moves as the user could move it:
one answer that was offered on the current question, back, start again, or erased after /forget's "yes".

The bot talks to the local Bot API's methods through an in-process transport (no HTTP), with
`telegram.rate_limit: false` in its config (thousands of updates would take hours under Telegram's caps, and
the same few chats come up again and again), so that the whole python-telegram-bot stack above the network
runs as in production.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.config import load_config
from bot.dialog.engine import Answer, Session
from bot.dialog.loader import load_dialog
from bot.library import DialogLibrary
from bot.store import SqliteStore
from bot.telegram.frontend import TelegramFrontEnd
from testkit import DEFAULT_TOKEN, BotApiServer
from testkit.chats import Chat
from testkit.errors import ApiError
from testkit.methods import Params

ROOT = Path(__file__).resolve().parent.parent
DIALOG = load_dialog(ROOT / "dialogs" / "example.yaml")
BOT_ID = int(DEFAULT_TOKEN.partition(":")[0])
REGULARS = (7001, 7002, 7003)  # patients whose sessions move on across examples
FED = {"updates": 0}  # updates processed in this run, for docs/reliability.md


class InProcessRequest(BaseRequest):
    """python-telegram-bot's transport seam: each call goes straight to the local Bot API's methods."""

    def __init__(self, server: BotApiServer) -> None:
        self._api = server.api

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_timeouts: Any
    ) -> tuple[int, bytes]:
        params = request_data.json_parameters if request_data is not None else {}
        try:
            result = await self._api.call(url.rsplit("/", 1)[1], Params(params))
        except ApiError as error:
            body = {"ok": False, "error_code": error.status, "description": error.description}
            return error.status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()


class Harness:
    """The bot, its store and the local Bot API, driven update by update on one event loop."""

    def __init__(self, tmp: Path) -> None:
        self.runner = asyncio.Runner()
        self.server = BotApiServer()
        self.store = SqliteStore(str(tmp / "sessions.sqlite3"))
        path = tmp / "config.yaml"
        path.write_text("telegram:\n  rate_limit: false\n", encoding="utf-8")
        config = load_config(path, environ={"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN})
        assert config.rate_limit is None
        library = DialogLibrary(ROOT / "dialogs" / "example.yaml", config.clinic.placeholders())
        self.app: Application = TelegramFrontEnd(config, library, self.store).build(  # type: ignore[type-arg]
            request=InProcessRequest(self.server)
        )
        self.runner.run(self.app.initialize())

    def close(self) -> None:
        self.runner.run(self.app.shutdown())
        self.runner.run(self.store.close())
        self.runner.close()

    def session(self, chat_id: int) -> Session | None:
        return self.runner.run(self.store.load(chat_id))

    def feed(self, data: dict[str, Any]) -> None:
        """Process one update as PTB would after getUpdates, after making its chat exist at 'Telegram'."""
        for chat in _chats_in(data):
            self.server.api.chats.setdefault(chat["id"], Chat(chat))
        update = Update.de_json(data, self.app.bot)
        self.runner.run(self.app.process_update(update))
        FED["updates"] += 1


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    running = Harness(tmp_path_factory.mktemp("fuzz"))
    yield running
    running.close()
    print(f"\n{FED['updates']} generated updates processed")


@pytest.fixture
def failures(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record of a failed update: the error handler's, and python-telegram-bot's own."""
    caplog.set_level(logging.WARNING)
    return caplog


def _chats_in(data: dict[str, Any]) -> list[dict[str, Any]]:
    payload = next(value for key, value in data.items() if key != "update_id")
    message = payload.get("message", payload)
    chat = message.get("chat") if isinstance(message, dict) else None
    return [chat] if isinstance(chat, dict) else []


# --- what Telegram may send ---------------------------------------------------------------------

names = st.text(min_size=1, max_size=64)
huge = st.builds(lambda char, n: char * n, st.characters(), st.integers(4097, 40_000))
COMMANDS = [
    "/start", "/restart", "/back", "/why", "/help", "/about", "/privacy", "/forget", "/reload", "/status",
    "/nonsense", "/start@clinic_test_bot", "/start@another_bot", "/start deep-link-payload", "/",
]  # fmt: skip
WORDS = [
    "1", "2", "3", "0", "-1", "99", "1.5", "yes", "no", "YES!", "nope", "back", "restart", "Start",
    "Read about the format", "Start the check", "Less than a week", "A week or more", "?", " ", "\n",
]  # fmt: skip


texts = st.one_of(st.text(max_size=200), st.sampled_from(COMMANDS + WORDS), st.just(""), huge)
options = [f"{step.id}:{option.id}" for step in DIALOG.steps.values() for option in step.options]
forged = st.one_of(
    st.sampled_from(options),
    st.sampled_from(["!back", "!restart", "!forget_yes", "!forget_no", "", ":", "::", "welcome:", ":start"]),
    st.builds(lambda step, option: f"{step}:{option}", st.sampled_from(list(DIALOG.steps)), names),
    st.text(max_size=64),
)


def _user(user_id: int, first_name: str, username: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username:
        user["username"] = username
    return user


users = st.builds(
    _user, st.one_of(st.sampled_from(REGULARS), st.integers(1, 2**40)), names, st.none() | names
)
groups = st.fixed_dictionaries(
    {
        "id": st.integers(-(10**13), -1),
        "type": st.sampled_from(["group", "supergroup"]),  # channels send channel_post, below
        "title": names,
    }
)
entity_kinds = st.sampled_from(["bold", "italic", "bot_command", "url", "mention", "code", "pre", "spoiler"])
entities = st.lists(
    st.fixed_dictionaries(
        {"type": entity_kinds, "offset": st.integers(0, 300), "length": st.integers(0, 300)}
    ),
    max_size=3,
)
contents = st.one_of(
    st.fixed_dictionaries({"text": texts}, optional={"entities": entities}),
    st.just({"sticker": {"file_id": "f", "file_unique_id": "u", "type": "regular", "width": 1, "height": 1,
                         "is_animated": False, "is_video": False}}),
    st.just({"location": {"latitude": 51.5, "longitude": -0.12}}),
    st.fixed_dictionaries({"caption": texts, "photo": st.just([{"file_id": "p", "file_unique_id": "q",
                                                                  "width": 9, "height": 9}])}),
    st.builds(lambda user: {"new_chat_members": [user]}, users),
    st.just({}),
)  # fmt: skip


@st.composite
def messages(draw: st.DrawFn, *, from_bot: bool = False) -> dict[str, Any]:
    """A message in a private chat (mostly) or a group or channel, with any content."""
    user = draw(users)
    chat = (
        {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        if draw(st.integers(0, 4))
        else draw(groups)
    )
    sender = {"id": BOT_ID, "is_bot": True, "first_name": "Clinic"} if from_bot else user
    message = {
        "message_id": draw(st.integers(1, 2**31 - 1)),
        "date": draw(st.integers(1, 2**31 - 1)),
        "chat": chat,
        "from": sender,
        **draw(contents),
    }
    if message.get("text", "").startswith("/") and "entities" not in message and draw(st.booleans()):
        word = message["text"].split()[0] if message["text"].split() else "/"
        message["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(word.encode("utf-16-le")) // 2}
        ]
    if draw(st.booleans()):
        message["edit_date"] = message["date"] + 1
    return message


@st.composite
def taps(draw: st.DrawFn) -> dict[str, Any]:
    """A callback query: forged or real data, on a message, an inaccessible message, or an inline one."""
    user = draw(users)
    query: dict[str, Any] = {"id": str(draw(st.integers(0, 2**40))), "from": user, "chat_instance": "1"}
    where = draw(st.integers(0, 6))
    if where == 0:
        query["inline_message_id"] = "inline-1"
    else:
        message = draw(messages(from_bot=True))
        if where == 1:
            message = {"message_id": message["message_id"], "date": 0, "chat": message["chat"]}
        elif where > 2:  # the usual case: the user's own private chat
            message["chat"] = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        query["message"] = message
    if draw(st.integers(0, 9)):
        query["data"] = draw(forged)
    else:
        query["game_short_name"] = "game"
    return query


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            ["message"] * 4
            + ["callback_query"] * 4
            + ["edited_message", "channel_post", "edited_channel_post", "inline_query", "my_chat_member"]
        )
    )
    if kind == "callback_query":
        payload = draw(taps())
    elif kind == "inline_query":
        payload = {"id": "q", "from": draw(users), "query": draw(texts), "offset": ""}
    elif kind == "my_chat_member":
        user = draw(users)
        bot_user = {"id": BOT_ID, "is_bot": True, "first_name": "Clinic"}
        payload = {
            "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
            "from": user,
            "date": 1,
            "old_chat_member": {"status": "member", "user": bot_user},
            "new_chat_member": {"status": "kicked", "user": bot_user, "until_date": 0},
        }
    else:
        payload = draw(messages())
        if kind in {"channel_post", "edited_channel_post"}:
            channel = -(10**13) - 1 - draw(st.integers(0, 9))  # never one of the groups' ids
            payload["chat"] = {"id": channel, "type": "channel", "title": "News"}
            payload.pop("from")
    return {"update_id": draw(st.integers(1, 2**31 - 1)), kind: payload}


# --- the invariant ------------------------------------------------------------------------------


def _moves_allowed(before: Session | None, data: dict[str, Any]) -> list[tuple[Answer, ...] | None]:
    """Every answer list the chat may hold after this update, given what it held (None: erased)."""
    start: tuple[Answer, ...] = ()
    if before is None:
        return [None, start]
    allowed: list[tuple[Answer, ...] | None] = [before.answers, start, before.answers[:-1]]
    offered = [(before.step, (option.id,)) for option in DIALOG.steps[before.step].options]
    query = data.get("callback_query")
    if query is None:
        allowed += [(*before.answers, answer) for answer in offered]  # a typed answer
    elif query.get("data") == "!forget_yes":
        allowed.append(None)
    elif query.get("data") in {f"{step}:{ids[0]}" for step, ids in offered}:
        step, _, option = query["data"].partition(":")
        allowed.append((*before.answers, (step, (option,))))
    return allowed


def _check(harness: Harness, batch: list[dict[str, Any]], failures: pytest.LogCaptureFixture) -> None:
    failures.clear()  # records of an earlier example that failed must not fail this one
    for data in batch:
        chats = [chat["id"] for chat in _chats_in(data) if chat["type"] == "private"]
        before = {chat: harness.session(chat) for chat in chats}
        harness.feed(data)
        for chat in _chats_in(data):
            if chat["type"] != "private":  # health questions stay private: nothing kept, no posts in channels
                assert harness.session(chat["id"]) is None, data
            if chat["type"] == "channel":
                assert not harness.server.chat(chat["id"]).bot_messages(), data
        for chat in chats:
            after = harness.session(chat)
            got = None if after is None else after.answers
            assert got in _moves_allowed(before[chat], data), (data, before[chat], after)
            if after is not None:
                assert after.step in DIALOG.steps
    problems = [r for r in failures.records if r.levelno >= logging.ERROR or "update failed" in r.message]
    assert not problems, [r.getMessage() for r in problems]


SETTINGS = settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.function_scoped_fixture,  # the harness is shared on purpose; logs are cleared per example
    ],
)


@SETTINGS
@given(st.lists(updates(), min_size=1, max_size=12))
def test_any_update_is_answered_without_an_error(
    harness: Harness, failures: pytest.LogCaptureFixture, batch: list[dict[str, Any]]
) -> None:
    _check(harness, batch, failures)


@SETTINGS
@given(st.lists(st.one_of(taps(), taps(), messages()), min_size=1, max_size=12))
def test_forged_button_data_never_moves_a_session_where_it_was_not_offered(
    harness: Harness, failures: pytest.LogCaptureFixture, batch: list[dict[str, Any]]
) -> None:
    """Mostly taps on the regular patients' private chats, mixed with messages that move them on."""
    wrapped = [
        {"update_id": i + 1, "callback_query" if "chat_instance" in item else "message": item}
        for i, item in enumerate(batch)
    ]
    _check(harness, wrapped, failures)


def test_a_message_of_thousands_of_digits_is_not_understood_rather_than_a_crash(
    harness: Harness, failures: pytest.LogCaptureFixture
) -> None:
    """Regression: int() of more than 4300 digits raised ValueError; NFKD makes '½' one, a fraction slash
    and two, so 4096 of them (one Telegram message) made 8192 digits."""
    ann = 2**41  # a chat no generated update uses, so that she is at the first question
    chat = {"id": ann, "type": "private", "first_name": "Ann"}
    hello = {"message_id": 1, "date": 1, "chat": chat, "from": _user(ann, "Ann", None), "text": "/start"}
    huge_number = {**hello, "message_id": 2**31 - 1, "text": "½" * 4096}
    _check(harness, [{"update_id": 1, "message": hello}, {"update_id": 2, "message": huge_number}], failures)
