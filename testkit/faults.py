"""Injected failures (flood limits, server errors, slow answers, dropped connections), repeatable by seed."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["status", "delay", "drop"]


@dataclass(eq=False)
class Fault:
    """One active failure rule; `hits` counts the calls it changed."""

    kind: FaultKind
    methods: frozenset[str] | None  # lower-case method names; None for every method
    times: int | None  # how many more calls it may hit; None for no limit
    fraction: float
    status: int = 0
    retry_after: int = 0
    seconds: float = 0.0
    after: bool = False  # drop the connection after doing the work, so the answer is lost
    chat: int | None = None  # only calls about this chat (their chat_id); None for any
    hits: int = 0

    def matches(self, method: str, chat: object = None) -> bool:
        return (
            (self.methods is None or method.lower() in self.methods)
            and self.times != 0
            and (self.chat is None or str(self.chat) == str(chat))
        )


class Faults:
    """The failure rules of one server; fractions draw from a `random.Random(seed)`, so runs repeat."""

    def __init__(self, seed: int = 0) -> None:
        self._random = random.Random(seed)  # noqa: S311 - reproducible test faults, not security
        self._rules: list[Fault] = []

    @property
    def rules(self) -> list[Fault]:
        return list(self._rules)

    def rate_limit(
        self,
        *methods: str,
        retry_after: int = 1,
        times: int | None = None,
        fraction: float = 1.0,
        chat: int | None = None,
    ) -> Fault:
        """Answer 429 "Too Many Requests: retry after N" with `parameters.retry_after`, as flood control;
        `chat` limits it to calls about one chat, as Telegram's per-chat limit."""
        return self._add(
            Fault("status", _names(methods), times, fraction, status=429, retry_after=retry_after, chat=chat)
        )

    def server_error(
        self, *methods: str, status: int = 500, times: int | None = None, fraction: float = 1.0
    ) -> Fault:
        """Answer 500 (JSON) or 502 (an HTML page, as Telegram's front end sends)."""
        return self._add(Fault("status", _names(methods), times, fraction, status=status))

    def slow(self, *methods: str, seconds: float, times: int | None = None, fraction: float = 1.0) -> Fault:
        """Delay the answer; combines with any other rule."""
        return self._add(Fault("delay", _names(methods), times, fraction, seconds=seconds))

    def drop(
        self, *methods: str, after: bool = False, times: int | None = None, fraction: float = 1.0
    ) -> Fault:
        """Close the connection without an answer: before the work, or `after` it (a sent message is lost)."""
        return self._add(Fault("drop", _names(methods), times, fraction, after=after))

    def remove(self, fault: Fault) -> None:
        self._rules.remove(fault)

    def clear(self) -> None:
        self._rules.clear()

    def draw(self, method: str, chat: object = None) -> list[Fault]:
        """The rules that hit this call: every matching delay, then at most one status or drop."""
        hit: list[Fault] = []
        final = False
        for fault in self._rules:
            if not fault.matches(method, chat) or (final and fault.kind != "delay"):
                continue
            if fault.fraction < 1.0 and self._random.random() >= fault.fraction:
                continue
            fault.hits += 1
            if fault.times is not None:
                fault.times -= 1
            hit.append(fault)
            final = final or fault.kind != "delay"
        return hit

    def _add(self, fault: Fault) -> Fault:
        if not 0.0 <= fault.fraction <= 1.0:
            raise ValueError(f"fraction must be between 0 and 1, got {fault.fraction}")
        self._rules.append(fault)
        return fault


def _names(methods: Iterable[str]) -> frozenset[str] | None:
    names = frozenset(method.lower() for method in methods)
    return names or None
