"""Rewrite the output of every ```console block in docs/ with what the commands print now.

Run it after changing a message: `.venv/bin/python tests/update_docs.py`, then read the diff of docs/.
tests/test_docs.py fails until the docs show the real output, so a change cannot go unnoticed; this
only saves copying it by hand. Typed lines of a `clinic-bot chat` transcript are kept after its prompts.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_docs import CONSOLES, Block, _script, run_console


def regenerate(block: Block) -> str:
    """The block's text with each command followed by its real output."""
    parts = []
    for command, typed, _expected in _script(block):
        output = run_console(command, typed).rstrip("\n")
        if typed:  # put back what was typed after each prompt, as a terminal shows it
            output = _with_typed(output, iter(typed.splitlines()))
        parts.append(f"$ {command}\n{output.rstrip()}\n")
    return "".join(parts)


def _with_typed(output: str, lines: Iterator[str]) -> str:
    return re.sub(r"^> ", lambda m: f"> {next(lines, '')}".rstrip() + "\n", output, flags=re.MULTILINE)


def main() -> None:
    for path in sorted({block.path for block in CONSOLES}):
        text = path.read_text(encoding="utf-8")
        for block in (b for b in CONSOLES if b.path == path):
            indent = re.match(r" *", text.splitlines()[block.line - 1])[0]  # type: ignore[index]
            old = "".join(indent + line if line.strip() else line for line in block.text.splitlines(True))
            new = "".join(
                indent + line if line.strip() else line for line in regenerate(block).splitlines(True)
            )
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
