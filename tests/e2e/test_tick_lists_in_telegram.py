"""A tick-all-that-apply question in Telegram, through the real bot process: ticks on one message,
kept across a kill -9, and a stale toggle that changes nothing."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from botprocess import BotProcess
from dialog_helpers import TICKS

from testkit import BotApiServer

BOXES = ["⬜ A fever", "⬜ Cancer, now or before", "⬜ Weak legs", "⬜ None of these", "Done ➡"]


@pytest.fixture
async def ticks_bot(server: BotApiServer, tmp_path: Path) -> AsyncIterator[BotProcess]:
    (tmp_path / "dialogs").mkdir()
    (tmp_path / "dialogs" / "ticks.yaml").write_text(TICKS, encoding="utf-8")
    process = BotProcess(server, tmp_path, "ticks")
    await process.start()
    yield process
    await process.stop()
    assert "Traceback" not in process.logs(), process.logs()


def _stored(workdir: Path, chat_id: int) -> object:
    with sqlite3.connect(workdir / "sessions.sqlite3") as db:
        row = db.execute("SELECT answers FROM sessions WHERE chat_id = ?", (chat_id,)).fetchone()
    if row is None:
        return None
    data = json.loads(row[0])
    if isinstance(data, dict):  # the question on screen is kept too (tests/e2e/test_late_answers.py)
        data.pop("shown", None)
        return data if data["ticked"] else data["answers"]
    return data


async def test_ticks_show_on_the_same_message_survive_a_kill_and_done_answers_them_all(
    server: BotApiServer, ticks_bot: BotProcess
) -> None:
    eve = server.user(2001, "Eve")
    await eve.send_command("/start")
    question = await eve.wait_for("Tick all that apply")
    assert question.button_texts == BOXES
    await eve.tap("⬜ Cancer, now or before")
    await eve.wait_for(lambda m: "✅ Cancer, now or before" in m.button_texts)
    messages = len(eve.messages)

    await ticks_bot.kill()  # between two ticks: the first is already stored
    assert _stored(ticks_bot.workdir, eve.id) == {"answers": [], "ticked": ["cancer"]}
    await ticks_bot.start()

    await eve.tap("⬜ Weak legs")
    both = await eve.wait_for(lambda m: "✅ Weak legs" in m.button_texts)
    assert both.button_texts[:3] == ["⬜ A fever", "✅ Cancer, now or before", "✅ Weak legs"]
    assert len(eve.messages) == messages  # ticking edits the question; it sends nothing new
    await eve.tap("Done ➡")
    advice = await eve.wait_for("Call 911 now")
    assert "Because you said: you have had cancer; your legs are weak." in advice.plain_text
    answered = next(m for m in eve.messages if m.message_id == question.message_id)
    record = "Your answers:\n✓ Do any of these apply? Cancer, now or before, Weak legs"
    assert answered.plain_text.endswith(record)
    assert _stored(ticks_bot.workdir, eve.id) == [["signs", ["cancer", "legs"]]]


async def test_a_stale_toggle_changes_nothing_and_says_where_the_check_is(
    server: BotApiServer, ticks_bot: BotProcess
) -> None:
    fay = server.user(2002, "Fay")
    await fay.send_command("/start")
    question = await fay.wait_for("Tick all that apply")
    await fay.send("none")
    await fay.wait_for("Rest at home")
    await fay.forge_tap("signs:fever", message=question)  # the old list's button, tapped again
    await fay.wait_for("This check is finished")
    assert _stored(ticks_bot.workdir, fay.id) == [["signs", "none"]]  # one id is stored as one


async def test_typed_numbers_answer_a_tick_list_in_telegram(
    server: BotApiServer, ticks_bot: BotProcess
) -> None:
    gus = server.user(2003, "Gus")
    await gus.send_command("/start")
    await gus.wait_for("Tick all that apply")
    await gus.send("1 and 3")
    advice = await gus.wait_for("See a doctor today")
    assert "you have a fever; your legs are weak" in advice.plain_text
