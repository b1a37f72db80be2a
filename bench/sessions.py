"""Conversations as patients make them: random walks through a dialog by tapping its buttons."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

from bot.config import load_config
from bot.dialog.engine import DONE, Engine, Session
from bot.dialog.loader import load_dialog
from bot.dialog.model import StepKind

ROOT = Path(__file__).resolve().parent.parent
DIALOGS = ROOT / "dialogs"


def shipped_dialog() -> Path:
    """The clinic's dialog if it is there, else the format example."""
    main = DIALOGS / "upper-back-pain.yaml"
    return main if main.is_file() else DIALOGS / "example.yaml"


def engine_for(path: Path) -> Engine:
    """An engine with the placeholder values of the embedded default config."""
    return Engine(load_dialog(path), load_config(None, environ={}).clinic.placeholders())


def random_session(engine: Engine, rng: random.Random) -> Session:
    """One conversation, tapped through from the start to an outcome (a finished check)."""
    session, _reply = engine.start()
    steps = engine.dialog.steps
    while steps[session.step].kind is not StepKind.OUTCOME:
        step = steps[session.step]
        option = step.options[rng.randrange(len(step.options))]
        session, _reply = engine.choose(session, step.id, option.id)
        if step.many:  # a tick list: one item ticked, then Done
            session, _reply = engine.choose(session, step.id, DONE)
    return session


def random_sessions(engine: Engine, count: int, seed: int = 1) -> Iterator[Session]:
    """`count` finished conversations, made one at a time so that none need be kept."""
    rng = random.Random(seed)
    for _ in range(count):
        yield random_session(engine, rng)
