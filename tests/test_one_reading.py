"""Every front end reads a typed text the same way: the engine's `interpret` is the one policy."""

from __future__ import annotations

from pathlib import Path

from dialog_helpers import MINIMAL, edit

from bot import preview
from bot.conversations import Conversations
from bot.dialog.engine import ANSWER, BACK, Engine
from bot.dialog.loader import load_dialog_text
from bot.dialog.model import Urgency
from bot.scenarios import Scenario, run_scenario
from bot.store import SqliteStore

# how_long gets an option whose words are also a command.
GO_BACK = edit(
    MINIMAL,
    '      - {label: "A few days", set: {duration: short}, next: decide}     # 19\n',
    '      - {label: "A few days", set: {duration: short}, next: decide}     # 19\n'
    '      - {label: "Go back", set: {duration: short}, next: decide}\n',
)
TRANSCRIPT = ("2", "Go back")  # No; then the option "Go back", not the back command


def _engine(values: dict[str, str]) -> Engine:
    return Engine(load_dialog_text(GO_BACK, "mini.yaml"), values)


def test_the_words_of_an_option_on_screen_are_that_answer_and_otherwise_a_command(values):
    engine = _engine(values)
    session, _ = engine.start()
    assert engine.interpret(session, "go back").command == BACK  # no option says so at the first question
    session, _ = engine.answer(session, "2")
    understood = engine.interpret(session, "Go back")
    assert (understood.command, understood.ids) == (ANSWER, ("go_back",))


async def test_terminal_scenarios_and_telegram_reach_the_same_answers_and_advice(values, tmp_path: Path):
    engine = _engine(values)
    session, reply = engine.start()
    terminal = []
    for line in TRANSCRIPT:
        result = preview.command(engine, session, line)
        assert result is not None
        session, reply = result
        terminal.append(reply.step)

    conversations = Conversations(lambda: engine, SqliteStore(str(tmp_path / "s.sqlite3")))
    shown = await conversations.start(1)
    await conversations.delivered(1, shown)
    telegram = []
    for line in TRANSCRIPT:
        shown = await conversations.text(1, line)
        await conversations.delivered(1, shown)
        telegram.append(shown.step)

    scenario = Scenario(
        "s.yaml", 1, "go back is an answer", "mini", TRANSCRIPT, Urgency.SELF_CARE, "home", None
    )
    assert run_scenario(engine, scenario).failure is None
    assert terminal == telegram == ["how_long", "home"]
    stored = await SqliteStore(str(tmp_path / "s.sqlite3")).load(1)
    assert stored is not None
    assert stored.answers == session.answers == (("first", ("no",)), ("how_long", ("go_back",)))
