"""With `signoff: required`, an edit no clinician signed never reaches patients, and admins hear of each."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from botprocess import BotProcess

from testkit import BotApiServer, ScriptedUser

QUESTION = "How long have you had it?"
REWORDED = "Since when have you had it?"


async def _sign(bot: BotProcess) -> None:
    """A clinician signs the dialog in the bot's folder, with the command admins use."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(bot.config),
        "sign",
        "example",
        "--by",
        "Dr Ada Lee, GP",
        cwd=bot.workdir,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()


@pytest.fixture
async def signed_bot(server: BotApiServer, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(server, tmp_path, "example", signoff="required")
    await _sign(process)
    await process.start()
    yield process
    await process.stop()
    assert "Traceback" not in process.logs(), process.logs()


async def _question(user: ScriptedUser) -> str:
    """Walk a new patient to the second question, and return what it asks."""
    await user.send("/start")
    await user.wait_for("Hi!")
    await user.tap("Start")
    await user.wait_for("trouble breathing")
    await user.tap("No")
    return (await user.wait_for("have you had it?")).plain_text.rpartition("\n\n")[2]  # below the answers


async def test_an_unsigned_edit_is_refused_until_a_clinician_signs_it(
    server: BotApiServer, signed_bot: BotProcess
) -> None:
    admin = server.user(9000, "Admin")
    await admin.send("/status")
    status = (await admin.next_message()).plain_text
    assert status.splitlines()[1].startswith("Signed off by Dr Ada Lee, GP on ")
    path = signed_bot.workdir / "dialogs" / "example.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(QUESTION, REWORDED), encoding="utf-8")

    refused = (await admin.wait_for("refused", timeout=10)).plain_text.splitlines()
    assert refused[0] == "The dialog edit was refused; the last good version is still live."
    assert refused[1].startswith(f"{path}: changed since the sign-off by Dr Ada Lee, GP on ")
    assert refused[1].endswith(
        "(1 change(s)), and signoff: required serves only signed content; after the clinician's review: "
        f'clinic-bot sign {path} --by "Name, role"'
    )
    assert refused[2:] == [
        "What the edit would change for patients:",
        f'how_long.ask: "{QUESTION}" → "{REWORDED}"',
    ]
    assert await _question(server.user(2101, "Pat")) == QUESTION  # patients still get the signed words

    await _sign(signed_bot)
    live = (await admin.wait_for("is live", timeout=10)).plain_text.splitlines()
    assert live[1].startswith("Signed off by Dr Ada Lee, GP on ")
    assert live[2:] == ["What changed for patients:", f'how_long.ask: "{QUESTION}" → "{REWORDED}"']
    assert await _question(server.user(2102, "Sam")) == REWORDED


async def test_overdue_reviews_reach_the_admins_at_start_up_and_on_status(
    server: BotApiServer, tmp_path: Path
) -> None:
    admin = server.user(9000, "Admin")
    process = BotProcess(server, tmp_path, "example")
    path = process.workdir / "dialogs" / "example.yaml"
    text = path.read_text(encoding="utf-8")
    due = '    review_due: "2099-12-31"\n'  # the first one is call_now's
    path.write_text(text.replace(due, '    review_due: "2020-01-31"\n', 1), encoding="utf-8")
    overdue = "step 'call_now': the clinical review was due on 2020-01-31; review the advice"
    await process.start()
    try:
        notice = await admin.wait_for("overdue", timeout=10)
        assert notice.plain_text == f"Dialog example: 1 clinical review(s) overdue.\n{overdue}"
        await admin.send("/status")
        status = (await admin.next_message()).plain_text.splitlines()
        assert status[1:] == [
            f"Warning: not signed off; have a clinician review it (clinic-bot sign {path}).",
            overdue,
        ]
    finally:
        await process.stop()
    assert f"WARNING clinic_bot: {overdue}" in process.logs()
