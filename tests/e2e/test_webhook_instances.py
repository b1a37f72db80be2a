"""Webhook mode for real: `clinic-bot run` instances behind a load balancer, sharing PostgreSQL, one killed.

The local Bot API server stands for Telegram and for the load balancer: every instance registers the same
public URL (as in production), and the server posts each update to the instances in turn
(`server.webhook.targets`), retrying a failed POST on the next one, as Telegram and nginx together do.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import psycopg
import pytest
from botprocess import BotProcess

from testkit import BotApiServer, ScriptedUser

SECRET = "a-long-random-test-secret"  # noqa: S105 - a test value
PUBLIC_URL = "http://127.0.0.1:8443/telegram"  # what Telegram is told: the load balancer's address
USERS = 30
TIMEOUT = 30.0  # per reply; a reply waits out the kill and a few redeliveries at most

ANSWERS = "Your answers:"
FIRST = "Hi! This short example shows how a check works."
DANGER = "Do you have trouble breathing right now?"
HOW_LONG = "How long have you had it?"


@dataclass(frozen=True)
class Plan:
    """One way through the example dialog: what the user does, what the bot must say, what is stored."""

    name: str
    steps: tuple[tuple[str, str, str], ...]  # (tap | type, button or text, the bot's next message starts so)
    answers: tuple[tuple[str, str], ...]
    teaching: tuple[str, ...] = ()  # advice below emergency: the topics follow in a second message

    @property
    def transcript(self) -> list[str]:
        """What the patient is shown, screen by screen: the card with each question in turn, the card
        keeping every answer once the advice comes, the advice, its topics."""
        *questions, advice = (expected for _, _, expected in self.steps)
        return [FIRST, *questions, ANSWERS, advice, *self.teaching]


PATHS = (
    Plan(
        "emergency",
        (("tap", "Start", DANGER), ("tap", "Yes", "Call 911 now.")),
        (("welcome", "start"), ("danger", "yes")),
    ),
    Plan(
        "book",
        (("tap", "Start", DANGER), ("tap", "No", HOW_LONG), ("tap", "A week or more", "Book an appointment")),
        (("welcome", "start"), ("danger", "no"), ("how_long", "a_week_or_more")),
        ("About this example",),
    ),
    Plan(
        "home",
        (
            ("type", "start", DANGER),
            ("type", "no", HOW_LONG),
            ("type", "less than a week", "You can look after"),
        ),
        (("welcome", "start"), ("danger", "no"), ("how_long", "less_than_a_week")),
        ("About this example",),
    ),
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _instance(server: BotApiServer, workdir: Path, port: int, storage_url: str) -> BotProcess:
    workdir.mkdir()
    webhook = {"url": PUBLIC_URL, "listen": "127.0.0.1", "port": port, "secret_token": SECRET}
    return BotProcess(server, workdir, "example", storage_url=storage_url, webhook=webhook)


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer(webhook_retry_delay=0.05, webhook_max_retry_delay=0.5) as running:
        yield running


async def _converse(user: ScriptedUser, path: Plan, progress: list[int]) -> None:
    await user.send_command("/start")
    await user.wait_for(FIRST, timeout=TIMEOUT)
    progress.append(user.id)
    for kind, what, expected in path.steps:
        await (user.tap(what) if kind == "tap" else user.send(what))
        await user.wait_for(lambda m, e=expected: _shows(m.plain_text, e), timeout=TIMEOUT)
        progress.append(user.id)
    for teaching in path.teaching:  # the advice's topics follow in a message of their own
        await user.wait_for(lambda m, e=teaching: m.plain_text.startswith(e), timeout=TIMEOUT)


def _shows(text: str | None, expected: str) -> bool:
    """A card ends with its question; the advice and the topics begin with their first words."""
    return text is not None and (text.endswith(expected) or text.startswith(expected))


def _assert_transcript(user: ScriptedUser, plan: Plan) -> None:
    """Each message of the plan once, in order, and nothing else: no question twice, the right advice."""
    said = user.screens()
    assert len(said) == len(plan.transcript), (user.id, plan.name, said)
    for text, expected in zip(said, plan.transcript, strict=True):
        assert expected in text, (user.id, plan.name, said)


async def _settled(server: BotApiServer) -> None:
    """Until every update was delivered and answered, and a moment longer for stray messages."""
    async with asyncio.timeout(TIMEOUT):
        while server.updates.pending or server.webhook.sending:
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)


async def test_one_instance_in_webhook_mode_serves_a_conversation_and_refuses_posts_without_the_secret(
    server: BotApiServer, tmp_path: Path
) -> None:
    port = _free_port()
    instance = _instance(server, tmp_path / "a", port, "sqlite:///sessions.sqlite3")
    server.webhook.targets = [f"http://127.0.0.1:{port}/telegram"]
    await instance.start()
    try:
        [registered] = server.calls_to("setWebhook")
        assert (registered.params["url"], registered.params["secret_token"]) == (PUBLIC_URL, SECRET)
        user = server.user(3001, "Ann")
        await _converse(user, PATHS[1], [])
        _assert_transcript(user, PATHS[1])
        async with aiohttp.ClientSession() as client:
            forged = {
                "update_id": 1,
                "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}},
            }
            async with client.post(f"http://127.0.0.1:{port}/telegram", json=forged) as response:
                assert response.status == 403
    finally:
        await instance.stop()
    assert instance.process is not None
    assert instance.process.returncode == 0
    assert "Traceback" not in instance.logs(), instance.logs()


@pytest.mark.postgres
async def test_two_instances_share_the_work_and_when_one_is_killed_every_conversation_ends_once(
    server: BotApiServer, tmp_path: Path, postgres_url: str
) -> None:
    ports = _free_port(), _free_port()
    first, second = (
        _instance(server, tmp_path / n, p, postgres_url) for n, p in zip("ab", ports, strict=True)
    )
    urls = [f"http://127.0.0.1:{port}/telegram" for port in ports]
    server.webhook.targets = urls
    await first.start()
    await second.start()
    rng = random.Random(8)
    plans = {4000 + n: rng.choice(PATHS) for n in range(USERS)}
    users = {chat: server.user(chat, f"User {chat}") for chat in plans}
    progress: list[int] = []
    try:
        talks = asyncio.gather(*(_converse(users[chat], plans[chat], progress) for chat in plans))
        killed = asyncio.create_task(_kill_mid_load(server, first, urls[0], progress))
        await talks
        await killed
        await _settled(server)
    finally:
        await second.stop()
        await first.stop()

    for chat, plan in plans.items():
        _assert_transcript(users[chat], plan)
    with psycopg.connect(postgres_url) as db:
        stored = dict(db.execute("SELECT chat_id, answers FROM sessions").fetchall())
    assert {chat: [tuple(a) for a in _answers(stored[chat])] for chat in plans} == {
        chat: list(plan.answers) for chat, plan in plans.items()
    }
    delivered = server.webhook.deliveries
    dead = [d for d in delivered if d.url == urls[0] and not d.ok]
    assert dead, "the kill came after the load: no delivery to the killed instance failed"
    redelivered = {d.update_id for d in dead}
    assert redelivered <= {d.update_id for d in delivered if d.ok and d.url == urls[1]}
    assert {d.url for d in delivered if d.ok} == set(urls)
    assert "Traceback" not in second.logs(), second.logs()


def _answers(column: str) -> list[list[str]]:
    """The answers of a stored answers column, which also holds the question on screen."""
    data = json.loads(column)
    return list(data["answers"] if isinstance(data, dict) else data)


@pytest.mark.postgres
async def test_a_number_typed_again_after_a_lost_reply_is_not_applied_unseen_by_the_other_instance(
    server: BotApiServer, tmp_path: Path, postgres_url: str
) -> None:
    ports = _free_port(), _free_port()
    first, second = (
        _instance(server, tmp_path / n, p, postgres_url) for n, p in zip("ab", ports, strict=True)
    )
    server.webhook.targets = [f"http://127.0.0.1:{port}/telegram" for port in ports]
    await first.start()
    await second.start()
    try:
        dee = server.user(4901, "Dee")
        await dee.send_command("/start")
        await dee.wait_for(FIRST, timeout=TIMEOUT)
        await dee.tap("Start")
        await dee.wait_for(DANGER, timeout=TIMEOUT)
        server.faults.server_error("sendMessage", times=5)  # the reply with HOW_LONG is lost
        await dee.send("2")  # No
        await dee.wait_for("Please try again", timeout=TIMEOUT)
        await dee.send("2")  # again, for the question on screen; the instances take updates in turn
        question = await dee.wait_for(HOW_LONG, timeout=TIMEOUT)
        assert "A week or more" in question.button_texts
        await _settled(server)
    finally:
        await second.stop()
        await first.stop()
    with psycopg.connect(postgres_url) as db:
        [(column,)] = db.execute("SELECT answers FROM sessions WHERE chat_id = 4901").fetchall()
    assert _answers(column) == [["welcome", "start"], ["danger", "no"]]
    assert not any(m.shows("Book an appointment") for m in dee.messages)


async def _kill_mid_load(server: BotApiServer, instance: BotProcess, url: str, progress: list[int]) -> None:
    """SIGKILL the instance while it holds updates, once every user is past /start and the load is going.

    For a moment the server holds every call (as a slow Telegram would), so the instance's handlers all
    wait on Telegram when it dies: none is between two messages of one reply, which no design can redo once.
    """
    async with asyncio.timeout(TIMEOUT):
        while len(set(progress)) < USERS or len(progress) < USERS * 2:
            await asyncio.sleep(0.01)
        while True:
            while url not in server.webhook.sending.values():
                await asyncio.sleep(0.001)
            hold = server.faults.slow(seconds=3.0)
            await asyncio.sleep(0.5)  # its handlers reach their next call to Telegram, and wait there
            if url in server.webhook.sending.values():
                break
            server.faults.remove(hold)  # it finished what it held: try again
    await instance.kill()
    server.faults.remove(hold)
