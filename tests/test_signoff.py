"""The clinician's sign-off covers every word and every route, and any change since shows, word by word."""

from __future__ import annotations

import dataclasses
import datetime
import re
import shutil
from pathlib import Path

import pytest
from dialog_helpers import DIALOGS, MINIMAL, TICKS, edit

import bot.dialog.model
from bot import cli
from bot.cli import main
from bot.dialog.content import SKIPPED, content, content_hash, covered
from bot.dialog.loader import load_dialog, load_dialog_text
from bot.dialog.signoff import SignoffError, sign, signoff_path, state, summary
from bot.dialog.wording import compare, markdown, rows
from bot.library import DialogLibrary

SIGNED_ON = datetime.date(2026, 12, 1)
# MINIMAL with a field it lacks, so that one dialog uses every field of the model.
FULL = edit(
    edit(
        MINIMAL,
        '    say: "Rest at home."                              # 34\n',
        '    say: "Rest at home."\n    safety_net: "Call us if it is not better in a week."\n',
    ),
    "red_flag: urgent, next: doctor}",
    "red_flag: urgent, next: doctor, asks: [pain.very_bad]}",
).replace(
    '{label: "Weeks", set:',
    '{label: "Weeks", range: [14, 3650], unit: days, set:',  # a typed "3 weeks" picks it: signed too
) + (  # at the end, so that the line numbers above stay true
    'catalogue: "catalogues/pain.yaml"\n'
    'catalogue_exclude: {pain.in_children: "the check is for adults only"}\n'
)
CALL_NOW = (
    "      **Call {emergency_number} now.**\n"
    "      Do not wait to see if it gets better, and do not drive. Unlock the door, and ask someone to "
    "stay. If you are asking for someone, stay with them.\n"
)
REST = "      **Rest at home and see how it goes.**\n      Call us next week if it is not better.\n"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_today", lambda: SIGNED_ON)


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A copy of the clinic's dialog, signed off as shipped."""
    path = tmp_path / "upper-back-pain.yaml"
    shutil.copy(DIALOGS / "upper-back-pain.yaml", path)
    shutil.copytree(DIALOGS / "catalogues", tmp_path / "catalogues")  # the red-flag catalogue it names
    sign(load_dialog(path), path, "Dr Ada Lee, GP", SIGNED_ON)
    return path


def _hash(text: str) -> str:
    return content_hash(content(load_dialog_text(text)))


def _changes(old: str, new: str) -> list[str]:
    return rows(compare(content(load_dialog_text(old)), content(load_dialog_text(new))))


# What is signed.


def test_every_field_of_the_model_is_signed() -> None:
    """A field added to the model must reach the sign-off; add an example of it to FULL if this fails."""
    models = [
        value
        for value in vars(bot.dialog.model).values()
        if isinstance(value, type)
        and dataclasses.is_dataclass(value)
        and value not in (bot.dialog.model.Review, bot.dialog.model.Exit)  # Exit: derived, not loaded
    ]
    expected = {(m.__name__, f.name) for m in models for f in dataclasses.fields(m) if f.name not in SKIPPED}
    signed = covered(load_dialog_text(FULL)) | covered(load_dialog_text(TICKS))
    assert sorted(expected - signed) == []


def test_review_metadata_and_the_order_of_steps_are_not_signed() -> None:
    reviewed = edit(
        FULL,
        '    say: "See a doctor today."                        # 27\n',
        '    say: "See a doctor today."\n    reviewed_by: "Dr B"\n    review_due: "2027-01-31"\n',
    )
    lines = FULL.splitlines(keepends=True)
    moved = "".join(lines[:9] + lines[24:27] + lines[9:24] + lines[27:])  # 'doctor' before 'first'
    assert _hash(reviewed) == _hash(FULL) == _hash(moved)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'ask: "Is the pain very bad?"',
            'ask: "Is the pain bad?"',
            'first.ask: "Is the pain very bad?" → "Is the pain bad?"',
        ),
        (
            '{label: "A few days",',
            '{label: "Some days", id: a_few_days,',
            'how_long.options.a_few_days.label: "A few days" → "Some days"',
        ),
        (
            'why: "Very bad pain needs',
            'why: "Bad pain needs',
            'first.why: "Very bad pain needs a doctor …" → "Bad pain needs a doctor …"',
        ),
        (
            'say: "Book an appointment."',
            'say: "Book an appointment at {clinic_phone}."',
            'book.say: "Book an appointment." → "Book an appointment at {clinic_phone}."',
        ),
        (
            'text: "Rest, and keep',
            'text: "Rest a lot, and keep',
            'topics.rest.text: "Rest, and keep moving gently." → "Rest a lot, and keep moving gently."',
        ),
        ('title: "Resting"', 'title: "Rest"', 'topics.rest.title: "Resting" → "Rest"'),
        ("title: Mini check", "title: Small check", 'title: "Mini check" → "Small check"'),
        (
            "red_flag: urgent, next: doctor",
            "red_flag: soon, next: doctor",
            'first.options.yes.red_flag: "urgent" → "soon"',
        ),
        ("outcome: urgent", "outcome: emergency", 'doctor.level: "urgent" → "emergency"'),
        (
            "{when: {duration: long}, next: book}",
            "{when: {duration: short}, next: book}",
            'decide.route.1.when.duration: "long" → "short"',
        ),
        (
            "set: {duration: short}, next: decide",
            "next: decide",
            'how_long.options.a_few_days.set: removed (was "duration: short")',
        ),
        (
            'because: "it has lasted weeks", ',
            "",
            'how_long.options.weeks.because: removed (was "it has lasted weeks")',
        ),
        (
            "duration: [short, long]",
            "duration: [short, long, never]",
            'facts.duration: "short, long" → "short, long, never"',
        ),
        (
            "set: {duration: short}, next: decide",
            "set: {duration: short}, next: home",
            'how_long.options.a_few_days.next: "decide" → "home"',
        ),
    ],
    ids=lambda value: value if len(value) < 20 else value[:20],
)
def test_each_signed_thing_changes_the_hash_and_shows_as_a_change(old: str, new: str, expected: str) -> None:
    changed = edit(MINIMAL, old, new)
    assert _hash(changed) != _hash(MINIMAL)
    assert _changes(MINIMAL, changed) == [expected]


def test_the_order_of_the_options_is_signed() -> None:
    swapped = edit(
        MINIMAL,
        '      - {label: "Yes", red_flag: urgent, next: doctor}   # 14\n'
        '      - {label: "No", next: how_long}                 # 15\n',
        '      - {label: "No", next: how_long}\n      - {label: "Yes", red_flag: urgent, next: doctor}\n',
    )
    assert _changes(MINIMAL, swapped) == ["first.options: order yes, no → no, yes"]


def test_a_new_question_and_a_removed_topic_are_named_once_not_field_by_field() -> None:
    question = (
        '  worse:\n    ask: "Has it got worse?"\n    options:\n'
        '      - {label: "Yes", next: doctor}\n      - {label: "No", next: how_long}\n'
    )
    new = edit(MINIMAL, '{label: "No", next: how_long}', '{label: "No", next: worse}')
    new = edit(new, "  how_long:   ", question + "  how_long:   ")
    new = edit(
        new,
        '      - {label: "Weeks", set',
        '      - {label: "Not sure", next: decide}\n      - {label: "Weeks", set',
    )
    assert _changes(MINIMAL, new) == [
        'first.options.no.next: "how_long" → "worse"',
        'new question worse: "Has it got worse?"',
        'new option how_long.options.not_sure: "Not sure"',
    ]
    assert markdown(compare(content(load_dialog_text(MINIMAL)), content(load_dialog_text(new)))) == [
        '- `first.options.no.next`: "how_long" → "worse"',
        '- new question `worse`: "Has it got worse?"',
        '- new option `how_long.options.not_sure`: "Not sure"',
    ]


def test_a_new_line_break_alone_shows_where_it_is() -> None:
    old = edit(MINIMAL, 'say: "Book an appointment."', 'say: "Book an appointment. Call us."')
    new = edit(MINIMAL, 'say: "Book an appointment."', 'say: "Book an appointment.\\nCall us."')
    assert _changes(old, new) == [
        'book.say: "Book an appointment. Call us." → "Book an appointment. ¶ Call us." (only spaces or line\n'
        "    breaks changed)"
    ]


def test_a_long_change_is_folded_and_shows_only_the_words_around_each_changed_passage() -> None:
    old = (
        "Keep moving gently. Walk a little every day, and do what you normally do as far as the pain allows. "
        "A warm pack can ease the pain. Most back pain gets better within six weeks, often sooner."
    )
    new = old.replace("A warm pack", "A warm bath or a warm pack").replace("six weeks", "a few weeks")
    text = edit(MINIMAL, '"Rest, and keep moving gently."', f'"{old}"')
    changed = edit(MINIMAL, '"Rest, and keep moving gently."', f'"{new}"')
    assert _changes(text, changed) == [
        'topics.rest.text: "… pain allows. A warm pack can ease the …" → "… pain allows. A warm bath or a\n'
        '    warm pack can ease the …"',
        'topics.rest.text: "… pain gets better within six weeks, often sooner." → "… pain gets better '
        "within\n"
        '    a few weeks, often sooner."',
    ]


# The sign-off file and validate.


def test_validate_says_who_signed_and_when(shipped: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(shipped)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1] == f"{shipped}: signed off by Dr Ada Lee, GP on 2026-12-01"


def test_the_emergency_rewrite_is_reported_by_validate_with_the_old_and_new_words(
    shipped: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped.write_text(edit(shipped.read_text(encoding="utf-8"), CALL_NOW, REST), encoding="utf-8")
    assert main(["validate", str(shipped)]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        f"{shipped}: changed since the sign-off by Dr Ada Lee, GP on 2026-12-01 (1 change(s)):",
        '  call_now.say: "**Call {emergency_number} now.** Do not wait to see if it gets better, and do not',
        "      drive. Unlock the door, and ask someone to stay. If you are asking for someone, stay with",
        '      them." → "**Rest at home and see how it goes.** Call us next week if it is not better."',
    ]


def test_the_emergency_rewrite_is_reported_by_diff_with_exit_1(
    shipped: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "live.yaml"
    shutil.copy(shipped, old)
    shipped.write_text(edit(shipped.read_text(encoding="utf-8"), CALL_NOW, REST), encoding="utf-8")
    assert main(["diff", str(old), str(shipped)]) == 1
    assert capsys.readouterr().out == (
        "no answer path changes its advice\n"
        'call_now.say: "**Call {emergency_number} now.** Do not wait to see if it gets better, and do not\n'
        "    drive. Unlock the door, and ask someone to stay. If you are asking for someone, stay with "
        'them."\n'
        '    → "**Rest at home and see how it goes.** Call us next week if it is not better."\n'
        "1 change(s) in what patients read or what decides advice\n"
    )


def test_a_question_reworded_shows_in_diff(
    write_dialog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write_dialog(MINIMAL, name="old")
    new = write_dialog(edit(MINIMAL, "Is the pain very bad?", "Is the pain so bad that you cannot sleep?"))
    assert main(["diff", str(old), str(new)]) == 1
    assert capsys.readouterr().out == (
        "no answer path changes its advice\n"
        'first.ask: "Is the pain very bad?" → "Is the pain so bad that you cannot sleep?"\n'
        "1 change(s) in what patients read or what decides advice\n"
    )


def test_diff_of_a_file_with_itself_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(DIALOGS / "example.yaml")
    assert main(["diff", path, path]) == 0
    assert capsys.readouterr().out == "no answer path changes its advice\n"


def test_an_unsigned_dialog_says_how_to_sign_it(write_dialog, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_dialog(MINIMAL)
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        f'{path}: not signed off; after the clinician\'s review: clinic-bot sign {path} --by "Name, role"'
    )


def test_sign_writes_a_readable_file_beside_the_dialog(
    write_dialog, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_dialog(MINIMAL)
    assert main(["sign", str(path), "--by", "  Dr Ada Lee,   GP "]) == 0
    record = signoff_path(path)
    assert (
        capsys.readouterr().out
        == f"{record}: signed off by Dr Ada Lee, GP on 2026-12-01; commit it with the dialog\n"
    )
    text = record.read_text(encoding="utf-8")
    assert text.startswith(
        "# Clinical sign-off of the dialog 'mini', written by `clinic-bot sign`; commit it with the dialog.\n"
        "# Dr Ada Lee, GP reviewed exactly the content below on 2026-12-01. Do not edit this file: after a\n"
        "# change to the dialog, review it again and run `clinic-bot sign` again.\n"
        "dialog: mini\n"
        "signed_by: Dr Ada Lee, GP\n"
        "signed_on: '2026-12-01'\n"
        f"content_hash: {_hash(MINIMAL)}\n"
        "content:\n"
        "  id: mini\n"
        "  title: Mini check\n"
        "  start: first\n"
        "  facts:\n"
        "    duration: [short, long]\n"
        "  steps:\n"
        "    first:\n"
        "      kind: ask\n"
        "      ask: Is the pain very bad?\n"
        "      why: Very bad pain needs a doctor today.\n"
        "      options:\n"
        "      - id: 'yes'\n"
        "        label: 'Yes'\n"
        "        next: doctor\n"
        "        red_flag: urgent\n"
    )


def test_signing_again_lists_what_the_new_sign_off_covers(
    write_dialog, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_dialog(MINIMAL)
    assert main(["sign", str(path), "--by", "Dr Ada Lee, GP"]) == 0
    path.write_text(edit(MINIMAL, "Rest at home.", "Rest at home for a few days."), encoding="utf-8")
    capsys.readouterr()
    assert main(["sign", str(path), "--by", "Dr Ben Okafor, GP"]) == 0
    assert capsys.readouterr().out == (
        "signing 1 change(s) since the sign-off by Dr Ada Lee, GP:\n"
        '  home.say: "Rest at home." → "Rest at home for a few days."\n'
        f"{signoff_path(path)}: signed off by Dr Ben Okafor, GP on 2026-12-01; commit it with the dialog\n"
    )
    assert state(load_dialog(path), path).summary() == "signed off by Dr Ben Okafor, GP on 2026-12-01"


def test_sign_needs_a_name(write_dialog, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_dialog(MINIMAL)
    assert main(["sign", str(path), "--by", " "]) == 1
    assert capsys.readouterr().err == (
        'clinic-bot sign: --by needs the clinician\'s name and role, e.g. --by "Dr Ada Lee, GP" '
        "(at most 200 characters)\n"
    )
    assert not signoff_path(path).exists()


def test_sign_refuses_a_broken_dialog(write_dialog, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_dialog(edit(MINIMAL, "start: first", "start: frist"))
    assert main(["sign", str(path), "--by", "Dr Ada Lee, GP"]) == 1
    assert capsys.readouterr().err == f"{path}:3: start: there is no step 'frist' (did you mean 'first'?)\n"
    assert not signoff_path(path).exists()


def test_validate_of_a_folder_passes_over_sign_off_files(
    shipped: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(shipped.parent)]) == 0
    assert [line.split(": ")[0] for line in capsys.readouterr().out.splitlines()] == [str(shipped)] * 2


def test_validate_of_a_sign_off_file_points_to_its_dialog(
    shipped: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = signoff_path(shipped)
    assert main(["validate", str(record)]) == 1
    assert capsys.readouterr().err == (
        f"{record}: a sign-off, checked with its dialog: clinic-bot validate {shipped.parent}\n"
    )


AGAIN = 'after the clinician\'s review, run: clinic-bot sign {dialog} --by "Name, role"'


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "  title: Upper back pain check\n",
            "  title: Lower back pain check\n",
            "4: the content in this file was changed by hand (it no longer matches content_hash); " + AGAIN,
        ),
        (
            "signed_on: '2026-12-01'",
            "signed_on: 1 December",
            "3: signed_on '1 December' is not a date like 2026-12-31",
        ),
        ("signed_by: Dr Ada Lee, GP\n", "", "1: the sign-off needs 'signed_by'"),
        ("content_hash: ", "content_hash: abc", "4: content_hash is not a SHA-256 (64 hex digits); " + AGAIN),
        ("dialog: upper-back-pain", "dialog: [upper]", "1: dialog should be a text, not a list"),
        (
            "dialog: upper-back-pain",
            "dialog: other",
            "1: this is the sign-off of dialog 'other', not of 'upper-back-pain'; delete it, and " + AGAIN,
        ),
        (
            "dialog: upper-back-pain",
            "dialog: 'upper-back-pain",
            "1: the ' that opens this text is not closed, so YAML reads on to line 3; add the closing ' "
            "at the end of the text (YAML says: expected <block end>, but found '<scalar>')",
        ),
    ],
    ids=["hand-edited", "bad date", "missing key", "bad hash", "not a text", "other dialog", "not YAML"],
)
def test_a_broken_sign_off_file_is_reported_with_its_line_never_a_traceback(
    shipped: Path, old: str, new: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    record = signoff_path(shipped)
    lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
    header, body = "".join(lines[:3]), "".join(lines[3:])  # line numbers below count from the body
    record.write_text(edit(body, old, new), encoding="utf-8")
    assert main(["validate", str(shipped)]) == 1
    captured = capsys.readouterr()
    assert header  # the comments are not needed to read the file
    assert captured.out.startswith(f"{shipped}: ok (")  # the dialog itself is fine
    problems = [line for line in captured.err.splitlines() if line.startswith(str(record))]
    assert problems[0].startswith(f"{record}:{problem.format(dialog=shipped)}"), captured.err
    assert "Traceback" not in captured.err
    with pytest.raises(SignoffError):
        state(load_dialog(shipped), shipped)
    assert summary(load_dialog(shipped), shipped).startswith(f"sign-off file broken ({record}:")
    assert main(["sign", str(shipped), "--by", "Dr Ada Lee, GP"]) == 0  # as the message says: sign again
    assert state(load_dialog(shipped), shipped).signed


def test_the_one_line_summary_for_the_outcome_table(shipped: Path) -> None:
    assert summary(load_dialog(shipped), shipped) == "signed off by Dr Ada Lee, GP on 2026-12-01"


# The authoring guide's sign-off walk-through is real output.

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "authoring.md"
INJURY = ("How did the pain start?", "How did the pain start, as far as you know?")


def _guide_block(start: str, containing: str = "") -> str:
    from test_docs import blocks_of  # noqa: PLC0415 - the docs tests' reader of code blocks

    texts = [b.text for b in blocks_of(GUIDE) if b.info == "text"]
    found = [t for t in texts if t.startswith(start) and containing in t]
    assert len(found) == 1, f"{GUIDE.name}: {len(found)} ```text blocks start with {start!r}"
    return found[0]


def _command_output(block: str) -> str:
    return block.split("\n", 1)[1]


def _versions(text: str) -> str:
    return re.sub(r"version [0-9a-f]{12}", "version V", text)


def test_the_authoring_guide_shows_the_real_sign_off_workflow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dialogs").mkdir()
    path = Path("dialogs/upper-back-pain.yaml")
    shutil.copy(DIALOGS / path.name, path)
    shutil.copytree(DIALOGS / "catalogues", "dialogs/catalogues")
    shutil.copy(path, "live.yaml")
    assert main(["sign", str(path), "--by", "Dr Ada Lee, GP"]) == 0
    library = DialogLibrary(path, {"emergency_number": "911"}, signoff_required=True)
    capsys.readouterr()
    assert main(["validate", "dialogs/"]) == 0
    assert capsys.readouterr().out == _command_output(_guide_block("$ clinic-bot validate", "signed off by"))

    path.write_text(edit(path.read_text(encoding="utf-8"), *INJURY), encoding="utf-8")
    refused = library.publish()
    assert refused is not None
    assert refused.text + "\n" == _guide_block("The dialog edit was refused")
    assert main(["diff", "live.yaml", str(path)]) == 1
    assert capsys.readouterr().out == _command_output(_guide_block("$ clinic-bot diff /tmp/live.yaml"))
    assert main(["sign", str(path), "--by", "Dr Ada Lee, GP"]) == 0
    assert capsys.readouterr().out == _command_output(_guide_block("$ clinic-bot sign"))
    live = library.publish()
    assert live is not None
    assert _versions(live.text + "\n") == _versions(_guide_block("Dialog upper-back-pain version"))

    path.write_text(edit(path.read_text(encoding="utf-8"), CALL_NOW, REST), encoding="utf-8")
    assert main(["validate", "dialogs/"]) == 0
    assert capsys.readouterr().out == _command_output(_guide_block("$ clinic-bot validate", "changed since"))


def test_diff_in_markdown_for_a_review_ticket(write_dialog, capsys: pytest.CaptureFixture[str]) -> None:
    old = write_dialog(MINIMAL, name="old")
    text = edit(MINIMAL, '"Rest at home."', '"Rest at home for **two** days."')
    new = write_dialog(
        edit(text, '    ask: "How long have you had it?"', '    ask: "How long?"\n    why: "It helps."')
    )
    assert main(["diff", str(old), str(new), "--format", "markdown"]) == 1
    versions = f"{load_dialog(old, any_name=True).version} → {load_dialog(new).version}"
    assert capsys.readouterr().out == (
        f"# Changes to 'Mini check' (version {versions})\n"
        "\n"
        "## Changed advice\n"
        "\n"
        "no answer path changes its advice\n"
        "\n"
        "## Changed words\n"
        "\n"
        '- `how_long.ask`: "How long have you had it?" → "How long?"\n'
        '- `how_long.why`: added "It helps."\n'
        '- `home.say`: "Rest at home." → "Rest at home for **two** days."\n'
        "\n"
        "3 change(s) in what patients read or what decides advice\n"
    )
