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
_ANY_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")  # also `({booking_url})`, before it is filled
_TAKEN = re.compile("\0([0-9]+)\0")  # a link taken out of the text while bold is applied
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
    """Telegram HTML: everything escaped, then our markup turned into <b> and <a>.

    Links are taken out first and bold applied around and inside them, so tags always nest: crossed
    ones (`<b>a <a>b</b></a>`) make Telegram refuse the whole message. Phone and mail links are written
    out, since Telegram drops `tel:` links and rewrites `mailto:` ones but links numbers and addresses.
    """
    escaped = html.escape(text, quote=False)
    links: list[str] = []

    def take(match: re.Match[str]) -> str:
        label, url = _BOLD.sub(r"<b>\1</b>", match[1]), match[2]
        if url.startswith(("tel:", "mailto:")):
            address = url.partition(":")[2]
            links.append(label if match[1] == address else f"{label} ({address})")
        else:
            links.append(f'<a href="{url.replace(chr(34), "&quot;")}">{label}</a>')
        return f"\0{len(links) - 1}\0"

    marked = _BOLD.sub(r"<b>\1</b>", _LINK.sub(take, escaped))
    return _TAKEN.sub(lambda m: links[int(m[1])], marked)


def markup_problems(text: str) -> list[str]:
    """Bold that starts outside a link and ends inside it (or the reverse): Telegram refuses such HTML."""
    links = [(m.start(), m.end(), m.start(1), m.end(1)) for m in _ANY_LINK.finditer(text)]
    for bold in _BOLD.finditer(text):
        start, end = bold.span()
        for link_start, link_end, label_start, label_end in links:
            overlaps = start < link_end and link_start < end
            nested = (start <= link_start and link_end <= end) or (label_start <= start and end <= label_end)
            if overlaps and not nested:
                return [
                    "bold (**) and a link cross each other, which Telegram refuses; end the bold before "
                    "the link or after it, or put it inside the link text"
                ]
    return []


def telegram_length(html_text: str) -> int:
    """The length Telegram holds against its limits: UTF-16 code units of the text once the HTML is
    parsed (tags count nothing, `&amp;` counts one, an emoji outside the BMP counts two)."""
    return len(html.unescape(_TAG.sub("", html_text)).encode("utf-16-le")) // 2


def to_plain(text: str, bold: tuple[str, str] = ("", "")) -> str:
    """Terminal text: bold as the given pair (e.g. ANSI codes), links as 'text (url)'.

    Links first: the '[' of an ANSI code ('\\033[1m') would otherwise start a link.
    """
    text = _LINK.sub(lambda m: m[1] if m[2].endswith(m[1]) else f"{m[1]} ({m[2]})", text)
    return _BOLD.sub(lambda m: f"{bold[0]}{m[1]}{bold[1]}", text)


def worst_case_values() -> dict[str, str]:
    """Placeholder values of the longest allowed length, to check rendered message sizes."""
    return dict.fromkeys(PLACEHOLDERS, "x" * PLACEHOLDER_MAX_CHARS)
