"""Shared test data: a small valid dialog to break one rule at a time, and helpers to edit it."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest

from bot.dialog.loader import load_dialog
from bot.dialog.model import DONE
from bot.problems import DialogError

ROOT = Path(__file__).resolve().parent.parent
DIALOGS = ROOT / "dialogs"
EXAMPLE = DIALOGS / "example.yaml"

# A minimal valid dialog. Tests change one line at a time with `edit`, so the line numbers in the
# comments stay true and the expected messages can name them. Keep every line where it is.
MINIMAL = """\
id: mini                                              # 1
title: Mini check                                     # 2
start: first                                          # 3
disclaimer: "Not a diagnosis."                        # 4
safety_net: "Call {clinic_phone} if it gets worse."   # 5
contact: "{clinic_name}: {clinic_phone}"              # 6
facts:                                                # 7
  duration: [short, long]                             # 8
steps:                                                # 9
  first:                                              # 10
    ask: "Is the pain very bad?"                      # 11
    why: "Very bad pain needs a doctor today."        # 12
    options:                                          # 13
      - {label: "Yes", red_flag: urgent, next: doctor}   # 14
      - {label: "No", next: how_long}                 # 15
  how_long:                                           # 16
    ask: "How long have you had it?"                  # 17
    options:                                          # 18
      - {label: "A few days", set: {duration: short}, next: decide}     # 19
      - {label: "Weeks", set: {duration: long}, because: "it has lasted weeks", next: decide}   # 20
  decide:                                             # 21
    route:                                            # 22
      - {when: {duration: long}, next: book}          # 23
      - {next: home}                                  # 24
  doctor:                                             # 25
    outcome: urgent                                   # 26
    say: "See a doctor today."                        # 27
  book:                                               # 28
    outcome: soon                                     # 29
    say: "Book an appointment."                       # 30
    show: [rest]                                      # 31
  home:                                               # 32
    outcome: self_care                                # 33
    say: "Rest at home."                              # 34
    show: [{topic: rest, when: {duration: short}}]    # 35
topics:                                               # 36
  rest:                                               # 37
    title: "Resting"                                  # 38
    text: "Rest, and keep moving gently."             # 39
"""


def edit(text: str, old: str, new: str) -> str:
    """`text` with the one occurrence of `old` replaced; fails loudly if the base dialog changed."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the base text"
    return text.replace(old, new)


def refusal(path: Path) -> str:
    """Every line an admin would read when the dialog file is refused; fails the test if it loads."""
    with pytest.raises(DialogError) as error:
        load_dialog(path)
    return str(error.value)


def drop_lines(text: str, first: int, last: int) -> str:
    """`text` without lines `first` to `last` (1-based, inclusive)."""
    lines = text.splitlines(keepends=True)
    return "".join(lines[: first - 1] + lines[last:])


# A small valid dialog with a tick list, whose combination rule needs two items ticked together.
TICKS = """\
id: ticks
title: Tick check
start: signs
disclaimer: "Not a diagnosis."
safety_net: "Call {clinic_phone} if it gets worse."
contact: "{clinic_name}: {clinic_phone}"
facts:
  fever: ["yes"]
  cancer: ["yes"]
  legs: ["yes"]
steps:
  signs:
    ask: "Do any of these apply? Tick all that apply, then tap Done."
    pick: many
    next: decide
    options:
      - {id: fever, label: "A fever", set: {fever: "yes"}, red_flag: urgent, because: "you have a fever"}
      - {id: cancer, label: "Cancer, now or before", set: {cancer: "yes"}, because: "you have had cancer"}
      - {id: legs, label: "Weak legs", set: {legs: "yes"}, red_flag: soon, because: "your legs are weak"}
      - {id: none, label: "None of these", none: true}
  decide:
    route:
      - {when: {cancer: "yes", legs: "yes"}, next: call_now}
      - {when: {fever: "yes"}, next: doctor}
      - {when: {legs: "yes"}, next: book}
      - {next: home}
  call_now: {outcome: emergency, say: "Call {emergency_number} now."}
  doctor: {outcome: urgent, say: "See a doctor today."}
  book: {outcome: soon, say: "Book an appointment."}
  home: {outcome: self_care, say: "Rest at home."}
"""


def engine_paths(engine, limit: int = 20_000):
    """Every way through a dialog as the real engine takes it: (answers to questions, end reply).

    Taps every option of every question (and every allowed set of ticks of a small tick list), so
    the proof and the outcome table can be checked against what patients actually get.
    """
    steps = engine.dialog.steps

    def asked(session):  # the answers to questions; taps on messages (a menu) only navigate
        return tuple(a for a in session.answers if steps[a[0]].kind.value == "ask")

    found = {}
    start, reply = engine.start()
    todo = [(start, reply, frozenset())]
    while todo:
        session, reply, seen = todo.pop()
        if reply.ended:
            found[asked(session)] = reply
            if len(found) > limit:
                raise AssertionError(f"more than {limit} paths")
            continue
        step = steps[session.step]
        if (session.step, asked(session)) in seen:
            continue  # a menu loop: back at a step with the same answers
        seen = seen | {(session.step, asked(session))}
        if step.many:
            items = [o for o in step.options if not o.none]
            choices = [(o.id,) for o in step.options if o.none]
            choices += [c for n in range(1, len(items) + 1) for c in combinations([o.id for o in items], n)]
            for ids in choices:
                ticked = session
                for option_id in ids:
                    ticked, _ = engine.choose(ticked, step.id, option_id)
                todo.append((*engine.choose(ticked, step.id, DONE), seen))
        else:
            for option in step.options:
                todo.append((*engine.choose(session, step.id, option.id), seen))
    return list(found.items())
