"""`clinic-bot` as an admin and a script use it: exit codes, messages on stderr, never a traceback."""

from __future__ import annotations

import asyncio
import importlib.metadata
import io
import json
import os
import queue
import sqlite3
import subprocess
import sys
import threading

import pytest
from dialog_helpers import DIALOGS, EXAMPLE, MINIMAL, ROOT, edit

from bot.cli import main
from bot.store import SqliteStore

TIMEOUT = 30  # seconds; only reached when the bot hangs


def run(*args, stdin="", cwd=ROOT):
    """`python -m bot ARGS` in a fresh process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=TIMEOUT,
        check=False,
    )


# --- validate -----------------------------------------------------------------------------------


def test_validate_accepts_a_good_dialog_with_exit_0(write_dialog, capsys):
    path = write_dialog(MINIMAL)
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"{path}: ok (6 steps, 3 outcomes")


def test_validate_refuses_a_broken_dialog_with_exit_1_and_every_problem_on_stderr(write_dialog, capsys):
    text = edit(MINIMAL, "start: first", "start: frist")
    path = write_dialog(edit(text, "show: [rest]", "show: [rset]"))
    assert main(["validate", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"{path}:3: start: there is no step 'frist' (did you mean 'first'?)\n"
        f"{path}:31: step 'book': unknown topic 'rset' (did you mean 'rest'?)\n"
    )


def test_validate_checks_every_dialog_in_a_folder(write_dialog, capsys):
    good = write_dialog(MINIMAL)
    bad = write_dialog(edit(MINIMAL, "id: mini", "id: other"), name="broken")
    assert main(["validate", str(good.parent)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{good}: ok (")
    assert f"{bad}:1: id 'other' differs from the file name; name the file other.yaml\n" in captured.err


def test_validate_the_shipped_dialogs_folder_passes():
    result = run("validate", "dialogs")
    assert result.returncode == 0, result.stderr
    assert f"{DIALOGS.name}/example.yaml: ok (8 steps, 3 outcomes" in result.stdout


def test_validate_an_empty_folder_says_no_dialogs_were_found(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"no dialog files (*.yaml) found in {tmp_path}\n"


def test_validate_a_missing_file_says_it_cannot_be_read(tmp_path, capsys):
    path = tmp_path / "nothing.yaml"
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().err == f"{path}:1: cannot read the file: No such file or directory\n"


# --- chat ---------------------------------------------------------------------------------------


class JsonChat:
    """`clinic-bot chat --json` in a subprocess, driven one line at a time like a script would."""

    def __init__(self, *args):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat", "--json", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.process.stdout:
            self.lines.put(line)

    def read(self):
        """The next JSON object; fails (instead of hanging) if the bot did not flush it."""
        try:
            return json.loads(self.lines.get(timeout=TIMEOUT))
        except queue.Empty:
            pytest.fail("no reply: the bot did not flush its output")

    def send(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.read()

    def close(self):
        self.process.stdin.close()
        code = self.process.wait(timeout=TIMEOUT)
        stderr = self.process.stderr.read()
        self.process.stdout.close()
        self.process.stderr.close()
        return code, stderr


WELCOME = "Example check (a format demo)\nThis is an example. It is not medical advice, and not a diagnosis."


def test_chat_json_answers_each_line_at_once_with_one_json_object():
    chat = JsonChat("example")
    try:
        first = chat.read()
        assert first == {
            "step": "welcome",
            "text": "Hi! This short example shows how a check works. In an emergency, call 911.",
            "options": ["Start", "Read about the format"],
            "outcome": None,
            "notice": None,
            "welcome": "**Example check (a format demo)**\n" + WELCOME.split("\n", 1)[1],
        }
        assert chat.send("1")["step"] == "danger"
        assert chat.send("why") == {"step": "danger", "why": "Trouble breathing can be an emergency."}
        assert chat.send("no")["options"] == ["Less than a week", "A week or more"]
        unclear = chat.send("maybe")
        assert (unclear["step"], unclear["notice"][:10]) == ("how_long", "Sorry, I d")
        done = chat.send("a week or more")
        assert (done["step"], done["options"], done["outcome"]) == (
            "book",
            [],
            {"urgency": "soon", "topics": ["about"]},
        )
        assert chat.send("back")["step"] == "how_long"
        assert chat.send("restart")["step"] == "welcome"
    finally:
        code, stderr = chat.close()
    assert (code, stderr) == (0, "")


def test_chat_json_ends_on_quit():
    result = run("chat", "--json", "example", stdin="1\nquit\n1\n")
    assert [json.loads(line)["step"] for line in result.stdout.splitlines()] == ["welcome", "danger"]
    assert (result.returncode, result.stderr) == (0, "")


def test_chat_in_the_terminal_numbers_the_options_and_understands_commands():
    result = run("chat", "example", stdin="1\nwhy\nback\nrestart\n2\nquit\n")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "Type a number or the answer's words; also: back, restart, why, quit.\n\n"
        f"{WELCOME}\n\n"
        "Hi! This short example shows how a check works. In an emergency, call 911.\n"
        "  1. Start\n  2. Read about the format\n\n"
        "> Do you have trouble breathing right now?\n  1. Yes\n  2. No\n\n"
        "> Trouble breathing can be an emergency.\n\n"
        "> Hi! This short example shows how a check works. In an emergency, call 911.\n"
        "  1. Start\n  2. Read about the format\n\n"
        f"> {WELCOME}\n\n"  # restart: a new check, welcomed as the first one was
        "Hi! This short example shows how a check works. In an emergency, call 911.\n"
        "  1. Start\n  2. Read about the format\n\n"
        "> Here is a topic, shown from a menu.\n\nAbout this example\n"
        "Topics hold the teaching text. Outcomes show the topics that match the answers.\n"
        "  1. Start the check\n\n"
        "> "
    )


def test_chat_in_the_terminal_ends_quietly_at_the_end_of_input():
    result = run("chat", "example", stdin="1\n")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.endswith("  1. Yes\n  2. No\n\n> \n")


def test_chat_takes_a_dialog_file_path(write_dialog, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"x": 1}\n'))
    path = write_dialog(MINIMAL)
    assert main(["chat", "--json", str(path)]) == 0
    replies = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [reply["step"] for reply in replies] == ["first", "first"]


def test_chat_with_an_unknown_dialog_name_says_where_it_looked(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["chat", "nosuch"]) == 1
    assert capsys.readouterr().err == (
        "clinic-bot: no dialog 'nosuch': it is not a file, "
        f"and there is no nosuch.yaml in {tmp_path}/dialogs/\n"
    )


def test_chat_refuses_a_broken_dialog_with_its_problems(write_dialog, capsys):
    path = write_dialog(edit(MINIMAL, "next: how_long}", "next: how_lnog}"))
    assert main(["chat", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"{path}:15: step 'first': unknown next step 'how_lnog' (did you mean 'how_long'?)\n"
    )


def test_a_broken_config_file_is_refused_with_its_line(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text("clinic:\n  phnoe: '555'\n", encoding="utf-8")
    assert main(["--config", str(config), "chat", str(EXAMPLE)]) == 1
    assert capsys.readouterr().err == (
        f"{config}:2: clinic: unknown key 'phnoe' (did you mean 'phone'?); "
        "allowed: booking_url, emergency_number, name, phone\n"
    )


# --- graph and schema ---------------------------------------------------------------------------


def test_graph_draws_mermaid_with_red_flags_and_urgency_colours(capsys):
    assert main(["graph", str(EXAMPLE)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "flowchart TD"
    assert '  decide{"decide: choose by facts"}' in lines
    assert '  danger ==>|"⚠ Yes"| call_now' in lines
    assert '  decide -->|"duration=long"| book' in lines
    assert "  class call_now emergency" in lines


def test_graph_draws_graphviz_dot(capsys):
    assert main(["graph", str(EXAMPLE), "--format", "dot"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('digraph "example" {\n')
    assert out.endswith("}\n")
    assert '  danger -> call_now [label="Yes", color="#d32f2f", penwidth=2];\n' in out
    assert '  decide [label="decide: choose by facts", shape=diamond];\n' in out


def test_the_shipped_schema_file_equals_what_the_loader_knows(capsys):
    """Editors complete keys from dialogs/dialog.schema.json; refresh it with `clinic-bot schema > FILE`."""
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == (DIALOGS / "dialog.schema.json").read_text(encoding="utf-8")


# --- never a traceback --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "tests"),
        ("validate", "pyproject.toml"),
        ("validate", "no/such/file.yaml"),
        ("chat", "no-such-dialog"),
        ("graph", "README.md"),
        ("--config", "pyproject.toml", "graph"),
        ("--config", "no/such/config.yaml", "chat"),
        ("no-such-command",),
    ],
    ids=" ".join,
)
def test_bad_input_gives_a_message_and_an_exit_code_never_a_traceback(args):
    result = run(*args)
    assert result.returncode in (1, 2)
    assert result.stderr.strip()
    assert "Traceback" not in result.stderr


def test_run_with_an_unreachable_database_says_so_in_one_line(tmp_path):
    """Regression: a PostgreSQL server that is not there ended `run` with a psycopg traceback."""
    (tmp_path / "dialogs").mkdir()
    (tmp_path / "dialogs" / "example.yaml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(
        "storage:\n  url: postgresql://nobody@127.0.0.1:1/nowhere\ndialogs: dialogs\ndialog: example\n"
        'clinic:\n  emergency_number: "911"\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "run"],
        env={**os.environ, "TELEGRAM_BOT_TOKEN": "1:fake"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"{config}:2: storage.url: cannot open the session store (connection to server at "
        '"127.0.0.1", port 1 failed: Connection refused); check the address and that the server runs'
    ]


def test_run_on_a_session_file_that_cannot_be_written_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    """Regression: a read-only SQLite file ended `run` in a traceback from the start-up purge.

    The tests run as root, whom file modes do not stop, so the file is opened read-only (`mode=ro`) as
    SQLite opens a file the bot's user may only read."""
    (tmp_path / "dialogs").mkdir()
    (tmp_path / "dialogs" / "example.yaml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(
        "storage:\n  url: sqlite:///sessions.sqlite3\ndialogs: dialogs\ndialog: example\n"
        'clinic:\n  emergency_number: "911"\n',
        encoding="utf-8",
    )
    asyncio.run(SqliteStore(str(tmp_path / "sessions.sqlite3")).close())
    connect = sqlite3.connect
    monkeypatch.setattr(
        sqlite3, "connect", lambda path, **kw: connect(f"file:{path}?mode=ro", uri=True, **kw)
    )
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:AAHfake-token-of-the-right-shape-000000")
    assert main(["--config", str(config), "run"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{config}:2: storage.url: cannot open the session store (attempt to write a readonly database); "
        "check that the bot's user may write the file and its folder"
    ]


def _clinic_config(tmp_path):
    (tmp_path / "dialogs").mkdir(exist_ok=True)
    (tmp_path / "dialogs" / "example.yaml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(
        'dialogs: dialogs\ndialog: example\nclinic:\n  emergency_number: "911"\n', encoding="utf-8"
    )
    return config


def test_the_config_option_may_also_come_after_the_command(tmp_path, monkeypatch, capsys):
    """`clinic-bot run --config FILE` is how people type it; it failed with a usage error."""
    config = _clinic_config(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["graph", "--config", str(config)]) == main(["--config", str(config), "graph"]) == 0
    out = capsys.readouterr().out
    assert out.count("flowchart") == 2
    assert main(["run", "--config", str(config)]) == 1
    assert capsys.readouterr().err.startswith(f"{config}:")  # the clinic's own file, not the defaults


def test_version_prints_the_installed_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"clinic-bot {importlib.metadata.version('clinic-bot')}"


def test_validate_without_a_path_checks_the_configured_dialogs_folder(tmp_path, capsys):
    config = _clinic_config(tmp_path)
    assert main(["--config", str(config), "validate"]) == 0
    assert capsys.readouterr().out.startswith(f"{tmp_path / 'dialogs' / 'example.yaml'}: ok (")


def test_run_without_a_config_file_says_so_without_naming_a_file_that_does_not_exist(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:AAHfake-token-of-the-right-shape-000000")
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert "config.yaml:" not in err
    assert err.startswith("clinic-bot run: no config file")
    assert "--config" in err


@pytest.mark.parametrize(
    "token",
    ["bot123456789:AAH-abc", "123456789 AAH-abc", "'123456789:AAH-abc'", "123456789:AAH abc", "AAH-abc"],
)
def test_a_token_of_the_wrong_shape_is_refused_before_telegram_is_asked(tmp_path, monkeypatch, capsys, token):
    """A pasted token with quotes, a space or the 'bot' of the URL: say so, and never print it."""
    config = _clinic_config(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    assert main(["--config", str(config), "run"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"{config}: TELEGRAM_BOT_TOKEN does not look like a token from @BotFather (digits, a colon, then "
        "letters, digits, _ or -, as in 123456789:AAE...); copy it again, without quotes or spaces"
    ]


def test_chat_json_with_record_is_refused_rather_than_recording_nothing(tmp_path, capsys):
    record = tmp_path / "recorded.yaml"
    assert main(["chat", str(EXAMPLE), "--json", "--record", str(record)]) == 2
    assert capsys.readouterr().err == (
        "clinic-bot chat: --record works in the interactive preview only, not with --json: "
        "leave out --json to record the checks you finish\n"
    )
    assert not record.exists()


def test_the_guide_says_that_record_does_not_go_with_json():
    guide = " ".join((ROOT / "docs" / "dialog-format.md").read_text(encoding="utf-8").split())
    assert "`--record` works in the interactive preview only; with `--json` it is refused." in guide


def test_validate_without_a_path_names_the_files_as_the_admin_would_type_them():
    """Run in the clinic's folder, the messages say dialogs/x.yaml, not the full path of the machine."""
    result = run("validate")
    assert result.stdout.startswith("dialogs/example.yaml: ok ("), result.stdout
    assert str(ROOT) not in result.stdout + result.stderr
