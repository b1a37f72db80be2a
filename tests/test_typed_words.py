"""What patients type, understood conservatively: a wrong guess in triage is worse than asking again."""

from __future__ import annotations

import pytest
from dialog_helpers import DIALOGS, EXAMPLE, MINIMAL, TICKS, edit

from bot.dialog.engine import ANSWER, UNCLEAR, Engine, Session
from bot.dialog.loader import load_dialog, load_dialog_text
from bot.render import SHOW, buttons

NONE_OF_THESE = edit(
    MINIMAL,
    '      - {label: "No", next: how_long}                 # 15\n',
    '      - {label: "None of these", next: how_long}\n',
)
TWO_YESES = edit(
    MINIMAL,
    '      - {label: "Yes", red_flag: urgent, next: doctor}   # 14\n',
    '      - {label: "Yes, all the time", red_flag: urgent, next: doctor}\n'
    '      - {label: "Yes, now and then", red_flag: urgent, next: doctor}\n',
)


def _at_start(text: str, values: dict[str, str]) -> tuple[Engine, Session]:
    engine = Engine(load_dialog_text(text, "t.yaml"), values)
    return engine, engine.start()[0]


NEGATIVES = ["no", "None", "nothing", "neither", "nope", "none of them", "Nope."]


@pytest.mark.parametrize("typed", NEGATIVES)
def test_a_negative_picks_the_none_of_these_answer(values, typed):
    engine, session = _at_start(NONE_OF_THESE, values)
    understood = engine.interpret(session, typed)
    assert (understood.command, understood.ids) == (ANSWER, ("none_of_these",))


@pytest.mark.parametrize("typed", NEGATIVES)
def test_a_negative_ticks_none_of_these_in_a_tick_list(values, typed):
    engine, session = _at_start(TICKS, values)
    assert engine.interpret(session, typed).ids == ("none",)


@pytest.mark.parametrize("typed", NEGATIVES)
def test_a_negative_picks_no(values, typed):
    engine, session = _at_start(MINIMAL, values)
    assert engine.interpret(session, typed).ids == ("no",)


def test_a_close_misspelling_asks_did_you_mean_and_picks_nothing(values):
    engine = Engine(load_dialog(EXAMPLE), values)
    session, _ = engine.start()
    session, _ = engine.answer(session, "2")  # Read about the format
    moved, reply = engine.answer(session, "strat the chek")
    assert moved.answers == session.answers
    assert reply.notice == "Did you mean 'Start the check'? If so, type 1."
    assert [o.label for o in reply.options] == ["Start the check"]  # the buttons stay


def test_an_ambiguous_yes_says_which_options_it_could_mean(values):
    engine, session = _at_start(TWO_YESES, values)
    understood = engine.interpret(session, "yeah")
    assert understood.command == UNCLEAR
    assert understood.notice == (
        "'Yes' could mean 'Yes, all the time' (1) or 'Yes, now and then' (2). Please type its number."
    )


def test_a_refusal_says_briefly_what_to_type_without_the_question_and_keeps_the_buttons(values):
    engine, session = _at_start(MINIMAL, values)
    session = engine.delivered(session, engine.show(session)[1])
    moved, reply = engine.answer(session, "purple")
    assert moved == session
    assert reply.notice == "Sorry, I did not understand. Please type 1 or 2, or the words of an answer."
    assert "Is the pain very bad?" not in reply.text
    assert [o.label for o in reply.options] == ["Yes", "No"]


def test_nothing_far_from_every_label_is_guessed(values):
    engine, session = _at_start(MINIMAL, values)
    assert engine.interpret(session, "stiff").command == UNCLEAR
    assert engine.interpret(session, "maybe").command == UNCLEAR


def test_a_misspelling_is_offered_with_yes_and_no_buttons_never_picked(values):
    """'strat the chek' at the welcome: 'Did you mean ...?' with a Yes button that answers with it, and No."""
    engine = Engine(load_dialog(DIALOGS / "upper-back-pain.yaml"), values)
    session, _ = engine.start()
    after, reply = engine.answer(engine.delivered(session, engine.start()[1]), "strat the chek fr me")
    assert after.answers == ()
    assert reply.suggested is not None
    assert reply.notice == f"Did you mean '{reply.suggested.label}'? If so, type 1."
    yes, no = buttons(reply)[0]
    assert (yes, no) == ((f"Yes: {reply.suggested.label}", f"welcome:{reply.suggested.id}"), ("No", SHOW))
    moved, _ = engine.choose(after, "welcome", reply.suggested.id)
    assert moved.answers == (("welcome", (reply.suggested.id,)),)
