"""The explicit safety proof that bot/dialog/safety.py used before sets of answers: kept to compare.

No answer marked `red_flag` can end, on any path, below its level.

Paths alone are not enough: routing steps choose by facts, so the same step can lead to different
outcomes. We explore every reachable (step, facts, strongest red flag so far) state breadth first,
which also gives the shortest answer path to show when the proof fails.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from bot.dialog.model import Dialog, Facts, Option, StepKind, holds
from bot.problems import Problem

MAX_STATES = 2_000_000


@dataclass(frozen=True)
class _State:
    step: str
    facts: Facts
    flag: Option | None  # the strongest red-flag answer on the path so far
    flag_step: str


def with_facts(facts: Facts, sets: Facts) -> Facts:
    """Facts after an answer: its `set` values replace earlier ones."""
    if not sets:
        return facts
    merged = dict(facts)
    merged.update(sets)
    return tuple(sorted(merged.items()))


def prove(dialog: Dialog) -> list[Problem]:
    """Problems for every red-flag answer that can end below its level, with the shortest path."""
    first = _State(dialog.start, (), None, "")
    parent: dict[_State, tuple[_State, str] | None] = {first: None}
    queue = deque([first])
    broken: dict[tuple[str, str], Problem] = {}
    while queue:
        state = queue.popleft()
        step = dialog.steps[state.step]
        moves: list[tuple[_State, str]] = []
        if step.kind is StepKind.OUTCOME:
            flag = state.flag
            key = (state.flag_step, flag.id) if flag else ("", "")
            level = step.urgency
            if flag and flag.red_flag and level is not None and level < flag.red_flag and key not in broken:
                path = " -> ".join([*_path(parent, state), step.id])
                broken[key] = Problem(
                    dialog.path,
                    flag.line,
                    f"step '{state.flag_step}': the red-flag answer '{flag.label}' can end at "
                    f"'{step.id}' ({level.key}), below its level {flag.red_flag.key}: "
                    f"{path}; send this path to an outcome of level {flag.red_flag.key} or above",
                )
        elif step.kind is StepKind.ROUTE:
            facts = dict(state.facts)
            rule = next(r for r in step.rules if holds(r.when, facts))
            moves.append((_State(rule.next, state.facts, state.flag, state.flag_step), step.id))
        else:
            for option in step.options:
                flag, flag_step = state.flag, state.flag_step
                if option.red_flag is not None and (
                    flag is None or flag.red_flag is None or option.red_flag > flag.red_flag
                ):
                    flag, flag_step = option, step.id
                after = _State(option.next, with_facts(state.facts, option.sets), flag, flag_step)
                moves.append((after, f"{step.id}: {option.label}"))
        for after, how in moves:
            if after not in parent:
                parent[after] = (state, how)
                queue.append(after)
        if len(parent) > MAX_STATES:
            return [
                Problem(
                    dialog.path,
                    1,
                    "the dialog has too many fact combinations to "
                    f"check (over {MAX_STATES:,}); split it into smaller dialogs",
                )
            ]
    return list(broken.values())


def _path(parent: dict[_State, tuple[_State, str] | None], state: _State) -> list[str]:
    steps: list[str] = []
    link = parent[state]
    while link is not None:
        before, how = link
        steps.append(how)
        link = parent[before]
    return steps[::-1]
