"""A hostile file copied over the running bot's dialog is refused; the last good version keeps serving."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from botprocess import BotProcess
from patients import BOOK, walk

from testkit import BotApiServer

BAD = Path(__file__).resolve().parents[1] / "bad_dialogs"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("billion-laughs", "example.yaml:3: anchors (&a) are not allowed"),
        ("binary-png", "example.yaml:3: this is not a text file (it contains NUL bytes)"),
        ("python-object-tag", "example.yaml:6: the tag !!python/object/apply:os.system is not allowed"),
    ],
    ids=["billion-laughs", "binary-png", "python-object-tag"],
)
async def test_a_hostile_file_over_the_live_dialog_is_refused_and_patients_are_still_served(
    name: str, problem: str, server: BotApiServer, bot: BotProcess
) -> None:
    admin = server.user(9000, "Admin")
    await admin.send("/status")
    before = (await admin.next_message()).plain_text
    patient = server.user(6001, "Ida")
    await patient.send("/start")
    await patient.wait_for("Hi!")
    await patient.tap("Start")
    await patient.wait_for("Do you have trouble breathing")

    shutil.copy(BAD / f"{name}.yaml", bot.workdir / "dialogs" / "example.yaml")
    refused = await admin.wait_for("refused", timeout=10)

    assert problem in refused.plain_text
    assert "the last good version is still live" in refused.plain_text
    await admin.send("/status")
    assert (await admin.next_message()).plain_text.split(",")[:2] == before.split(",")[:2]
    await patient.tap("No")  # in the middle of a check when the file broke
    await patient.wait_for("How long have you had it?")
    await walk(server.user(6002, "Jon"), BOOK, timeout=10)  # and from the start
