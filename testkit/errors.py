"""The one error the Bot API answers with, carrying Telegram's status code and exact description."""

from __future__ import annotations


class ApiError(Exception):
    """A refused call: becomes `{"ok": false, "error_code": status, "description": ...}` on the wire."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def bad_request(reason: str) -> ApiError:
    """Telegram prefixes every 400 description with "Bad Request: "; tests compare the whole text."""
    return ApiError(400, f"Bad Request: {reason}")
