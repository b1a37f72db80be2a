"""Typed answers: patients may type a number, the label's words, or a common yes/no."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from bot import texts
from bot.dialog.model import Option
from bot.dialog.ranges import by_range, quantity, range_hint

_YES = frozenset(
    {
        "y",
        "yes",
        "yeah",
        "yep",
        "yup",
        "ya",
        "yea",
        "sure",
        "ok",
        "okay",
        "correct",
        "right",
        "true",
        "i do",
        "i have",
        "it does",
        "it is",
    }
)
_NO = frozenset(
    {
        "n",
        "no",
        "nope",
        "nah",
        "not really",
        "no way",
        "never",
        "none",
        "false",
        "i dont",
        "i do not",
        "i havent",
        "i have not",
        "it doesnt",
        "it isnt",
    }
)
# A negative also means a list's "None of these": patients answer "Do you have any of these?" so.
_NEGATIVE = _NO | {
    "nothing",
    "neither",
    "none of them",
    "none of these",
    "none of those",
    "neither of them",
    "nothing at all",
    "none at all",
}
_PUNCTUATION = re.compile(r"[^\w\s]|_")
# How close (rapidfuzz's ratio, 0 to 100) a text must be to a label to be offered as "Did you mean",
# and by how much it must beat the next label: never a guess between two.
_CLOSE, _MARGIN = 75.0, 10.0


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: 'Yes, it is BAD!' -> 'yes its bad'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_PUNCTUATION.sub("", bare).split())


def _first_word(text: str) -> str:
    return text.split(" ", 1)[0]


def match_option(typed: str, options: Sequence[Option]) -> Option | None:
    """The one option a typed answer means, or None when it is unclear."""
    said = normalise(typed)
    if not said:
        return None
    unit = next((o.unit for o in options if o.unit is not None), None)
    if unit is not None and quantity(said, unit) is not None:  # "45", "2 weeks": never a position
        return by_range(said, options)
    if said.isdigit():
        return _position(said, options)
    labels = [normalise(o.label) for o in options]
    exact = [o for o, label in zip(options, labels, strict=True) if label == said]
    if len(exact) == 1:
        return exact[0]
    for words, answer in ((_YES, "yes"), (_NEGATIVE, "no")):
        if said in words:
            # "Yes" or "Yes, right now" is the option a yes means, when only one starts so.
            meant = _meant(answer, options)
            return meant[0][1] if len(meant) == 1 else None
    return None


def _position(said: str, options: Sequence[Option]) -> Option | None:
    """The option at a typed position; a long run of digits (or of '½') is no position."""
    if not said.isascii() or len(said) > 3:
        return None
    number = int(said)
    return options[number - 1] if 1 <= number <= len(options) else None


def _meant(answer: str, options: Sequence[Option]) -> list[tuple[int, Option]]:
    """The numbered options a yes (or a negative: "No", "None of these") may mean."""
    words = ("no", "none") if answer == "no" else (answer,)
    return [
        (number, o)
        for number, o in enumerate(options, start=1)
        if o.label and (_first_word(normalise(o.label)) in words or (answer == "no" and o.none))
    ]


def explain(typed: str, options: Sequence[Option]) -> str | None:
    """A short hint for a text that answers none of `options`, or None: which options a yes or a no
    could mean, or the one label a misspelling is close to. It never picks: the patient confirms."""
    said = normalise(typed)
    ranged = range_hint(said, options)
    if ranged is not None:
        return ranged
    for words, answer in ((_YES, "Yes"), (_NEGATIVE, "No")):
        meant = _meant(answer.lower(), options) if said in words else []
        if len(meant) > 1:
            return texts.could_mean(answer, [f"'{o.label}' ({number})" for number, o in meant])
    number = close_to(said, options)
    return None if number is None else texts.did_you_mean(options[number - 1].label, number)


def close_to(typed: str, options: Sequence[Option]) -> int | None:
    """The position (from 1) of the one label a misspelling is clearly close to, or None."""
    said = normalise(typed)
    if len(said) < 4 or said.isdigit():
        return None
    labels = {number: normalise(o.label) for number, o in enumerate(options, start=1) if o.label}
    best = process.extract(said, labels, scorer=fuzz.ratio, limit=2)
    if not best or best[0][1] < _CLOSE or (len(best) > 1 and best[1][1] > best[0][1] - _MARGIN):
        return None
    return int(best[0][2])


_LIST_SEPARATORS = re.compile(r"\s*(?:[,;&+/]|\band\b)\s*|\s+", re.IGNORECASE)
_LABEL_SEPARATORS = (re.compile(r"\s*[;\n]\s*"), re.compile(r"\s*,\s*|\s+and\s+", re.IGNORECASE))


def match_ticks(typed: str, options: Sequence[Option]) -> tuple[Option, ...] | None:  # noqa: PLR0911
    """The items a typed answer to a tick list names, or None when it is unclear.

    "none" (or a no) means the list's "None of these"; "1 3", "1, 3" or "1 and 3" are positions;
    otherwise the text is one label, or labels separated by ';', ',' or 'and'.
    """
    said = normalise(typed)
    if not said:
        return None
    nothing = tuple(o for o in options if o.none)
    if said in _NEGATIVE or any(normalise(o.label) == said for o in nothing):
        return nothing or None
    numbers = [part for part in _LIST_SEPARATORS.split(typed.strip()) if part]
    if numbers and all(part.isascii() and part.isdigit() and len(part) <= 3 for part in numbers):
        picked = [int(part) for part in numbers]
        if not all(1 <= n <= len(options) for n in picked):
            return None
        return tuple(dict.fromkeys(options[n - 1] for n in picked))
    whole = match_option(typed, options)
    if whole is not None:
        return (whole,)
    for separator in _LABEL_SEPARATORS:
        found = [match_option(piece, options) for piece in separator.split(typed.strip()) if piece]
        if len(found) > 1 and all(found):
            return tuple(dict.fromkeys(o for o in found if o is not None))
    return None


_BACK_WORDS = frozenset({"back", "go back", "undo", "previous"})
_RESTART_WORDS = frozenset({"restart", "start again", "start over", "begin again", "reset"})


def control_word(typed: str) -> str | None:
    """'back' or 'restart' when a typed text asks for it, else None."""
    said = normalise(typed.removeprefix("/"))
    if said in _BACK_WORDS:
        return "back"
    if said in _RESTART_WORDS:
        return "restart"
    return None
