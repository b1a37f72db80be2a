"""Where sessions live between messages: one small row per chat, written on every answer."""

from __future__ import annotations

from bot.store.contract import SessionStore, decode_answers, encode_answers
from bot.store.sqlite import SqliteStore


def open_store(url: str) -> SessionStore:
    """The store for a `storage.url` from the config."""
    if url.startswith("sqlite:///"):
        return SqliteStore(url.removeprefix("sqlite:///"))
    if url.startswith("postgresql://"):
        from bot.store.postgres import PostgresStore  # noqa: PLC0415 - psycopg loads only when used

        return PostgresStore(url)
    raise ValueError(f"unsupported storage url scheme: {url.split(':', 1)[0]}")


__all__ = ["SessionStore", "SqliteStore", "decode_answers", "encode_answers", "open_store"]
