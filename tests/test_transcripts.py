"""Golden transcripts: whole conversations, written as an admin would read them, replayed on every run.

The format of tests/transcripts/*.txt:

    # What this conversation shows (any number of comment lines at the top).
    # dialog: example                  <- the dialog file in dialogs/, without .yaml
    <one blank line>
    Example check (a format demo)      <- from here on: exactly what `clinic-bot chat example` prints
    ...
    > 1                                <- a line the patient typed, after the prompt "> "
    Do you have trouble breathing right now?
      1. Yes
      2. No

The placeholders are filled from the embedded default config (Example Clinic, 911). The typed lines
are taken from the file, the conversation is replayed, and the whole text must come out the same,
character for character (trailing blank lines aside). A bot text may not start with "> ".

To write a new transcript, write the comment lines and the typed lines ("> ...") only, then fill in
the bot's side with:  UPDATE_TRANSCRIPTS=1 .venv/bin/pytest tests/test_transcripts.py
and read the result before committing it. Without UPDATE_TRANSCRIPTS the test only compares.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from dialog_helpers import DIALOGS

from bot.dialog.engine import Engine
from bot.dialog.loader import load_dialog
from bot.preview import chat_terminal

TRANSCRIPTS = Path(__file__).with_name("transcripts")
PROMPT = "> "


def _split(text: str) -> tuple[str, str, str]:
    """(header, dialog name, body) of a transcript file."""
    header, _, body = text.partition("\n\n")
    names = [line.split(":", 1)[1].strip() for line in header.splitlines() if line.startswith("# dialog:")]
    assert header.startswith("#"), "a transcript starts with comment lines"
    assert len(names) == 1, "a transcript names its dialog once: # dialog: NAME"
    return header, names[0], body


def _typed(body: str) -> list[str]:
    return [line[len(PROMPT) :] if line != ">" else "" for line in body.splitlines() if line.startswith(">")]


def replay(dialog_name: str, typed: list[str], values: dict[str, str]) -> str:
    """What the terminal preview prints when a patient types `typed`, then closes the input."""
    engine = Engine(load_dialog(DIALOGS / f"{dialog_name}.yaml"), values)
    out = io.StringIO()
    pending = iter(typed)

    def read(prompt: str) -> str:
        line = next(pending, None)
        if line is None:
            raise EOFError
        out.write(f"{prompt}{line}\n")
        return line

    chat_terminal(engine, read, out)
    return out.getvalue().rstrip("\n") + "\n"


@pytest.mark.parametrize("path", sorted(TRANSCRIPTS.glob("*.txt")), ids=lambda path: path.stem)
def test_the_conversation_reads_as_recorded(path, values):
    header, dialog_name, body = _split(path.read_text(encoding="utf-8"))
    actual = replay(dialog_name, _typed(body), values)
    if os.environ.get("UPDATE_TRANSCRIPTS") == "1":
        path.write_text(f"{header}\n\n{actual}", encoding="utf-8")
        return
    assert actual == body.rstrip("\n") + "\n"


def test_there_are_transcripts_for_the_example_dialog():
    """An empty folder would make the test above pass without checking anything."""
    names = {_split(path.read_text(encoding="utf-8"))[1] for path in TRANSCRIPTS.glob("*.txt")}
    assert "example" in names
    assert len(list(TRANSCRIPTS.glob("*.txt"))) >= 4


def test_a_changed_reply_is_caught(values):
    """The comparison is by the whole text: one changed word in a reply shows up."""
    _, dialog_name, body = _split((TRANSCRIPTS / "emergency.txt").read_text(encoding="utf-8"))
    changed = replay(dialog_name, _typed(body), {**values, "emergency_number": "112"})
    assert "Call 112 now." in changed
    assert changed != body.rstrip("\n") + "\n"
