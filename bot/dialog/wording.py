"""What changed between two versions of a dialog's content, word by word, for a clinician to read.

`clinic-bot diff` shows it after the changed advice, and `validate` shows it for the changes since
the sign-off. A changed text shows only the words that changed, with a few words around them.
"""

from __future__ import annotations

import difflib
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.dialog.content import Plain

CONTEXT_WORDS = 4  # words shown on each side of a change
WIDTH = 100  # longer rows are folded, the rest indented
_NOT_TEXTS = {"id", "kind", "next", "level", "red_flag"}
_KINDS = {"ask": "question", "say": "message", "route": "routing step", "outcome": "outcome"}


@dataclass(frozen=True)
class Change:
    """One difference: `path` names the thing (('steps', 'call_now', 'say')); None is absent."""

    path: tuple[str, ...]
    old: Plain | None
    new: Plain | None

    @property
    def where(self) -> str:
        """The step and field, as admins name them: `call_now.say`, `topics.rest.text`, `title`."""
        path = self.path[1:] if self.path[:1] == ("steps",) else self.path
        return ".".join(path)

    @property
    def is_entity(self) -> bool:
        """A whole question, option or topic added or removed (not a field of one)."""
        return (self.old is None or self.new is None) and _entity(self.path) is not None

    def parts(self) -> list[tuple[str, str, str]]:
        """(what, where, detail) per row, one row per changed passage of a text.

        ("", "call_now.say", '"Call …" → "Rest …"'), or ("new question", "worse", '"Has it got worse?"').
        """
        entity = _entity(self.path)
        if (self.old is None or self.new is None) and entity is not None:
            added = self.old is None
            record = self.new if added else self.old
            what = _entity_words(entity, record)
            return [(f"new {what}" if added else f"{what} removed", self.where, _summary(record))]
        if self.old is None:
            return [("", self.where, f"added {_quote(_text(self.new))}")]
        if self.new is None:
            return [("", self.where, f"removed (was {_quote(_text(self.old))})")]
        if self.path[-1:] == ("options",) and isinstance(self.old, list) and isinstance(self.new, list):
            return [("", self.where, f"order {_ids(self.old)} → {_ids(self.new)}")]
        if _text(self.old) == _text(self.new) and isinstance(self.old, str) and isinstance(self.new, str):
            was, now = _quote(_breaks(self.old)), _quote(_breaks(self.new))
            return [("", self.where, f"{was} → {now} (only spaces or line breaks changed)")]
        changed = word_changes(_text(self.old), _text(self.new))
        return [("", self.where, f"{old} → {new}") for old, new in changed]

    def describe(self) -> list[str]:
        """The change as text rows: `call_now.say: "Call …" → "Rest …"`."""
        return [
            " ".join(filter(None, (what, where))) + (f": {detail}" if detail else "")
            for what, where, detail in self.parts()
        ]


def compare(old: Mapping[str, Plain], new: Mapping[str, Plain]) -> list[Change]:
    """Every difference: changed fields first (in the new version's order), then added and removed things."""
    changes = list(_compare(dict(old), dict(new), ()))
    return [c for c in changes if not c.is_entity] + [c for c in changes if c.is_entity]


def rows(changes: Sequence[Change], indent: str = "", width: int | None = WIDTH) -> list[str]:
    """The changes as text rows, each after `indent`, folded at `width` (None: not folded)."""
    if width is None:
        return [indent + row for change in changes for row in change.describe()]
    return [
        textwrap.fill(
            row,
            width,
            initial_indent=indent,
            subsequent_indent=indent + "    ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        for change in changes
        for row in change.describe()
    ]


def markdown(changes: Sequence[Change]) -> list[str]:
    """The changes as a Markdown list, for a review ticket: each place in `code`, never folded."""
    return [
        "- " + " ".join(filter(None, (what, f"`{where}`"))) + (f": {detail}" if detail else "")
        for change in changes
        for what, where, detail in change.parts()
    ]


def word_changes(old: str, new: str) -> list[tuple[str, str]]:
    """(old words, new words) for each changed passage, quoted, with a little context around it."""
    before, after = old.split(), new.split()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    found = []
    for group in matcher.get_grouped_opcodes(CONTEXT_WORDS):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        found.append((_passage(before, i1, i2), _passage(after, j1, j2)))
    return found


def _passage(words: list[str], start: int, end: int) -> str:
    text = " ".join(words[start:end])
    return _quote(("… " if start > 0 else "") + text + (" …" if end < len(words) else ""))


def _quote(text: str) -> str:
    return f'"{text}"'


def _breaks(text: str) -> str:
    """A text on one line, its line breaks shown as ¶ and runs of spaces as they are."""
    return " ¶ ".join(line.strip() for line in text.splitlines())


def _text(value: Plain | None) -> str:
    """A value as one line of text: `duration: long`, `short, long`."""
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    return "; ".join(f"{key}: {_text(item)}" for key, item in value.items())


def _ids(items: list[Plain]) -> str:
    return ", ".join(str(item.get("id")) for item in items if isinstance(item, dict))


def _compare(old: Plain | None, new: Plain | None, path: tuple[str, ...]) -> Iterator[Change]:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*new, *(k for k in old if k not in new)]:
            yield from _compare(old.get(key), new.get(key), (*path, key))
    elif isinstance(old, list) and isinstance(new, list) and _records(old) and _records(new):
        yield from _compare_records(old, new, path)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new) and not _all_text(old):
        for number, (was, now) in enumerate(zip(old, new, strict=True), start=1):
            yield from _compare(was, now, (*path, str(number)))
    else:
        yield Change(path, old, new)


def _compare_records(old: list[Plain], new: list[Plain], path: tuple[str, ...]) -> Iterator[Change]:
    """Lists of things with an id (options) are matched by id, so that a new one changes nothing else."""
    was = {str(item["id"]): item for item in old if isinstance(item, dict)}
    now = {str(item["id"]): item for item in new if isinstance(item, dict)}
    kept_before = [key for key in was if key in now]
    kept_after = [key for key in now if key in was]
    if kept_before != kept_after:
        yield Change(path, old, new)
    for key in [*now, *(k for k in was if k not in now)]:
        yield from _compare(was.get(key), now.get(key), (*path, key))


def _records(value: Plain | None) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(i, dict) and "id" in i for i in value)


def _all_text(items: list[Plain]) -> bool:
    return all(isinstance(item, str) for item in items)


def _entity(path: tuple[str, ...]) -> str | None:
    """'step', 'option' or 'topic' when `path` names a whole one."""
    if len(path) == 2 and path[0] in ("steps", "topics"):
        return path[0][:-1]
    if len(path) == 4 and path[0] == "steps" and path[2] == "options":
        return "option"
    return None


def _entity_words(entity: str, record: Plain | None) -> str:
    if entity == "step" and isinstance(record, dict):
        return _KINDS.get(str(record.get("kind")), "step")
    return entity


def _summary(record: Plain | None) -> str:
    """The words a patient reads first: a question's text, an option's label, a topic's title."""
    if not isinstance(record, dict):
        return ""
    for key in ("ask", "say", "label", "title"):
        if isinstance(record.get(key), str):
            return _quote(_text(record[key]))
    texts = [v for k, v in record.items() if isinstance(v, str) and k not in _NOT_TEXTS]
    return _quote(_text(texts[0])) if texts else ""  # a kind of step added since
