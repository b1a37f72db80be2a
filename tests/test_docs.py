"""The docs are tested, so that they cannot rot: examples load, outputs are real, nothing is left out.

Code blocks in docs/*.md and README.md follow one convention:

- ```yaml           a whole dialog; it must load without a single problem.
- ```yaml fragment  part of a dialog or of a config; it must at least parse as (strict) YAML.
- ```console        `$ command` lines, each followed by its exact output; they are run and compared.
                    In a `clinic-bot chat` transcript, `> text` is what the user typed at the prompt.
- anything else     (```text, ```sh, ...) is shown as it is and not run.
"""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import bot.cli
import bot.config
from bot.cli import _parser, main
from bot.config import load_config
from bot.dialog import checks, matching, schema
from bot.dialog.engine import CHANGED, STALE, Engine
from bot.dialog.loader import load_dialog_text
from bot.dialog.model import Urgency
from bot.dialog.text import PLACEHOLDER_MAX_CHARS, PLACEHOLDERS, to_plain
from bot.problems import LoadError
from bot.strict_yaml import MAX_DEPTH, MAX_FILE_BYTES, parse_yaml

ROOT = Path(__file__).resolve().parent.parent
FORMAT = ROOT / "docs" / "dialog-format.md"
CONFIG_EXAMPLE = ROOT / "config.example.yaml"
DOCS = sorted((ROOT / "docs").glob("*.md")) + [p for p in [ROOT / "README.md"] if p.exists()]


@dataclass(frozen=True)
class Block:
    """One fenced code block of a Markdown file."""

    path: Path
    line: int  # of the opening fence
    info: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks_of(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file; a block inside a list item may be indented."""
    found = []
    opening: tuple[int, str, str] | None = None  # line, indent, info
    body: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(keepends=True), start=1):
        fence = re.match(r"^( *)```(.*)$", line.rstrip("\n"))
        if opening is None and fence:
            opening, body = (number, fence[1], fence[2].strip()), []
        elif opening is not None and fence and not fence[2].strip():
            start, indent, info = opening
            found.append(Block(path, start, info, "".join(row.removeprefix(indent) for row in body)))
            opening = None
        elif opening is not None:
            body.append(line)
    assert opening is None, f"{path.relative_to(ROOT)}:{opening[0]}: a code block is not closed"
    return found


BLOCKS = [block for path in DOCS for block in blocks_of(path)]
DIALOGS = [b for b in BLOCKS if b.info == "yaml"]
FRAGMENTS = [b for b in BLOCKS if b.info == "yaml fragment"]
CONSOLES = [b for b in BLOCKS if b.info == "console"]


def _ids(blocks: list[Block]) -> list[str]:
    return [b.where for b in blocks]


def format_text() -> str:
    return FORMAT.read_text(encoding="utf-8")


def format_prose() -> str:
    """The guide with every run of white space as one space, since prose may wrap anywhere."""
    return " ".join(format_text().split())


# Code blocks.


def test_every_yaml_block_says_whether_it_is_a_whole_dialog() -> None:
    """Any other label on a YAML block would leave it untested."""
    unknown = [b.where for b in BLOCKS if b.info.startswith("y") and b.info not in ("yaml", "yaml fragment")]
    assert not unknown, f"label these ```yaml (a whole dialog) or ```yaml fragment: {unknown}"


def test_the_format_guide_has_a_whole_dialog_example() -> None:
    assert any(b.path == FORMAT for b in DIALOGS)


@pytest.mark.parametrize("block", DIALOGS, ids=_ids(DIALOGS))
def test_whole_dialog_example_loads(block: Block) -> None:
    try:
        load_dialog_text(block.text, block.where)
    except LoadError as error:
        pytest.fail(f"the dialog at {block.where} is refused (lines count from the fence):\n{error}")


@pytest.mark.parametrize("block", FRAGMENTS, ids=_ids(FRAGMENTS))
def test_yaml_fragment_parses(block: Block) -> None:
    if all(line.lstrip().startswith("#") for line in block.text.splitlines() if line.strip()):
        return  # only comments, such as the editor's schema line: valid YAML, though an empty document
    try:
        parse_yaml(block.text.encode(), block.where)
    except LoadError as error:
        pytest.fail(f"the fragment at {block.where} is not valid YAML (lines count from the fence):\n{error}")


def _script(block: Block) -> list[tuple[str, str, str]]:
    """(command, what the user types, expected output) for each `$ ` line of a console block."""
    runs: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines(keepends=True):
        if line.startswith("$ "):
            runs.append((line[2:].strip(), []))
        else:
            assert runs, f"{block.where}: a console block starts with a '$ ' line"
            runs[-1][1].append(line)
    script = []
    for command, output in runs:
        shown = "".join(output) + "\n"
        if command.startswith("clinic-bot chat") and "--json" not in command:
            # A terminal shows what was typed after the prompt; through a pipe, the prompt stands alone.
            typed = "".join(line + "\n" for line in re.findall(r"^> (.*)\n", shown, flags=re.MULTILINE))
            script.append((command, typed, re.sub(r"^> .*\n", "> ", shown, flags=re.MULTILINE)))
        else:
            script.append((command, "", shown))
    return script


def run_console(command: str, typed: str) -> str:
    """What `command` prints, run from the repository root, output and errors interleaved."""
    bash = shutil.which("bash")
    assert bash is not None
    result = subprocess.run(
        [bash, "-c", command],
        input=typed,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # interleaved, as on a terminal
        text=True,
        cwd=ROOT,
        env={
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "LC_ALL": "C.UTF-8",
            "PYTHONUTF8": "1",
        },
        check=False,
        timeout=60,
    )
    return result.stdout


@pytest.mark.parametrize("block", CONSOLES, ids=_ids(CONSOLES))
def test_console_example_shows_real_output(block: Block) -> None:
    """Every documented command, run from the repository root, prints exactly what the docs show.

    `tests/update_docs.py` rewrites the blocks with the real output after a message changed.
    """
    for command, typed, expected in _script(block):
        assert run_console(command, typed).rstrip() == expected.rstrip(), f"{block.where}: $ {command}"


# What the format guide must explain.


KEY_GROUPS = {
    "DIALOG_KEYS": schema.DIALOG_KEYS,
    "STEP_KEYS": schema.STEP_KEYS,
    "OPTION_KEYS": schema.OPTION_KEYS,
    "RULE_KEYS": schema.RULE_KEYS,
    "SHOW_KEYS": schema.SHOW_KEYS,
    "TOPIC_KEYS": schema.TOPIC_KEYS,
}
FORMAT_KEYS = [(group, key) for group, keys in KEY_GROUPS.items() for key in keys]


@pytest.mark.parametrize(("group", "key"), FORMAT_KEYS, ids=[f"{g}.{k}" for g, k in FORMAT_KEYS])
def test_every_dialog_key_is_explained(group: str, key: str) -> None:
    """Each key of bot/dialog/schema.py appears in the guide as code: `key` or `key: ...`."""
    pattern = rf"`{re.escape(key)}(?::[^`]*)?`"
    assert re.search(pattern, format_text()), f"{group}: `{key}` is not in {FORMAT.name}"


def test_the_guide_quotes_the_code() -> None:
    """Levels, placeholders, limits, typed words and the notices patients read are as the code has them."""
    stated = [
        *(f"`{level}`" for level in Urgency.names()),
        *(f"`{{{name}}}`" for name in PLACEHOLDERS),
        *(f"`{word}`" for word in sorted(matching._YES | matching._NO)),
        *(f"`{word}`" for word in sorted(matching._BACK_WORDS | matching._RESTART_WORDS)),
        f"{checks.MAX_MESSAGE_CHARS} characters per text",
        f"{checks.MAX_LABEL_CHARS} characters per label",
        f"{checks.MAX_CALLBACK_BYTES} bytes of step and option names",
        f"{MAX_FILE_BYTES:,} bytes",
        f"{MAX_DEPTH} levels of nesting",
        f"counted as {PLACEHOLDER_MAX_CHARS} characters",
        CHANGED,
        STALE,
    ]
    prose = format_prose()
    missing = [item for item in stated if item not in prose]
    assert not missing, f"{FORMAT.name} does not say: {missing}"


def test_the_editor_schema_file_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    """Editors read dialogs/dialog.schema.json; it must be what `clinic-bot schema` prints."""
    assert main(["schema"]) == 0
    assert (ROOT / "dialogs" / "dialog.schema.json").read_text(encoding="utf-8") == capsys.readouterr().out
    assert "# yaml-language-server: $schema=dialog.schema.json" in format_text()


def test_the_first_dialogs_advice_is_what_the_guide_shows() -> None:
    values = load_config(None, environ={}).clinic.placeholders()
    engine = Engine(load_dialog_text(base_dialog()), values)
    session, reply = engine.start()
    for typed in ("Start", "No", "No", "2 weeks or more"):
        session, reply = engine.answer(session, typed)
    assert reply.outcome is not None
    assert f"```text\n{to_plain(reply.text)}\n```" in format_text()


# Commands and settings.


def _commands() -> dict[str, list[str]]:
    """Each `clinic-bot` subcommand with its options (but --help)."""
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a.choices, dict))
    return {
        name: [o for a in command._actions for o in a.option_strings if o not in ("-h", "--help")]
        for name, command in sub.choices.items()
    }


def test_every_command_and_option_is_documented() -> None:
    text = "".join(path.read_text(encoding="utf-8") for path in DOCS)
    missing = []
    for name, options in _commands().items():
        if not re.search(rf"clinic-bot (?:--config \S+ )?{name}\b", text):
            missing.append(f"clinic-bot {name}")
        missing += [f"clinic-bot {name} {option}" for option in options if option not in text]
    missing += [
        o for a in _parser()._actions for o in a.option_strings if o not in text and o not in ("-h", "--help")
    ]
    assert not missing, f"not mentioned in docs/*.md or README.md: {missing}"


def test_config_example_loads() -> None:
    assert load_config(CONFIG_EXAMPLE, environ={}).emergency_number_set


def _config_sections() -> dict[str, set[str]]:
    """Every set of keys bot/config.py accepts, by section: `_KEYS` is the top, `_CLINIC_KEYS` clinic."""
    return {
        "" if name == "_KEYS" else name[1:-5].lower(): value
        for name, value in vars(bot.config).items()
        if re.fullmatch(r"_(?:[A-Z_]+_)?KEYS", name) and isinstance(value, set)
    }


def _section(example: str, section: str) -> str | None:
    """The lines of `section:` in config.example.yaml, commented-out ones included."""
    lines = example.splitlines()
    if not section:
        return "\n".join(line for line in lines if not line.startswith((" ", "\t")))
    for number, line in enumerate(lines):
        header = re.match(rf"^( *)(?:# *)?{section}:", line)
        if header:
            indent, body = len(header[1]), []
            for row in lines[number + 1 :]:
                code = row.strip()
                # A section ends at a line indented no deeper than its header: at any such line for a
                # top-level section, at code for a nested one (whose children may be commented out).
                if (
                    code
                    and len(row) - len(row.lstrip()) <= indent
                    and (not indent or not code.startswith("#"))
                ):
                    break
                body.append(row)
            return "\n".join(body)
    return None


@pytest.mark.parametrize("section", sorted(_config_sections()))
def test_every_setting_is_in_config_example(section: str) -> None:
    """A setting that bot/config.py accepts but config.example.yaml does not show is one nobody finds."""
    body = _section(CONFIG_EXAMPLE.read_text(encoding="utf-8"), section)
    assert body is not None, f"config.example.yaml has no '{section}:' section"
    keys = _config_sections()[section]
    missing = sorted(key for key in keys if not re.search(rf"^ *(?:# *)?{key}:", body, re.MULTILINE))
    assert not missing, f"config.example.yaml does not show the {section or 'top-level'} settings {missing}"


# Validator messages: each comes from breaking one thing in the guide's first dialog.


def base_dialog() -> str:
    """The guide's first dialog, which the validator examples break."""
    return next(b.text for b in DIALOGS if b.path == FORMAT and "\nid: back-pain\n" in b.text)


def edit(*changes: tuple[str, str]) -> Callable[[str], str]:
    """Replace each `old` (which must occur once) with `new`, in order."""

    def apply(text: str) -> str:
        for old, new in changes:
            assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the text to change"
            text = text.replace(old, new)
        return text

    return apply


YES = '{label: "Yes", red_flag: urgent, because: "you have a fever", next: see_today}'
DECIDE = "      - {when: {duration: long}, next: book}\n"
HOW_LONG = '    ask: "How long have you had the pain?"\n'
UNSURE = '  unsure:\n    ask: "Shall we try again?"\n    options:\n      - {label: "Yes", next: unsure}\n'
BREAKS: dict[str, Callable[[str], str | bytes]] = {
    # The file
    "too big": lambda t: (t + "# a long comment line to make the file too big\n" * 5_600).encode(),
    "NUL byte": lambda t: t.replace("Keep moving", "Keep\0 moving", 1).encode(),
    "not UTF-8": lambda t: t.replace("Gentle walking", "Gentle caf\u00e9 walking").encode("latin-1"),
    "control character": edit(("Gentle walking", "Gentle\x07 walking")),
    "empty": lambda t: "# to be written\n",
    # YAML
    "tab": edit(('    ask: "Do you have a fever?"', '\task: "Do you have a fever?"')),
    "unquoted colon": edit(("title: Back pain check", "title: Back pain: a quick check")),
    "indentation": edit(('    why: "A fever', '      why: "A fever')),
    "missing colon": edit(("  decide:\n", "  decide\n")),
    "unclosed quote": lambda t: t.rstrip("\n")[:-1] + "\n",
    "backslash": edit(('"This check is not a diagnosis. If you are worried, call us."', '"See C:\\docs"')),
    "two documents": lambda t: t + "---\nid: another\n",
    "alias": edit(("next: home}", "next: *home}")),
    "anchor": edit(('say: "**Book', 'say: &book "**Book')),
    "merge key": edit(("    outcome: soon\n", "    <<: {outcome: soon}\n    outcome: soon\n")),
    "tag": edit(("title: Back pain check", "title: !!binary aGVsbG8=")),
    "nesting": lambda t: t + "extra: " + "[" * 40 + "]" * 40 + "\n",
    # Keys and values
    "unquoted yes": edit(
        ('      - {label: "Yes", red_flag: urgent', "      - {label: Yes, red_flag: urgent")
    ),
    "boolean key": edit(("  duration: [short, long]\n", "  duration: [short, long]\n  on: [yes_please]\n")),
    "list as key": edit(("  duration: [short, long]\n", "  duration: [short, long]\n  [age, sex]: [any]\n")),
    "duplicate key": edit(("  see_today:\n", "  book:\n    outcome: urgent\n    say: 'x'\n  see_today:\n")),
    "unknown key": edit(('    why: "A fever', '    wyh: "A fever')),
    "missing key": edit(('disclaimer: "This check is not a diagnosis. If you are worried, call us."\n', "")),
    "not a mapping": lambda t: t.split("\ntopics:")[0] + "\ntopics: keep_moving\n",
    "not a list": edit(("    show: [keep_moving]\n\ntopics", "    show: keep_moving\n\ntopics")),
    "empty text": edit(('why: "A fever with back pain can mean an infection."', "why:")),
    "list as text": edit(("title: Back pain check", "title: [Back, pain]")),
    "bad name": edit(("next: fever}", "next: Fever}")),
    "bad dialog id": edit(("id: back-pain", "id: Back_Pain")),
    "id differs from file name": edit(("id: back-pain", "id: backpain")),
    # Steps and options
    "bad step name": edit(("  how_long:", "  how-long:")),
    "no kind": edit(
        ('    outcome: soon\n    say: "**Book an appointment in the next few days.**"\n', "    why: x\n")
    ),
    "key of another kind": edit((HOW_LONG, HOW_LONG + "    show: [keep_moving]\n")),
    "no say": edit(('    say: "**Book an appointment in the next few days.**"\n', "")),
    "no options": edit(('      - {label: "Start", next: numbness}\n', ""), ("    options:\n\n", "\n")),
    "empty options": edit(('    options:\n      - {label: "Start", next: numbness}', "    options: []")),
    "not a level": edit(("outcome: soon", "outcome: urgnet")),
    "red flag true": edit(("red_flag: urgent", "red_flag: true")),
    "same option id": edit(('{label: "No", next: how_long}', '{label: "Yes!", next: how_long}')),
    # Facts and topics
    "bad fact name": edit(
        ("  duration: [short, long]\n", "  duration: [short, long]\n  Age: [young, old]\n")
    ),
    "fact value twice": edit(("[short, long]", "[short, long, short]")),
    "undeclared fact": edit(("set: {duration: long}", "set: {duraton: long}")),
    "unknown value": edit(("set: {duration: long}", "set: {duration: lnog}")),
    "empty when": edit(("{when: {duration: long}, next: book}", "{when: {}, next: book}")),
    "bad topic name": edit(("  keep_moving:\n    title", "  Keep_moving:\n    title")),
    # Links between steps
    "unknown start": edit(("start: welcome", "start: welcom")),
    "unknown next": edit(("next: how_long}", "next: how_lnog}")),
    "default first": edit((DECIDE, "      - {next: home}\n" + DECIDE)),
    "no default": edit(("      - {next: home}", "      - {when: {duration: short}, next: home}")),
    "unknown topic": edit(("    show: [keep_moving]\n\ntopics", "    show: [keep_movin]\n\ntopics")),
    "emergency with topics": edit(
        ('emergency department."\n', 'emergency department."\n    show: [keep_moving]\n')
    ),
    "never reached": edit((YES, YES.replace("see_today", "book"))),
    "dead end": edit(
        (
            '      - {label: "No", next: how_long}',
            '      - {label: "No", next: how_long}\n      - {label: "Not sure", next: unsure}',
        ),
        ("\ntopics:", f"\n{UNSURE}\ntopics:"),
    ),
    "route loop": edit((DECIDE, DECIDE + "      - {when: {duration: short}, next: decide}\n")),
    # Texts
    "unmatched brace": edit(("call us at {clinic_phone}.", "call us at {clinic_phone.")),
    "unknown placeholder": edit(("{clinic_name}: {clinic_phone}", "{clinic_name}: {clinic_telephone}")),
    "text too long": edit(
        ('text: "Gentle walking', 'text: "' + "Walk a little every day. " * 170 + "Gentle walking")
    ),
    "label too long": edit(
        (
            'label: "2 weeks or more"',
            'label: "2 weeks or more, or the pain keeps coming back after it got better"',
        )
    ),
    # Buttons
    "names too long": edit(
        ("  how_long:\n", "  how_long_have_you_had_back_pains:\n"),
        ("next: how_long}", "next: how_long_have_you_had_back_pains}"),
        ("id: short", "id: less_than_two_weeks_of_back_pain"),
    ),
    "labels read the same": edit(
        ('{label: "No", next: how_long}', '{label: "YES!", id: "no", next: how_long}')
    ),
    # Safety
    "red flag too low": edit(
        ("  duration: [short, long]\n", '  duration: [short, long]\n  fever: ["yes"]\n'),
        (YES, YES.replace("next: see_today", 'set: {fever: "yes"}, next: how_long')),
        (DECIDE, DECIDE + '      - {when: {fever: "yes"}, next: see_today}\n'),
    ),
}


def _validate(broken: str | bytes, folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Run `clinic-bot validate dialogs/back-pain.yaml` on `broken` in `folder`, the current directory."""
    (folder / "dialogs").mkdir()
    (folder / "dialogs" / "back-pain.yaml").write_bytes(
        broken.encode() if isinstance(broken, str) else broken
    )
    code = main(["validate", "dialogs/back-pain.yaml"])
    return code, capsys.readouterr().err.splitlines()


def _documented(message: str) -> bool:
    return f"`{message}`" in format_text() or f"\n{message}\n" in format_text()


@pytest.mark.parametrize("name", list(BREAKS))
def test_validator_error_is_documented(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`clinic-bot validate` on the broken file prints one error, word for word as the guide shows it."""
    monkeypatch.chdir(tmp_path)
    code, errors = _validate(BREAKS[name](base_dialog()), tmp_path, capsys)
    assert code == 1
    assert len(errors) == 1, f"expected one error, got: {errors}"
    assert _documented(errors[0]), f"{FORMAT.name} does not show this error: {errors[0]}"


REVIEWED = '    outcome: soon\n    source: "Clinic back pain page"\n    reviewed_by: "Dr A. Example"\n'
# A change to the first dialog, and some words of the one warning it causes.
WARNINGS: dict[str, tuple[Callable[[str], str], str]] = {
    "hard to read": (
        edit(
            ("can mean an infection.", "occasionally indicates a vertebral infection requiring antibiotics.")
        ),
        "reads at US grade",
    ),
    "no review at all": (edit(), "step 'call_now': the advice has no"),
    "review incomplete": (edit(("    outcome: soon\n", REVIEWED)), "step 'book': the advice has no"),
    "review date unclear": (
        edit(("    outcome: soon\n", REVIEWED + "    review_due: next spring\n")),
        "not a date",
    ),
    "review overdue": (
        edit(("    outcome: soon\n", REVIEWED + '    review_due: "2024-01-31"\n')),
        "was due on",
    ),
}


@pytest.mark.parametrize("name", list(WARNINGS))
def test_validator_warning_is_documented(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A warning does not refuse the dialog; each kind is in the guide word for word."""
    change, words = WARNINGS[name]
    monkeypatch.chdir(tmp_path)
    code, notes = _validate(change(base_dialog()), tmp_path, capsys)
    assert code == 0
    found = [note for note in notes if words in note]
    assert len(found) == 1, f"expected one warning with {words!r}, got: {notes}"
    assert _documented(found[0]), f"{FORMAT.name} does not show this warning: {found[0]}"


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        (["empty_folder"], "no dialog files (*.yaml) found in empty_folder"),
        (["dialogs/missing.yaml"], "dialogs/missing.yaml:1: cannot read the file: No such file or directory"),
    ],
)
def test_command_line_error_is_documented(
    paths: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "empty_folder").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["validate", *paths]) == 1
    assert capsys.readouterr().err.strip() == message
    assert _documented(message)


# Commands that need files of their own: their output is shown in ```text blocks and checked here.


def _shown(command: str) -> str:
    """The output the guide shows under `$ command` in a ```text block."""
    heading = f"$ {command}\n"
    block = next((b for b in BLOCKS if b.path == FORMAT and b.text.startswith(heading)), None)
    assert block is not None, f"{FORMAT.name} has no ```text block starting with {heading!r}"
    return block.text.removeprefix(heading)


def test_the_scenario_examples_are_real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The guide's scenario file, run against the shipped example dialog, gives the output it shows."""
    scenarios = next(b.text for b in FRAGMENTS if b.text.startswith("# Scenarios for the example dialog"))
    (tmp_path / "dialogs" / "scenarios").mkdir(parents=True)
    shutil.copy(ROOT / "dialogs" / "example.yaml", tmp_path / "dialogs")
    path = tmp_path / "dialogs" / "scenarios" / "example.yaml"
    path.write_text(scenarios, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["test"]) == 0
    assert capsys.readouterr().out == _shown("clinic-bot test")
    path.write_text(
        edit(("expect: {level: self_care,", "expect: {level: soon,"))(scenarios), encoding="utf-8"
    )
    assert main(["test", "dialogs/scenarios/example.yaml"]) == 1
    assert capsys.readouterr().out == _shown("clinic-bot test dialogs/scenarios/example.yaml")


def test_the_diff_example_is_real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The guide's diff: the shipped example, with "A week or more" sent straight to `home`."""
    example = (ROOT / "dialogs" / "example.yaml").read_text(encoding="utf-8")
    changed = edit(
        ('"it has lasted a week or more", next: decide}', '"it has lasted a week or more", next: home}')
    )
    for folder, text in (("signed", example), ("dialogs", changed(example))):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "example.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["diff", "signed/example.yaml", "dialogs/example.yaml"]) == 1
    assert capsys.readouterr().out == _shown("clinic-bot diff signed/example.yaml dialogs/example.yaml")
    assert main(["diff", "signed/example.yaml", "signed/example.yaml"]) == 0
    assert f"`{capsys.readouterr().out.strip()}`" in format_text()


def test_the_changed_since_sign_off_example_is_real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The guide's `validate` after the example was signed and its emergency advice rewritten."""
    (tmp_path / "dialogs").mkdir()
    shutil.copy(ROOT / "dialogs" / "example.yaml", tmp_path / "dialogs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(bot.cli, "_today", lambda: datetime.date(2026, 12, 1))
    assert main(["sign", "dialogs/example.yaml", "--by", "Dr Ada Lee, GP"]) == 0
    path = tmp_path / "dialogs" / "example.yaml"
    rewritten = edit(('"**Call {emergency_number} now.**"', '"**Rest at home and see how it goes.**"'))
    path.write_text(rewritten(path.read_text(encoding="utf-8")), encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", "dialogs/example.yaml"]) == 0
    shown = next(
        b.text for b in BLOCKS if b.path == FORMAT and b.text.startswith("dialogs/example.yaml: changed")
    )
    assert capsys.readouterr().out.split("\n", 1)[1] == shown
