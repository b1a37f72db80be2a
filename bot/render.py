"""Turns an engine Reply into Telegram-sized HTML messages and buttons, without importing telegram."""

from __future__ import annotations

import html
from dataclasses import dataclass

from bot.dialog.checks import MAX_MESSAGE_CHARS, callback_data
from bot.dialog.engine import Reply
from bot.dialog.text import to_html

# Control buttons start with '!', which no step id can, so they never clash with answers.
BACK = "!back"
RESTART = "!restart"
FORGET_YES = "!forget_yes"
FORGET_NO = "!forget_no"

Buttons = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, callback data)


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
    rows: list[tuple[tuple[str, str], ...]] = [
        ((option.label, callback_data(reply.step, option.id)),) for option in reply.options
    ]
    if reply.ended:
        rows.append((("⬅ Change an answer", BACK), ("↻ Start again", RESTART)))
    elif reply.can_go_back:
        rows.append((("⬅ Back", BACK),))
    texts = split_paragraphs(paragraphs)
    if reply.teaching:
        texts += split_paragraphs([to_html(block) for block in reply.teaching])
    messages = [Message(text) for text in texts[:-1]]
    messages.append(Message(texts[-1], tuple(rows)))
    return messages


def split_paragraphs(paragraphs: list[str], limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Join paragraphs with blank lines into messages of at most `limit` characters.

    Paragraph-level splits keep our HTML tags balanced; checks at load time keep each paragraph
    under the limit, and an over-long one is cut at line ends as a last resort.
    """
    pieces: list[str] = []
    for paragraph in paragraphs:
        pieces += _cut(paragraph, limit) if len(paragraph) > limit else [paragraph]
    messages: list[str] = []
    for piece in pieces:
        if messages and len(messages[-1]) + 2 + len(piece) <= limit:
            messages[-1] += "\n\n" + piece
        else:
            messages.append(piece)
    return messages or [""]


def _cut(paragraph: str, limit: int) -> list[str]:
    out: list[str] = []
    for line in paragraph.split("\n"):
        rest = line
        while len(rest) > limit:
            out.append(rest[:limit])
            rest = rest[limit:]
        if out and len(out[-1]) + 1 + len(rest) <= limit:
            out[-1] += "\n" + rest
        else:
            out.append(rest)
    return out


def answered(question_html: str, label: str) -> str:
    """The question as it stays in the chat once answered, with the answer under it."""
    return f"{question_html}\n\n<i>Your answer: {html.escape(label, quote=False)}</i>"
