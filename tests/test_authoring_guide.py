"""docs/authoring.md's example outputs are real: each is made here by the change the guide describes.

In these ```text blocks `...` stands for words left out of a line, or, alone on a line, for lines left
out; everything else must be exactly what the command prints. (The sign-off walk-through is checked in
tests/test_signoff.py, the ```console blocks of all docs in tests/test_docs.py.)
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from dialog_helpers import DIALOGS, ROOT, edit
from test_docs import blocks_of

from bot.cli import main

GUIDE = ROOT / "docs" / "authoring.md"
DIALOG = Path("dialogs/upper-back-pain.yaml")
SCENARIOS = Path("dialogs/scenarios/upper-back-pain.yaml")


def _block(words: str) -> str:
    """The guide's one ```text block with `words`, without a `$ command` first line."""
    found = [b.text for b in blocks_of(GUIDE) if b.info == "text" and words in b.text]
    assert len(found) == 1, f"{GUIDE.name}: {len(found)} ```text blocks hold {words!r}"
    return found[0].split("\n", 1)[1] if found[0].startswith("$ ") else found[0]


def shows(shown: str, real: str) -> bool:
    """True when `real` is `shown` with what `...` stands for filled in."""
    pattern = "".join(
        r"(?:.*\n)*?" if line.strip() == "..." else ".*?".join(map(re.escape, line.split("..."))) + r"\n"
        for line in shown.splitlines()
    )
    return re.fullmatch(pattern, real) is not None


def test_shows_fills_in_what_the_dots_leave_out() -> None:
    assert shows("a -> ... -> d\n...\nlast\n", "a -> b -> c -> d\nmore\nlines\nlast\n")
    assert not shows("a -> ... -> d\nlast\n", "a -> b -> c -> d\nmore\nlast\n")
    assert not shows("a -> d\n", "a -> b -> d\n")


@pytest.fixture
def clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped dialogs folder, as the current folder (paths print as the guide shows)."""
    shutil.copytree(DIALOGS, tmp_path / "dialogs")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _change(path: Path, old: str, new: str) -> None:
    path.write_text(edit(path.read_text(encoding="utf-8"), old, new), encoding="utf-8")


def _problems(capsys: pytest.CaptureFixture[str]) -> str:
    """What `clinic-bot validate dialogs/` reports about the dialog, warnings left out."""
    assert main(["validate", "dialogs/"]) == 1
    lines = capsys.readouterr().err.splitlines()
    return "".join(
        f"{line}\n" for line in lines if line.startswith(f"{DIALOG}:") and ": warning: " not in line
    )


def test_the_unknown_next_step_example_is_real(clinic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _change(
        DIALOG,
        "asks: [cancer.rest_pain]\n        next: how_long",
        "asks: [cancer.rest_pain]\n        next: how_lng",
    )
    real = _problems(capsys)
    assert shows(_block("unknown next step 'how_lng'"), real), real


def test_the_safety_proof_example_is_real(clinic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The rule that books an appointment for pain that stays bad at rest, deleted."""
    _change(DIALOG, "      - {when: {rest: constant}, next: book_soon}\n", "")
    real = _problems(capsys)
    assert shows(_block("the red-flag answer 'It stays bad in any position"), real), real


def test_the_failing_scenario_example_is_real(clinic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = "expect: {level: emergency"
    text = SCENARIOS.read_text(encoding="utf-8")
    SCENARIOS.write_text(text.replace(first, first.replace("emergency", "urgent"), 1), encoding="utf-8")
    assert main(["test"]) == 1
    real = capsys.readouterr().out
    assert shows(_block("$ clinic-bot test\n"), real), real


def test_the_diff_example_is_real(clinic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The "injury" topic of home care shown only after a fall or a strain, not after a task."""
    shutil.copy(DIALOG, "live.yaml")
    _change(
        DIALOG,
        "{topic: cause_injury, when: {injury: [fall, strain, activity]}}",
        "{topic: cause_injury, when: {injury: [fall, strain]}}",
    )
    assert main(["diff", "live.yaml", str(DIALOG)]) == 1
    paths = capsys.readouterr().out.split(" row(s)\n")[0] + " row(s)\n"
    assert shows(_block("no longer shows cause_injury"), paths), paths
