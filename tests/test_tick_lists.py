"""Tick-all-that-apply questions: as a patient ticks, types and goes back; as an admin writes them; as the
proof, the outcome table and the scenarios see them."""

from __future__ import annotations

import csv
import io

import pytest
from dialog_helpers import TICKS, edit, refusal

from bot.dialog.engine import STALE, TICK_FIRST, Engine, Session
from bot.dialog.loader import load_dialog_text
from bot.dialog.model import DONE, Urgency
from bot.dialog.review import outcome_table
from bot.dialog.safety import prove
from bot.problems import DialogError
from bot.scenarios import Scenario, record, run_scenario
from bot.store.contract import decode_session, encode_answers

NONE_LINE = '      - {id: none, label: "None of these", none: true}\n'


@pytest.fixture
def engine(values) -> Engine:
    return Engine(load_dialog_text(TICKS, "ticks.yaml"), values)


def tap(engine: Engine, *option_ids: str) -> tuple[Session, object]:
    session, reply = engine.start()
    for option_id in option_ids:
        session, reply = engine.choose(session, "signs", option_id)
    return session, reply


# --- Tapping ------------------------------------------------------------------------------------


def test_a_tap_ticks_an_item_and_stays_on_the_question(engine):
    session, reply = tap(engine, "fever")
    assert (reply.step, reply.many, reply.ticked, session.answers) == ("signs", True, ("fever",), ())


def test_a_second_tap_unticks_it(engine):
    _, reply = tap(engine, "fever", "cancer", "fever")
    assert reply.ticked == ("cancer",)


def test_ticks_are_kept_in_the_order_of_the_list_whatever_the_order_of_taps(engine):
    _, reply = tap(engine, "legs", "fever")
    assert reply.ticked == ("fever", "legs")


def test_none_of_these_clears_the_other_ticks_and_any_item_clears_none(engine):
    _, reply = tap(engine, "fever", "legs", "none")
    assert reply.ticked == ("none",)
    _, reply = tap(engine, "none", "cancer")
    assert reply.ticked == ("cancer",)


def test_done_answers_with_every_ticked_item_and_their_reasons(engine):
    session, reply = tap(engine, "cancer", "legs", DONE)
    assert session.answers == (("signs", ("cancer", "legs")),)
    assert reply.outcome is not None
    assert (reply.step, reply.outcome.urgency) == ("call_now", Urgency.EMERGENCY)
    assert reply.outcome.reasons == ("you have had cancer", "your legs are weak")


def test_done_with_nothing_ticked_asks_for_a_tick_and_moves_nothing(engine):
    session, reply = tap(engine, DONE)
    assert (reply.step, reply.notice, session.answers) == ("signs", TICK_FIRST, ())


def test_a_stale_toggle_from_another_question_changes_nothing(engine):
    """A forged or old 'signs:fever' tapped while the check is elsewhere never ticks anything."""
    session, _ = tap(engine, "none", DONE)  # the check is finished at 'home'
    after, reply = engine.choose(session, "signs", "fever")
    assert after == session
    assert reply.step == "home"


def test_a_toggle_naming_an_item_that_does_not_exist_changes_nothing(engine):
    session, _ = tap(engine, "fever")
    after, reply = engine.choose(session, "signs", "made_up")
    assert (after, reply.notice) == (session, STALE)


# --- Typing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "outcome"),
    [
        ("2 3", "call_now"),
        ("2, 3", "call_now"),
        ("2 and 3", "call_now"),
        ("Cancer, now or before; weak legs", "call_now"),
        ("cancer now or before and weak legs", "call_now"),
        ("1", "doctor"),
        ("a fever", "doctor"),
        ("none", "home"),
        ("no", "home"),
        ("None of these", "home"),
        ("4", "home"),
    ],
)
def test_typed_items_answer_the_whole_list(engine, typed, outcome):
    session, _ = engine.start()
    _, reply = engine.answer(session, typed)
    assert reply.step == outcome


@pytest.mark.parametrize("typed", ["1 9", "0", "maybe", "1 4", "fever and maybe"])
def test_an_unclear_typed_list_asks_again_and_keeps_the_ticks(engine, typed):
    session, _ = tap(engine, "legs")
    after, reply = engine.answer(session, typed)
    assert after == session
    assert reply.step == "signs"
    assert reply.notice is not None
    assert "type the numbers of all that apply" in reply.notice


def test_typed_items_are_added_to_the_ones_tapped(engine):
    session, _ = tap(engine, "legs")
    _, reply = engine.answer(session, "2")
    assert reply.step == "call_now"  # cancer and weak legs together


# --- Back, and being stored ---------------------------------------------------------------------


def test_back_to_a_tick_list_shows_the_items_ticked_as_they_were(engine):
    session, _ = tap(engine, "fever", "legs", DONE)
    session, reply = engine.back(session)
    assert (reply.step, reply.ticked, session.ticked, session.answers) == (
        "signs",
        ("fever", "legs"),
        ("fever", "legs"),
        (),
    )


def test_ticks_in_progress_and_tick_answers_survive_the_store_encoding(engine):
    ticking, _ = tap(engine, "fever", "legs")
    answered = Session("ticks", "v", (("signs", ("fever", "legs")),), "doctor")
    for session in (ticking, answered):
        stored = encode_answers(session)
        assert decode_session(session.dialog_id, session.version, stored, session.step) == session


def test_rows_stored_before_tick_lists_read_as_before():
    session = decode_session("example", "v", '[["welcome","start"],["danger","no"]]', "how_long")
    assert session.answers == (("welcome", ("start",)), ("danger", ("no",)))
    assert session.ticked == ()


# --- The admin's file ---------------------------------------------------------------------------


def test_a_tick_list_without_none_of_these_is_refused(write_dialog):
    path = write_dialog(edit(TICKS, NONE_LINE, ""), "ticks")
    assert refusal(path) == (
        f"{path}:13: step 'signs': a tick list needs exactly one 'None of these' item with 'none: true', "
        "so that patients say so rather than tap Done on an empty list (found 0)"
    )


def test_an_item_with_its_own_next_is_refused_with_the_way_to_route(write_dialog):
    path = write_dialog(edit(TICKS, 'label: "A fever",', 'label: "A fever", next: home,'), "ticks")
    assert refusal(path) == (
        f"{path}:17: step 'signs', option 1: in a tick list every answer goes on to the step's 'next'; "
        "remove this 'next' (to route by what is ticked, set facts and add a route step)"
    )


def test_a_tick_list_needs_a_next(write_dialog):
    path = write_dialog(edit(TICKS, "    next: decide\n", ""), "ticks")
    assert (
        refusal(path)
        == f"{path}:14: step 'signs': a tick list needs 'next': the step that follows, whatever is ticked"
    )


def test_items_that_can_be_ticked_together_may_not_set_one_fact_two_ways(write_dialog):
    text = edit(TICKS, '  fever: ["yes"]\n', '  fever: ["yes", "no"]\n')
    path = write_dialog(edit(text, 'set: {legs: "yes"}', 'set: {legs: "yes", fever: "no"}'), "ticks")
    assert refusal(path) == (
        f"{path}:19: step 'signs', option 'Weak legs': sets fever to 'no', but 'A fever' sets it to 'yes', "
        "and both can be ticked; give each item its own fact"
    )


def test_a_tick_list_without_pick_many_is_told_once(write_dialog):
    path = write_dialog(edit(TICKS, "    pick: many\n", ""), "ticks")
    assert refusal(path) == (
        f"{path}:14: step 'signs': 'next' belongs to tick lists; add 'pick: many' for one, or give each "
        "option its own 'next'"
    )


def test_none_belongs_to_tick_lists_only(write_dialog):
    text = edit(TICKS, "    pick: many\n    next: decide\n", "")
    for label in ('"A fever",', '"Cancer, now or before",', '"Weak legs",'):
        text = edit(text, f"label: {label}", f"label: {label} next: decide,")
    path = write_dialog(edit(text, "none: true}", "none: true, next: home}"), "ticks")
    assert refusal(path) == (
        f"{path}:18: step 'signs', option 4: 'none' belongs to tick lists (pick: many); remove it"
    )


def test_an_unknown_pick_is_refused(write_dialog):
    path = write_dialog(edit(TICKS, "pick: many", "pick: all"), "ticks")
    assert refusal(path) == (
        f"{path}:14: step 'signs': pick 'all' is not known; use 'many' for a tick-all-that-apply list, "
        "or leave it out for one answer"
    )


# --- The proof, the table, scenarios ------------------------------------------------------------


def test_the_proof_checks_every_combination_of_ticks(write_dialog):
    """Fever is urgent; a rule before the fever rule sends fever + weak legs to 'book': a breach."""
    broken = edit(
        TICKS,
        '      - {when: {fever: "yes"}, next: doctor}\n',
        '      - {when: {fever: "yes", legs: "yes"}, next: book}\n'
        '      - {when: {fever: "yes"}, next: doctor}\n',
    )
    path = write_dialog(broken, "ticks")
    assert refusal(path) == (
        f"{path}:17: step 'signs': the red-flag answer 'A fever' can end at 'book' (soon), below its level "
        "urgent: signs: A fever + Weak legs -> decide -> book; send this path to an outcome of level urgent "
        "or above"
    )


def test_the_strongest_ticked_red_flag_is_the_promise():
    """Weak legs alone promise 'soon' and get it; ticked with a fever, the urgent promise holds."""
    assert prove(load_dialog_text(TICKS, "ticks.yaml")) == []
    weaker = edit(TICKS, "red_flag: soon", "red_flag: emergency")  # weak legs alone end at 'book'
    with pytest.raises(
        DialogError, match=r"the red-flag answer 'Weak legs' can end at 'book' \(soon\), below"
    ):
        load_dialog_text(weaker, "ticks.yaml")


def test_the_outcome_table_shows_which_items_decide(engine):
    rows = list(csv.DictReader(io.StringIO(outcome_table(engine.dialog, "csv"))))
    assert [(r["outcome"], r["answers"]) for r in rows] == [
        ("call_now", "signs: ticked Cancer, now or before; ticked Weak legs"),
        ("doctor", "signs: ticked A fever; not ticked Cancer, now or before"),
        ("doctor", "signs: ticked A fever; ticked Cancer, now or before; not ticked Weak legs"),
        ("book", "signs: not ticked A fever; not ticked Cancer, now or before; ticked Weak legs"),
        ("home", "signs: not ticked A fever; not ticked Weak legs"),
    ]


def test_a_scenario_answers_a_tick_list_with_a_list_of_labels(engine):
    scenario = Scenario(
        "s.yaml",
        3,
        "cancer and legs",
        "ticks",
        (("Cancer, now or before", "Weak legs"),),
        Urgency.EMERGENCY,
        "call_now",
        None,
    )
    assert run_scenario(engine, scenario).failure is None
    wrong = Scenario("s.yaml", 3, "fever only", "ticks", (("A fever",),), Urgency.SELF_CARE, None, None)
    assert run_scenario(engine, wrong).failure == "expected level self_care, got urgent"


def test_a_recorded_tick_answer_is_a_list_that_runs_again(engine, tmp_path):
    session, reply = tap(engine, "fever", "legs", DONE)
    path = tmp_path / "recorded.yaml"
    record(path, engine, session, reply)
    assert '    answers: [["A fever", "Weak legs"]]\n' in path.read_text(encoding="utf-8")
