"""Updates python-telegram-bot cannot read are skipped, so that one of them never stops everyone.

python-telegram-bot parses a whole `getUpdates` batch at once and, when one update fails (e.g. a poll from
an older Bot API server, without `persistent_id`), logs the raw batch (names, texts) and drops it without
confirming it: polling then fetches the same batch for ever. Here each update of the answer is tried first,
and one that cannot be read is replaced by a bare `{"update_id": ...}`, which python-telegram-bot reads,
confirms and hands to a handler that ignores it. The skip is logged once, by update id and type only.
"""

from __future__ import annotations

import asyncio
import logging
from http import HTTPStatus
from typing import Any

from telegram import Bot, Update
from telegram.request import BaseRequest, RequestData

log = logging.getLogger("clinic_bot")

# The updates the bot has handlers for; Telegram keeps the others (reactions, polls, members ...) to itself.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")


def read_update(data: dict[str, Any], bot: Bot | None) -> Update | None:
    """The update, or None (logged by id and type, never its content) when python-telegram-bot refuses it."""
    try:
        return Update.de_json(data, bot)
    except Exception as error:  # any parse failure: the update is unreadable, the bot is fine
        kinds = [key for key in data if key != "update_id"]
        log.warning(
            "update %s (%s) skipped: python-telegram-bot cannot read it (%s)",
            data.get("update_id"),
            ", ".join(kinds) or "empty",
            type(error).__name__,
        )
        return None


class UpdatesTransport(BaseRequest):
    """The transport for getUpdates (`ApplicationBuilder.get_updates_request`): answers pass through
    `parse_json_payload`, python-telegram-bot's hook for reading them, where unreadable updates are
    replaced by bare ids; and a refused token (401, 404) sets `token_refused`, since python-telegram-bot's
    polling loop then just ends, leaving a process that serves nobody."""

    def __init__(self, transport: BaseRequest) -> None:
        self._transport = transport
        self.token_refused = asyncio.Event()

    @property
    def read_timeout(self) -> float | None:
        return self._transport.read_timeout

    async def initialize(self) -> None:
        await self._transport.initialize()

    async def shutdown(self) -> None:
        await self._transport.shutdown()

    async def do_request(  # noqa: PLR0917 - the signature is python-telegram-bot's
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        status, payload = await self._transport.do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND):
            self.token_refused.set()
        return status, payload

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        answer = BaseRequest.parse_json_payload(payload)
        updates = answer.get("result")
        if isinstance(updates, list):
            answer["result"] = [_readable(update) for update in updates]
        return answer


def _readable(update: object) -> object:
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        return update  # nothing to confirm it by; python-telegram-bot reports the batch
    return update if read_update(update, None) is not None else {"update_id": update["update_id"]}
