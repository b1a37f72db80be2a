"""What goes live: with `signoff: required` only signed content; every publication is announced."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_config
from bot.dialog.loader import load_dialog
from bot.dialog.signoff import sign, signoff_path
from bot.library import DialogLibrary
from bot.problems import ConfigError, DialogError

ROOT = Path(__file__).resolve().parent.parent
VALUES = {"emergency_number": "911", "clinic_name": "C", "clinic_phone": "1", "booking_url": "u"}
QUESTION = "Do you have trouble breathing right now?"
REFUSED = "The dialog edit was refused; the last good version is still live."


@pytest.fixture
def dialog_file(tmp_path: Path) -> Path:
    path = tmp_path / "example.yaml"
    shutil.copy(ROOT / "dialogs" / "example.yaml", path)
    return path


def _sign(path: Path) -> None:
    sign(load_dialog(path), path, "Dr Ada Lee, GP", datetime.date(2026, 12, 1))


def _reword(path: Path, old: str = QUESTION, new: str = "Trouble breathing?") -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_required_refuses_to_start_on_a_dialog_nobody_signed(dialog_file: Path) -> None:
    with pytest.raises(DialogError) as error:
        DialogLibrary(dialog_file, VALUES, signoff_required=True)
    assert str(error.value) == (
        f"{dialog_file}: not signed off, and signoff: required serves only signed content; "
        f'after the clinician\'s review: clinic-bot sign {dialog_file} --by "Name, role"'
    )


def test_required_refuses_an_unsigned_edit_and_the_signed_version_keeps_serving(dialog_file: Path) -> None:
    _sign(dialog_file)
    library = DialogLibrary(dialog_file, VALUES, signoff_required=True)
    signed = library.engine()
    _reword(dialog_file)
    publication = library.publish()
    assert publication is not None
    assert not publication.live
    assert publication.text == (
        f"{REFUSED}\n"
        f"{dialog_file}: changed since the sign-off by Dr Ada Lee, GP on 2026-12-01 (1 change(s)), and "
        "signoff: required serves only signed content; after the clinician's review: "
        f'clinic-bot sign {dialog_file} --by "Name, role"\n'
        "What the edit would change for patients:\n"
        f'danger.ask: "{QUESTION}" → "Trouble breathing?"'
    )
    assert library.engine() is signed
    assert library.status().last_problems == publication.problems
    _reword(dialog_file, "Trouble breathing?", "Any trouble breathing?")  # another edit, as many changes
    again = library.publish()
    assert again is not None
    assert again.text.endswith(f'danger.ask: "{QUESTION}" → "Any trouble breathing?"')


def test_once_signed_the_edit_goes_live_and_the_admins_are_told(dialog_file: Path) -> None:
    _sign(dialog_file)
    library = DialogLibrary(dialog_file, VALUES, signoff_required=True)
    old = library.engine().dialog.version
    _reword(dialog_file)
    assert library.publish() is not None  # refused
    _sign(dialog_file)
    publication = library.publish()
    assert publication is not None
    new = library.engine().dialog.version
    assert publication.text == (
        f"Dialog example version {new} is live (it replaces version {old}).\n"
        "Signed off by Dr Ada Lee, GP on 2026-12-01.\n"
        "What changed for patients:\n"
        f'danger.ask: "{QUESTION}" → "Trouble breathing?"'
    )
    assert library.engine().dialog.steps["danger"].text == "Trouble breathing?"
    assert library.status().last_problems == ()
    assert library.publish() is None  # nothing new


def test_with_warn_an_unsigned_edit_goes_live_with_a_warning(dialog_file: Path) -> None:
    _sign(dialog_file)
    library = DialogLibrary(dialog_file, VALUES)
    _reword(dialog_file)
    publication = library.publish()
    assert publication is not None
    assert publication.live
    assert publication.text.splitlines()[1] == (
        "Warning: changed since the sign-off by Dr Ada Lee, GP on 2026-12-01 (1 change(s)); "
        f"have a clinician review it (clinic-bot sign {dialog_file})."
    )


def test_a_sign_off_alone_is_announced_and_shown_on_status(dialog_file: Path) -> None:
    library = DialogLibrary(dialog_file, VALUES)
    assert library.status().notes == (
        f"Warning: not signed off; have a clinician review it (clinic-bot sign {dialog_file}).",
    )
    _sign(dialog_file)
    publication = library.publish()
    assert publication is not None
    assert publication.text == "Dialog example: Signed off by Dr Ada Lee, GP on 2026-12-01."
    assert library.status().notes == ("Signed off by Dr Ada Lee, GP on 2026-12-01.",)


def test_a_broken_edit_is_announced_with_its_problems_once(dialog_file: Path) -> None:
    library = DialogLibrary(dialog_file, VALUES)
    _reword(dialog_file, "next: how_long", "next: how_lnog")
    publication = library.publish()
    assert publication is not None
    assert publication.text == (
        f"{REFUSED}\n{dialog_file}:32: step 'danger': unknown next step 'how_lnog' (did you mean 'how_long'?)"
    )
    assert library.publish() is None  # the same file again: the admins know
    assert library.reload() == publication.problems == library.status().last_problems


def test_a_broken_sign_off_file_refuses_with_required_and_warns_with_warn(dialog_file: Path) -> None:
    _sign(dialog_file)
    record = signoff_path(dialog_file)
    record.write_text(
        record.read_text(encoding="utf-8").replace("signed_on: '2026-12-01'", "signed_on: soon")
    )
    with pytest.raises(DialogError) as error:
        DialogLibrary(dialog_file, VALUES, signoff_required=True)
    assert str(error.value) == f"{record}:6: signed_on 'soon' is not a date like 2026-12-31"
    library = DialogLibrary(dialog_file, VALUES)
    assert library.status().notes == (
        "The sign-off file is broken (see clinic-bot validate); patients get content nobody signed.",
    )


def test_overdue_reviews_are_told_at_start_and_on_status(dialog_file: Path) -> None:
    _reword(
        dialog_file,
        '    review_due: "2099-12-31"\n\n  book:',  # call_now's
        '    review_due: "2020-01-31"\n\n  book:',
    )
    library = DialogLibrary(dialog_file, VALUES)
    overdue = "step 'call_now': the clinical review was due on 2020-01-31; review the advice"
    assert library.notice_at_start() == f"Dialog example: 1 clinical review(s) overdue.\n{overdue}"
    assert library.status().notes[1:] == (overdue,)
    assert overdue in library.warnings()


def test_the_signoff_setting_is_required_or_warn(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("signoff: always\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(config, environ={})
    assert str(error.value) == (
        f"{config}:1: signoff should be required (serve only what a clinician signed) or warn, not 'always'"
    )
    config.write_text("signoff: required\n", encoding="utf-8")
    assert load_config(config, environ={}).signoff_required
    assert not load_config(None, environ={}).signoff_required  # the default: warn


def test_run_with_required_refuses_to_start_on_an_unsigned_dialog(
    dialog_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = dialog_file.parent / "config.yaml"
    config.write_text(
        'dialogs: .\ndialog: example\nclinic:\n  emergency_number: "911"\nsignoff: required\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    assert main(["--config", str(config), "run"]) == 1
    assert capsys.readouterr().err == (
        f"{dialog_file}: not signed off, and signoff: required serves only signed content; "
        f'after the clinician\'s review: clinic-bot sign {dialog_file} --by "Name, role"\n'
    )
