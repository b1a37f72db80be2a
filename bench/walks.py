"""The conversations both bots serve in the end-to-end benchmark, and the screens the yardstick shows.

The walks are the shipped dialog's scenarios (dialogs/scenarios/), as button taps: every answer is a
tap, a tick list's items are tapped one by one and then Done. The screens are what `clinic-bot chat
--json` gives for those answers (the same engine), drawn as the bot draws them for Telegram (the same
`render`): the card's HTML and buttons after each tap, the ticked buttons of a tick list, and at the
advice the card's last form and every message of the advice. The yardstick (bench/baseline_bot.py)
serves them from a table, byte for byte, with the same Bot API calls per tap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.sessions import engine_for, shipped_dialog
from bot import render
from bot.dialog.checks import callback_data
from bot.dialog.engine import Engine, Reply, Session
from bot.dialog.model import DONE
from bot.scenarios import load_scenarios

START = ""  # the table's key of the first screen: no taps yet


@dataclass(frozen=True)
class Walk:
    """One conversation: the callback data of each tap, from the first question to the advice."""

    name: str
    taps: tuple[str, ...]


def shipped_engine() -> Engine:
    return engine_for(shipped_dialog())


def walks(engine: Engine | None = None) -> list[Walk]:
    """The shipped dialog's scenarios as taps."""
    engine = engine or shipped_engine()
    path = shipped_dialog().parent / "scenarios" / shipped_dialog().name
    found = []
    for scenario in load_scenarios(path):
        session, reply = engine.start()
        taps: list[str] = []
        for answer in scenario.answers:
            labels = answer if isinstance(answer, tuple) else (answer,)
            for label in labels:
                option = next(o for o in reply.options if o.label == label)
                taps.append(callback_data(reply.step, option.id))
                session, reply = _tap(engine, session, taps[-1])
            if isinstance(answer, tuple):
                taps.append(callback_data(reply.step, DONE))
                session, reply = _tap(engine, session, taps[-1])
        if not reply.ended:
            raise ValueError(f"scenario {scenario.name!r} does not end at an outcome")
        found.append(Walk(scenario.name, tuple(taps)))
    return found


def screens(walks: list[Walk], engine: Engine | None = None) -> dict[str, dict[str, Any]]:
    """What the bot shows after each prefix of taps (keys: the taps joined by '|'; START first)."""
    engine = engine or shipped_engine()
    table: dict[str, dict[str, Any]] = {}
    for walk in walks:
        session, reply = engine.start()
        table[START] = _screen(reply, None)
        for index, data in enumerate(walk.taps, start=1):
            session, reply = _tap(engine, session, data)
            table["|".join(walk.taps[:index])] = _screen(reply, data)
    return table


def write_screens(path: Path, walks: list[Walk]) -> Path:
    path.write_text(json.dumps(screens(walks), ensure_ascii=False), encoding="utf-8")
    return path


def _tap(engine: Engine, session: Session, data: str) -> tuple[Session, Reply]:
    step_id, _, option_id = data.partition(":")
    session, reply = engine.choose(engine.delivered(session, engine.show(session)[1]), step_id, option_id)
    return session, reply


def _screen(reply: Reply, data: str | None) -> dict[str, Any]:
    """One screen: 'toggle' (new buttons on the card), 'card' (the card's new words and buttons) or
    'advice' (the card's last form, then the advice's messages)."""
    messages = render.render(reply)
    step_id, _, option_id = (data or "").partition(":")
    if reply.many and reply.step == step_id and option_id != DONE:
        return {"kind": "toggle", "buttons": render.buttons(reply)}
    if reply.ended:
        return {
            "kind": "advice",
            "record": render.record(reply),
            "messages": [{"html": m.html, "buttons": m.buttons} for m in messages],
        }
    (card,) = messages
    return {"kind": "card", "html": card.html, "buttons": card.buttons}
