"""The safety proof: no answer marked `red_flag` can end, on any path, below its level.

Paths alone are not enough: routing steps choose by facts, so the same step can lead to different
outcomes. The proof follows every patient at once (`reach`: sets of answers, facts and the strongest
red flag so far), one answer deeper each round, so a breach comes with a shortest answer path.
"""

from __future__ import annotations

from bot.dialog.model import Dialog, Urgency
from bot.dialog.reach import Reach, Space
from bot.problems import Problem


def prove(dialog: Dialog) -> list[Problem]:
    """Problems for every red-flag answer that can end below its level, with a shortest path."""
    reach = Reach(Space({"": dialog}), dialog, "")
    problems = []
    for breach in reach.breaches:
        flag, level = breach.flag, breach.flag.red_flag or Urgency.SELF_CARE
        below = dialog.steps[breach.outcome].urgency or Urgency.SELF_CARE
        shown = " -> ".join(breach.path)
        problems.append(
            Problem(
                dialog.path,
                flag.line,
                f"step '{breach.flag_step}': the red-flag answer '{flag.label}' can end at "
                f"'{breach.outcome}' ({below.key}), below its level {level.key}: "
                f"{shown}; send this path to an outcome of level {level.key} or above",
            )
        )
    for outcome in dict.fromkeys(reach.unexplained):  # a loop back to a question hides the path
        problems.append(
            Problem(
                dialog.path,
                dialog.steps[outcome].line,
                f"step '{outcome}': a red-flag answer can end here, below its level (the path loops back "
                "to a question, so it cannot be shown); send the red-flag answers to outcomes of their level",
            )
        )
    return sorted(problems, key=lambda p: p.line)
