"""Where sessions live between messages: one small row per chat, written on every answer."""

from __future__ import annotations

import sqlite3

from bot.store.contract import UNREADABLE, SessionStore, StoreError, StoreUnavailableError
from bot.store.sqlite import SqliteStore


def open_store(url: str) -> SessionStore:
    """The store for a `storage.url` from the config; StoreError when it cannot be opened."""
    if url.startswith("sqlite:///"):
        try:
            return SqliteStore(url.removeprefix("sqlite:///"))
        except (sqlite3.Error, OSError) as error:
            raise StoreError(str(error)) from None
    if url.startswith("postgresql://"):
        from bot.store.postgres import PostgresStore  # noqa: PLC0415 - psycopg loads only when used

        return PostgresStore(url)
    raise ValueError(f"unsupported storage url scheme: {url.split(':', 1)[0]}")


__all__ = ["UNREADABLE", "SessionStore", "SqliteStore", "StoreError", "StoreUnavailableError", "open_store"]
