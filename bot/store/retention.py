"""Sessions are kept no longer than privacy.retention_days: purged at start-up, then every hour."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.store.contract import SessionStore

log = logging.getLogger("clinic_bot")

PURGE_EVERY = 3600.0  # seconds between purges of sessions older than privacy.retention_days


async def purge(store: SessionStore, days: int) -> None:
    """Erase sessions untouched for `days` (privacy.retention_days)."""
    removed = await store.purge_older_than(days)
    if removed:
        log.info("erased %d session(s) untouched for %d days", removed, days)


async def purge_regularly(store: SessionStore, days: int, stop: asyncio.Event, every: float) -> None:
    """Purge every `every` seconds until `stop` is set; a failed purge is logged and tried again later."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
            return
        try:
            await purge(store, days)
        except Exception as error:  # the store's own errors differ by engine; keep serving
            log.error("purge failed: %s", type(error).__name__)  # noqa: TRY400 - no traceback, no data
