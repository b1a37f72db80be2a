"""A local Telegram Bot API server over HTTP, so the real python-telegram-bot stack can be tested end to end.

Point a bot at `server.base_url` (PTB: `ApplicationBuilder().base_url(...)`); calls arrive as
`POST /bot<token>/<method>` with form or JSON bodies, and answers use Telegram's JSON shapes and error texts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from testkit.chats import Chat
from testkit.errors import ApiError
from testkit.faults import Fault, Faults
from testkit.methods import BotApi, Params
from testkit.updates import UpdateQueue
from testkit.users import ScriptedGroup, ScriptedUser
from testkit.waiting import Signal, wait_until
from testkit.webhook import Webhook

JsonDict = dict[str, Any]
DEFAULT_TOKEN = "123456789:TEST-local-bot-api-token"  # noqa: S105 - a fake token for the local server
_BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)


@dataclass(eq=False)
class ApiCall:
    """One request the bot made, for assertions; `status` is None while it is being answered (a long poll).

    `params` are as they arrived: PTB posts forms, so numbers and JSON objects are strings.
    """

    method: str
    params: dict[str, object]
    time: float  # time.monotonic() on arrival
    status: int | None = None
    description: str | None = None  # Telegram's error text, when refused
    answered_at: float | None = None


class BotApiServer:
    """The Bot API for one bot token, bound to a free local port while used as `async with`."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        bot_username: str = "clinic_test_bot",
        bot_name: str = "Clinic Test Bot",
        callback_query_ttl: float = 15.0,
        webhook_retry_delay: float = 0.05,
        webhook_max_retry_delay: float = 2.0,
        webhook_timeout: float = 10.0,
    ) -> None:
        self.token = token
        self.host = host
        self.api = BotApi(
            token,
            username=bot_username,
            first_name=bot_name,
            callback_query_ttl=callback_query_ttl,
            webhook_retry_delay=webhook_retry_delay,
            webhook_max_retry_delay=webhook_max_retry_delay,
            webhook_timeout=webhook_timeout,
        )
        self.faults = Faults(seed)
        self.calls: list[ApiCall] = []
        self.call_arrived = Signal()
        self._port = port
        self._runner: web.AppRunner | None = None
        self._users: dict[int, ScriptedUser] = {}
        self._groups: dict[int, ScriptedGroup] = {}

    # --- lifecycle ---

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        self.api.closing = False
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        # Cancel a handler when its client goes away, so an abandoned long poll does not linger.
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self._port).start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Answer waiting long polls, stop webhook delivery and close the port."""
        self.api.closing = True
        self.api.updates.arrived.fire()
        await self.api.webhook.delete()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        """For PTB's `base_url`: the token and method are appended to it."""
        return f"http://{self.host}:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self._port}/file/bot"

    # --- the world the bot lives in ---

    @property
    def updates(self) -> UpdateQueue:
        return self.api.updates

    @property
    def webhook(self) -> Webhook:
        return self.api.webhook

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> ScriptedUser:
        """A user who has a private chat with the bot; the same id gives the same user."""
        if user_id not in self._users:
            self._users[user_id] = ScriptedUser(
                self.api,
                user_id,
                first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
            )
        return self._users[user_id]

    def group(self, title: str = "Test group", *, chat_id: int | None = None) -> ScriptedGroup:
        """A group chat the bot is in; users post there with `send(..., chat=group)`."""
        chat_id = chat_id if chat_id is not None else -1_000_000_001 - len(self._groups)
        if chat_id not in self._groups:
            self._groups[chat_id] = ScriptedGroup(self.api.group_chat(chat_id, title))
        return self._groups[chat_id]

    def chat(self, chat_id: int) -> Chat:
        return self.api.chats[chat_id]

    # --- recorded calls ---

    def calls_to(self, *methods: str) -> list[ApiCall]:
        """Calls to the given methods (any spelling), in order; all calls when none is given."""
        wanted = {method.lower() for method in methods}
        return [call for call in self.calls if not wanted or call.method.lower() in wanted]

    async def wait_for_call(
        self, method: str, *, where: Callable[[ApiCall], bool] | None = None, timeout: float = 5.0
    ) -> ApiCall:
        """The first call to `method` (matching `where`) on record, waiting for it to arrive."""

        def find() -> ApiCall | None:
            return next(
                (c for c in self.calls_to(method) if where is None or where(c)),
                None,
            )

        found = await wait_until(find, self.call_arrived, timeout)
        if found is None:
            raise TimeoutError(f"no {method} call within {timeout} s")
        return found

    # --- HTTP ---

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        asked = request.match_info["method"]
        call = ApiCall(self.api.method_name(asked) or asked, {}, time.monotonic())
        self.calls.append(call)
        self.call_arrived.fire()
        try:
            response = await self._answer(request, call)
        except asyncio.CancelledError:
            call.description = "the client closed the connection"
            raise
        call.status, call.answered_at = response.status, time.monotonic()
        return response

    async def _answer(self, request: web.Request, call: ApiCall) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _refusal(call, ApiError(401, "Unauthorized"))
        if self.api.method_name(call.method) is None:
            return _refusal(call, ApiError(404, "Not Found"))
        try:
            call.params = await _read_params(request)
        except ApiError as error:
            return _refusal(call, error)
        faults = self.faults.draw(call.method, call.params.get("chat_id"))
        for fault in faults:
            if fault.kind == "delay":
                await asyncio.sleep(fault.seconds)
        final = next((fault for fault in faults if fault.kind != "delay"), None)
        if final is not None and final.kind == "status":
            return _injected(call, final)
        if final is not None and not final.after:
            return _drop(request, call)
        try:
            response = web.json_response(
                {"ok": True, "result": await self.api.call(call.method, Params(call.params))}
            )
        except ApiError as error:
            response = _refusal(call, error)
        return _drop(request, call) if final is not None else response

    async def _file(self, request: web.Request) -> web.StreamResponse:
        """File downloads are not modelled: every path is unknown, as for an expired file_path."""
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)


async def _read_params(request: web.Request) -> dict[str, object]:
    """Query string, then the body: JSON, urlencoded or multipart (uploaded files become bytes)."""
    params: dict[str, object] = dict(request.query)
    if not request.can_read_body:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON object") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: can't parse JSON object")
        params.update(body)
    elif request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        for name, value in (await request.post()).items():
            params[name] = value.file.read() if isinstance(value, web.FileField) else value
    return params


def _refusal(call: ApiCall, error: ApiError) -> web.Response:
    call.description = error.description
    body: JsonDict = {"ok": False, "error_code": error.status, "description": error.description}
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return web.json_response(body, status=error.status)


def _injected(call: ApiCall, fault: Fault) -> web.Response:
    if fault.status == 429:
        description = f"Too Many Requests: retry after {fault.retry_after}"
        return _refusal(call, ApiError(429, description, retry_after=fault.retry_after))
    if fault.status == 502:  # Telegram's front end answers with an HTML page, not JSON
        call.description = "Bad Gateway"
        return web.Response(status=502, text=_BAD_GATEWAY_PAGE, content_type="text/html")
    return _refusal(call, ApiError(fault.status, _reason(fault.status)))


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown Error"


def _drop(request: web.Request, call: ApiCall) -> web.Response:
    """Close the connection; the client sees it end without an answer."""
    call.description = "connection dropped"
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=499)
