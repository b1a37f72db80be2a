"""Logging hygiene: no token in any record, and python-telegram-bot's network errors in one line."""

from __future__ import annotations

import logging

from telegram.error import InvalidToken, TelegramError


class LogHygiene(logging.Filter):
    """For every log handler: the bot token is replaced wherever a record would show it (python-telegram-bot
    puts it into some error texts, e.g. "The token `...` was rejected by the server"), and a network error
    that python-telegram-bot logs with a traceback is shown in one line: it is not a bug in the bot. A refused
    token is left out: the bot ends, saying so itself."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if record.name.startswith("telegram") and isinstance(error, InvalidToken):
            return False  # the bot stops and says so in one line of its own (bot/telegram/serving.py)
        if record.name.startswith("telegram") and isinstance(error, TelegramError):
            record.msg, record.args = f"{record.getMessage()} ({type(error).__name__}: {error})", None
            record.exc_info, record.exc_text = None, None
        elif record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        message = record.getMessage()
        if self._token and (self._token in message or self._token in (record.exc_text or "")):
            record.msg, record.args = message.replace(self._token, "<token>"), None
            record.exc_text = record.exc_text and record.exc_text.replace(self._token, "<token>")
        return True
