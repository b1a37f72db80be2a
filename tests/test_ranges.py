"""Range answers: an age or a duration typed as a number maps to the option whose range holds it."""

from __future__ import annotations

import pytest
from dialog_helpers import MINIMAL, edit

from bot.dialog.engine import ANSWER, UNCLEAR, Engine, Session
from bot.dialog.loader import load_dialog_text
from bot.problems import DialogError

DAYS = edit(
    edit(
        MINIMAL,
        '      - {label: "A few days", set: {duration: short}, next: decide}     # 19\n',
        '      - {label: "Less than a week", range: [0, 6], unit: days, set: {duration: short},'
        " next: decide}\n",
    ),
    '      - {label: "Weeks", set: {duration: long}, because: "it has lasted weeks", next: decide}   # 20\n',
    '      - {label: "A week or more", range: [7, 36500], unit: days, set: {duration: long}, next: decide}\n',
)
AGE = edit(
    MINIMAL,
    '      - {label: "Yes", red_flag: urgent, next: doctor}   # 14\n'
    '      - {label: "No", next: how_long}                 # 15\n',
    '      - {label: "Under 16", range: [0, 15], unit: years, red_flag: urgent, next: doctor}\n'
    '      - {label: "16 to 19", range: [16, 19], unit: years, next: how_long}\n'
    '      - {label: "20 to 49", range: [20, 49], unit: years, next: how_long}\n'
    '      - {label: "50 or older", range: [50, 130], unit: years, next: how_long}\n',
)


def _engine(text: str, values: dict[str, str]) -> Engine:
    return Engine(load_dialog_text(text, "t.yaml"), values)


def _at_how_long(engine: Engine) -> Session:
    session, _ = engine.start()
    return engine.answer(session, "no")[0]


@pytest.mark.parametrize("typed", ["45", "I'm 45", "im 45", "45 years", "45 years old", "about 45"])
def test_an_age_typed_picks_the_range_that_holds_it(values, typed):
    engine = _engine(AGE, values)
    understood = engine.interpret(engine.start()[0], typed)
    assert (understood.command, understood.ids) == (ANSWER, ("n_20_to_49",))


@pytest.mark.parametrize(
    ("typed", "option"),
    [
        ("2 weeks", "a_week_or_more"),
        ("3 days", "less_than_a_week"),
        ("since yesterday", "less_than_a_week"),
        ("about a month", "a_week_or_more"),
        ("10 days", "a_week_or_more"),
        ("a week", "a_week_or_more"),
    ],
)
def test_a_duration_typed_picks_the_range_that_holds_it(values, typed, option):
    engine = _engine(DAYS, values)
    understood = engine.interpret(_at_how_long(engine), typed)
    assert (understood.command, understood.ids) == (ANSWER, (option,))


def test_a_bare_number_that_could_be_an_option_number_asks_which_is_meant(values):
    engine = _engine(DAYS, values)
    understood = engine.interpret(_at_how_long(engine), "2")
    assert understood.command == UNCLEAR
    assert understood.notice == (
        "Did you mean 2 days ('Less than a week') or option 2 ('A week or more')? Please tap the answer."
    )


def test_a_number_in_no_range_is_unclear(values):
    engine = _engine(AGE, values)
    assert engine.interpret(engine.start()[0], "200").command == UNCLEAR


def test_a_range_needs_its_unit_and_a_low_end_not_above_the_high_end():
    with pytest.raises(DialogError, match="unit"):
        load_dialog_text(AGE.replace(", unit: years, red_flag", ", red_flag"), "t.yaml")
    with pytest.raises(DialogError, match="range"):
        load_dialog_text(AGE.replace("range: [16, 19]", "range: [19, 16]"), "t.yaml")


def test_ranges_of_one_question_may_not_overlap_or_mix_units():
    with pytest.raises(DialogError, match="overlaps"):
        load_dialog_text(AGE.replace("range: [16, 19]", "range: [15, 19]"), "t.yaml")
    with pytest.raises(DialogError, match="one unit"):
        load_dialog_text(AGE.replace("range: [16, 19], unit: years", "range: [16, 19], unit: days"), "t.yaml")
