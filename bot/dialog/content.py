"""What a clinician signs: every word a patient reads and everything that decides the advice.

The content is built by walking the model's dataclasses field by field, so a field added to the model
is signed without anyone remembering to add it here; only bookkeeping (lines, the file's path and
version, and the review metadata that the sign-off itself replaces) is left out. The result is plain
data (texts, lists, mappings) that can be written as YAML, read back and compared.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from collections.abc import Mapping

from bot.dialog.model import Dialog, Step, StepKind

# Plain data: what the snapshot file holds. Lists keep their order (options, rules); mappings do not
# matter in order (steps, topics, facts), since the hash sorts their keys.
Plain = str | list["Plain"] | dict[str, "Plain"]

# Not content: where things are written, the file's identity, and who reviewed it before.
SKIPPED = frozenset({"line", "next_line", "lines", "path", "version", "review"})

# A few fields read better under the name admins write in YAML.
_NAMES = {"urgency": "level", "rules": "route", "sets": "set"}


def content(dialog: Dialog) -> dict[str, Plain]:
    """The signed content of a dialog."""
    return _record(dialog, set())


def covered(dialog: Dialog) -> set[tuple[str, str]]:
    """(class, field) of every model field that holds content in `dialog`; for the coverage test."""
    seen: set[tuple[str, str]] = set()
    _record(dialog, seen)
    return seen


def content_hash(data: Mapping[str, Plain]) -> str:
    """A SHA-256 of the content, the same whatever order the steps are written in."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def field_name(owner: object, name: str) -> str:
    """The name a field has in the content: a step's text is its `ask` or `say`."""
    if isinstance(owner, Step) and name == "text":  # the key it is written under: ask, say, ...
        return "say" if owner.kind in (StepKind.OUTCOME, StepKind.ROUTE) else owner.kind.value
    return _NAMES.get(name, name)


def _record(value: object, seen: set[tuple[str, str]], *, key: str | None = None) -> dict[str, Plain]:
    out: dict[str, Plain] = {}
    for item in dataclasses.fields(value):  # type: ignore[arg-type]
        if item.name in SKIPPED:
            continue
        if item.name == "id" and key is not None:
            seen.add((type(value).__name__, item.name))  # in a mapping of records, the key is the id
            continue
        plain = _plain(getattr(value, item.name), seen)
        if plain is not None:
            seen.add((type(value).__name__, item.name))
            out[field_name(value, item.name)] = plain
    return out


def _plain(value: object, seen: set[tuple[str, str]]) -> Plain | None:
    """`value` as plain data; None, False, "" and empty collections are absent (so are new defaults)."""
    if value is None or value is False or value == "":
        return None
    if isinstance(value, bool | enum.Enum | str | int | float):
        return _scalar(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _record(value, seen)
    if isinstance(value, Mapping):
        return _mapping(value, seen)
    if isinstance(value, frozenset | set):
        words: list[Plain] = [*sorted(str(_plain(item, seen)) for item in value)]
        return words or None
    if isinstance(value, tuple | list):
        return _sequence(value, seen)
    raise TypeError(f"the sign-off cannot show a {type(value).__name__}; teach bot/dialog/content.py")


def _scalar(value: bool | enum.Enum | str | int | float) -> str:
    if value is True:
        return "yes"
    if isinstance(value, enum.Enum):
        return value.name.lower()
    return str(value)


def _mapping(value: Mapping[object, object], seen: set[tuple[str, str]]) -> dict[str, Plain] | None:
    out: dict[str, Plain] = {}
    for key, item in value.items():
        plain = (
            _record(item, seen, key=str(key))
            if dataclasses.is_dataclass(item) and getattr(item, "id", None) == key
            else _plain(item, seen)
        )
        if plain is not None:
            out[str(key)] = plain
    return out or None


def _sequence(value: tuple[object, ...] | list[object], seen: set[tuple[str, str]]) -> Plain | None:
    pairs = [item for item in value if _is_pair(item)]
    keys = {str(pair[0]) for pair in pairs if isinstance(pair, tuple)}
    if value and len(pairs) == len(keys) == len(value):  # (fact, value) pairs: a condition, a set
        return _mapping({str(pair[0]): pair[1] for pair in pairs if isinstance(pair, tuple)}, seen)
    items = [plain for item in value if (plain := _plain(item, seen)) is not None]
    return items or None


def _is_pair(item: object) -> bool:
    return isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
