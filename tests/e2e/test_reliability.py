"""Reliability of the real bot process: Bot API faults, kill -9, and races (see docs/reliability.md).

What is promised, and tested here: an answer is applied exactly once; a reply reaches the user exactly
once when Telegram reports a failure (429, 5xx, a timeout or a connection closed before it did the work),
and at least once when Telegram did the work but its answer was lost (then it may arrive twice).
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections import Counter
from pathlib import Path

from botprocess import BotProcess
from patients import SCRIPTS, Script, asking, persevere, stored_answers, walk

from testkit import BotApiServer, ChatMessage, Fault, ScriptedUser

# The methods a conversation uses; getUpdates has PTB's own retry loop and is faulted separately.
SENDING = (
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
)
WAIT = 40.0  # for one reply: retries back off for up to ~8 s, a 429 stops all sending for a second


BARRIER = "I ask a few questions"  # the answer to /help


async def _handled(users: list[ScriptedUser]) -> None:
    """Until the bot has finished with every update the users sent, retries of its replies included: each
    sends /help, and a chat's updates are handled in order, so its answer comes after all of theirs.
    (A quiet 1.5 s used to stand for this, and a retry 4 s into its backoff came after it: 9 == 10.)"""
    for user in users:
        await user.send("/help")
    for user in users:
        await user.wait_for(BARRIER, WAIT)


def _said(user: ScriptedUser) -> list[ChatMessage]:
    """What the bot said in the chat, without the answers to /help of `_handled`."""
    return [m for m in user.messages if not m.shows(BARRIER)]


def _report(server: BotApiServer, rules: list[Fault]) -> str:
    """The figures for docs/reliability.md: calls made, and how many each fault changed."""
    faulted = ", ".join(f"{_name(rule)} {rule.hits}" for rule in rules)
    return f"{len(server.calls)} Bot API calls; faults: {faulted}"


def _name(rule: Fault) -> str:
    if rule.kind == "delay":
        return f"slow {rule.seconds:g} s"
    if rule.kind == "drop":
        return "dropped after the work" if rule.after else "dropped before the work"
    return f"status {rule.status}"


def _patients(server: BotApiServer, first_id: int, count: int) -> list[tuple[ScriptedUser, Script]]:
    return [(server.user(first_id + i, f"Patient{i}"), SCRIPTS[i % len(SCRIPTS)]) for i in range(count)]


def _check_answers_applied_once(bot: BotProcess, patients: list[tuple[ScriptedUser, Script]]) -> None:
    database = bot.workdir / "sessions.sqlite3"
    for user, script in patients:
        assert stored_answers(database, user.id) == script.expected_answers(), user.name


def _screens(user: ScriptedUser) -> list[str]:
    """What the bot showed, screen by screen (each message sent, each edit of its words), without /help."""
    return [text for text in user.screens() if BARRIER not in text]


def _replies(user: ScriptedUser, script: Script) -> Counter[str]:
    """How many screens show each reply the patient expects: each question (the first is the welcome),
    the advice, and the advice's topics. A question counts where it is asked, not in the answers so far."""
    asked = [asking(text) for text in _screens(user)]
    expected = [*(words for words, _ in script.answers), script.outcome]
    seen = Counter({words: sum(words in text for text in asked) for words in expected})
    if script.teaching:  # the outcome's topics, as a message of their own (a learn page shows them inside)
        seen[script.teaching] = sum(text.startswith(script.teaching) for text in asked)
    return seen


def _records(user: ScriptedUser) -> int:
    """Screens of the card keeping every answer given, above the advice."""
    return sum("\n\nYour answers:\n" in text for text in _screens(user))


async def test_under_faults_telegram_reports_every_reply_arrives_exactly_once(
    server: BotApiServer, bot: BotProcess
) -> None:
    """429 with retry_after, 500, 502 pages, slow answers, timeouts and connections closed before the work,
    on about 10% of all calls: every patient finishes, sees each reply once, and each answer counts once."""
    faults = server.faults
    faults.rate_limit(fraction=0.02, retry_after=1)
    faults.server_error(status=500, fraction=0.02)
    faults.server_error(status=502, fraction=0.02)
    faults.drop(fraction=0.02)
    faults.slow(seconds=0.4, fraction=0.05)
    timeouts = faults.slow(*SENDING, seconds=6.0, fraction=0.1, times=2)  # beyond PTB's 5 s read timeout
    # Drawn faults vary with how calls interleave; these make sure some happen in every run.
    faults.server_error(*SENDING, status=502, times=3)
    faults.drop(*SENDING, times=2)
    patients = _patients(server, 3001, 8)

    await asyncio.gather(*(walk(user, script, WAIT) for user, script in patients))
    rules = faults.rules
    faults.clear()  # so that /help is answered once, and the bot stops cleanly
    await _handled([user for user, _ in patients])
    print(f"\nexactly once: 8 patients; {_report(server, rules)}")

    assert sum(rule.hits for rule in rules if rule.kind != "delay") >= 5  # the faults did happen
    assert timeouts.hits >= 1
    for user, script in patients:
        replies = _replies(user, script)
        assert set(replies.values()) == {1}, (user.name, replies)
        assert _records(user) == 1, (user.name, _screens(user))
        assert len(_screens(user)) == len(replies) + 1, (user.name, _screens(user))
        card = _said(user)[0]  # each answer replaced the question by the next, once
        assert len(card.edits) == len(script.answers), (user.name, _screens(user))
    _check_answers_applied_once(bot, patients)
    assert "update failed" not in bot.logs()


async def test_when_telegram_did_the_work_but_the_answer_is_lost_a_reply_may_come_twice_never_not_at_all(
    server: BotApiServer, bot: BotProcess
) -> None:
    """Connections closed after the work, on 10% of sending calls, with the other faults: no reply is lost;
    every extra message is the retry of a send whose answer was lost; no answer counts twice."""
    faults = server.faults
    faults.rate_limit(fraction=0.01, retry_after=1)
    faults.server_error(status=500, fraction=0.01)
    faults.server_error(status=502, fraction=0.01)
    faults.drop(fraction=0.01)
    lost = [faults.drop("sendMessage", after=True, fraction=0.1)]
    others = ("editMessageText", "answerCallbackQuery")
    lost_others = [faults.drop(*others, after=True, fraction=0.1)]
    # Drawn faults vary with how calls interleave; these make sure some happen in every run.
    lost.append(faults.drop("sendMessage", after=True, times=2))
    lost_others.append(faults.drop(*others, after=True, times=2))
    patients = _patients(server, 3101, 8)

    await asyncio.gather(*(walk(user, script, WAIT) for user, script in patients))
    rules = faults.rules
    faults.clear()
    await _handled([user for user, _ in patients])
    print(f"\nat least once: 8 patients; {_report(server, rules)}")

    lost_sends = sum(rule.hits for rule in lost)
    assert lost_sends >= 2
    assert sum(rule.hits for rule in lost_others) >= 2
    extra = 0
    for user, script in patients:
        replies = _replies(user, script)
        assert min(replies.values()) >= 1, (user.name, replies)
        assert _records(user) == 1, (user.name, _screens(user))
        assert len(_screens(user)) == sum(replies.values()) + 1, (user.name, _screens(user))
        extra += sum(replies.values()) - len(replies)
    assert extra == lost_sends  # each lost answer to a sendMessage gave one duplicate, nothing else did
    _check_answers_applied_once(bot, patients)
    assert "update failed" not in bot.logs()


async def test_the_bot_starts_though_telegram_fails_at_first(server: BotApiServer, tmp_path: Path) -> None:
    """getMe, deleteWebhook and setMyCommands failing at start-up are retried; the first polls too."""
    server.faults.server_error("getMe", status=502, times=2)
    server.faults.drop("deleteWebhook", times=1)
    server.faults.rate_limit("setMyCommands", retry_after=1, times=1)
    server.faults.server_error("getUpdates", status=500, times=2)
    bot = BotProcess(server, tmp_path, "example")
    await bot.start()
    try:
        await walk(server.user(3201, "Ann"), SCRIPTS[0], WAIT)
        assert all(rule.hits == 0 or rule.times == 0 for rule in server.faults.rules)
        assert server.api.commands  # the command menu was set in the end
    finally:
        await bot.stop()
    assert "Traceback" not in bot.logs()


# --- kill -9 --------------------------------------------------------------------------------------

PATIENTS = 100
PATIENCE = 10.0  # seconds a patient waits for an answer before nudging the bot
KILLS = 5


async def test_a_hundred_patients_finish_with_the_right_advice_though_the_bot_is_killed_again_and_again(
    server: BotApiServer, bot: BotProcess
) -> None:
    """kill -9 at random moments, each time started again: no session is lost or damaged, every patient
    ends with their own advice, and no answer counts twice (the store holds exactly their answers)."""
    chaos = random.Random(6)
    patients = _patients(server, 4001, PATIENTS)
    handed_out: Counter[int] = Counter()  # update ids in getUpdates answers: more than once after a kill
    take = server.updates.take

    def counting_take(limit: int) -> list[dict[str, object]]:
        batch = take(limit)
        handed_out.update(int(str(update["update_id"])) for update in batch)
        return batch

    server.updates.take = counting_take  # type: ignore[method-assign]
    started = time.monotonic()
    walks = asyncio.gather(
        *(persevere(user, script, PATIENCE, typing=i % 4 == 3) for i, (user, script) in enumerate(patients))
    )
    kills = 0
    while kills < KILLS and not walks.done():
        await asyncio.wait([walks], timeout=chaos.uniform(1.0, 6.0))
        if walks.done():
            break
        await bot.kill()
        kills += 1
        await asyncio.sleep(chaos.uniform(0.0, 1.0))  # down for a while: updates wait at Telegram
        await bot.start()
    async with asyncio.timeout(60):
        nudges = await walks
    took = time.monotonic() - started

    assert kills == KILLS, "the patients finished before the bot was killed enough times"
    _check_answers_applied_once(bot, patients)
    with sqlite3.connect(bot.workdir / "sessions.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert "update failed" not in bot.logs()
    print(
        f"\n{PATIENTS} patients, {kills} kills, {sum(nudges)} nudges by {sum(map(bool, nudges))} patients "
        f"(at most {max(nudges)} by one), {sum(n > 1 for n in handed_out.values())} updates handed out again "
        f"after a kill, {took:.1f} s"
    )


# --- races ----------------------------------------------------------------------------------------

DANGER = "Do you have trouble breathing"
HOW_LONG = "How long have you had it?"


async def _at_danger(user: ScriptedUser) -> None:
    await user.send("/start")
    await user.wait_for("Hi!")
    await user.tap("Start")
    await user.wait_for(lambda m: m.shows(DANGER) and bool(m.buttons))


async def _after_both(server: BotApiServer, user: ScriptedUser) -> list[str]:
    """Wait until the bot has handled both updates; what the user sees now, last message first."""
    await _handled([user])
    return [m.plain_text or "" for m in reversed(_said(user))]


def _one_live_keyboard(user: ScriptedUser) -> str:
    """Only one message can still be tapped: the last one. Returns its text."""
    live = [m for m in _said(user) if m.buttons]
    assert len(live) == 1, [repr(m) for m in live]
    assert live[0] is _said(user)[-1]
    return live[0].plain_text or ""


async def test_the_same_button_tapped_twice_at_once_answers_once(
    server: BotApiServer, bot: BotProcess
) -> None:
    """Both taps reach the bot in one batch: the first answers, the second is told it came too late."""
    eve = server.user(5001, "Eve")
    await _at_danger(eve)
    await eve.tap("No")
    await eve.tap("No")  # no await in between yields: both updates wait for the same getUpdates
    seen = await _after_both(server, eve)

    assert stored_answers(bot.workdir / "sessions.sqlite3", eve.id) == [
        ["welcome", "start"],
        ["danger", "no"],
    ]
    assert "That button belongs to an earlier question." in seen[0]  # the card says so, in place
    assert HOW_LONG in _one_live_keyboard(eve)


async def test_a_tap_and_a_typed_answer_at_once_answer_once(server: BotApiServer, bot: BotProcess) -> None:
    """The tap comes first and answers; the "1" was typed while the same question was on screen, so it
    must not answer the next question (where 1 means "Less than a week")."""
    fay = server.user(5002, "Fay")
    await _at_danger(fay)
    await fay.tap("No")
    await fay.send("1", unread=True)
    seen = await _after_both(server, fay)

    assert stored_answers(bot.workdir / "sessions.sqlite3", fay.id) == [
        ["welcome", "start"],
        ["danger", "no"],
    ]
    assert "That answer was typed before this question was shown" in seen[0]
    assert HOW_LONG in _one_live_keyboard(fay)


async def test_a_typed_answer_and_a_tap_at_once_answer_once(server: BotApiServer, bot: BotProcess) -> None:
    """The typed "no" comes first and answers; the tap on the question it answered is stale."""
    gus = server.user(5003, "Gus")
    await _at_danger(gus)
    await gus.send("no")
    await gus.tap("Yes")
    seen = await _after_both(server, gus)

    assert stored_answers(bot.workdir / "sessions.sqlite3", gus.id) == [
        ["welcome", "start"],
        ["danger", "no"],
    ]
    assert "That button belongs to an earlier question." in seen[0]
    assert not any("Call 911" in text for text in seen)
    assert HOW_LONG in _one_live_keyboard(gus)


async def test_two_answers_typed_at_once_answer_once(server: BotApiServer, bot: BotProcess) -> None:
    """Typed before the bot could show the next question, the second answer is not used for it."""
    hal = server.user(5004, "Hal")
    await _at_danger(hal)
    await hal.send("no")
    await hal.send("2", unread=True)  # would be "A week or more" on the next question
    seen = await _after_both(server, hal)

    assert stored_answers(bot.workdir / "sessions.sqlite3", hal.id) == [
        ["welcome", "start"],
        ["danger", "no"],
    ]
    assert "That answer was typed before this question was shown" in seen[0]
    assert HOW_LONG in _one_live_keyboard(hal)
