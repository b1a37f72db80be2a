"""Webhook mode: pushing pending updates to the bot's URL as Telegram does, retrying failures with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from testkit.updates import UpdateQueue, update_chat_id
from testkit.waiting import Signal

JsonDict = dict[str, Any]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret


@dataclass(frozen=True)
class Delivery:
    """One POST of one update to `url`; `status` is None when no HTTP answer came."""

    update_id: int
    attempt: int
    status: int | None
    error: str | None
    time: float
    url: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Webhook:
    """Delivers updates while a URL is set: in order within a chat, up to `max_connections` chats at once.

    A failed delivery is retried after `retry_delay`, doubling up to `max_retry_delay`; later updates of that
    chat wait for it, so the bot never sees a chat's updates out of order.

    `targets` stands for a load balancer in front of the URL: when set, each POST (retries too) goes to the
    next of these URLs in turn instead, as to several bot instances. It outlives setWebhook and deleteWebhook.
    """

    def __init__(
        self, updates: UpdateQueue, *, retry_delay: float, max_retry_delay: float, timeout: float
    ) -> None:
        self.url = ""
        self.secret_token: str | None = None
        self.max_connections = 40
        self.deliveries: list[Delivery] = []
        self.targets: list[str] = []
        self.sending: dict[int, str] = {}  # update id -> the URL it is being posted to
        self._turn = 0
        self.delivered = Signal()
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self._updates = updates
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._timeout = timeout
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._attempts: dict[int, int] = {}
        self._not_before: dict[int, float] = {}

    @property
    def active(self) -> bool:
        return bool(self.url)

    async def set(self, url: str, *, secret_token: str | None, max_connections: int) -> None:
        await self.delete()
        self.url, self.secret_token, self.max_connections = url, secret_token, max_connections
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
        self._task = asyncio.create_task(self._run(self._session), name="webhook delivery")

    async def delete(self) -> None:
        """Stop delivering; undelivered updates stay pending for getUpdates, as in Telegram."""
        tasks = [task for task in (self._task, *self._in_flight.values()) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
        self._task, self._session = None, None
        self._in_flight.clear()
        self.sending.clear()
        self._attempts.clear()
        self._not_before.clear()
        self.url, self.secret_token = "", None

    def info(self) -> JsonDict:
        """The Bot API `WebhookInfo` object."""
        info: JsonDict = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates.pending),
        }
        if self.url:
            info["max_connections"] = self.max_connections
            info["allowed_updates"] = sorted(self._updates.allowed_updates)
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    async def _run(self, session: aiohttp.ClientSession) -> None:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            busy_chats: set[int] = set()
            next_retry: float | None = None
            for update in self._updates.pending:
                update_id, chat_id = update["update_id"], update_chat_id(update)
                waiting_until = self._not_before.get(update_id, 0.0)
                if waiting_until > now:
                    next_retry = waiting_until if next_retry is None else min(next_retry, waiting_until)
                elif (
                    update_id not in self._in_flight
                    and chat_id not in busy_chats
                    and len(self._in_flight) < self.max_connections
                ):
                    self._in_flight[update_id] = asyncio.create_task(self._deliver(session, update))
                if chat_id is not None:
                    busy_chats.add(chat_id)
            await self._updates.arrived.wait(None if next_retry is None else next_retry - now)

    async def _deliver(self, session: aiohttp.ClientSession, update: JsonDict) -> None:
        update_id = update["update_id"]
        attempt = self._attempts.get(update_id, 0) + 1
        self._attempts[update_id] = attempt
        headers = {"Content-Type": "application/json"}
        if self.secret_token:
            headers[SECRET_HEADER] = self.secret_token
        status: int | None = None
        error: str | None = None
        url = self.url
        if self.targets:
            url, self._turn = self.targets[self._turn % len(self.targets)], self._turn + 1
        self.sending[update_id] = url
        try:
            async with session.post(url, data=json.dumps(update), headers=headers) as response:
                status = response.status
                await response.read()
                if not 200 <= status < 300:
                    error = f"Wrong response from the webhook: {status} {response.reason}"
        except TimeoutError:
            error = "Read timeout expired"
        except aiohttp.ClientError as exc:
            error = f"Connection failed: {exc}"
        finally:
            del self._in_flight[update_id]
            self.sending.pop(update_id, None)
        self.deliveries.append(Delivery(update_id, attempt, status, error, time.monotonic(), url))
        if error is None:
            self._attempts.pop(update_id, None)
            self._not_before.pop(update_id, None)
            self._updates.remove(update_id)
        else:
            self.last_error_date, self.last_error_message = int(time.time()), error
            delay = min(self._retry_delay * 2 ** (attempt - 1), self._max_retry_delay)
            self._not_before[update_id] = asyncio.get_running_loop().time() + delay
            self._updates.arrived.fire()
        self.delivered.fire()
