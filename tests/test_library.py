"""Hot reload: a valid edit goes live at once; a broken one is refused and the last good version stays."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.library import DialogLibrary, watch
from bot.problems import DialogError

ROOT = Path(__file__).resolve().parent.parent
VALUES = {"emergency_number": "911", "clinic_name": "C", "clinic_phone": "1", "booking_url": "u"}


@pytest.fixture
def dialog_file(tmp_path: Path) -> Path:
    path = tmp_path / "example.yaml"
    shutil.copy(ROOT / "dialogs" / "example.yaml", path)
    return path


def test_a_valid_edit_goes_live_for_the_next_answer(dialog_file: Path) -> None:
    library = DialogLibrary(dialog_file, VALUES)
    before = library.engine().dialog.version
    dialog_file.write_text(dialog_file.read_text().replace("How long have you had it?", "Since when?"))
    assert library.reload() == ()
    assert library.engine().dialog.version != before
    assert library.engine().dialog.steps["how_long"].text == "Since when?"


def test_a_broken_edit_is_refused_and_the_last_good_version_keeps_serving(dialog_file: Path) -> None:
    library = DialogLibrary(dialog_file, VALUES)
    good = library.engine()
    dialog_file.write_text(dialog_file.read_text().replace("next: how_long", "next: how_lnog"))
    problems = library.reload()
    assert [str(p) for p in problems] == [
        f"{dialog_file}:32: step 'danger': unknown next step 'how_lnog' (did you mean 'how_long'?)"
    ]
    assert library.engine() is good
    assert library.status().last_problems == problems


def test_fixing_the_file_clears_the_reported_problems(dialog_file: Path) -> None:
    library = DialogLibrary(dialog_file, VALUES)
    text = dialog_file.read_text()
    dialog_file.write_text(text.replace("start: welcome", "start: welcom"))
    assert library.reload()
    dialog_file.write_text(text)
    assert library.reload() == ()
    assert library.status().last_problems == ()


def test_a_broken_file_at_start_up_is_reported_with_its_line(dialog_file: Path) -> None:
    dialog_file.write_text(dialog_file.read_text().replace("start: welcome", "start: welcom"))
    with pytest.raises(DialogError, match=r"example.yaml:6: start: there is no step 'welcom'"):
        DialogLibrary(dialog_file, VALUES)


async def test_the_watcher_reloads_on_save_and_announces_every_publication(dialog_file: Path) -> None:
    library = DialogLibrary(dialog_file, VALUES)
    announced: asyncio.Queue[str] = asyncio.Queue()
    stop = asyncio.Event()
    task = asyncio.create_task(watch(library, announced.put, stop))
    await asyncio.sleep(0.3)  # let the watcher subscribe before the first write
    text = dialog_file.read_text()
    dialog_file.write_text(text.replace("Do you have trouble breathing right now?", "Trouble breathing?"))
    async with asyncio.timeout(10):
        live = await announced.get()
    assert live.splitlines()[1:] == [
        "Warning: not signed off; have a clinician review it (clinic-bot sign " + str(dialog_file) + ").",
        "What changed for patients:",
        'danger.ask: "Do you have trouble breathing right now?" → "Trouble breathing?"',
    ]
    assert library.engine().dialog.steps["danger"].text == "Trouble breathing?"
    dialog_file.write_text(text.replace("outcome: soon", "outcome: later"))
    async with asyncio.timeout(10):
        refused = await announced.get()
    assert refused.splitlines()[0] == "The dialog edit was refused; the last good version is still live."
    assert "is not a level" in refused.splitlines()[1]
    assert library.engine().dialog.steps["danger"].text == "Trouble breathing?"
    stop.set()
    await asyncio.wait_for(task, 5)
