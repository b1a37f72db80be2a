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


class _Updates(tornado.web.RequestHandler):
    """POST <path>: one update as JSON; 200 once handled, 403 without the secret, 503 while stopping."""

    def initialize(self, handle: Handle, secret_token: str | None, busy: set[asyncio.Task[Any]]) -> None:
        self._handle = handle
        self._secret = secret_token
        self._busy = busy

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if self._secret is not None and not hmac.compare_digest(given, self._secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        if self.application.settings["stopping"]:  # Telegram will deliver it again, elsewhere
            raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE)
        try:
            update = json.loads(self.request.body)
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
    handle: Handle, *, listen: str, port: int, path: str, secret_token: str | None
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
    server = tornado.httpserver.HTTPServer(app)
    server.listen(port, address=listen)
    try:
        yield
    finally:
        server.stop()
        app.settings["stopping"] = True
        if busy:
            await asyncio.wait(set(busy), timeout=STOP_GRACE)
        await server.close_all_connections()
