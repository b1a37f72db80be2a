"""Dialog text: config placeholders and the small markup (**bold**, [text](url)) renderers translate."""

from __future__ import annotations

import html
import re
import string
from collections.abc import Mapping

from bot.strict_yaml import did_you_mean

PLACEHOLDERS = ("emergency_number", "clinic_name", "clinic_phone", "booking_url")
PLACEHOLDER_MAX_CHARS = 200  # config values are limited to this, so rendered lengths can be checked

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|tel:|mailto:)[^)\s]+)\)")


def placeholder_problems(text: str) -> list[str]:
    """What is wrong with the `{placeholders}` of a text, as messages for an admin."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return [
            "a '{' or '}' is not matched; placeholders look like {clinic_phone}, "
            "and a literal brace is written {{ or }}"
        ]
    problems = []
    for _literal, name, spec, conversion in fields:
        if name is None:
            continue
        if spec or conversion or name not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            problems.append(
                f"unknown placeholder {{{name}}}{did_you_mean(name, PLACEHOLDERS)}; known: {known}"
            )
    return problems


def fill(text: str, values: Mapping[str, str]) -> str:
    """Put config values into a text whose placeholders were checked at load time."""
    return text.format_map(values)


def to_html(text: str) -> str:
    """Telegram HTML: everything escaped, then our markup turned into <b> and <a>."""
    escaped = html.escape(text, quote=False)
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    return _LINK.sub(lambda m: f'<a href="{html.escape(m[2])}">{m[1]}</a>', escaped)


def telegram_length(html_text: str) -> int:
    """The length Telegram holds against its limits: UTF-16 code units of the text once the HTML is
    parsed (tags count nothing, `&amp;` counts one, an emoji outside the BMP counts two)."""
    return len(html.unescape(_TAG.sub("", html_text)).encode("utf-16-le")) // 2


def to_plain(text: str, bold: tuple[str, str] = ("", "")) -> str:
    """Terminal text: bold as the given pair (e.g. ANSI codes), links as 'text (url)'."""
    text = _BOLD.sub(lambda m: f"{bold[0]}{m[1]}{bold[1]}", text)
    return _LINK.sub(lambda m: m[1] if m[2].endswith(m[1]) else f"{m[1]} ({m[2]})", text)


def worst_case_values() -> dict[str, str]:
    """Placeholder values of the longest allowed length, to check rendered message sizes."""
    return dict.fromkeys(PLACEHOLDERS, "x" * PLACEHOLDER_MAX_CHARS)
