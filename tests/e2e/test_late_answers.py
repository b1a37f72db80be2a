"""A typed answer is applied to the question the patient saw, even when the reply with the next one was lost
(Telegram failing, or kill -9 between the commit and the send): see docs/reliability.md."""

from __future__ import annotations

import asyncio

from botprocess import BotProcess
from patients import stored_answers

from testkit import BotApiServer, ScriptedUser

WAIT = 40.0  # the lost reply is retried for about 8 s first


async def _at_danger(user: ScriptedUser) -> None:
    await user.send("/start")
    await user.wait_for("Hi!")
    await user.tap("Start")
    await user.wait_for("trouble breathing")


async def test_a_number_typed_again_after_the_reply_was_lost_is_not_applied_to_the_next_question(
    server: BotApiServer, bot: BotProcess
) -> None:
    ana = server.user(3101, "Ana")
    await _at_danger(ana)
    server.faults.server_error("sendMessage", times=5)  # the reply with "How long" is tried five times, lost
    await ana.send("2")  # No
    await ana.wait_for("Please try again", WAIT)
    assert not any(m.shows("How long have you had it?") for m in ana.messages)
    await ana.send("2")  # typed again, for the question still on screen
    question = await ana.wait_for("How long have you had it?", WAIT)
    assert "A week or more" in question.button_texts
    assert stored_answers(bot.workdir / "sessions.sqlite3", 3101) == [
        ["welcome", "start"],
        ["danger", "no"],
    ]
    assert not any(m.shows("Book an appointment") for m in ana.messages)


async def test_a_number_typed_again_after_a_kill_9_between_commit_and_send_is_not_applied_unseen(
    server: BotApiServer, bot: BotProcess
) -> None:
    bo = server.user(3102, "Bo")
    await _at_danger(bo)
    database = bot.workdir / "sessions.sqlite3"
    stall = server.faults.slow("sendMessage", seconds=60)
    await bo.send("2")  # No: committed, then the reply hangs
    async with asyncio.timeout(WAIT):
        while (stored := stored_answers(database, 3102)) is None or "danger" not in str(stored):
            await asyncio.sleep(0.02)
    await bot.kill()
    server.faults.remove(stall)
    await bo.send("2")  # nothing came, so the patient types it again
    await bot.start()
    await bo.wait_for("How long have you had it?", WAIT)
    await bo.send("/help")  # a barrier: every update before it is handled once its answer comes
    await bo.wait_for("I ask a few questions", WAIT)
    assert stored_answers(database, 3102) == [["welcome", "start"], ["danger", "no"]]
    assert not any(m.shows("Book an appointment") for m in bo.messages)


async def test_a_number_typed_after_a_hot_reload_means_the_option_the_patient_saw(
    server: BotApiServer, bot: BotProcess
) -> None:
    cy = server.user(3103, "Cy")
    await _at_danger(cy)
    await cy.tap("No")
    await cy.wait_for("How long have you had it?")  # on screen: 1 Less than a week, 2 A week or more
    admin = server.user(9000, "Admin")
    path = bot.workdir / "dialogs" / "example.yaml"
    first = '      - {label: "Less than a week", set: {duration: short}, next: decide}\n'
    text = path.read_text()
    assert first in text
    path.write_text(
        text.replace(first, '      - {label: "Today", set: {duration: short}, next: decide}\n' + first)
    )
    await admin.wait_for("is live", timeout=10)
    await cy.send("2")
    advice = await cy.wait_for("Book an appointment")
    assert "it has lasted a week or more" in advice.plain_text
