"""Privacy settings and the bot token: privacy.retention_days, the purge, and the token kept out of every
message and log line, also when the bot cannot start (see tests/e2e/test_private_data.py for the running
bot: /forget, the start-up purge and the logs of whole conversations)."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from bot.config import load_config
from bot.dialog.engine import Session
from bot.problems import ConfigError
from bot.store import SqliteStore
from bot.store.retention import purge_regularly
from bot.telegram.logs import LogHygiene
from testkit import BotApiServer

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:TEST-local-bot-api-token"  # noqa: S105 - the local test server's fake token
SESSION = Session("example", "v1", (("welcome", ("start",)),), "danger")


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sessions_are_kept_30_days_unless_the_config_says_otherwise(tmp_path: Path) -> None:
    assert load_config(None, environ={}).retention_days == 30
    path = _config(tmp_path, "privacy:\n  retention_days: 7\n")
    assert load_config(path, environ={}).retention_days == 7


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "config.yaml:2: privacy.retention_days should be 1 or more (days)"),
        ("-3", "config.yaml:2: privacy.retention_days should be 1 or more (days)"),
        ("a month", "config.yaml:2: privacy.retention_days should be a whole number"),
        ("2.5", "config.yaml:2: privacy.retention_days should be a whole number"),
    ],
)
def test_retention_days_must_be_a_whole_number_of_days(tmp_path: Path, value: str, message: str) -> None:
    path = _config(tmp_path, f"privacy:\n  retention_days: {value}\n")
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    assert str(error.value) == f"{tmp_path}/{message}"


def test_an_unknown_privacy_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    path = _config(tmp_path, "privacy:\n  retention_day: 7\n")
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    assert "privacy: unknown key 'retention_day' (did you mean 'retention_days'?)" in str(error.value)


async def test_the_purge_runs_again_and_again_until_the_bot_stops(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    store = SqliteStore(str(path))
    stop = asyncio.Event()
    purging = asyncio.create_task(purge_regularly(store, 30, stop, every=0.05))
    for chat in (1, 2, 3):
        await store.save(chat, SESSION)
    with sqlite3.connect(path) as db:  # chat 1 is 31 days old, chat 2 a day short of the limit
        db.execute("UPDATE sessions SET updated_at = ? WHERE chat_id = 1", (time.time() - 31 * 86400,))
        db.execute("UPDATE sessions SET updated_at = ? WHERE chat_id = 2", (time.time() - 29 * 86400,))
    async with asyncio.timeout(5):
        while await store.load(1) is not None:
            await asyncio.sleep(0.02)
    assert await store.load(2) is not None
    assert await store.load(3) is not None
    stop.set()
    async with asyncio.timeout(1):
        await purging
    await store.close()


def test_the_token_is_masked_in_any_log_record(caplog: pytest.LogCaptureFixture) -> None:
    """python-telegram-bot writes the token into InvalidToken's text; the filter masks it, traceback too."""
    log = logging.getLogger("test_privacy")
    hygiene = LogHygiene(TOKEN)
    caplog.handler.addFilter(hygiene)
    try:
        log.error("The token `%s` was rejected by the server.", TOKEN)
        try:
            _request_failing_with_the_token_in_its_text()
        except ValueError:
            log.exception("request failed")
    finally:
        caplog.handler.removeFilter(hygiene)
    shown = caplog.text
    assert TOKEN not in shown
    assert TOKEN.partition(":")[2] not in shown
    assert shown.count("<token>") == 2


def _request_failing_with_the_token_in_its_text() -> None:
    raise ValueError(f"https://api.telegram.org/bot{TOKEN}/getMe failed")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _run_bot(tmp_path: Path, base_url: str) -> tuple[int, str]:
    """`clinic-bot run` with this base_url and the test token; its exit code and everything it printed."""
    (tmp_path / "dialogs").mkdir()
    shutil.copy(ROOT / "dialogs" / "example.yaml", tmp_path / "dialogs")
    config = _config(
        tmp_path,
        f"telegram:\n  base_url: {base_url}\nstorage:\n  url: sqlite:///s.sqlite3\ndialogs: dialogs\n"
        'dialog: example\nclinic:\n  emergency_number: "911"\n',
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        "run",
        cwd=tmp_path,
        env={"TELEGRAM_BOT_TOKEN": TOKEN, "PATH": "/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(60):
        output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


async def test_when_the_bot_cannot_start_it_says_why_without_the_token_or_a_traceback(tmp_path: Path) -> None:
    """Nothing listening; a server that refuses the token (401); a wrong path (404); a server failing with
    500 whatever is retried. Each ends the bot with exit code 1 and one clear line naming the setting."""
    async with (
        BotApiServer(token="987654321:another-bots-token") as other,  # noqa: S106 - a fake token
        BotApiServer(token=TOKEN) as failing,
    ):
        failing.faults.server_error("getMe")
        cases = {
            "nothing listening": f"http://127.0.0.1:{_free_port()}/bot",
            "token refused": other.base_url,
            "wrong path": other.base_url.replace("/bot", "/wrong/bot"),
            "server error": failing.base_url,
        }
        for name in cases:
            (tmp_path / name).mkdir()
        results = await asyncio.gather(*(_run_bot(tmp_path / name, url) for name, url in cases.items()))
    for (name, url), (code, output) in zip(cases.items(), results, strict=True):
        assert code == 1, (name, output)
        assert TOKEN not in output, (name, output)
        assert TOKEN.partition(":")[2] not in output, (name, output)
        assert "Traceback" not in output, (name, output)
        last = output.strip().splitlines()[-1]
        assert last.startswith(f"{tmp_path / name}/config.yaml: "), (name, last)
        assert url in last, (name, last)
        if name in {"token refused", "wrong path"}:
            assert "Telegram did not accept the token" in last
        else:
            assert "could not reach the Telegram Bot API" in last
