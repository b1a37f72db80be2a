"""Faults that used to stop or freeze the whole bot, through the real `clinic-bot run` process.

Each test breaks one thing (an update the library cannot read, a token Telegram refuses, ...) and checks
that the other patients are still served, or that the process ends with one clear line.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest
from botprocess import BotProcess

from testkit import BotApiServer

SECRET = "a-long-random-test-secret"  # noqa: S105 - a test value


def _poll_from_an_older_server(server: BotApiServer, chat_id: int) -> dict[str, Any]:
    """A forwarded poll whose options lack `persistent_id`, as an older self-hosted Bot API server sends it:
    python-telegram-bot 22 refuses to read such an update."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Zebulon", "username": "zebulon_private"}
    poll = {
        "id": "poll-1",
        "question": "Secret question of Zebulon?",
        "options": [{"text": "Private answer", "voter_count": 0}],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
    }
    message = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": chat_id, "type": "private", "first_name": "Zebulon"},
        "from": user,
        "poll": poll,
    }
    server.api.private_chat(user)
    return server.updates.put("message", message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _assert_logged_once_without_data(logs: str, update_id: int) -> None:
    lines = [line for line in logs.splitlines() if f"update {update_id} " in line]
    assert len(lines) == 1, logs
    assert "(message)" in lines[0]
    for private in ("Zebulon", "zebulon_private", "Secret question", "Private answer"):
        assert private not in logs
    assert "Traceback" not in logs
    assert "CRITICAL" not in logs


async def test_an_update_the_library_cannot_read_is_skipped_and_other_patients_are_served(
    server: BotApiServer, bot: BotProcess
) -> None:
    poison = _poll_from_an_older_server(server, 2101)
    ann = server.user(2102, "Ann")
    await ann.send("/start")
    await ann.wait_for("Hi!")
    await server.wait_for_call("getUpdates", where=lambda c: int(str(c.params.get("offset", 0))) > 2)
    assert poison not in server.updates.pending  # confirmed, so a restart does not meet it again
    await bot.stop()
    await bot.start()
    await ann.send("/help")
    await ann.wait_for("I ask a few questions")
    _assert_logged_once_without_data(bot.logs(), poison["update_id"])


async def test_in_webhook_mode_an_unreadable_update_is_answered_200_and_skipped(
    server: BotApiServer, tmp_path: Path
) -> None:
    port = _free_port()
    webhook = {"url": "http://127.0.0.1:8443/hook", "listen": "127.0.0.1", "port": port}
    instance = BotProcess(server, tmp_path, "example", webhook={**webhook, "secret_token": SECRET})
    server.webhook.targets = [f"http://127.0.0.1:{port}/hook"]
    await instance.start()
    try:
        poison = _poll_from_an_older_server(server, 2103)
        ann = server.user(2104, "Ann")
        await ann.send("/start")
        await ann.wait_for("Hi!")
        deliveries = [d for d in server.webhook.deliveries if d.update_id == poison["update_id"]]
        assert [d.status for d in deliveries] == [200]
    finally:
        await instance.stop()
    _assert_logged_once_without_data(instance.logs(), poison["update_id"])


@pytest.mark.parametrize("status", [401, 404])
async def test_when_telegram_stops_accepting_the_token_the_bot_exits_with_one_clear_line(
    server: BotApiServer, tmp_path: Path, status: int
) -> None:
    """Revoked in BotFather while running: PTB's polling loop ends; the process must end too, non-zero,
    so that systemd's Restart=on-failure and the admin see it."""
    bot = BotProcess(server, tmp_path, "example")
    await bot.start()
    try:
        server.faults.server_error("getUpdates", status=status)
        await server.user(2109, "Ann").send(
            "/help"
        )  # ends the long poll in progress: the next one is refused
        code = await bot.exited()
    finally:
        await bot.stop()
    assert code == 1
    logs = bot.logs()
    refused = [line for line in logs.splitlines() if "did not accept the token" in line]
    assert len(refused) == 1, logs
    assert "Traceback" not in logs
    assert server.token not in logs
    assert "InvalidToken" not in logs  # python-telegram-bot's own record of it is left out


async def test_sigterm_ends_the_bot_within_seconds_while_getting_updates_keeps_failing(
    server: BotApiServer, tmp_path: Path
) -> None:
    """python-telegram-bot's retry loop sleeps ever longer (1 s, then half as long again each time, up to
    30 s) and only then sees it should stop: a bot left failing for a minute took 30 s to end."""
    server.faults.server_error("getUpdates", status=502)
    bot = BotProcess(server, tmp_path, "example")
    await bot.start()
    async with asyncio.timeout(20):  # the fifth failed poll: the loop now sleeps 5 s before the next
        while len([c for c in server.calls_to("getUpdates") if c.status == 502]) < 5:
            await server.call_arrived.wait(1.0)
    assert bot.process is not None
    bot.process.terminate()
    assert await bot.exited(timeout=4.5) == 0  # less than the sleep it was in
    assert "Traceback" not in bot.logs()


async def test_webhook_mode_without_a_secret_token_refuses_to_start_naming_the_line(
    server: BotApiServer, tmp_path: Path
) -> None:
    """Before, it listened on 0.0.0.0 without a secret, and a forged tap moved a real patient's session."""
    webhook = {"url": "http://127.0.0.1:8443/hook", "port": _free_port()}
    instance = BotProcess(server, tmp_path, "example", webhook=webhook)
    with pytest.raises(AssertionError, match="the bot exited"):
        await instance.start()
    assert instance.process is not None
    assert instance.process.returncode == 1
    assert f"{instance.config}:4: telegram.webhook needs a secret_token" in instance.logs()
    assert not server.calls_to("setWebhook")


async def test_a_patient_who_blocked_the_bot_costs_one_line_in_the_log_not_an_error(
    server: BotApiServer, bot: BotProcess
) -> None:
    blocked = server.faults.server_error("sendMessage", status=403, times=1)
    ann = server.user(2105, "Ann")
    await ann.send("/help")
    await server.wait_for_call("sendMessage", where=lambda c: c.status == 403)
    await ann.send("/help")  # the next reply shows the first one is over
    await ann.wait_for("I ask a few questions")
    assert blocked.hits == 1
    logs = bot.logs()
    assert "ERROR" not in logs
    assert len([line for line in logs.splitlines() if "cannot be reached" in line]) == 1, logs


async def test_one_chats_flood_limit_does_not_hold_up_another_chat(
    server: BotApiServer, bot: BotProcess
) -> None:
    """A 429 with retry_after=20 for one chat made another patient wait 19.6 s: it pauses that chat only."""
    ann, bob = server.user(2106, "Ann"), server.user(2107, "Bob")
    limited = server.faults.rate_limit("sendMessage", retry_after=8, times=1, chat=ann.id)
    await ann.send("/help")
    await server.wait_for_call("sendMessage", where=lambda c: c.status == 429)
    await bob.send("/help")
    await bob.wait_for("I ask a few questions")  # while Ann's chat waits out its 8 s
    assert not ann.messages
    await ann.wait_for("I ask a few questions", timeout=15)  # and Ann's reply comes once, after it
    assert limited.hits == 1
    assert len(ann.messages) == 1


async def test_a_hundred_stickers_get_three_replies_not_a_hundred(
    server: BotApiServer, bot: BotProcess
) -> None:
    """Replies to what is not an answer (stickers, photos, unknown commands) are throttled per chat: the
    first three in a row are answered, then the bot is quiet until the patient writes or taps."""
    ann = server.user(2108, "Ann")
    for _ in range(100):
        await ann.send_sticker()
    await ann.wait_for("I can only read text")
    async with asyncio.timeout(20):  # every sticker confirmed, so every one was handled or is in hand
        while server.updates.pending:
            await server.call_arrived.wait(0.5)
    await ann.send("start")
    await ann.wait_for("Hi!")  # a text is answered as usual
    assert sum(m.shows("I can only read text") for m in ann.messages) == 3
    await ann.send_sticker()  # after an answer, a sticker is answered again
    await ann.wait_for("I can only read text")
