"""The engine, the proof and the outcome table agree, because they share one routing rule.

The outcome table and the proof work on sets of answers (`bot/dialog/reach.py`); the engine moves one
session through its `transitions` machine. Here real conversations through the engine, every one of a
small dialog and thousands of random ones of large dialogs, must end where the table says their answers
lead, at a level no lower than any red flag they passed.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from dialog_helpers import DIALOGS, EXAMPLE, TICKS, engine_paths
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.dialog.engine import Engine, Reply, Session
from bot.dialog.loader import load_dialog_text
from bot.dialog.model import DONE, Dialog, Urgency
from bot.dialog.reach import Space, assignment_of
from bot.dialog.review import Cell, cells
from bot.dialog.text import worst_case_values

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.big_dialog import generate
from bench.proof_scaling import questions, tick_list

DIALOG_TEXTS = {
    "upper-back-pain": (DIALOGS / "upper-back-pain.yaml").read_text(encoding="utf-8"),
    "example": EXAMPLE.read_text(encoding="utf-8"),
    "ticks": TICKS,
    "40 questions": questions(40),
    "20-item tick list": tick_list(20),
    "generated 150 steps": generate(150),
}


class Table:
    """A dialog's engine and the outcome table's sets, built once per dialog."""

    def __init__(self, dialog: Dialog) -> None:
        self.engine = Engine(dialog, worst_case_values())
        self.space = Space({"": dialog})
        self.cells: list[Cell] = cells(self.space, dialog)

    def where(self, session: Session) -> list[tuple[str, Urgency, tuple[str, ...]]]:
        """Every (outcome, level, topics) the table gives these answers."""
        answers = assignment_of(self.space, session.answers)
        return [
            (c.outcome, c.urgency, c.topics)
            for c in self.cells
            if c.answers & answers != self.space.bdd.false
        ]


TABLES = {name: Table(load_dialog_text(text, f"{name}.yaml")) for name, text in DIALOG_TEXTS.items()}


def _strongest_flag(engine: Engine, session: Session) -> Urgency:
    steps = engine.dialog.steps
    flags = [
        option.red_flag
        for step_id, ids in session.answers
        for option_id in ids
        if (option := steps[step_id].option(option_id)) is not None and option.red_flag is not None
    ]
    return max(flags, default=Urgency.SELF_CARE)


def _agrees(table: Table, session: Session, reply: Reply) -> None:
    assert reply.outcome is not None
    assert table.where(session) == [(reply.step, reply.outcome.urgency, reply.outcome.topics)], session
    assert reply.outcome.urgency >= _strongest_flag(table.engine, session), session


@pytest.mark.parametrize("name", ["example", "ticks"])
def test_every_path_through_the_engine_ends_where_the_table_says(name):
    """Small dialogs, every path; the shipped one (tick lists: millions of paths) by random walks below."""
    table = TABLES[name]
    paths = engine_paths(table.engine)
    assert paths
    for answers, reply in paths:
        session = Session(table.engine.dialog.id, table.engine.dialog.version, answers, reply.step)
        _agrees(table, session, reply)


@st.composite
def walks(draw: st.DrawFn, name: str) -> tuple[Session, Reply]:
    """A random conversation through the real engine: taps, tick sets, an occasional 'back'."""
    engine = TABLES[name].engine
    session, reply = engine.start()
    for _ in range(400):
        if reply.ended:
            break
        step = engine.dialog.steps[session.step]
        if session.answers and draw(st.integers(0, 9)) == 0:
            session, reply = engine.back(session)
            continue
        if step.many:
            items = draw(st.lists(st.sampled_from([o.id for o in step.options]), max_size=6))
            for item in items:
                session, reply = engine.choose(session, step.id, item)
            session, reply = engine.choose(session, step.id, DONE)
        else:
            option = draw(st.sampled_from(step.options))
            session, reply = engine.choose(session, step.id, option.id)
    return session, reply


@pytest.mark.parametrize("name", list(DIALOG_TEXTS))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_walks_through_the_engine_end_where_the_table_says(name, data):
    session, reply = data.draw(walks(name))
    if reply.ended:  # a walk of many taps on a menu may not finish; nothing to compare then
        _agrees(TABLES[name], session, reply)


def test_seeded_walks_of_the_shipped_dialog_agree_with_the_table_and_reach_every_outcome():
    """The shipped dialog's tick lists give it millions of paths: 3,000 seeded random conversations (at a
    tick list, "None of these" half of the time, else one to three items) must agree with its outcome
    table, and together reach every one of its outcomes, so that the comparison covers the whole table."""
    table = TABLES["upper-back-pain"]
    engine = table.engine
    outcomes = {s.id for s in engine.dialog.steps.values() if s.urgency is not None}
    rng = random.Random(11)
    reached: set[str] = set()
    for _ in range(3_000):
        session, reply = engine.start()
        while not reply.ended:
            step = engine.dialog.steps[session.step]
            if step.many:
                items = [o.id for o in step.options if not o.none]
                nothing = [o.id for o in step.options if o.none]
                chosen = (
                    nothing if rng.random() < 0.5 else rng.sample(items, rng.randint(1, min(3, len(items))))
                )
                for item in chosen:
                    session, reply = engine.choose(session, step.id, item)
                session, reply = engine.choose(session, step.id, DONE)
            else:
                session, reply = engine.choose(session, step.id, rng.choice(step.options).id)
        _agrees(table, session, reply)
        reached.add(reply.step)
    assert reached == outcomes
