"""Range answers: "45", "I'm 45", "2 weeks", "since yesterday" picks the option whose `range` holds it.

Conservative: only at a question whose options declare ranges, only a text that is a quantity and
nothing else, and a bare number that could also be an option's number is asked about, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import texts
from bot.dialog.model import Option

_DAYS_PER = {
    "day": 1,
    "days": 1,
    "week": 7,
    "weeks": 7,
    "wk": 7,
    "wks": 7,
    "month": 30,
    "months": 30,
    "year": 365,
    "years": 365,
    "yr": 365,
    "yrs": 365,
}
_YEARS = frozenset({"year", "years", "yr", "yrs", "y"})
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_DAYS_AGO = {"today": 0, "yesterday": 1}
# Words around a quantity that change nothing: "I'm 45", "about a month", "for 2 weeks now".
_FILLER = frozenset(
    {"im", "i", "am", "about", "around", "roughly", "nearly", "almost", "since", "for", "ago", "old", "now"}
)


def quantity(said: str, unit: str) -> tuple[int, bool] | None:
    """The value of a normalised text in `unit` ("years" or "days"), and whether it was a bare number;
    None when the text is not just a quantity."""
    words = [w for w in said.split() if w not in _FILLER]
    if len(words) == 1 and words[0] in _DAYS_AGO and unit == "days":
        return _DAYS_AGO[words[0]], False
    if len(words) == 1 and words[0] in _DAYS_PER:
        words = ["1", words[0]]  # "since last week" is not handled, "a week" is ("a" is a number)
    if not 1 <= len(words) <= 2:
        return None
    first = words[0]
    if first.isascii() and first.isdigit() and len(first) <= 3:
        number = int(first)
    elif first in _NUMBER_WORDS:
        number = _NUMBER_WORDS[first]
    else:
        return None
    if len(words) == 1:
        return number, first.isdigit()
    said_unit = words[1]
    if unit == "years":
        return (number, False) if said_unit in _YEARS else None
    per = _DAYS_PER.get(said_unit)
    return None if per is None else (number * per, False)


def by_range(said: str, options: Sequence[Option]) -> Option | None:
    """The option whose range holds the quantity typed; None when none does, or the text is a bare
    number that could also be an option's number (`range_hint` then asks)."""
    found = _found(said, options)
    if found is None:
        return None
    value = found[0]
    holding = [o for o in options if o.range is not None and o.range[0] <= value <= o.range[1]]
    held = holding[0] if len(holding) == 1 else None
    if _ambiguous(found, options) and held is not options[value - 1]:
        return None  # "2": 2 days and option 2 are different answers; `range_hint` asks which
    return held


def range_hint(said: str, options: Sequence[Option]) -> str | None:
    """ "2" at "How long?": "Did you mean 2 days (...) or option 2 (...)?", never a guess."""
    found = _found(said, options)
    if found is None or not _ambiguous(found, options):
        return None
    value, unit = found[0], _unit(options)
    holding = next((o for o in options if o.range and o.range[0] <= value <= o.range[1]), None)
    if holding is options[value - 1]:
        return None  # the same answer either way: taken as it is
    return texts.number_or_option(
        value, unit or "", holding.label if holding else None, options[value - 1].label
    )


def _unit(options: Sequence[Option]) -> str | None:
    return next((o.unit for o in options if o.unit is not None), None)


def _found(said: str, options: Sequence[Option]) -> tuple[int, bool] | None:
    unit = _unit(options)
    return None if unit is None else quantity(said, unit)


def _ambiguous(found: tuple[int, bool], options: Sequence[Option]) -> bool:
    value, bare = found
    return bare and 1 <= value <= len(options)
