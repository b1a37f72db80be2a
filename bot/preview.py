"""The terminal preview: try a dialog without Telegram, as a person (numbered options) or a script (JSON)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TextIO

from bot import texts
from bot.dialog.engine import Engine, Reply, Session
from bot.dialog.text import to_plain
from bot.texts import why_default

COMMANDS = texts.PREVIEW_COMMANDS
SECOND_MESSAGE = texts.PREVIEW_SECOND_MESSAGE
TICK_HINT = texts.PREVIEW_TICK_HINT
_BOLD_ANSI = ("\033[1m", "\033[0m")
_LEVEL_NAMES = texts.PREVIEW_LEVELS


def command(engine: Engine, session: Session, line: str) -> tuple[Session, Reply] | None:
    """Apply one line of input; None means quit."""
    if line.strip().lower() in {"quit", "exit", "q"}:
        return None
    if line.strip() == "/start":
        return engine.restart()
    return engine.answer(session, line)  # the engine reads 'back' and 'restart' as Telegram does


def chat_json(engine: Engine, lines: Iterable[str], out: TextIO) -> None:
    """One JSON object per bot turn, flushed at once, for scripts and tests."""

    def emit(reply: Reply) -> None:
        outcome = reply.outcome
        record = {
            "step": reply.step,
            "text": reply.text,
            "options": [o.label for o in reply.options],
            "outcome": None
            if outcome is None
            else {"urgency": outcome.urgency.key, "topics": list(outcome.topics)},
            "notice": reply.notice,
        }
        if reply.welcome:  # a new check: the title and disclaimer first
            record["welcome"] = reply.welcome
        if reply.many:  # a tick list: the items ticked so far
            record["ticked"] = [o.label for o in reply.options if o.id in reply.ticked]
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()

    session, reply = engine.start()
    emit(reply)
    session = engine.delivered(session, reply)  # printed: the question is on screen, as in Telegram
    for line in lines:
        if line.strip().lower() == "why":
            out.write(json.dumps({"step": reply.step, "why": reply.why}) + "\n")
            out.flush()
            continue
        result = command(engine, session, line)
        if result is None:
            return
        session, reply = result
        emit(reply)
        session = engine.delivered(session, reply)


def chat_terminal(
    engine: Engine,
    read: Callable[[str], str],
    out: TextIO,
    colour: bool = False,
    on_outcome: Callable[[Session, Reply], str] | None = None,
) -> None:
    """The interactive preview; `read` is `input` in real use; `on_outcome` may record a scenario."""
    bold = _BOLD_ANSI if colour else ("", "")

    def show(reply: Reply) -> None:
        if reply.welcome:
            out.write(to_plain(reply.welcome, bold) + "\n\n")
        if reply.notice:
            out.write(f"({reply.notice})\n\n")
        if reply.outcome is not None:
            level = _LEVEL_NAMES[reply.outcome.urgency.key]
            out.write(f"{bold[0]}[{level}]{bold[1]}\n")
        if reply.advice:  # an unclear answer gets the hint and the options, not the question again
            out.write(to_plain(reply.advice, bold) + "\n")
        if reply.teaching:  # Telegram sends it as a second message, after the advice
            teaching = "\n\n".join(reply.teaching)
            out.write(f"\n{SECOND_MESSAGE}\n{to_plain(teaching, bold)}\n")
        for number, option in enumerate(reply.options, start=1):
            box = ("[x] " if option.id in reply.ticked else "[ ] ") if reply.many else ""
            out.write(f"  {number}. {box}{to_plain(option.label)}\n")
        if reply.many:
            out.write(f"  {TICK_HINT}\n")
        if reply.ended:
            out.write(texts.PREVIEW_FINISHED + "\n")
        out.write("\n")

    out.write(f"{COMMANDS}\n\n")
    session, reply = engine.start()
    show(reply)
    session = engine.delivered(session, reply)  # printed: the question is on screen, as in Telegram
    while True:
        try:
            line = read("> ")
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return
        if line.strip().lower() == "why":
            out.write((reply.why or why_default(reply.ended)) + "\n\n")
            continue
        result = command(engine, session, line)
        if result is None:
            return
        session, reply = result
        show(reply)
        session = engine.delivered(session, reply)
        if reply.ended and on_outcome is not None:
            out.write(on_outcome(session, reply) + "\n\n")
