"""Scripted patients for the reliability tests: their answers in dialogs/example.yaml, and what they see."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.config import load_config
from bot.dialog.engine import Engine
from bot.dialog.loader import load_dialog
from testkit import ChatMessage, ScriptedUser
from testkit.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Script:
    """One patient's answers: (words of the question, label of the button), and the advice they expect."""

    name: str
    answers: tuple[tuple[str, str], ...]
    outcome: str
    teaching: str | None = "About this example"  # how the outcome's second message (its topics) begins

    def label_for(self, message: ChatMessage) -> str | None:
        """The button this patient taps on `message`, if it asks one of their questions."""
        asked = asking(message.plain_text)
        return next((label for words, label in self.answers if words in asked), None)

    def expected_answers(self) -> list[list[str]]:
        """The (step, option) pairs the store must hold once the patient is done, from the engine itself."""
        engine = Engine(
            load_dialog(ROOT / "dialogs" / "example.yaml"), load_config(None, {}).clinic.placeholders()
        )
        session, _ = engine.start()
        for _words, label in self.answers:
            session, _ = engine.answer(session, label)
        return [[step, option] for step, (option,) in session.answers]  # as stored: one answer each


BOOK = Script(
    "book",
    (("Hi!", "Start"), ("Do you have trouble breathing", "No"), ("How long", "A week or more")),
    "Book an appointment",
)
HOME = Script(
    "home",
    (("Hi!", "Start"), ("Do you have trouble breathing", "No"), ("How long", "Less than a week")),
    "look after this at home",
)
EMERGENCY = Script(
    "emergency", (("Hi!", "Start"), ("Do you have trouble breathing", "Yes")), "Call 911 now", teaching=None
)
READ_FIRST = Script(
    "read first",
    (
        ("Hi!", "Read about the format"),
        ("Here is a topic", "Start the check"),
        ("Do you have trouble breathing", "No"),
        ("How long", "Less than a week"),
    ),
    "look after this at home",
)
SCRIPTS = (BOOK, HOME, EMERGENCY, READ_FIRST)


async def walk(user: ScriptedUser, script: Script, timeout: float) -> None:
    """/start, then tap each scripted answer once its question is on screen, then wait for the advice."""
    await user.send("/start")
    for words, label in script.answers:
        await user.wait_for(lambda m, w=words, b=label: m.shows(w) and b in m.button_texts, timeout)
        await user.tap(label)
    await user.wait_for(script.outcome, timeout)
    if script.teaching:
        await user.wait_for(lambda m, t=script.teaching: (m.plain_text or "").startswith(t), timeout)


def stored_answers(database: Path, chat_id: int) -> list[list[str]] | None:
    """The answers the store holds for a chat, read from the file as another process would."""
    with sqlite3.connect(database) as db:
        row = db.execute("SELECT answers FROM sessions WHERE chat_id = ?", (chat_id,)).fetchone()
    if row is None:
        return None
    data = json.loads(row[0])
    return data["answers"] if isinstance(data, dict) else data  # with ticks or the question on screen


def asking(text: str | None) -> str:
    """The words of a message without the answers so far that a question's card shows above it."""
    paragraphs = (text or "").split("\n\n")
    return "\n\n".join(p for p in paragraphs if not p.startswith("Your answers"))


def sent_texts(user: ScriptedUser) -> list[str]:
    """What the bot sent to the user, as the user sees it now (edits applied)."""
    return [message.plain_text or "" for message in user.messages]


async def persevere(user: ScriptedUser, script: Script, patience: float, *, typing: bool = False) -> int:
    """Reach the advice as a real patient would, whatever happens to the bot; returns how often they nudged.

    They answer whatever question is on screen (tapping, or typing the label when `typing`). When nothing
    happens for `patience` seconds they nudge: tap the same button again if it is still there, else type
    "?" (which never answers a question), or /start if the bot never answered at all.
    """
    nudges = 0
    answered: set[tuple[int, str]] = set()  # questions answered once; again there would be a nudge
    await user.send("/start")
    while True:
        messages = user.messages
        if any(message.shows(script.outcome) for message in messages):
            return nudges
        advice = [m for m in messages if "↻ Start again" in m.button_texts]  # an outcome, but not theirs
        assert not advice, f"{user.name} ({script.name}) got advice that is not theirs: {advice[-1]!r}"
        current = next((m for m in reversed(messages) if m.buttons), None)
        label = script.label_for(current) if current is not None else None
        if current is not None and label is None:
            # A short hint ("Sorry, I did not understand ...") carries the buttons of the question above it.
            asked = next((m for m in reversed(messages) if script.label_for(m) is not None), None)
            meant = script.label_for(asked) if asked is not None else None
            label = meant if meant in current.button_texts else None
        seen = len(user.chat.events)
        on_screen = (current.message_id, asking(current.plain_text)) if current is not None else None
        if on_screen is not None and label is not None and on_screen not in answered:
            answered.add(on_screen)
            await (user.send(label) if typing else user.tap(label, message=current))
        if await wait_until(lambda n=seen: len(user.chat.events) > n or None, user.chat.changed, patience):
            continue
        nudges += 1
        if current is not None and label is not None and label in current.button_texts and not typing:
            await user.tap(label, message=current)
        else:
            await user.send("?" if messages else "/start")
