"""README's two commands are the ones that work: CI runs the same test command; linked docs exist."""

from __future__ import annotations

import re

from dialog_helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", text, re.DOTALL)


def test_readme_opens_with_the_preview_command_and_the_test_command() -> None:
    first, second = _shell_blocks(README)[:2]
    assert first == "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/clinic-bot chat"
    assert second == "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/pytest"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test_command = _shell_blocks(README)[1]
    assert test_command in CI.splitlines()


def test_every_document_the_readme_links_exists() -> None:
    links = re.findall(r"\]\(((?:docs/)?[\w./-]+\.(?:md|yaml))\)", README)
    assert links
    missing = [link for link in links if not (ROOT / link).exists()]
    assert missing == []


def test_every_data_file_of_the_package_is_installed_with_it() -> None:
    """Regression: `pip install .` left out bot/defaults.yaml, so README's first command failed."""
    import fnmatch  # noqa: PLC0415
    import tomllib  # noqa: PLC0415

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["bot"]
    data = [
        path.relative_to(ROOT / "bot").as_posix()
        for path in (ROOT / "bot").rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    ]
    assert data
    assert [name for name in data if not any(fnmatch.fnmatch(name, p) for p in patterns)] == []
