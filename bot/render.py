"""Turns an engine Reply into Telegram-sized HTML messages and buttons, without importing telegram."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from bot import texts
from bot.dialog.checks import MAX_MESSAGE_CHARS, callback_data
from bot.dialog.engine import Reply
from bot.dialog.model import DONE
from bot.dialog.text import telegram_length, to_html, to_plain

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

    A question is a card: the dialog's title and disclaimer, the answers so far, then the question, in one
    message that the next tapped answer replaces (one Bot API call per tap). An outcome's advice is a
    message of its own, so that it notifies and stays, and its teaching text follows in the next ones.
    A short hint (the question is on screen just above) is the hint alone, with the buttons.
    """
    notice = [f"<i>{html.escape(reply.notice, quote=False)}</i>"] if reply.notice else []
    paragraphs = [*notice, *(to_html(block) for block in reply.blocks)]
    if reply.ended:
        parts = split_paragraphs(paragraphs)
        if reply.teaching:
            parts += split_paragraphs([to_html(block) for block in reply.teaching])
    elif is_card(reply):
        parts = split_paragraphs(_card(reply, paragraphs, texts.ANSWERS_SO_FAR))
    else:
        parts = split_paragraphs(paragraphs)
    messages = [Message(text) for text in parts[:-1]]
    messages.append(Message(parts[-1], buttons(reply)))
    return messages


def is_card(reply: Reply) -> bool:
    """A question shown with its words (not an outcome, nor a short hint below the question)."""
    return not reply.ended and bool(reply.blocks)


def record(reply: Reply) -> str:
    """A card's last form once the check has ended: the title and disclaimer and every answer given, kept
    in the chat above the advice."""
    return "\n\n".join(_card(reply, [], texts.YOUR_ANSWERS))


def _card(reply: Reply, rest: list[str], title: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """The heading, the answers so far (the latest that fit beside `rest` in one message), then `rest`."""
    heading = [to_html(reply.heading)] if reply.heading else []
    room = limit - sum(telegram_length(p) + 2 for p in (*heading, *rest)) - telegram_length(title)
    lines: list[str] = []
    for question, labels in reversed(reply.answers_so_far):
        line = (
            f"✓ {html.escape(short_question(question), quote=False)} <b>{html.escape(', '.join(labels))}</b>"
        )
        room -= telegram_length(line) + 1
        if room < len(texts.earlier_answers(999)) + 1:
            lines.append(texts.earlier_answers(len(reply.answers_so_far) - len(lines)))
            break
        lines.append(line)
    summary = ["\n".join([f"<i>{title}</i>", *reversed(lines)])] if lines else []
    return [*heading, *summary, *rest]


def short_question(text: str, limit: int = 90) -> str:
    """A question as one line of the answers so far: its first sentence that asks, in plain words."""
    plain = " ".join(to_plain(text).split())
    end = plain.find("?")
    short = plain[: end + 1] if end >= 0 else plain
    return short if len(short) <= limit else short[: limit - 1].rstrip() + "…"


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
