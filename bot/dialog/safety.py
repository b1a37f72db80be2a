"""The safety proof: no answer marked `red_flag` can end, on any path, below its level.

Paths alone are not enough: routing steps choose by facts, so the same step can lead to different
outcomes. The proof follows every patient at once (`reach`: sets of facts and the strongest red-flag
level so far), one move deeper each round, so a breach comes with a shortest path, traced back.
"""

from __future__ import annotations

from bot.dialog.model import Dialog, Urgency
from bot.dialog.reach import Reach, Space, red_flags
from bot.problems import Problem


def prove(dialog: Dialog) -> list[Problem]:
    """Problems for every red-flag answer that can end below its level, with a shortest path.

    One pass follows all red flags together; only when it finds a breach is each red-flag answer that
    could be its cause followed on its own, to name it and find its own shortest path.
    """
    space = Space({"": dialog}, answers=False)
    everyone = Reach(space, dialog, "", keep_layers=True)
    breached = [end.urgency for depth in range(len(everyone.layers)) for end, _ in everyone.breaching(depth)]
    if not breached:
        return []
    lowest = min(level or Urgency.SELF_CARE for level in breached)
    problems = []
    for (step_id, option_id), level in red_flags(dialog).items():
        if level <= lowest:
            continue
        alone = Reach(space, dialog, "", flags={(step_id, option_id): level}, keep_layers=True)
        first = next(
            ((depth, end, bad) for depth in range(len(alone.layers)) for end, bad in alone.breaching(depth)),
            None,
        )
        if first is None:
            continue
        depth, end, bad = first
        flag = dialog.steps[step_id].option(option_id)
        assert flag is not None  # noqa: S101 - taken from the dialog's own options
        below = end.urgency or Urgency.SELF_CARE
        path = " -> ".join(alone.trace(depth, end.id, bad))
        problems.append(
            Problem(
                dialog.path,
                flag.line,
                f"step '{step_id}': the red-flag answer '{flag.label}' can end at '{end.id}' ({below.key}), "
                f"below its level {level.key}: {path}; send this path to an outcome of level {level.key} "
                "or above",
            )
        )
    return sorted(problems, key=lambda p: p.line)
