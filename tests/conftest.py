"""Shared fixtures: a way to write a dialog to a file, and the default placeholder values."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
