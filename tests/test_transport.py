"""The bot's HTTP client (bot/telegram/transport.py) against the local Bot API server: it behaves as
python-telegram-bot's httpx client where the bot can tell (answers, errors, timeouts, proxies), and leaves
nothing open."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import shutil
import socket
import ssl
import subprocess
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import Application, ExtBot
from telegram.request import BaseRequest

from bot.config import load_config
from bot.library import DialogLibrary
from bot.store import SqliteStore
from bot.telegram.frontend import TelegramFrontEnd
from bot.telegram.limits import PerChatLimiter
from bot.telegram.retries import RetryingLimiter
from bot.telegram.transport import POOL_TIMEOUT, AiohttpRequest
from bot.telegram.updates import ALLOWED_UPDATES
from testkit import DEFAULT_TOKEN, BotApiServer

ROOT = Path(__file__).resolve().parent.parent
QUICKLY = (0.05, 0.05, 0.05)  # retry delays, so that a retried call takes no time


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        yield running


@pytest.fixture(autouse=True)
def no_proxy_around(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy setting of the machine running the tests: each test sets its own."""
    for name in ("http", "https", "all", "no"):
        monkeypatch.delenv(f"{name}_proxy", raising=False)
        monkeypatch.delenv(f"{name.upper()}_PROXY", raising=False)


class Watched(AiohttpRequest):
    """The transport, noting each error a call raised (what python-telegram-bot and the retries get)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.errors: list[Exception] = []
        self.failed = asyncio.Event()

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        try:
            return await super().do_request(*args, **kwargs)
        except Exception as error:
            self.errors.append(error)
            self.failed.set()
            raise


@contextlib.asynccontextmanager
async def client(
    base_url: str,
    transport: AiohttpRequest,
    *,
    retries: tuple[float, ...] = (),
    initialize: bool = True,
) -> AsyncIterator[Bot]:
    """A python-telegram-bot Bot over `transport`; with `retries` (the pauses), through the bot's
    RetryingLimiter; without `initialize`, no getMe first (the server may not be there yet)."""
    limiter = RetryingLimiter(PerChatLimiter(None), retries) if retries else None
    bot = ExtBot(
        DEFAULT_TOKEN,
        base_url=base_url,
        request=transport,
        get_updates_request=transport,
        rate_limiter=limiter,
    )
    try:
        if initialize:
            async with bot:
                yield bot
        else:
            yield bot
    finally:
        await transport.shutdown()


def free_port() -> int:
    """A local port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the whole bot ---------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def running_bot(server: BotApiServer, tmp_path: Path) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The clinic bot in this process, built as `clinic-bot run` builds it, polling the local server."""
    config = dataclasses.replace(
        load_config(None, environ={"TELEGRAM_BOT_TOKEN": server.token}), base_url=server.base_url
    )
    library = DialogLibrary(ROOT / "dialogs" / "example.yaml", config.clinic.placeholders())
    front = TelegramFrontEnd(config, library, SqliteStore(str(tmp_path / "sessions.sqlite3")))
    app = front.build()
    async with app:
        assert app.post_init is not None
        await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, allowed_updates=ALLOWED_UPDATES)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
            assert app.post_stop is not None
            await app.post_stop(app)


async def test_the_bot_talks_to_telegram_over_aiohttp_and_a_patient_gets_their_advice(
    server: BotApiServer, tmp_path: Path
) -> None:
    async with running_bot(server, tmp_path) as app:
        assert isinstance(app.bot.request, AiohttpRequest)  # the default, for calls and for polling
        patient = server.user(4001, "Ann")
        await patient.send("/start")
        for question, answer in (
            ("Hi!", "Start"),
            ("Do you have trouble breathing", "No"),
            ("How long", "Less than a week"),
        ):
            await patient.wait_for(lambda m, q=question, a=answer: m.shows(q) and a in m.button_texts)
            await patient.tap(answer)
        await patient.wait_for("look after this at home")
    assert {call.method for call in server.calls} >= {
        "getMe",
        "setMyCommands",
        "getUpdates",
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
    }
    assert all(call.status in (200, None) for call in server.calls), [
        (c.method, c.status, c.description) for c in server.calls if c.status != 200
    ]


# --- errors, as python-telegram-bot's httpx client gives them ---------------------------------------


async def test_a_slow_answer_times_out_and_is_tried_again(server: BotApiServer) -> None:
    patient = server.user(4101, "Ben")
    server.faults.slow("sendMessage", seconds=1.0, times=1)
    transport = Watched(read_timeout=0.2)
    async with client(server.base_url, transport, retries=QUICKLY) as bot:
        sent = await bot.send_message(patient.id, "Your next question")
    (error,) = transport.errors
    assert isinstance(error, TimedOut)
    assert isinstance(error.__cause__, aiohttp.ServerTimeoutError)
    assert [m.plain_text for m in patient.messages] == ["Your next question"]
    assert sent.message_id == patient.messages[0].message_id
    assert len(server.calls_to("sendMessage")) == 2


async def test_without_retries_the_caller_gets_timed_out(server: BotApiServer) -> None:
    server.faults.slow("sendMessage", seconds=1.0, times=1)
    async with client(server.base_url, AiohttpRequest(read_timeout=0.2)) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(server.user(4102, "Bea").id, "Hello")


async def test_a_call_may_wait_longer_than_the_default_read_timeout(server: BotApiServer) -> None:
    """A timeout given to the call replaces the transport's; getUpdates adds its long poll's to it."""
    server.faults.slow("sendMessage", seconds=1.0, times=1)
    async with client(server.base_url, AiohttpRequest(read_timeout=0.5)) as bot:
        await bot.send_message(server.user(4103, "Cal").id, "Hello", read_timeout=3.0)
        assert await bot.get_updates(timeout=1) == ()  # answered after 1 s, with nothing


async def test_a_refused_connection_is_a_network_error_from_aiohttps_and_is_tried_again() -> None:
    port = free_port()
    later = BotApiServer(port=port)
    transport = Watched()
    waits = (0.3,) * 5  # time enough to start the server after the first refusal
    async with client(f"http://127.0.0.1:{port}/bot", transport, retries=waits, initialize=False) as bot:
        sending = asyncio.ensure_future(bot.get_me())
        await transport.failed.wait()  # refused: nothing listens yet
        async with later:
            me = await sending
    assert me.username == "clinic_test_bot"
    error = transport.errors[0]
    assert type(error) is NetworkError
    assert isinstance(error.__cause__, aiohttp.ClientConnectorError)
    assert str(error).startswith("aiohttp.ClientConnectorError: ")


async def test_a_dropped_connection_is_a_network_error_and_is_tried_again(server: BotApiServer) -> None:
    patient = server.user(4104, "Dee")
    server.faults.drop("sendMessage", times=1)
    transport = Watched()
    async with client(server.base_url, transport, retries=QUICKLY) as bot:
        await bot.send_message(patient.id, "Hello")
    (error,) = transport.errors
    assert type(error) is NetworkError
    assert isinstance(error.__cause__, aiohttp.ClientError)
    assert [m.plain_text for m in patient.messages] == ["Hello"]


async def test_a_refusal_is_final_and_not_tried_again(server: BotApiServer) -> None:
    async with client(server.base_url, AiohttpRequest(), retries=QUICKLY) as bot:
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(424242, "Nobody opened this chat")
    assert len(server.calls_to("sendMessage")) == 1


async def test_server_errors_are_tried_again_as_with_httpx(server: BotApiServer) -> None:
    """A 500, and a 502 whose body is nginx's HTML page: both are NetworkErrors, and retried."""
    patient = server.user(4105, "Eve")
    server.faults.server_error("sendMessage", status=502, times=1)
    server.faults.server_error("sendMessage", status=500, times=1)
    async with client(server.base_url, AiohttpRequest(), retries=QUICKLY) as bot:
        await bot.send_message(patient.id, "Hello")
    assert [call.status for call in server.calls_to("sendMessage")] == [502, 500, 200]
    assert [m.plain_text for m in patient.messages] == ["Hello"]


async def test_a_full_pool_is_a_pool_timeout_and_the_call_is_not_sent(server: BotApiServer) -> None:
    server.faults.slow("sendMessage", seconds=0.5, times=1)
    patient = server.user(4106, "Fay")
    async with client(server.base_url, AiohttpRequest(1, pool_timeout=0.05)) as bot:
        first = asyncio.ensure_future(bot.send_message(patient.id, "First"))
        await server.wait_for_call("sendMessage")
        with pytest.raises(TimedOut) as timed_out:
            await bot.send_message(patient.id, "Second")
        await first
    assert timed_out.value.message == POOL_TIMEOUT
    assert [m.plain_text for m in patient.messages] == ["First"]
    assert len(server.calls_to("sendMessage")) == 1


async def test_files_are_refused_before_anything_is_sent(server: BotApiServer) -> None:
    async with client(server.base_url, AiohttpRequest()) as bot:
        with pytest.raises(NetworkError, match="does not upload files"):
            await bot.send_document(server.user(4107, "Gus").id, b"%PDF-", filename="advice.pdf")
    assert server.calls_to("sendDocument") == []


# --- proxies -----------------------------------------------------------------------------------------

NOWHERE = "http://api.telegram.invalid/bot"  # a name that never resolves: only a proxy can take the call


async def test_the_environments_proxy_carries_the_calls(
    server: BotApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The local server answers a proxy's requests (absolute URLs) as its own, so it stands in for one."""
    monkeypatch.setenv("HTTP_PROXY", f"http://{server.host}:{server.port}")
    async with client(NOWHERE, AiohttpRequest()) as bot:
        assert (await bot.get_me()).username == "clinic_test_bot"


async def test_no_proxy_names_hosts_reached_directly(
    server: BotApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")  # nothing there
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    async with client(server.base_url, AiohttpRequest()) as bot:
        assert (await bot.get_me()).username == "clinic_test_bot"


async def test_an_explicit_proxy_carries_the_calls(server: BotApiServer) -> None:
    async with client(NOWHERE, AiohttpRequest(proxy=f"http://{server.host}:{server.port}")) as bot:
        assert (await bot.get_me()).username == "clinic_test_bot"


def test_socks_proxies_are_refused_at_once() -> None:
    with pytest.raises(
        ValueError, match=r"'socks5://proxy\.example:1080' is not supported: only http:// and https://"
    ):
        AiohttpRequest(proxy="socks5://user:secret@proxy.example:1080")


async def test_a_socks_proxy_in_the_environment_fails_the_call_saying_why(
    server: BotApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALL_PROXY", "socks5://proxy.example:1080")
    async with client(server.base_url, AiohttpRequest(), initialize=False) as bot:
        with pytest.raises(NetworkError, match=r"ALL_PROXY 'socks5://proxy\.example:1080' is not supported"):
            await bot.get_me()


# --- certificates -----------------------------------------------------------------------------------


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """An HTTPS Bot API of one method (getMe) with a self-signed certificate: its URL and the certificate."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
    named = ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)]
    subprocess.run([openssl, *made, *named], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def get_me(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "Secure"}})

    app = web.Application()
    app.router.add_post("/bot{token}/getMe", get_me)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    try:
        yield f"https://127.0.0.1:{runner.addresses[0][1]}/bot{DEFAULT_TOKEN}/getMe", cert
    finally:
        await runner.cleanup()


async def test_certificates_are_checked_against_ssl_cert_file_as_httpx_does(
    tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unknown to certifi's bundle (the default), the self-signed server is refused; named by
    SSL_CERT_FILE, it is trusted."""
    url, cert = tls_server
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    refusing = Watched()
    with pytest.raises(NetworkError, match=r"^aiohttp\.ClientConnectorCertificateError: "):
        await refusing.post(url)
    await refusing.shutdown()
    assert isinstance(refusing.errors[0].__cause__, aiohttp.ClientConnectorCertificateError)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    trusting = AiohttpRequest()
    assert await trusting.post(url) == {"id": 1, "is_bot": True, "first_name": "Secure"}
    await trusting.shutdown()


# --- its life: started inside the loop, closed at shutdown ----------------------------------------------


async def test_shutdown_closes_the_session_and_leaves_nothing_open(
    server: BotApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Shut down: no "Unclosed client session" (aiohttp says it when a session is collected open); the
    same check hears it from a transport never shut down (and never used: an open connection would be
    closed, and warned about, only when its connector is collected, after the check), so it catches a leak.
    """

    async def said(use_and_shut_down: bool) -> list[str]:
        caplog.clear()
        transport = AiohttpRequest()
        await transport.initialize()
        await transport.initialize()  # python-telegram-bot may initialize it twice (calls and polling)
        if use_and_shut_down:
            await transport.post(f"{server.base_url}{server.token}/getMe")
            await transport.shutdown()
            await transport.shutdown()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del transport
            gc.collect()
        return [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]

    caplog.set_level(logging.ERROR, logger="asyncio")
    assert await said(use_and_shut_down=True) == []
    assert any("Unclosed client session" in words for words in await said(use_and_shut_down=False))


async def test_after_shutdown_calls_are_refused_until_initialized_again(server: BotApiServer) -> None:
    transport = AiohttpRequest()
    url = f"{server.base_url}{server.token}/getMe"
    assert await transport.post(url)  # made inside the running loop, on first use
    await transport.shutdown()
    with pytest.raises(NetworkError, match="not initialized"):
        await transport.post(url)
    await transport.initialize()
    assert await transport.post(url)
    await transport.shutdown()


async def test_calls_post_forms_as_httpx_does(server: BotApiServer) -> None:
    """Parameters arrive as python-telegram-bot's httpx client sends them: a form, JSON values as text."""
    patient = server.user(4108, "Hal")
    async with client(server.base_url, AiohttpRequest()) as bot:
        await bot.send_message(patient.id, "Ünïcode & <b>bold</b>", parse_mode="HTML")
    (call,) = server.calls_to("sendMessage")
    assert call.params == {"chat_id": str(patient.id), "text": "Ünïcode & <b>bold</b>", "parse_mode": "HTML"}
    assert patient.messages[0].plain_text == "Ünïcode & bold"


def test_the_default_read_timeout_is_httpxs_unless_given() -> None:
    """python-telegram-bot reads it to size getUpdates' read timeout; 5 s as HTTPXRequest's."""
    assert isinstance(AiohttpRequest(), BaseRequest)
    assert AiohttpRequest().read_timeout == 5.0
    assert AiohttpRequest(read_timeout=7.5).read_timeout == 7.5
