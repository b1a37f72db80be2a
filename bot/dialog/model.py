"""The loaded dialog: frozen data that the engine, checks and renderers share; never a raw dict."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

# (fact, value) pairs, sorted, so that equal fact sets compare and hash equal.
Facts = tuple[tuple[str, str], ...]
# (fact, allowed values) pairs; a condition holds when every listed fact has one of its values.
Condition = tuple[tuple[str, frozenset[str]], ...]


DONE = "!done"  # the answer "Done" of a tick list; no option id can start with '!'


class Urgency(enum.IntEnum):
    """How soon to get help; the order matters: a higher level is more urgent."""

    SELF_CARE = 0
    SOON = 1
    URGENT = 2
    EMERGENCY = 3

    @property
    def key(self) -> str:
        """The name admins write in YAML, e.g. `self_care`."""
        return self.name.lower()

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(level.key for level in cls)


class StepKind(enum.StrEnum):
    ASK = "ask"
    SAY = "say"
    ROUTE = "route"
    OUTCOME = "outcome"


@dataclass(frozen=True)
class Option:
    """An answer button; `id` is what a session stores, so a label can be reworded safely."""

    id: str
    label: str
    next: str
    sets: Facts
    red_flag: Urgency | None
    because: str | None
    line: int
    none: bool = False  # in a tick list: "None of these", which clears every other tick
    asks: tuple[str, ...] = ()  # the red-flag catalogue's signs this answer asks about
    next_line: int = 0  # where `next:` is written, when not on `line`: messages about it point there
    range: tuple[int, int] | None = None  # an age or a duration typed as a number picks this option
    unit: str | None = None  # of `range`: "years" or "days"


@dataclass(frozen=True)
class Rule:
    """One routing rule; an empty `when` is the default that always matches."""

    when: Condition
    next: str
    line: int
    next_line: int = 0  # where `next:` is written, when not on `line`


@dataclass(frozen=True)
class TopicShow:
    topic: str
    when: Condition
    line: int


@dataclass(frozen=True)
class Review:
    """Who checked an outcome's advice and against what; warned about when missing or due."""

    source: str | None
    reviewed_by: str | None
    review_due: str | None


@dataclass(frozen=True)
class Step:
    id: str
    kind: StepKind
    text: str
    why: str | None
    options: tuple[Option, ...]
    rules: tuple[Rule, ...]
    urgency: Urgency | None
    show: tuple[TopicShow, ...]
    safety_net: str | None
    review: Review
    line: int
    lines: Mapping[str, int] = field(default_factory=dict)  # key -> line, e.g. where 'say' is
    many: bool = False  # a "tick all that apply" question: the options are ticked, then Done
    next: str | None = None  # where a tick list leads, whatever is ticked

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    text: str
    line: int
    lines: Mapping[str, int] = field(default_factory=dict)  # 'title' and 'text' -> line


@dataclass(frozen=True)
class Dialog:
    """One validated dialog file; `version` is a hash of its bytes, stored with each session."""

    id: str
    title: str
    start: str
    facts: Mapping[str, tuple[str, ...]]
    steps: Mapping[str, Step]
    topics: Mapping[str, Topic]
    disclaimer: str
    safety_net: str
    contact: str
    path: str
    version: str
    lines: Mapping[str, int] = field(default_factory=dict)  # top-level key -> line, for messages
    catalogue: str | None = None  # the red-flag catalogue file, relative to the dialog's folder
    catalogue_exclude: Mapping[str, str] = field(default_factory=dict)  # sign id -> why it is not asked


def holds(condition: Condition, facts: Mapping[str, str]) -> bool:
    """True when every fact named in `condition` has one of the allowed values."""
    return all(facts.get(fact) in allowed for fact, allowed in condition)


@dataclass(frozen=True)
class Exit:
    """One way out of a step: taken on `option` (None: a tick list's Done, or a routing rule) when
    `when` holds and none of `unless` does."""

    target: str
    option: Option | None
    when: Condition = ()
    unless: tuple[Condition, ...] = ()


def exits(step: Step) -> Iterator[Exit]:
    """Every way out of a step; the one statement of how routing works, read by the engine, the
    safety proof, the outcome table, `diff` and the graph alike.

    A routing step takes its first rule whose `when` holds (the last rule has none), so a rule's
    exit holds when its own condition does and no earlier rule's does.
    """
    if step.kind is StepKind.ROUTE:
        earlier: list[Condition] = []
        for rule in step.rules:
            yield Exit(rule.next, None, rule.when, tuple(earlier))
            earlier.append(rule.when)  # an empty `when` holds always: rules after it are never taken
    elif step.many and step.next is not None:
        yield Exit(step.next, None)
    else:
        for option in step.options:
            yield Exit(option.next, option)


def taken(way: Exit, facts: Mapping[str, str]) -> bool:
    """Whether `facts` send a patient through this exit of a routing step."""
    return holds(way.when, facts) and not any(holds(c, facts) for c in way.unless)


def route(step: Step, facts: Mapping[str, str]) -> str:
    """Where a routing step leads for these facts."""
    return next(way.target for way in exits(step) if taken(way, facts))
