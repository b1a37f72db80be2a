"""The webhook receiver answers Telegram only once an update is handled, so a lost instance loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from bot.webhook import SECRET_HEADER, receiving

SECRET = "s3cret"  # noqa: S105 - a test value


class Handler:
    """Records update ids; update 7 waits for `release` before it counts as handled."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.handled: list[int] = []
        self.release = asyncio.Event()

    async def __call__(self, update: dict[str, Any]) -> None:
        self.started.append(update["update_id"])
        if update["update_id"] == 7:
            await self.release.wait()
        self.handled.append(update["update_id"])


@asynccontextmanager
async def receiver(handler: Handler) -> AsyncIterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with receiving(handler, listen="127.0.0.1", port=port, path="hook", secret_token=SECRET):
        yield f"http://127.0.0.1:{port}/hook"


async def _post(
    url: str, body: object, secret: str = SECRET, client: aiohttp.ClientSession | None = None
) -> int:
    async with contextlib.AsyncExitStack() as stack:
        if client is None:
            client = await stack.enter_async_context(aiohttp.ClientSession())
        async with client.post(url, json=body, headers={SECRET_HEADER: secret}) as response:
            return response.status


async def _started(handler: Handler, update_id: int) -> None:
    while update_id not in handler.started:
        await asyncio.sleep(0.01)


async def test_the_answer_comes_only_once_the_update_is_handled() -> None:
    handler = Handler()
    async with receiver(handler) as url:
        posting = asyncio.create_task(_post(url, {"update_id": 7}))
        await _started(handler, 7)
        await asyncio.sleep(0.1)
        assert not posting.done()
        handler.release.set()
        assert await posting == 200
    assert handler.handled == [7]


@pytest.mark.parametrize(
    ("path", "body", "secret", "status"),
    [
        ("hook", {"update_id": 1}, "wrong", 403),
        ("hook", [1, 2], SECRET, 400),
        ("elsewhere", {"update_id": 1}, SECRET, 404),
    ],
)
async def test_posts_without_the_secret_or_an_update_are_refused(
    path: str, body: object, secret: str, status: int
) -> None:
    handler = Handler()
    async with receiver(handler) as url:
        assert await _post(url.replace("hook", path), body, secret) == status
    assert not handler.started


async def _status_of_headers(url: str, headers: dict[str, str]) -> int:
    """Send only a request's headers (the body never comes); the status the receiver answers with."""
    parts = url.removeprefix("http://").partition("/")
    host, _, port = parts[0].partition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    lines = [f"POST /{parts[2]} HTTP/1.1", f"Host: {parts[0]}", *(f"{k}: {v}" for k, v in headers.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    try:
        async with asyncio.timeout(5):
            status_line = await reader.readline()
    finally:
        writer.close()
    return int(status_line.split()[1]) if status_line else 0


@pytest.mark.parametrize(
    ("secret", "length", "status"),
    [
        ("wrong", 60_000_000, 403),  # refused on its headers: the 60 MB are never read
        (SECRET, 60_000_000, 413),  # far beyond any update
    ],
)
async def test_a_post_is_judged_on_its_headers_before_its_body_is_read(
    secret: str, length: int, status: int
) -> None:
    handler = Handler()
    async with receiver(handler) as url:
        headers = {SECRET_HEADER: secret, "Content-Type": "application/json", "Content-Length": str(length)}
        assert await _status_of_headers(url, headers) == status
    assert not handler.started


async def test_a_chunked_body_bigger_than_an_update_can_be_is_refused() -> None:
    """Sent in chunks, a body announces no length: it is counted as it arrives."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"update_id": 1, "padding": "'
        for _ in range(30):  # 1.5 MB
            yield b"x" * 50_000
        yield b'"}'

    handler = Handler()
    async with receiver(handler) as url, aiohttp.ClientSession() as client:
        async with client.post(url, data=chunks(), headers={SECRET_HEADER: SECRET}) as response:
            assert response.status == 413
        assert await _post(url, {"update_id": 2}) == 200
    assert handler.handled == [2]


async def test_a_stopping_receiver_finishes_the_updates_in_hand_and_sends_new_ones_back() -> None:
    """503 on a connection still open: Telegram delivers that update again, to another instance."""
    handler = Handler()
    stop, address = asyncio.Event(), asyncio.get_running_loop().create_future()

    async def serve() -> None:
        async with receiver(handler) as url:
            address.set_result(url)
            await stop.wait()

    serving = asyncio.create_task(serve())
    url = await address
    async with aiohttp.ClientSession() as idle:
        assert await _post(url, {"update_id": 1}, client=idle) == 200  # leaves a keep-alive connection open
        held = asyncio.create_task(_post(url, {"update_id": 7}))
        await _started(handler, 7)
        stop.set()
        await asyncio.sleep(0.1)
        assert await _post(url, {"update_id": 8}, client=idle) == 503
        assert not serving.done()
        handler.release.set()
        assert await held == 200
        await serving
    assert handler.handled == [1, 7]
