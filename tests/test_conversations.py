"""Conversations by chat: each action is saved, so a restarted bot carries on where a patient was."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from bot.conversations import Conversations
from bot.dialog.engine import STALE, Engine, Reply
from bot.dialog.loader import load_dialog
from bot.dialog.matching import control_word
from bot.store import SqliteStore
from bot.texts import TYPED_TOO_EARLY, UNREADABLE

ROOT = Path(__file__).resolve().parent.parent
VALUES = {
    "emergency_number": "911",
    "clinic_name": "Test Clinic",
    "clinic_phone": "555-0100",
    "booking_url": "https://example.org/book",
}


@pytest.fixture
def engine() -> Engine:
    return Engine(load_dialog(ROOT / "dialogs" / "example.yaml"), VALUES)


async def test_a_new_process_with_the_same_file_continues_at_the_same_step(
    tmp_path: Path, engine: Engine
) -> None:
    path = str(tmp_path / "s.sqlite3")
    first = Conversations(lambda: engine, SqliteStore(path))
    await first.start(5)
    await first.choose(5, "welcome", "start")
    await first.text(5, "no")
    again = Conversations(lambda: engine, SqliteStore(path))
    reply = await again.current(5)
    assert reply.step == "how_long"
    reply, label = await again.choose(5, "how_long", "a_week_or_more")
    assert label == "A week or more"
    assert reply.outcome is not None
    assert reply.outcome.urgency.key == "soon"


async def test_a_button_from_an_earlier_question_changes_nothing(tmp_path: Path, engine: Engine) -> None:
    conversations = Conversations(lambda: engine, SqliteStore(str(tmp_path / "s.sqlite3")))
    await conversations.start(1)
    await conversations.choose(1, "welcome", "start")
    reply, label = await conversations.choose(1, "welcome", "start")
    assert label is None
    assert reply.step == "danger"
    assert reply.notice == STALE


async def test_forged_button_data_never_moves_the_session(tmp_path: Path, engine: Engine) -> None:
    conversations = Conversations(lambda: engine, SqliteStore(str(tmp_path / "s.sqlite3")))
    await conversations.start(1)
    for data in ("home:x", "welcome:nonsense", "", ":", "danger:yes"):
        step, _, option = data.partition(":")
        reply, label = await conversations.choose(1, step, option)
        assert (reply.step, label) == ("welcome", None)


async def test_typed_back_and_restart_words_work_like_the_commands(tmp_path: Path, engine: Engine) -> None:
    conversations = Conversations(lambda: engine, SqliteStore(str(tmp_path / "s.sqlite3")))
    await conversations.start(1)
    await conversations.text(1, "start")
    assert (await conversations.text(1, "no")).step == "how_long"
    assert (await conversations.text(1, "Back")).step == "danger"
    assert (await conversations.text(1, "start over")).step == "welcome"


async def test_after_forget_the_next_message_starts_a_new_check(tmp_path: Path, engine: Engine) -> None:
    conversations = Conversations(lambda: engine, SqliteStore(str(tmp_path / "s.sqlite3")))
    await conversations.start(1)
    await conversations.text(1, "start")
    await conversations.forget(1)
    assert (await conversations.text(1, "no")).step == "welcome"


async def test_an_update_delivered_again_is_applied_once_and_shows_where_the_chat_stands(
    tmp_path: Path, engine: Engine
) -> None:
    """Telegram delivers an update again when the instance that applied it died before answering."""
    conversations = Conversations(lambda: engine, SqliteStore(str(tmp_path / "s.sqlite3")))
    await conversations.start(1, update_id=10)
    await conversations.choose(1, "welcome", "start", update_id=11)
    first = await conversations.text(1, "no", update_id=12)
    again = await conversations.text(1, "no", update_id=12)  # not an answer to "How long?"
    assert (first.step, again.step, again.notice) == ("how_long", "how_long", None)
    reply, label = await conversations.choose(1, "how_long", "a_week_or_more", update_id=13)
    assert label == "A week or more"
    shown_again = dataclasses.replace(reply, answered=())  # the same screen; this time it answers nothing
    assert await conversations.choose(1, "how_long", "a_week_or_more", update_id=13) == (shown_again, None)
    assert (await conversations.back(1, update_id=14)).step == "how_long"
    assert (await conversations.back(1, update_id=14)).step == "how_long"
    assert (
        (await conversations.start(1, update_id=15)).step
        == (await conversations.start(1, update_id=15)).step
        == "welcome"
    )


@pytest.mark.parametrize(
    ("typed", "word"),
    [
        ("back", "back"),
        ("/back", "back"),
        ("Go back!", "back"),
        ("restart", "restart"),
        ("Start again", "restart"),
        ("yes", None),
        ("backache", None),
    ],
)
def test_control_words_are_recognised_only_when_meant(typed: str, word: str | None) -> None:
    assert control_word(typed) == word


@pytest.mark.parametrize(
    "answers",
    [
        "not json",
        '[["welcome", "no_such_option"]]',  # this version has no such option (damaged, or a bug)
        '[["no_such_step", "start"]]',
    ],
)
async def test_a_session_that_cannot_be_used_starts_again_with_an_apology_whatever_the_patient_does(
    tmp_path: Path, engine: Engine, answers: str
) -> None:
    """Before, every action (even /restart's button) failed, and only /forget got the patient out."""
    path = tmp_path / "s.sqlite3"
    conversations = Conversations(lambda: engine, SqliteStore(str(path)))

    async def tap() -> Reply:
        return (await conversations.choose(5, "welcome", "start"))[0]

    actions = (
        tap,
        lambda: conversations.text(5, "no"),
        lambda: conversations.back(5),
        lambda: conversations.current(5),
    )
    for action in actions:
        await conversations.start(5)
        await conversations.choose(5, "welcome", "start")
        with sqlite3.connect(path) as db:
            db.execute("UPDATE sessions SET answers = ?, step = 'danger' WHERE chat_id = 5", (answers,))
        assert not await conversations.is_new(5)
        reply = await action()
        assert (reply.step, reply.notice) == ("welcome", UNREADABLE)
        reply, label = await conversations.choose(5, "welcome", "start")  # and the patient carries on
        assert (reply.step, label) == ("danger", "Start")


async def test_a_text_dated_no_later_than_the_edit_that_showed_a_question_is_not_used_for_it(
    tmp_path: Path, engine: Engine
) -> None:
    """A tap edits the card into the next question; the edit gets no new message id, so a text typed
    while the old question was on screen is known by its date: the same second as the edit, or earlier."""
    conversations = Conversations(lambda: engine, SqliteStore(str(tmp_path / "s.sqlite3")))
    await conversations.delivered(1, await conversations.start(1), message_id=1)
    reply, _ = await conversations.choose(1, "welcome", "start")
    await conversations.delivered(1, reply, message_id=1, at=1_000)  # the card, edited at 1,000
    early = await conversations.text(1, "yes", message_id=2, sent_at=1_000)
    assert (early.step, early.notice) == ("danger", TYPED_TOO_EARLY)
    read = await conversations.text(1, "no", message_id=3, sent_at=1_001)
    assert read.step == "how_long"
    assert read.on_screen == 1  # the card that showed the question answered: any instance can tidy it
