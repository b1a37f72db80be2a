"""`clinic-bot chat` in a real terminal: bold as ANSI codes must not break the links around it.

Piped output has no colour, so the terminal is a pseudo-terminal (`pty`), as a clinic admin's is.
"""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from dialog_helpers import MINIMAL, ROOT, edit

from bot.dialog.engine import Engine
from bot.dialog.loader import load_dialog_text
from bot.dialog.text import to_plain
from bot.preview import chat_terminal

BOLD = ("\033[1m", "\033[0m")
FORMAT = ROOT / "docs" / "dialog-format.md"
VALUES = {"emergency_number": "911", "clinic_name": "Clinic", "clinic_phone": "555", "booking_url": "b"}
CONTACT = 'contact: "**{clinic_name}**: call {clinic_phone}, or [book online]({booking_url})."'


def test_bold_before_a_link_keeps_the_ansi_codes_whole() -> None:
    """The link pattern used to take the '[' of '\\033[1m' for the start of a link."""
    text = "**Example Clinic**: call 555, or [book online](https://clinic.example/book)."
    assert to_plain(text, BOLD) == (
        "\033[1mExample Clinic\033[0m: call 555, or book online (https://clinic.example/book)."
    )


def test_bold_inside_a_link_text_is_bold() -> None:
    assert to_plain("[**book** online](https://x.example)", BOLD) == (
        "\033[1mbook\033[0m online (https://x.example)"
    )


def _in_a_terminal(args: list[str], typed: str) -> str:
    """What a terminal shows while `args` runs and the user types `typed`; '\\r\\n' read as '\\n'."""
    main, child = pty.openpty()
    process = subprocess.Popen(args, stdin=child, stdout=child, stderr=child, cwd=ROOT)
    os.close(child)
    os.write(main, typed.encode())
    shown = b""
    while select.select([main], [], [], 30)[0]:
        try:
            data = os.read(main, 4096)
        except OSError:  # the program ended and closed the terminal
            break
        if not data:
            break
        shown += data
    process.wait(timeout=30)
    os.close(main)
    return shown.decode().replace("\r\n", "\n")


def test_the_contact_line_of_an_outcome_reads_right_in_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(edit(MINIMAL, 'contact: "{clinic_name}: {clinic_phone}"', CONTACT), encoding="utf-8")
    shown = _in_a_terminal([sys.executable, "-m", "bot", "chat", str(path)], "1\nquit\n")
    contact = [line for line in shown.splitlines() if "book online" in line]
    assert contact == [
        "\033[1mExample Clinic\033[0m: call +1 555 0100, or book online (https://clinic.example/book)."
    ]


def _chat(dialog_text: str, typed: list[str]) -> str:
    engine = Engine(load_dialog_text(dialog_text, "mini.yaml"), VALUES)
    out = io.StringIO()
    lines = iter(typed)
    chat_terminal(engine, lambda _prompt: next(lines), out)
    return out.getvalue()


def test_why_at_an_outcome_says_where_the_advice_comes_from() -> None:
    shown = _chat(MINIMAL, ["1", "why", "quit"])
    assert shown.endswith(
        "This advice follows from your answers. To see what another answer changes, go back and "
        "change it.\n\n"
    )


def test_why_at_a_question_without_why_gives_the_same_words_as_telegram_and_the_docs() -> None:
    shown = _chat(MINIMAL, ["2", "why", "quit"])
    assert shown.endswith("This question helps me find the right advice for you.\n\n")
    assert '"This question helps me find the right advice for you."' in " ".join(FORMAT.read_text().split())
