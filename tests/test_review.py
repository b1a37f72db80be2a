"""The clinician's views: the outcome table to sign off, and what an edit changes for patients."""

from __future__ import annotations

import csv
import io
from functools import reduce

from dialog_helpers import DIALOGS, MINIMAL, TICKS, edit, engine_paths

from bot.cli import main
from bot.dialog.engine import Engine
from bot.dialog.loader import load_dialog, load_dialog_text
from bot.dialog.reach import Space
from bot.dialog.review import cells, describe, diff, merged_rows, outcome_table
from bot.dialog.text import worst_case_values


def test_every_path_of_the_small_dialog_is_a_row_with_its_answers_and_topics() -> None:
    table = outcome_table(load_dialog_text(MINIMAL), "csv")
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [(r["level"], r["outcome"], r["answers"], r["topics"]) for r in rows] == [
        ("urgent: see a doctor today", "doctor", "first: Yes", ""),
        ("soon: book an appointment", "book", "first: No -> how_long: Weeks", "rest"),
        ("self-care at home", "home", "first: No -> how_long: A few days", "rest"),
    ]


def test_answers_that_do_not_change_the_advice_share_one_row() -> None:
    """Both durations end at 'book' here, so the row says only 'first: No': how long does not decide."""
    both = "{when: {duration: [short, long]}, next: book}"
    dialog = load_dialog_text(edit(MINIMAL, "{when: {duration: long}, next: book}", both))
    rows = merged_rows(dialog)
    assert len(engine_paths(Engine(dialog, worst_case_values()))) == 3
    assert len(rows) == 2
    assert "| 2 | soon: book an appointment | book | first: No | rest |" in outcome_table(dialog)


def test_answers_that_share_a_row_are_joined_by_an_escaped_bar() -> None:
    """Some but not all answers of a question lead the same way: 'a | b' (escaped in a Markdown cell)."""
    table = outcome_table(load_dialog(DIALOGS / "upper-back-pain.yaml"))
    assert "age: 16 to 19 \\| 20 to 49" in table
    assert "questions a row does not name do not change its advice" in table


def test_a_tick_list_row_names_only_the_ticks_that_decide_it() -> None:
    """'None of these' cannot be ticked with a fever, so a row for the fever need not say so."""
    dialog = load_dialog_text(TICKS)
    rows = [
        describe(dialog, answers) for outcome, _topics, answers in merged_rows(dialog) if outcome == "doctor"
    ]
    assert rows == [
        "signs: ticked A fever; not ticked Cancer, now or before",
        "signs: ticked A fever; ticked Cancer, now or before; not ticked Weak legs",
    ]


def test_the_shipped_dialog_table_stays_short_enough_to_sign() -> None:
    """Millions of ways through its tick lists, a few hundred rows: an unused tick list is left out."""
    dialog = load_dialog(DIALOGS / "upper-back-pain.yaml")
    space = Space({"": dialog})
    paths = space.count(reduce(lambda a, b: a | b, (c.answers for c in cells(space, dialog))))
    rows = merged_rows(dialog)
    assert paths > 1_000_000
    assert len(rows) < 400
    reached = {outcome for outcome, _topics, _answers in rows}
    assert reached == {s.id for s in dialog.steps.values() if s.urgency is not None}


def test_diff_reports_a_path_whose_advice_became_less_urgent() -> None:
    old = load_dialog_text(MINIMAL)
    new = load_dialog_text(edit(MINIMAL, "outcome: soon", "outcome: self_care"))
    changes = [c.describe() for c in diff(old, new)]
    assert changes == ["first: No -> how_long: Weeks: level soon -> self_care  <-- LESS URGENT"]


def test_diff_of_a_dialog_with_itself_finds_nothing() -> None:
    dialog = load_dialog_text(MINIMAL)
    assert diff(dialog, dialog) == []


def test_clinic_bot_diff_exits_1_when_advice_changes_and_0_when_not(tmp_path, capsys) -> None:
    old = tmp_path / "old" / "live-copy.yaml"  # an old version saved under another name
    new = tmp_path / "new" / "mini.yaml"
    old.parent.mkdir()
    new.parent.mkdir()
    old.write_text(MINIMAL)
    new.write_text(
        edit(
            MINIMAL,
            '      - {label: "Yes", red_flag: urgent, next: doctor}',
            '      - {label: "Yes", red_flag: urgent, next: doctor}\n'
            '      - {label: "Not sure", next: how_long}',
        )
    )
    assert main(["diff", str(old), str(old)]) == 0
    assert "no answer path changes its advice" in capsys.readouterr().out
    assert main(["diff", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "new path: first: Not sure -> how_long: A few days => self_care (home)" in out
    assert "2 answer path(s) changed, in 2 row(s)" in out


def test_a_topic_change_on_hundreds_of_paths_is_reported_in_a_few_rows() -> None:
    old = load_dialog(DIALOGS / "upper-back-pain.yaml")
    text = (DIALOGS / "upper-back-pain.yaml").read_text(encoding="utf-8")
    narrower = "{topic: cause_injury, when: {injury: [fall, strain]}}"
    wider = "{topic: cause_injury, when: {injury: [fall, strain, activity]}}"
    new = load_dialog_text(text.replace(wider, narrower))
    changes = diff(old, new)
    assert sum(c.paths for c in changes) > 100
    assert len(changes) <= 10
    assert all(c.describe().endswith(": no longer shows cause_injury") for c in changes)
    assert all("injury: After a task, like gardening" in c.path for c in changes)


def test_adding_one_question_is_one_short_line_that_names_it_and_its_effect() -> None:
    worse = (
        '      - {label: "No", next: worse}\n  worse:\n    ask: "Is it getting worse?"\n    options:\n'
        '      - {id: "yes", label: "Yes", red_flag: urgent, next: doctor}\n'
        '      - {id: "no", label: "No", next: how_long}\n'
    )
    new = load_dialog_text(
        edit(MINIMAL, '      - {label: "No", next: how_long}                 # 15\n', worse)
    )
    assert [c.describe() for c in diff(load_dialog_text(MINIMAL), new)] == [
        "new question 'worse': first: No -> worse: Yes => urgent (doctor)"
    ]


def test_a_new_tick_item_shows_as_the_ticks_it_changes() -> None:
    rash = (
        '      - {id: rash, label: "A rash", set: {fever: "yes"}}\n      - {id: none, label: "None of these"'
    )
    new = load_dialog_text(edit(TICKS, '      - {id: none, label: "None of these"', rash))
    assert [c.describe() for c in diff(load_dialog_text(TICKS), new)] == [
        "signs: not ticked A fever; not ticked Cancer, now or before; ticked Weak legs; ticked A rash: "
        "level soon -> urgent; outcome book -> doctor",
        "signs: not ticked A fever; not ticked Weak legs; ticked A rash: level self_care -> urgent; "
        "outcome home -> doctor",
    ]


def test_the_outcome_table_shows_the_words_patients_read(tmp_path, capsys) -> None:
    """Rewriting the emergency advice shows in the table the clinician signs, with the clinic's values."""
    text = (DIALOGS / "upper-back-pain.yaml").read_text(encoding="utf-8")
    path = tmp_path / "upper-back-pain.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["outcomes", str(path)]) == 0
    table = capsys.readouterr().out
    assert "### call_now (emergency: call now)\n\n> Call 911 now." in table
    assert "Sign-off: not signed off." in table
    path.write_text(text.replace("**Call {emergency_number} now.**", "**Rest at home and see how it goes.**"))
    assert main(["outcomes", str(path), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    emergency = next(r for r in rows if r["outcome"] == "call_now")
    assert emergency["advice"].startswith("Rest at home and see how it goes.")
    assert emergency["signoff"] == "not signed off"
    assert all(r["safety_net"] for r in rows if not r["level"].startswith("emergency"))
