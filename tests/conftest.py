"""Shared fixtures: a dialog written to a file, the default placeholder values, a PostgreSQL schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
import pytest

from bot.config import load_config


@pytest.fixture
def write_dialog(tmp_path: Path) -> Callable[..., Path]:
    """Write dialog text to `<name>.yaml` in a fresh folder (name defaults to 'mini') and return the path."""

    def write(text: str | bytes, name: str = "mini") -> Path:
        path = tmp_path / f"{name}.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def values() -> dict[str, str]:
    """The placeholder values of the embedded default config, as the bot fills them in."""
    return load_config(None, environ={}).clinic.placeholders()


# --- PostgreSQL: tests marked `postgres` run only when a server is named ---

POSTGRES_VARIABLE = "CLINIC_BOT_TEST_POSTGRES_URL"
_LEFT_OUT = pytest.StashKey[int]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a server, `postgres` tests are deselected (not skipped): nothing there could pass or fail."""
    if os.environ.get(POSTGRES_VARIABLE):
        return
    left_out = [item for item in items if item.get_closest_marker("postgres")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]
    config.stash[_LEFT_OUT] = len(left_out)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if config.stash.get(_LEFT_OUT, 0):
        terminalreporter.write_line(
            f"{config.stash[_LEFT_OUT]} PostgreSQL tests deselected; to include them, set "
            f"{POSTGRES_VARIABLE}=postgresql://postgres@127.0.0.1:5432/test (a database you may write to)"
        )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The server from the environment, in a schema of its own that is dropped afterwards: runs never meet."""
    server = os.environ[POSTGRES_VARIABLE]
    schema = f"clinic_bot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    parts = urlsplit(server)
    query = "&".join(filter(None, [parts.query, urlencode({"options": f"-csearch_path={schema}"})]))
    try:
        yield urlunsplit(parts._replace(query=query))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
