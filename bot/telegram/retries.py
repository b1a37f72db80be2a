"""Bot API calls that failed where Telegram may not have seen them are tried again, with a bounded backoff."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import BaseRateLimiter

from bot.telegram.transport import TRANSPORT_ERRORS

log = logging.getLogger("clinic_bot")

# After a 5xx, a timeout or a lost connection a call is tried again after these pauses (about 8 s in all).
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)


class RetryingLimiter(BaseRateLimiter[int]):
    """Another limiter (PerChatLimiter: the flood caps, waiting out 429s) with retries after failures that
    Telegram may not have seen: a 5xx answer, a timeout, a connection refused or closed.

    A retried send whose first answer was lost after Telegram did the work arrives twice; not retrying
    would lose it instead. A patient stuck without their next question is worse than one reading it twice.
    Refusals (400, 403, 401/404, 409) are final and never retried.
    """

    def __init__(self, limiter: BaseRateLimiter[int], delays: Sequence[float] = RETRY_DELAYS) -> None:
        self._limiter = limiter
        self._delays = tuple(delays)

    async def initialize(self) -> None:
        await self._limiter.initialize()

    async def shutdown(self) -> None:
        await self._limiter.shutdown()

    async def process_request(  # noqa: PLR0917 - the signature is python-telegram-bot's
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        for attempt, delay in enumerate((*self._delays, None), start=1):
            try:
                return await self._limiter.process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except NetworkError as error:  # TimedOut is one; BadRequest too, and that is final
                if delay is None or not _worth_retrying(error):
                    raise
                log.warning(
                    "%s failed (%s), attempt %d; trying again in %.1f s",
                    endpoint,
                    type(error).__name__,
                    attempt,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the last attempt returns or raises


def _worth_retrying(error: NetworkError) -> bool:
    """A 5xx (no cause, or an unreadable answer's TelegramError), a timeout or a connection problem (raised
    from one of the transport's errors); not a refusal (400), nor a request that could not even be encoded
    (python-telegram-bot wraps such a bug as "Unknown error in HTTP implementation")."""
    cause = error.__cause__
    return not isinstance(error, BadRequest) and (
        cause is None or isinstance(cause, (*TRANSPORT_ERRORS, TelegramError))
    )
