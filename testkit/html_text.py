"""Telegram's checks on message text: its HTML dialect, the length limit, and its exact error texts.

The rules follow the Bot API "HTML style" section and TDLib's parser: a few tags, the four named entities, and
errors that name a byte offset. Text that passes here will not be refused by Telegram for its markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from testkit.errors import bad_request

JsonDict = dict[str, Any]

MAX_TEXT_UTF16 = 4096

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_END_TAG = re.compile(r"</([^\s>]*)\s*>")
_TAG_NAME = re.compile(r"[^\s/>]*")
_ATTRIBUTE = re.compile(
    r"""[\s/]*(?P<name>[^\s=>/"']*)\s*(?P<equals>=?)\s*"""
    r"""(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<unclosed>["'])|(?P<bare>[^\s>"']*))"""
)
_TAG_END = re.compile(r"[\s/]*>")


class HtmlError(ValueError):
    """Markup that Telegram's HTML parser refuses; the message is TDLib's."""


@dataclass
class _Open:
    tag: str
    start: int  # in UTF-16 code units of the plain text, as Telegram counts entity offsets
    attributes: dict[str, str]
    order: int  # how many tags opened before this one: outer entities come first


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units): an emoji counts 2."""
    return len(text.encode("utf-16-le")) // 2


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[JsonDict]]:
    """The plain text a user would see and its entities; 400 for markup Telegram would refuse."""
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        try:
            return parse_html(text)
        except HtmlError as error:
            raise bad_request(f"can't parse entities: {error}") from None
    if mode in {"markdown", "markdownv2"}:
        return text, []  # accepted unchecked: the bot renders HTML only
    raise bad_request("unsupported parse_mode")


def check_text_length(plain: str, *, editing: bool) -> None:
    """Telegram counts the text after parsing, in UTF-16 units; edits name the limit differently."""
    if not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > MAX_TEXT_UTF16:
        raise bad_request("MESSAGE_TOO_LONG" if editing else "message is too long")


def parse_html(text: str) -> tuple[str, list[JsonDict]]:
    """Telegram HTML as plain text and entities (offsets in UTF-16 units)."""
    return _HtmlParser(text).run()


def decode_entities(raw: str) -> str:
    """Text with `&lt;`, `&#33;` ... decoded; an unknown `&` stays literal, as Telegram keeps it."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        decoded, i = _html_entity(raw, i) if raw[i] == "&" else (raw[i], i + 1)
        out.append(decoded)
    return "".join(out)


class _HtmlParser:
    """One pass over the text, as TDLib's parse_html: characters, entities, start tags and end tags."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.length = 0  # UTF-16 units written to `out`
        self.stack: list[_Open] = []
        self.entities: list[tuple[int, JsonDict]] = []  # (order of the start tag, entity)
        self.opened = 0

    def run(self) -> tuple[str, list[JsonDict]]:
        i = 0
        while i < len(self.text):
            char = self.text[i]
            if char == "&":
                decoded, i = _html_entity(self.text, i)
                self._write(decoded)
            elif char != "<":
                self._write(char)
                i += 1
            elif self.text.startswith("</", i):
                i = self._end_tag(i)
            else:
                i = self._start_tag(i)
        if self.stack:
            raise HtmlError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"')
        self.entities.sort(key=lambda item: (item[1]["offset"], -item[1]["length"], item[0]))
        return "".join(self.out), [entity for _, entity in self.entities]

    def _write(self, text: str) -> None:
        self.out.append(text)
        self.length += utf16_len(text)

    def _offset(self, index: int) -> int:
        return len(self.text[:index].encode())

    def _end_tag(self, begin: int) -> int:
        if not self.stack:
            raise HtmlError(f"Unexpected end tag at byte offset {self._offset(begin)}")
        found = _END_TAG.match(self.text, begin)
        if found is None:
            raise HtmlError(f"Unclosed end tag at byte offset {self._offset(begin)}")
        opened = self.stack.pop()
        name = found[1].lower()
        if name and name != opened.tag:
            raise HtmlError(
                f'Unmatched end tag at byte offset {self._offset(begin)}, expected "</{opened.tag}>", '
                f'found "</{name}>"'
            )
        if self.length > opened.start:
            entity: JsonDict = {
                "type": _TAG_ENTITY[opened.tag],
                "offset": opened.start,
                "length": self.length - opened.start,
            }
            if opened.tag == "a":
                entity["url"] = opened.attributes.get("href", "")
            elif opened.tag == "tg-emoji":
                entity["custom_emoji_id"] = opened.attributes.get("emoji-id", "")
            self.entities.append((opened.order, entity))
        return found.end()

    def _start_tag(self, begin: int) -> int:
        offset = self._offset(begin)
        name = _TAG_NAME.match(self.text, begin + 1)
        if name is None or name.end() >= len(self.text):
            raise HtmlError(f"Unclosed start tag at byte offset {offset}")
        tag = name[0].lower()
        if tag not in _TAG_ENTITY:
            raise HtmlError(f'Unsupported start tag "{tag}" at byte offset {offset}')
        attributes: dict[str, str] = {}
        i = name.end()
        while (end := _TAG_END.match(self.text, i)) is None:
            found = _ATTRIBUTE.match(self.text, i)
            if found is None or found["unclosed"] or found.end() >= len(self.text):
                raise HtmlError(f"Unclosed start tag at byte offset {offset}")
            if not found["name"]:
                raise HtmlError(f'Empty attribute name in the tag "{tag}" at byte offset {offset}')
            if not found["equals"]:
                raise HtmlError(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"at byte offset {offset}"
                )
            value = found["double"] or found["single"] or found["bare"] or ""
            attributes[found["name"].lower()] = decode_entities(value)
            i = found.end()
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        self.stack.append(_Open(tag, self.length, attributes, self.opened))
        self.opened += 1
        return end.end()


def _html_entity(text: str, start: int) -> tuple[str, int]:
    """Decode `&name;` or `&#N;` at `start`; returns the text and the index after it."""
    end = text.find(";", start + 1, start + 12)
    name = text[start + 1 : end] if end != -1 else ""
    if name in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[name], end + 1
    try:
        if name.startswith(("#x", "#X")):
            return chr(int(name[2:], 16)), end + 1
        if name.startswith("#"):
            return chr(int(name[1:])), end + 1
    except (ValueError, OverflowError):
        pass
    return "&", start + 1
