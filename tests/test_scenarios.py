"""Admin scenario files: answers in, expected advice out, with failures an admin can act on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from dialog_helpers import DIALOGS, MINIMAL, ROOT, edit

from bot.cli import main
from bot.dialog.engine import Engine
from bot.dialog.loader import load_dialog
from bot.problems import LoadError
from bot.scenarios import load_scenarios, run_scenario

SCENARIOS = DIALOGS / "scenarios"


def _scenario_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "example-scenarios.yaml"
    path.write_text("dialog: example\nscenarios:\n" + body, encoding="utf-8")
    return path


def _results(path: Path, values: dict[str, str]) -> list[str]:
    engine = Engine(load_dialog(DIALOGS / "example.yaml"), values)
    return [str(run_scenario(engine, scenario)) for scenario in load_scenarios(path)]


def test_the_shipped_scenarios_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test"]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("65 passed, 0 failed")


def test_a_wrong_expectation_names_the_file_line_and_what_differs(
    tmp_path: Path, values: dict[str, str]
) -> None:
    path = _scenario_file(
        tmp_path,
        '  - name: "long pain"\n'
        '    answers: ["Start", "No", "A week or more"]\n'
        "    expect: {level: urgent, topics: []}\n",
    )
    assert _results(path, values) == [
        f"FAIL  {path}:3: long pain: expected level urgent, got soon; expected topics [], got [about]"
    ]


def test_an_answer_that_fits_no_option_names_the_options_offered(
    tmp_path: Path, values: dict[str, str]
) -> None:
    path = _scenario_file(tmp_path, '  - answers: ["Start", "Perhaps"]\n    expect: {level: soon}\n')
    assert _results(path, values) == [
        f"FAIL  {path}:3: scenario 1: answer 2 'Perhaps' does not fit step 'danger' (options: 'Yes', 'No')"
    ]


def test_too_few_and_too_many_answers_are_explained(tmp_path: Path, values: dict[str, str]) -> None:
    path = _scenario_file(
        tmp_path,
        '  - answers: ["Start"]\n    expect: {level: soon}\n'
        '  - answers: ["Start", "Yes", "No"]\n    expect: {level: emergency}\n',
    )
    assert _results(path, values) == [
        f"FAIL  {path}:3: scenario 1: after the last answer the check still asks at step 'danger'",
        f"FAIL  {path}:5: scenario 2: the check ended at 'call_now' before answer 3 ('No')",
    ]


def test_a_broken_scenario_file_is_refused_with_its_line(tmp_path: Path) -> None:
    path = _scenario_file(tmp_path, '  - answers: ["Start"]\n    expect: {level: later}\n')
    with pytest.raises(LoadError) as error:
        load_scenarios(path)
    assert str(error.value) == (
        f"{path}:4: scenario 1: 'later' is not a level; use one of self_care, soon, urgent, emergency"
    )


def test_clinic_bot_test_exits_1_and_summarises_when_a_scenario_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _scenario_file(tmp_path, '  - answers: ["Start", "Yes"]\n    expect: {level: self_care}\n')
    assert main(["test", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out
    assert out.rstrip().endswith("0 passed, 1 failed")


def test_a_recorded_preview_becomes_a_scenario_that_passes(tmp_path: Path) -> None:
    record = tmp_path / "recorded.yaml"
    chat = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "example", "--record", str(record)],
        input="1\nno\n2\nback\n1\nquit\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
        check=True,
    )
    assert f"(Recorded as scenario 2 in {record}.)" in chat.stdout
    scenarios = load_scenarios(record)
    assert [s.answers for s in scenarios] == [
        ("Start", "No", "A week or more"),
        ("Start", "No", "Less than a week"),
    ]
    assert [s.outcome for s in scenarios] == ["book", "home"]
    run = subprocess.run(
        [sys.executable, "-m", "bot", "test", str(record)],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    assert (run.returncode, run.stdout.splitlines()[-1]) == (0, "2 passed, 0 failed")


def test_a_dialog_that_does_not_load_is_reported_once_with_paths_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not once per scenario (it was 43 times), and relative to the current folder like the docs."""
    (tmp_path / "dialogs" / "scenarios").mkdir(parents=True)
    broken = edit(edit(MINIMAL, "id: mini", "id: mini2"), "next: how_long}", "next: how_lnog}")
    (tmp_path / "dialogs" / "mini2.yaml").write_text(broken, encoding="utf-8")
    three = '  - answers: ["No"]\n    expect: {level: soon}\n' * 3
    (tmp_path / "dialogs" / "scenarios" / "mini2.yaml").write_text(
        "dialog: mini2\nscenarios:\n" + three, encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["test"]) == 1
    assert capsys.readouterr().out == (
        "FAIL  dialogs/scenarios/mini2.yaml:3: scenario 1: cannot load dialog 'mini2', so none of the 3 "
        "scenarios in this file ran: dialogs/mini2.yaml:15: step 'first': unknown next step 'how_lnog' "
        "(did you mean 'how_long'?)\n"
        "0 passed, 1 failed\n"
    )
