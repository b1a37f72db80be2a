"""A typed answer means the question the patient saw, the one stored as shown, not where the session is."""

from __future__ import annotations

from dialog_helpers import MINIMAL, edit

from bot.dialog.engine import CHANGED, LATE, Engine, Session, Shown
from bot.dialog.loader import load_dialog_text
from bot.store.contract import decode_session, encode_answers

# A dialog where how_long has three options, and the edits an admin may publish while patients answer.
THREE = edit(
    MINIMAL,
    '      - {label: "Weeks", set: {duration: long}, because: "it has lasted weeks", next: decide}   # 20\n',
    '      - {label: "Weeks", set: {duration: long}, because: "it has lasted weeks", next: decide}   # 20\n'
    '      - {label: "Months", set: {duration: long}, because: "it has lasted months", next: decide}\n',
)
WITHOUT_FEW_DAYS = edit(
    THREE, '      - {label: "A few days", set: {duration: short}, next: decide}     # 19\n', ""
)


def _engine(text: str, values: dict[str, str]) -> Engine:
    return Engine(load_dialog_text(text, "mini.yaml"), values)


def _at_how_long(engine: Engine) -> Session:
    """A patient who answered No and has the how_long question on screen."""
    session, reply = engine.start()
    session, reply = engine.answer(engine.delivered(session, reply), "2")
    assert reply.step == "how_long"
    return engine.delivered(session, reply)


def test_a_number_typed_again_after_the_next_question_was_lost_shows_that_question(values):
    engine = _engine(MINIMAL, values)
    session, reply = engine.start()
    shown = engine.delivered(session, reply)
    moved, reply = engine.answer(shown, "2")  # "No"; this reply never reaches the patient
    again, reply = engine.answer(moved, "2")  # typed again: meant for "Is the pain very bad?"
    assert again.answers == moved.answers == (("first", ("no",)),)
    assert reply.step == "how_long"
    assert reply.notice == LATE
    delivered = engine.delivered(again, reply)
    _, reply = engine.answer(delivered, "2")  # now the patient has seen it: the number answers it
    assert reply.ended


def test_a_number_is_read_against_the_list_the_patient_saw_after_an_option_was_removed(values):
    old = _engine(THREE, values)
    session = _at_how_long(old)  # on screen: 1 A few days, 2 Weeks, 3 Months
    new = _engine(WITHOUT_FEW_DAYS, values)  # now: 1 Weeks, 2 Months
    moved, reply = new.answer(session, "2")
    assert moved.answers[-1] == ("how_long", ("weeks",))
    assert "it has lasted weeks" in reply.text


def test_a_number_of_an_option_that_no_longer_exists_gets_the_changed_notice_and_the_new_question(values):
    session = _at_how_long(_engine(THREE, values))
    new = _engine(WITHOUT_FEW_DAYS, values)
    moved, reply = new.answer(session, "1")  # "A few days", gone
    assert len(moved.answers) == 1
    assert reply.step == "how_long"
    assert reply.notice == CHANGED
    assert [o.label for o in reply.options] == ["Weeks", "Months"]


def test_a_number_typed_at_a_step_that_was_removed_is_not_applied_to_what_comes_instead(values):
    session = _at_how_long(_engine(MINIMAL, values))
    no_how_long = edit(
        MINIMAL,
        '      - {label: "No", next: how_long}                 # 15\n',
        '      - {label: "No", next: decide}\n',
    )
    no_how_long = no_how_long.replace(
        no_how_long[no_how_long.index("  how_long:") : no_how_long.index("  decide:")], ""
    )
    new = _engine(no_how_long, values)
    moved, reply = new.answer(session, "2")
    assert moved.answers == (("first", ("no",)),)
    assert reply.notice == CHANGED


def test_the_question_on_screen_is_stored_with_the_session_and_old_rows_still_read():
    session = Session(
        "mini", "v1", (("first", ("no",)),), "how_long", shown=Shown("first", "v1", ("yes", "no"), 7)
    )
    stored = encode_answers(session)
    assert decode_session("mini", "v1", stored, "how_long") == session
    old = decode_session("mini", "v1", '[["first","no"]]', "how_long")
    assert old.shown is None
