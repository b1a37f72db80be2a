"""Turns an engine Reply into Telegram-sized HTML messages and buttons, without importing telegram."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from bot import texts
from bot.dialog.checks import MAX_MESSAGE_CHARS, callback_data
from bot.dialog.engine import Reply
from bot.dialog.model import DONE
from bot.dialog.text import telegram_length, to_html

# Control buttons start with '!', which no step id can, so they never clash with answers.
BACK = "!back"
RESTART = "!restart"
FORGET_YES = "!forget_yes"
FORGET_NO = "!forget_no"
SHOW = "!show"  # "No" to a "Did you mean ...?": the question again

DONE_LABEL = texts.DONE_BUTTON

Buttons = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, callback data)


def tick_label(label: str, ticked: bool) -> str:
    """A tick list's item as a button: a box that shows ✓ once tapped, so it reads as a toggle."""
    return f"{'✅' if ticked else '⬜'} {label}"


def buttons(reply: Reply) -> Buttons:
    """The buttons that go with a reply (on its last message); a tick list's items show their ticks."""
    rows: list[tuple[tuple[str, str], ...]] = []
    if reply.suggested is not None:  # "Did you mean ...?" answered by a tap, never picked for the patient
        yes = (texts.yes_i_meant(reply.suggested.label), callback_data(reply.step, reply.suggested.id))
        rows.append((yes, (texts.NO_BUTTON, SHOW)))
    for option in reply.options:
        label = tick_label(option.label, option.id in reply.ticked) if reply.many else option.label
        rows.append(((label, callback_data(reply.step, option.id)),))
    if reply.many:
        rows.append(((DONE_LABEL, callback_data(reply.step, DONE)),))
    if reply.ended:
        rows.append(((texts.CHANGE_BUTTON, BACK), (texts.RESTART_BUTTON, RESTART)))
    elif reply.can_go_back:
        rows.append(((texts.BACK_BUTTON, BACK),))
    return tuple(rows)


@dataclass(frozen=True)
class Message:
    html: str
    buttons: Buttons = ()


def render(reply: Reply) -> list[Message]:
    """Paragraphs joined into as few messages as fit; buttons go on the last one.

    An outcome's advice is a message of its own, and its teaching text follows in the next ones.
    """
    paragraphs = [to_html(block) for block in reply.blocks]
    if reply.notice:
        paragraphs.insert(0, f"<i>{html.escape(reply.notice, quote=False)}</i>")
    welcome = [Message(to_html(reply.welcome))] if reply.welcome else []  # a message of its own
    parts = split_paragraphs(paragraphs)
    if reply.teaching:
        parts += split_paragraphs([to_html(block) for block in reply.teaching])
    messages = [*welcome, *(Message(text) for text in parts[:-1])]
    messages.append(Message(parts[-1], buttons(reply)))
    return messages


def split_paragraphs(paragraphs: list[str], limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Join paragraphs with blank lines into messages of at most `limit`, as Telegram counts (UTF-16 code
    units of the text once the HTML is parsed).

    Paragraph-level splits keep our HTML tags balanced; checks at load time keep each paragraph
    under the limit, and an over-long one is cut at line ends as a last resort.
    """
    pieces: list[str] = []
    for paragraph in paragraphs:
        pieces += _cut(paragraph, limit) if telegram_length(paragraph) > limit else [paragraph]
    messages: list[str] = []
    for piece in pieces:
        if messages and telegram_length(messages[-1]) + 2 + telegram_length(piece) <= limit:
            messages[-1] += "\n\n" + piece
        else:
            messages.append(piece)
    return messages or [""]


def fit_lines(head: str, lines: Sequence[str], limit: int = MAX_MESSAGE_CHARS) -> str:
    """`head` (HTML) and as many plain `lines` as fit in one message, then how many were left out: an
    admin notice must reach the admin, however many problems an edit has and however long their paths."""
    text, room = head, limit - telegram_length(head) - len("\n... and 999999 more")
    for shown, line in enumerate(lines):
        room -= 1 + telegram_length(html.escape(line, quote=False))
        if room < 0:
            return f"{text}\n... and {len(lines) - shown} more"
        text += "\n" + html.escape(line, quote=False)
    return text


def _cut(paragraph: str, limit: int) -> list[str]:
    out: list[str] = []
    for line in paragraph.split("\n"):
        rest = line
        while telegram_length(rest) > limit:
            head = _prefix(rest, limit)
            out.append(head)
            rest = rest[len(head) :]
        if out and telegram_length(out[-1]) + 1 + telegram_length(rest) <= limit:
            out[-1] += "\n" + rest
        else:
            out.append(rest)
    return out


def _prefix(text: str, limit: int) -> str:
    """The longest start of `text` within `limit` UTF-16 code units."""
    units = 0
    for end, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:end]
    return text


def answered(question_html: str, label: str) -> str:
    """The question as it stays in the chat once answered, with the answer under it."""
    return f"{question_html}\n\n<i>Your answer: {html.escape(label, quote=False)}</i>"
