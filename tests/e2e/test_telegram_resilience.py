"""The bot survives what happens in real life: kill -9, floods of 429, erasing data, dialog edits."""

from __future__ import annotations

import re
import sqlite3

from botprocess import BotProcess

from testkit import BotApiServer, ChatMessage, ScriptedUser


async def _to_how_long(user: ScriptedUser, question: str = "How long") -> ChatMessage:
    await user.send("/start")
    await user.wait_for("Hi!")
    await user.tap("Start")
    await user.wait_for("trouble breathing")
    await user.tap("No")
    return await user.wait_for(question)


async def test_after_kill_9_and_a_restart_the_user_simply_taps_the_next_button(
    server: BotApiServer, bot: BotProcess
) -> None:
    ivy = server.user(2001, "Ivy")
    await _to_how_long(ivy)
    await bot.kill()
    await bot.start()
    await ivy.tap("A week or more")  # the button sent before the crash
    advice = await ivy.wait_for("Book an appointment")
    assert "it has lasted a week or more" in advice.plain_text


async def test_a_flood_of_429_answers_is_waited_out_and_every_reply_arrives_once(
    server: BotApiServer, bot: BotProcess
) -> None:
    server.faults.rate_limit("sendMessage", retry_after=1, times=3)
    jo = server.user(2002, "Jo")
    await jo.send("/start")
    await jo.wait_for("Hi!", timeout=15)
    texts = [m.plain_text for m in jo.messages]
    assert len(texts) == 1  # the first question's card, once
    assert texts[0].startswith("Example check")


async def test_forget_asks_first_then_erases_every_row_of_the_user(
    server: BotApiServer, bot: BotProcess
) -> None:
    kim = server.user(2003, "Kim")
    await _to_how_long(kim)
    database = bot.workdir / "sessions.sqlite3"
    rows = "SELECT COUNT(*) FROM sessions WHERE chat_id = 2003"
    assert sqlite3.connect(database).execute(rows).fetchone() == (1,)
    await kim.send("/forget")
    await kim.wait_for("Erase everything")
    await kim.tap("No, keep it")
    await kim.wait_for("Nothing was erased")
    assert sqlite3.connect(database).execute(rows).fetchone() == (1,)
    await kim.send("/forget")
    await kim.wait_for("Erase everything")
    await kim.tap("Yes, erase everything")
    await kim.wait_for("everything I kept about you is erased")
    assert sqlite3.connect(database).execute(rows).fetchone() == (0,)


async def test_a_dialog_edit_goes_live_and_a_broken_one_reaches_the_admins(
    server: BotApiServer, bot: BotProcess
) -> None:
    admin = server.user(9000, "Admin")
    await admin.send("/status")
    before = (await admin.next_message()).plain_text
    assert before.startswith("Serving dialog example, version ")
    path = bot.workdir / "dialogs" / "example.yaml"
    text = path.read_text()
    path.write_text(text.replace("How long have you had it?", "Since when have you had it?"))
    live = await admin.wait_for("is live", timeout=10)  # the watcher picks the change up within a second
    assert live.plain_text.splitlines()[2:] == [
        "What changed for patients:",
        'how_long.ask: "How long have you had it?" → "Since when have you had it?"',
    ]
    assert (await _status(admin)).split(",")[1] != before.split(",")[1]
    await _to_how_long(server.user(2004, "Lee"), "Since when")

    path.write_text(text.replace("next: how_long", "next: how_lnog"))
    refused = await admin.wait_for("refused", timeout=10)
    assert "example.yaml:32: step 'danger': unknown next step 'how_lnog'" in refused.plain_text
    await _to_how_long(server.user(2005, "Mia"), "Since when")  # the last good version serves


async def _status(admin: ScriptedUser) -> str:
    await admin.send("/status")
    return (await admin.next_message()).plain_text


async def test_long_outcomes_are_split_below_4096_characters(server: BotApiServer, bot: BotProcess) -> None:
    path = bot.workdir / "dialogs" / "example.yaml"
    long_topic = " ".join(["Rest a little and move gently."] * 120)
    path.write_text(
        path.read_text()
        .replace(
            'text: "Topics hold the teaching text. Outcomes show the topics that match the answers."',
            f'text: "{long_topic}"\n  more:\n    title: "More"\n    text: "{long_topic}"',
        )
        .replace("show: [about]\n    source", "show: [about, more]\n    source")
    )
    await bot.stop()
    await bot.start()
    max_ = server.user(2006, "Max")
    await max_.send("/start")
    await max_.wait_for("Hi!")
    await max_.tap("Start")
    await max_.wait_for("trouble breathing")
    await max_.tap("No")
    await max_.wait_for("How long")
    await max_.tap("A week or more")
    first = await max_.wait_for("Book an appointment")
    last = await max_.wait_for(lambda m: any(b.text == "↻ Start again" for row in m.buttons for b in row))
    advice = [m for m in max_.messages if m.message_id >= first.message_id]
    assert last is advice[-1]
    assert len(advice) >= 2
    assert all(len(m.text) <= 4096 for m in advice)
    assert sum("Rest a little" in m.plain_text for m in advice) >= 2
    # No "typing..." first: the messages follow at once, and a chat action would cost a call a tap.
    assert server.calls_to("sendChatAction") == []


async def test_an_edit_with_many_problems_reaches_the_admins_in_messages_telegram_accepts(
    server: BotApiServer, bot: BotProcess
) -> None:
    """The refusal listed 20 problems whatever their length, and the path makes each long: past 4096
    characters Telegram refused the notice ("message is too long"), so the admin heard nothing."""
    admin = server.user(9000, "Admin")
    path = bot.workdir / "dialogs" / "example.yaml"
    name = "a_step_nobody_links_to_with_a_long_and_descriptive_name_number_"
    orphans = "".join(f"  {name}{n}:\n    outcome: self_care\n    say: Rest.\n\n" for n in range(60))
    path.write_text(path.read_text().replace("topics:\n", orphans + "topics:\n", 1))
    refused = await admin.wait_for("refused", timeout=10)
    assert f"'{name}0': not a valid name" in refused.plain_text
    assert _shown_and_left_out(refused.plain_text) == 60  # as many as fit, and how many more
    await admin.send("/status")
    status = await admin.wait_for("Serving dialog")
    assert "refused" in status.plain_text
    assert _shown_and_left_out(status.plain_text) == 60
    await admin.send("/reload")  # the file has not changed: where things stand, the refusal included
    reloaded = await admin.wait_for("refused")
    assert reloaded.plain_text == status.plain_text
    assert not [c for c in server.calls_to("sendMessage") if c.status != 200]


def _shown_and_left_out(notice: str) -> int:
    """The problems a notice lists plus the number its last line says were left out."""
    *lines, last = notice.splitlines()
    more = re.fullmatch(r"\.\.\. and (\d+) more", last)
    assert more is not None, last
    return sum("not a valid name" in line for line in lines) + int(more.group(1))
