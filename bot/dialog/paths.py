"""Every distinct way through a dialog, for the outcome table a clinician signs and for reviewing edits.

A path is the answers to questions (`ask` steps) from the first step to an outcome; taps on message
steps (`say`, e.g. a "learn" menu) only navigate and are left out, so a detour through the menu is
the same path. A path never returns to the same step with the same facts, so menu loops end.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.dialog.model import Dialog, Facts, StepKind, Urgency, holds
from bot.dialog.safety import with_facts

MAX_PATHS = 100_000


@dataclass(frozen=True)
class Taken:
    """One answer on a path."""

    step: str
    option: str
    label: str
    red_flag: Urgency | None


@dataclass(frozen=True)
class Route:
    answers: tuple[Taken, ...]
    outcome: str
    urgency: Urgency
    topics: tuple[str, ...]

    @property
    def key(self) -> tuple[tuple[str, str], ...]:
        """What identifies a path across versions of a dialog: the step and option ids."""
        return tuple((a.step, a.option) for a in self.answers)

    def describe(self) -> str:
        return " -> ".join(f"{a.step}: {a.label}" for a in self.answers) or "(no answers)"


class TooManyPathsError(Exception):
    """The dialog has more distinct paths than a table can usefully show."""


def routes(dialog: Dialog) -> Iterator[Route]:
    """All paths to an outcome, depth first, in the order the options are written."""
    yielded: set[tuple[tuple[str, str], ...]] = set()
    stack: list[tuple[str, Facts, tuple[Taken, ...], frozenset[tuple[str, Facts]]]] = [
        (dialog.start, (), (), frozenset())
    ]
    while stack:
        step_id, facts, taken, seen = stack.pop()
        state = (step_id, facts)
        if state in seen:
            continue
        seen = seen | {state}
        step = dialog.steps[step_id]
        if step.kind is StepKind.OUTCOME and step.urgency is not None:
            route = Route(
                taken,
                step.id,
                step.urgency,
                tuple(s.topic for s in step.show if holds(s.when, dict(facts))),
            )
            if route.key not in yielded:
                yielded.add(route.key)
                if len(yielded) > MAX_PATHS:
                    raise TooManyPathsError(f"more than {MAX_PATHS:,} paths")
                yield route
        elif step.kind is StepKind.ROUTE:
            rule = next(r for r in step.rules if holds(r.when, dict(facts)))
            stack.append((rule.next, facts, taken, seen))
        else:
            for option in reversed(step.options):
                after = taken
                if step.kind is StepKind.ASK:
                    after = (*taken, Taken(step.id, option.id, option.label, option.red_flag))
                stack.append((option.next, with_facts(facts, option.sets), after, seen))
