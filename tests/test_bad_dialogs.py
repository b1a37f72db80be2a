"""Hostile dialog files (tests/bad_dialogs/, and big ones generated here): each is refused with
`file:line: message` and a hint, quickly, and never with a traceback.

The files are what an admin's editor, a careless copy or an attacker could put where the bot reads its
dialog: YAML syntax slips, YAML 1.1 traps, alias bombs, Python tags, binary data, other encodings, deep
nesting, wrong types everywhere, broken links between steps. The running bot keeps serving the last good
version when one is copied over its dialog (tests/e2e/test_hostile_dialogs.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.dialog.loader import load_dialog
from bot.problems import DialogError

BAD = Path(__file__).resolve().parent / "bad_dialogs"
ROOT = BAD.parent.parent
EXAMPLE = (ROOT / "dialogs" / "example.yaml").read_text(encoding="utf-8")
SANITY_SECONDS = 10.0  # refusals take well under a second (docs/reliability.md); this only catches a hang

# file -> (line, words of the message on that line, including its hint)
EXPECTED: dict[str, tuple[int, str]] = {
    # YAML syntax
    "tab-indent": (36, "(indent with spaces, not tabs)"),
    "crlf-and-tab": (29, "(indent with spaces, not tabs)"),
    "unquoted-colon": (6, "(a text that contains ': ' must be put in quotes)"),
    "unclosed-double-quote": (48, 'the " that opens this text is not closed, so YAML reads on to line 52'),
    "unclosed-single-quote": (52, "the ' that opens this text is not closed, so YAML reads on to the end"),
    "unclosed-bracket": (55, "(a [ list ] is not closed, or a text in it must be put in quotes)"),
    "unclosed-brace": (35, "(a { } group is not closed, or a text that starts with { must be put in quotes)"),
    "bad-indentation": (30, "this line is indented differently from the lines above it; give it"),
    "missing-colon": (42, "(check the indentation, or put the text in quotes)"),
    "long-plain-key": (14, "(check the indentation, or put the text in quotes)"),
    "backslash-escape": (8, "(use single quotes, or write a backslash as \\\\)"),
    "two-documents": (64, "a second document starts here (one dialog per file: remove the extra '---')"),
    # YAML's traps
    "duplicate-key": (8, "'start' appears twice (first on line 7); remove one of them"),
    "duplicate-step": (59, "'home' appears twice (first on line 46); remove one of them"),
    "yes-key": (14, 'YAML reads Yes as true/false; put it in quotes: "Yes"'),
    "yes-label": (32, 'YAML reads Yes as true/false; put it in quotes: "Yes"'),
    "on-off-value": (6, 'YAML reads on as true/false; put it in quotes: "on"'),
    "hash-in-text": (36, "the text is cut at ' #', which YAML reads as the start of a comment"),
    "missing-opening-quote": (29, 'the text ends with " but does not start with one'),
    "curly-quotes": (23, "\u201c \u201d are curly quotes, which YAML does not read as quotes"),
    "billion-laughs": (3, "anchors (&a) are not allowed; write the text out in full"),
    "alias": (44, "aliases (*home) are not allowed; write the text out in full"),
    "merge-key": (51, "merge keys (<<) are not allowed; write the keys out"),
    "python-object-tag": (6, "the tag !!python/object/apply:os.system is not allowed; remove it"),
    "python-name-tag": (7, "the tag !!python/name:os.system is not allowed; remove it"),
    "tag-directive": (8, "the tag !!python/object/apply:os.system is not allowed; remove it"),
    "custom-tag": (61, "the tag !include is not allowed; remove it"),
    "binary-tag": (6, "the tag !!binary is not allowed; remove it"),
    "deep-nesting-flow": (3, "nested more than 32 levels deep; flatten it"),
    "deep-nesting-block": (34, "nested more than 32 levels deep; flatten it"),
    "complex-key": (14, "every key must be a plain word, not a list"),
    "integer-key": (47, "step '1': not a valid name; use lower-case letters, digits and '_'"),
    # Not text, or not UTF-8
    "binary-png": (3, "this is not a text file (it contains NUL bytes); is it the right file?"),
    "utf16-le": (1, "the file is saved as UTF-16; save it with the UTF-8 encoding in your editor"),
    "utf16-be-no-bom": (1, "this is not a text file (it contains NUL bytes); is it the right file?"),
    "latin1": (16, "the file is not UTF-8 text (byte 0xe9); save it with the UTF-8 encoding in your editor"),
    "control-character": (36, "invisible control character (#x0007); delete it and type the text again"),
    "empty": (1, "the file is empty"),
    "only-comments": (1, "the file is empty"),
    # Not a dialog
    "top-level-list": (2, "the dialog should be a list of 'key: value' lines"),
    "top-level-text": (2, "the dialog should be a list of 'key: value' lines"),
    "missing-steps": (2, "the dialog needs 'steps'"),
    "wrong-types": (2, "id should be a text, not a list or a mapping"),
    "null-values": (6, "title is empty; write the text after the colon"),
    "unknown-keys": (7, "unknown key 'strat' (did you mean 'start'?)"),
    # A dialog that would fail patients
    "unknown-next": (33, "unknown next step 'how_lnog' (did you mean 'how_long'?)"),
    "dead-end": (23, "no answer from here ever leads to an outcome"),
    "route-loop": (42, "which would loop for ever; send one of the rules to a question or an outcome"),
    "label-too-long": (38, "more than the 60 that fit on a phone's button; shorten it"),
    "unknown-placeholder": (10, "unknown placeholder {clinic_telephone} (did you mean 'clinic_phone'?)"),
    # Texts that cannot be sent: a \ud83d escape makes half an emoji, a \x1b escape a control character
    "lone-surrogate": (36, "contains the invisible character U+D83D, which cannot be sent to patients"),
    "escaped-control-character": (36, "contains the invisible character U+001B, which cannot be sent"),
}


def _example(name: str, old: str, new: str) -> str:
    assert EXAMPLE.count(old) == 1
    return EXAMPLE.replace("id: example\n", f"id: {name}\n").replace(old, new)


def _padded() -> bytes:
    return (EXAMPLE + "# padding\n" * 3_000_000).encode()


def _long_line() -> bytes:
    return _example("x", "title: Example check (a format demo)", 'title: "' + "x" * 200_000 + '"').encode()


def _deep() -> bytes:
    return ("id: x\ntitle: " + "[" * 100_000 + "]" * 100_000 + "\n").encode()


def _aliases() -> bytes:
    return ("id: x\na: &a lol\nb: [" + ",".join(["*a"] * 50_000) + "]\n").encode()


# Generated, because they are big: name -> (what to write, line, words of the message)
GENERATED: dict[str, tuple[Callable[[], bytes], int, str]] = {
    "tens-of-megabytes": (
        _padded,
        1,
        "bytes; the limit is 256,000. Split it into several dialogs",
    ),
    "one-line-of-200-kilobytes": (
        _long_line,
        EXAMPLE.splitlines().index("title: Example check (a format demo)") + 1,
        "title: the text is too long for one Telegram message (200000 of 4096 characters); shorten it",
    ),
    "nested-100000-deep": (
        _deep,
        2,
        "nested more than 32 levels deep; flatten it",
    ),
    "fifty-thousand-aliases": (
        _aliases,
        2,
        "anchors (&a) are not allowed; write the text out in full",
    ),
}


def _refusal(path: Path) -> tuple[list[str], float]:
    started = time.perf_counter()
    with pytest.raises(DialogError) as error:
        load_dialog(path)
    return str(error.value).splitlines(), time.perf_counter() - started


def _check(path: Path, lines: list[str], line: int, words: str) -> None:
    assert lines
    for text in lines:  # every problem names the file and a line: an editor can jump there
        assert re.match(rf"{re.escape(str(path))}:\d+: \S", text), text
    on_line = [text for text in lines if text.startswith(f"{path}:{line}: ")]
    assert any(words in text for text in on_line), lines


def test_there_are_at_least_30_kinds_and_every_file_is_expected() -> None:
    files = {path.stem for path in BAD.glob("*.yaml")}
    assert files == set(EXPECTED)
    assert len(EXPECTED) + len(GENERATED) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_hostile_file_is_refused_with_its_line_and_a_hint(name: str) -> None:
    path = BAD / f"{name}.yaml"
    lines, took = _refusal(path)
    _check(path, lines, *EXPECTED[name])
    assert took < SANITY_SECONDS


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_a_big_hostile_file_is_refused_with_its_line_and_a_hint(name: str, tmp_path: Path) -> None:
    write, line, words = GENERATED[name]
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(write())
    lines, took = _refusal(path)
    _check(path, lines, line, words)
    assert took < SANITY_SECONDS


def test_validate_refuses_them_all_without_a_traceback(tmp_path: Path) -> None:
    """The admin's command: one line per problem on stderr, exit code 1, and never a Python traceback."""
    generated = []
    for name, (write, _line, _words) in GENERATED.items():
        generated.append(tmp_path / f"{name}.yaml")
        generated[-1].write_bytes(write())
    bad = sorted(BAD / f"{name}.yaml" for name in EXPECTED)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "validate", *map(str, bad + generated)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if ": warning: " not in line]
    assert all(re.match(r".+\.yaml:\d+: \S", line) for line in errors), errors
    refused = {Path(line.split(".yaml:", 1)[0] + ".yaml") for line in errors}
    assert refused == set(bad + generated)
    assert result.stdout == ""  # none of them was taken for a good dialog


def test_thousands_of_unknown_names_are_refused_in_time(tmp_path: Path) -> None:
    """Regression: 'did you mean' compared every unknown name with every step (2,500 typos took ~7 s,
    8,000 ~75 s, while a hot reload waited); now only the first 25 get a suggestion."""
    steps = "".join(
        f'  s{i}:\n    ask: "Q?"\n    options:\n      - {{label: "Go", next: s{i}x}}\n' for i in range(2500)
    )
    path = tmp_path / "many-unknown.yaml"
    path.write_text(_example("many-unknown", "steps:\n", "steps:\n" + steps), encoding="utf-8")
    lines, took = _refusal(path)
    unknown = [line for line in lines if "unknown next step" in line]
    assert len(unknown) == 2500
    assert unknown[0].endswith("unknown next step 's0x' (did you mean 's0'?)")
    assert unknown[-1].endswith("unknown next step 's2499x'")
    assert took < SANITY_SECONDS
