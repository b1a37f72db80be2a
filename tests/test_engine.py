"""The engine as a patient meets it: typed and tapped answers, back, restart, stale buttons, edits."""

from __future__ import annotations

import pytest
from dialog_helpers import EXAMPLE, MINIMAL, drop_lines, edit

from bot.dialog.engine import AT_FIRST, CHANGED, FINISHED, STALE, Engine
from bot.dialog.loader import load_dialog, load_dialog_text
from bot.dialog.model import Urgency
from bot.texts import unclear

UNCLEAR = "Sorry, I did not understand. Please type 1 or 2, or the words of an answer."


@pytest.fixture
def example(values):
    return Engine(load_dialog(EXAMPLE), values)


@pytest.fixture
def mini(values):
    return Engine(load_dialog_text(MINIMAL), values)


def walk(engine, *typed):
    """Start a conversation and type each answer; the last session and reply."""
    session, reply = engine.start()
    for text in typed:
        session, reply = engine.answer(session, text)
    return session, reply


# --- Typed answers ------------------------------------------------------------------------------


def test_the_first_reply_is_the_first_step_with_its_options(example):
    session, reply = example.start()
    assert (reply.step, [o.label for o in reply.options]) == ("welcome", ["Start", "Read about the format"])
    assert (session.answers, reply.notice, reply.can_go_back, reply.ended) == ((), None, False, False)


def test_a_typed_number_chooses_that_option(example):
    _, reply = walk(example, "2")
    assert reply.step == "learn"


@pytest.mark.parametrize(
    "typed", ["less than a week", "LESS THAN A WEEK", "Less thán a week!!", "  less, than a week. "]
)
def test_a_typed_label_matches_ignoring_case_accents_punctuation_and_spaces(example, typed):
    _, reply = walk(example, "start", "no", typed)
    assert reply.step == "home"


@pytest.mark.parametrize(
    ("typed", "step"),
    [("y", "call_now"), ("yeah", "call_now"), ("Yes!", "call_now"), ("nope", "how_long"), ("n", "how_long")],
)
def test_yes_and_no_may_be_typed_in_common_ways(example, typed, step):
    _, reply = walk(example, "start", typed)
    assert reply.step == step


@pytest.mark.parametrize("typed", ["maybe", "3", "0", "", "?!", "yes and no"])
def test_an_unclear_answer_gets_a_short_hint_and_the_same_options(example, typed):
    before, question = walk(example, "start")
    before = example.delivered(before, question)
    after, reply = example.answer(before, typed)
    assert after == before
    assert (reply.step, reply.notice) == ("danger", UNCLEAR)
    assert reply.text == ""  # the question is on screen already: not said again
    assert [o.label for o in reply.options] == ["Yes", "No"]


def test_an_unclear_answer_to_a_question_never_delivered_shows_the_question_with_the_hint(example):
    """After a lost reply (or a kill) the patient has not seen the question: a bare hint is a riddle."""
    before, _ = walk(example, "start")
    _, reply = example.answer(before, "?")
    assert (reply.notice, reply.text) == (UNCLEAR, "Do you have trouble breathing right now?")


def test_yes_is_unclear_when_no_option_starts_with_yes(example):
    """'How long have you had it?' has no yes/no answer, so 'yes' must not pick one."""
    session, reply = walk(example, "start", "no", "yes")
    assert (reply.step, reply.notice, len(session.answers)) == ("how_long", UNCLEAR, 2)


# --- Buttons ------------------------------------------------------------------------------------


def test_a_tapped_button_moves_on_and_is_remembered(example):
    session, _ = example.start()
    session, reply = example.choose(session, "welcome", "start")
    assert (reply.step, session.answers, session.step) == ("danger", (("welcome", ("start",)),), "danger")


def test_a_button_from_an_earlier_question_moves_nothing_and_says_where_we_are(example):
    session, _ = walk(example, "start")
    after, reply = example.choose(session, "welcome", "read_about_the_format")
    assert after == session
    assert (reply.step, reply.notice) == ("danger", STALE)


@pytest.mark.parametrize(
    ("step", "option"), [("danger", "maybe"), ("danger", ""), ("nowhere", "yes"), ("", "")]
)
def test_a_forged_button_moves_nothing(example, step, option):
    session, _ = walk(example, "start")
    after, reply = example.choose(session, step, option)
    assert after == session
    assert (reply.step, reply.notice) == ("danger", STALE)


# --- Back and restart ---------------------------------------------------------------------------


def test_back_takes_back_the_last_answer(example):
    session, _ = walk(example, "start", "no")
    session, reply = example.back(session)
    assert (reply.step, session.answers, reply.notice) == ("danger", (("welcome", ("start",)),), None)


def test_back_from_an_outcome_returns_to_the_last_question_and_forgets_its_facts(example):
    session, reply = walk(example, "start", "no", "a week or more")
    assert reply.step == "book"
    session, reply = example.back(session)
    session, reply = example.answer(session, "less than a week")
    assert reply.step == "home"


def test_back_at_the_first_question_says_there_is_nothing_to_go_back_to(example):
    session, _ = example.start()
    after, reply = example.back(session)
    assert after == session
    assert (reply.step, reply.notice) == ("welcome", AT_FIRST)


def test_restart_begins_again_with_no_answers(example):
    session, _ = walk(example, "start", "no")
    session, reply = example.restart()
    assert (reply.step, session.answers, reply.can_go_back) == ("welcome", (), False)


# --- Outcomes -----------------------------------------------------------------------------------


def test_facts_set_by_answers_choose_the_route(mini):
    assert walk(mini, "no", "weeks")[1].outcome.urgency is Urgency.SOON
    assert walk(mini, "no", "a few days")[1].outcome.urgency is Urgency.SELF_CARE


def test_an_outcome_shows_the_advice_first_and_the_teaching_text_after_it(example):
    """The advice, why, when to come back, the contact and the disclaimer; then the topics."""
    _, reply = walk(example, "start", "no", "a week or more")
    assert reply.blocks == (
        "**Book an appointment in the next few days.**",
        "Because you said: it has lasted a week or more.",
        "If you feel worse, or you are not better in a week, call us at +1 555 0100.",
        "Example Clinic: +1 555 0100. Book online: https://clinic.example/book",
        "This is an example. It is not medical advice, and not a diagnosis.",
    )
    assert reply.teaching == (
        "**About this example**\n"
        "Topics hold the teaching text. Outcomes show the topics that match the answers.",
    )
    assert reply.advice == "\n\n".join(reply.blocks)
    assert reply.text == "\n\n".join((*reply.blocks, *reply.teaching))
    assert (reply.outcome.urgency, reply.outcome.topics) == (Urgency.SOON, ("about",))
    assert reply.outcome.reasons == ("it has lasted a week or more",)
    assert (reply.options, reply.ended, reply.can_go_back) == ((), True, True)


def test_an_emergency_outcome_shows_only_the_number_the_reasons_and_the_disclaimer(example):
    """'If you feel worse, call us' or 'book online' would compete with 'call 911 now'."""
    _, reply = walk(example, "start", "yes")
    assert reply.blocks == (
        "**Call 911 now.**",
        "Because you said: you have trouble breathing.",
        "This is an example. It is not medical advice, and not a diagnosis.",
    )
    assert reply.teaching == ()
    assert "book" not in reply.text.lower()
    assert reply.outcome.urgency is Urgency.EMERGENCY


def test_no_because_line_when_no_answer_gave_a_reason(example):
    _, reply = walk(example, "start", "no", "less than a week")
    assert not any(block.startswith("Because you said") for block in reply.blocks)
    assert reply.outcome.reasons == ()


def test_a_topic_with_a_condition_is_shown_only_when_the_facts_match(values):
    """'Not sure' sets no duration, so the topic for short pain is left out."""
    text = edit(
        MINIMAL,
        '      - {label: "Weeks"',
        '      - {label: "Not sure", next: decide}\n      - {label: "Weeks"',
    )
    engine = Engine(load_dialog_text(text), values)
    assert walk(engine, "no", "a few days")[1].outcome.topics == ("rest",)
    assert walk(engine, "no", "not sure")[1].outcome.topics == ()


def test_a_topic_listed_twice_whose_conditions_both_match_is_shown_once(values):
    """Regression: two `{topic, when}` entries for one topic used to show it twice."""
    text = edit(
        MINIMAL,
        "    show: [{topic: rest, when: {duration: short}}]    # 35",
        "    show: [{topic: rest, when: {duration: short}}, {topic: rest, when: {duration: [short, long]}}]",
    )
    engine = Engine(load_dialog_text(text), values)
    assert walk(engine, "no", "a few days")[1].outcome.topics == ("rest",)
    assert walk(engine, "no", "a few days")[1].text.count("**Resting**") == 1


def test_an_outcome_can_replace_the_dialogs_safety_net(values):
    text = edit(
        MINIMAL,
        '    say: "Rest at home."',
        '    say: "Rest at home."\n    safety_net: "Come back in 3 days."',
    )
    _, reply = walk(Engine(load_dialog_text(text), values), "no", "a few days")
    assert reply.blocks[-3:] == ("Come back in 3 days.", "Example Clinic: +1 555 0100", "Not a diagnosis.")


def test_placeholders_are_filled_from_the_clinics_config(values):
    engine = Engine(load_dialog(EXAMPLE), {**values, "emergency_number": "112", "clinic_name": "Health Hub"})
    _, welcome = engine.start()
    assert welcome.text == "Hi! This short example shows how a check works. In an emergency, call 112."
    _, reply = walk(engine, "start", "yes")
    assert reply.blocks[0] == "**Call 112 now.**"
    _, reply = walk(engine, "start", "no", "a week or more")
    assert reply.blocks[3] == "Health Hub: +1 555 0100. Book online: https://clinic.example/book"


def test_why_explains_the_question(example):
    _, reply = walk(example, "start")
    assert reply.why == "Trouble breathing can be an emergency."
    assert example.start()[1].why is None


def test_typing_after_the_outcome_says_the_check_is_finished(example):
    session, _ = walk(example, "start", "yes")
    after, reply = example.answer(session, "no")
    assert after == session
    assert (reply.step, reply.notice, reply.outcome.urgency) == ("call_now", FINISHED, Urgency.EMERGENCY)


def test_a_button_tapped_after_the_outcome_moves_nothing_and_says_the_check_is_finished(example):
    """Regression: it said the button belonged to an earlier question, which misleads after the advice."""
    session, _ = walk(example, "start", "yes")
    after, reply = example.choose(session, "danger", "no")
    assert after == session
    assert (reply.step, reply.notice) == ("call_now", FINISHED)


# --- An edited dialog ---------------------------------------------------------------------------


def test_a_session_continues_on_a_new_version_when_its_answers_still_fit(write_dialog, values):
    """Rewording a question changes the version, but not the answers a patient gave."""
    old = Engine(load_dialog(write_dialog(MINIMAL)), values)
    session, _ = walk(old, "no")
    new = Engine(load_dialog(write_dialog(edit(MINIMAL, "How long have you had it?", "Since when?"))), values)
    assert new.dialog.version != old.dialog.version
    session, reply = new.show(session)
    assert (reply.step, reply.text, reply.notice) == ("how_long", "Since when?", None)
    assert session.version == new.dialog.version
    session, reply = new.answer(session, "weeks")
    assert reply.outcome.urgency is Urgency.SOON


def test_an_answer_that_no_longer_fits_asks_that_question_again_politely(write_dialog, values):
    """The option 'A few days' was replaced, so the patient is taken back to that question."""
    old = Engine(load_dialog(write_dialog(MINIMAL)), values)
    session, reply = walk(old, "no", "a few days")
    assert reply.step == "home"
    edited = edit(MINIMAL, '{label: "A few days"', '{label: "Less than a week"')
    new = Engine(load_dialog(write_dialog(edited)), values)
    session, reply = new.show(session)
    assert (reply.step, reply.notice) == ("how_long", CHANGED)
    assert session.answers == (("first", ("no",)),)
    session, reply = new.answer(session, "less than a week")
    assert (reply.step, reply.notice) == ("home", None)


def test_an_unclear_answer_right_after_an_edit_keeps_the_notice_that_questions_changed(write_dialog, values):
    """Regression: the hint replaced the notice, so the patient never learned why they were asked again."""
    old = Engine(load_dialog(write_dialog(MINIMAL)), values)
    session, _ = walk(old, "no", "a few days")
    new = Engine(
        load_dialog(write_dialog(edit(MINIMAL, '{label: "A few days"', '{label: "Less than a week"'))), values
    )
    session, reply = new.answer(session, "a few days")
    assert reply.step == "how_long"
    assert reply.notice == f"{CHANGED} {UNCLEAR}"


def test_a_button_from_the_old_version_still_works_when_it_fits(write_dialog, values):
    old = Engine(load_dialog(write_dialog(MINIMAL)), values)
    session, _ = walk(old, "no")
    new = Engine(load_dialog(write_dialog(edit(MINIMAL, "Rest at home.", "Rest."))), values)
    session, reply = new.choose(session, "how_long", "a_few_days")
    assert (reply.step, reply.text.split("\n\n")[0]) == ("home", "Rest.")


def test_a_session_whose_question_was_deleted_goes_where_its_answers_now_lead(write_dialog, values):
    old = Engine(load_dialog(write_dialog(MINIMAL)), values)
    session, _ = walk(old, "no", "a few days")
    without_how_long = drop_lines(MINIMAL, 16, 20).replace("next: how_long", "next: decide")
    new = Engine(load_dialog(write_dialog(without_how_long)), values)
    session, reply = new.show(session)
    assert (reply.step, reply.notice, session.answers) == ("home", CHANGED, (("first", ("no",)),))
    session, reply = new.back(session)
    assert (reply.step, reply.notice, session.answers) == ("first", None, ())


def test_back_at_the_start_says_what_to_do_instead() -> None:
    assert AT_FIRST == "There is no answer to change yet: choose one of the answers below to begin."


def test_an_unclear_answer_to_a_longer_list_names_the_range() -> None:
    assert (
        unclear(5)
        == "Sorry, I did not understand. Please type a number from 1 to 5, or the words of an answer."
    )
    assert unclear(1) == "Sorry, I did not understand. Please type 1, or the words of the answer."


def test_a_new_check_starts_with_the_title_and_the_disclaimer_for_every_front_end(example):
    """The engine's start reply carries the welcome, so Telegram, the terminal and scripts show the same."""
    session, reply = example.start()
    assert reply.welcome == (
        "**Example check (a format demo)**\n"
        "This is an example. It is not medical advice, and not a diagnosis."
    )
    assert example.restart()[1].welcome == reply.welcome
    assert example.show(session)[1].welcome is None  # only a new check is welcomed
    assert example.answer(session, "1")[1].welcome is None
