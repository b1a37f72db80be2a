"""Receiving updates by webhook, answering Telegram's POST only once the update is handled.

python-telegram-bot's own webhook server answers 200 as soon as an update is queued, so an update in the
hands of an instance that dies is lost. Answered after the work, it is delivered again by Telegram (behind a
load balancer: to another instance), and the session store recognises an update it already applied.
Telegram sends a chat's next update only once the last one was answered, so one chat's updates never run
on two instances at once. Served with tornado, which python-telegram-bot[webhooks] brings for this job.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.web

Handle = Callable[[dict[str, Any]], Awaitable[None]]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
STOP_GRACE = 10.0  # seconds that updates being handled get to finish when the bot is stopped
# Bytes of one update at most: a message is at most 4096 characters of text plus its entities and the
# message it replies to, well under 100 kB as JSON; anything bigger is not from Telegram.
MAX_BODY = 1_000_000


@tornado.web.stream_request_body
class _Updates(tornado.web.RequestHandler):
    """POST <path>: one update as JSON; 200 once handled, 403 without the secret, 413 when too big for an
    update, 503 while stopping.

    The body is streamed (`stream_request_body`), so that a post is judged on its headers first: without
    the secret, or announcing more than an update can be, it is refused before a byte of it is read (a
    60 MB unauthenticated post grew memory by 100 MB when tornado read bodies first).
    """

    def initialize(self, handle: Handle, secret_token: str, busy: set[asyncio.Task[Any]]) -> None:
        self._handle = handle
        self._secret = secret_token
        self._busy = busy
        self._body: bytearray | None = bytearray()

    def prepare(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        if self.application.settings["stopping"]:  # Telegram will deliver it again, elsewhere
            raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE)
        length = self.request.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)

    def data_received(self, chunk: bytes) -> None:
        if self._body is not None and len(self._body) + len(chunk) <= MAX_BODY:
            self._body += chunk
        else:  # chunked, so no length was announced: the rest is dropped as it comes
            self._body = None

    async def post(self) -> None:
        if self._body is None:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        try:
            update = json.loads(self._body)
        except ValueError:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        if not isinstance(update, dict):
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        task = asyncio.ensure_future(self._handle(update))
        self._busy.add(task)
        task.add_done_callback(self._busy.discard)
        await task


@contextlib.asynccontextmanager
async def receiving(
    handle: Handle, *, listen: str, port: int, path: str, secret_token: str
) -> AsyncIterator[None]:
    """Serve `POST http://listen:port/path` while inside; on leaving, let updates in hand finish first."""
    busy: set[asyncio.Task[Any]] = set()
    route = (
        rf"/{re.escape(path.strip('/'))}/?",
        _Updates,
        {"handle": handle, "secret_token": secret_token, "busy": busy},
    )
    app = tornado.web.Application(
        [route],
        log_function=lambda _handler: None,  # the path may hold a secret; requests are not logged
        stopping=False,
    )
    # tornado's own cap, a backstop: the handler refuses beyond MAX_BODY first, with a clear 413.
    server = tornado.httpserver.HTTPServer(app, max_body_size=2 * MAX_BODY)
    server.listen(port, address=listen)
    try:
        yield
    finally:
        server.stop()
        app.settings["stopping"] = True
        if busy:
            await asyncio.wait(set(busy), timeout=STOP_GRACE)
        await server.close_all_connections()
