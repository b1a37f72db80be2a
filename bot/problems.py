"""Problems found in files that people edit, reported as `path:line: message`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a file, with the line an editor should jump to."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:  # line 0: about no line in particular, e.g. a file that does not exist
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


class LoadError(Exception):
    """A file was refused; carries every problem found in it, sorted by line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(set(problems)))
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, path: str, line: int, message: str) -> LoadError:
        return cls([Problem(path, line, message)])


class DialogError(LoadError):
    """A dialog file was refused."""


class ConfigError(LoadError):
    """The configuration was refused."""
