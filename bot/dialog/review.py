"""Views for clinical review: the outcome table to sign off, and what an edit changes for patients.

Both read the sets of answer combinations that `reach` computes, so a dialog with hundreds of
questions or a long tick list gives a table of the answers that decide the advice, not one row per
combination.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dd.cudd import Function, restrict

from bot.dialog.model import Dialog, StepKind, Urgency
from bot.dialog.reach import TICKED, UNSET, Reach, Space
from bot.dialog.text import fill, to_plain, worst_case_values

_LEVEL_WORDS = {
    Urgency.EMERGENCY: "emergency: call now",
    Urgency.URGENT: "urgent: see a doctor today",
    Urgency.SOON: "soon: book an appointment",
    Urgency.SELF_CARE: "self-care at home",
}
_COLUMNS = ("level", "outcome", "answers", "topics", "source", "reviewed_by", "review_due")
_TEXT_COLUMNS = ("advice", "topic_titles", "safety_net")  # the words, in the CSV only

# A row: per question that decides it, the answers that lead the same way (option ids; for a tick
# list's item, whether it is ticked). A question left out does not change the advice.
Answers = tuple[tuple[str, frozenset[str]], ...]
MAX_ROWS = 5_000


class TooManyRowsError(Exception):
    """The advice depends on so many answer combinations that no table can show them."""


def rows_of(space: Space, answers: Function, possible: Function | None = None) -> list[Answers]:
    """A set of answer combinations as disjoint rows, question by question in the order asked:
    answers after which the same advice follows (the same rest of the set) share a row.

    `possible` (see `possible_ticks`) lets combinations no patient can give count as "any": then a
    tick list that does not decide a row is left out of it, instead of splitting it into one row per
    item ("None of these", or some other item). Rows holding only impossible combinations are dropped.
    """
    if possible is None:
        return _merged(_Rows(space).split(answers, 0), space)
    rows = _Rows(space).split(restrict(answers, possible), 0)
    false = space.bdd.false
    return _merged([row for row in rows if space.row(row) & answers != false], space)


def possible_ticks(space: Space, dialogs: Iterable[Dialog]) -> Function:
    """The ticks a patient can give: at an answered tick list "None of these" alone, or other items
    without it; at one not asked, nothing ticked."""
    bdd = space.bdd
    possible = bdd.true
    for dialog in dialogs:
        for step in dialog.steps.values():
            if not step.many or not space.has(f"a:{step.id}"):
                continue
            tick = {o.id: space.eq(f"t:{step.id}:{o.id}", TICKED) for o in step.options}
            nothing = _union(space, (tick[o.id] for o in step.options if o.none))
            some = _union(space, (tick[o.id] for o in step.options if not o.none))
            answered = space.eq(f"a:{step.id}", "done")
            clear = ~_union(space, tick.values())
            possible &= (answered & ((nothing & ~some) | (some & ~nothing))) | (~answered & clear)
    return possible


def _merged(rows: list[Answers], space: Space) -> list[Answers]:
    """Rows that differ in the answers to one question only become one row ("a | b"), until none do.

    Splitting question by question keeps rows apart that differ early but agree later (an age that
    matters only with night pain); merging them back gives the clinician fewer, shorter rows.
    """
    current = {frozenset(row): row for row in rows}
    changed = True
    while changed:
        changed = False
        names = {name for row in current.values() for name, _values in row}
        for name in sorted(names, key=space.order):
            groups: dict[frozenset[tuple[str, frozenset[str]]], list[Answers]] = {}
            for row in current.values():
                rest = frozenset(part for part in row if part[0] != name)
                groups.setdefault(rest, []).append(row)
            for rest, members in groups.items():
                if len(members) < 2 or any(name not in dict(m) for m in members):
                    continue
                values = frozenset().union(*(dict(m)[name] for m in members))
                for member in members:
                    del current[frozenset(member)]
                combined = tuple(
                    sorted(
                        (*rest, *([] if len(values) == len(space.var(name).values) else [(name, values)])),
                        key=lambda part: space.order(part[0]),
                    )
                )
                current[frozenset(combined)] = combined
                changed = True
    return list(current.values())


class _Rows:
    """Splits a set of answers into rows, remembering the rows of every part it has split."""

    def __init__(self, space: Space) -> None:
        self.space = space
        columns = [n for n in space.names("a:") + space.names("t:") if n not in space.derived]
        self.columns = sorted(columns, key=space.order)
        self.memo: dict[tuple[Function, int], list[Answers]] = {}

    def split(self, f: Function, index: int) -> list[Answers]:
        bdd = self.space.bdd
        if f == bdd.false:
            return []
        if f == bdd.true or index == len(self.columns):
            return [()]
        if (f, index) not in self.memo:
            var = self.space.var(self.columns[index])
            groups: dict[Function, list[str]] = {}
            for value in var.values:
                rest = bdd.let(self.space.bits_of(var.name, value), f)
                if rest != bdd.false:
                    groups.setdefault(rest, []).append(value)
            out: list[Answers] = []
            for rest, values in groups.items():
                here = () if len(values) == len(var.values) else ((var.name, frozenset(values)),)
                out += [(*here, *tail) for tail in self.split(rest, index + 1)]
                if len(out) > MAX_ROWS:
                    raise TooManyRowsError(
                        f"the advice depends on more than {MAX_ROWS:,} combinations of answers"
                    )
            self.memo[f, index] = out
        return self.memo[f, index]


@dataclass(frozen=True)
class Cell:
    """The answer combinations that end at one outcome showing the same topics."""

    outcome: str
    urgency: Urgency
    topics: tuple[str, ...]
    answers: Function


def cells(space: Space, dialog: Dialog, tag: str = "") -> list[Cell]:
    reach = Reach(space, dialog, tag)
    found = []
    for step in dialog.steps.values():
        if step.kind is StepKind.OUTCOME and step.urgency is not None:
            for topics, states in reach.cells(step):
                found.append(Cell(step.id, step.urgency, topics, reach.answers_of(states)))
    return found


def merged_rows(dialog: Dialog) -> list[tuple[str, tuple[str, ...], Answers]]:
    """The outcome table's rows: (outcome, topics, answers), most urgent first."""
    space = Space({"": dialog})
    possible = possible_ticks(space, [dialog])
    rows = [
        (c.outcome, c.topics, answers)
        for c in cells(space, dialog)
        for answers in rows_of(space, c.answers, possible)
    ]
    return sorted(rows, key=lambda row: (-_urgency(dialog, row[0]), row[0], describe(dialog, row[2])))


def _urgency(dialog: Dialog, outcome: str) -> Urgency:
    return dialog.steps[outcome].urgency or Urgency.SELF_CARE


def describe(dialog: Dialog, answers: Answers) -> str:
    """A row's answers in words, in the order asked: 'age: 16 to 19 | 20 to 49 -> signs: ticked Fever;
    not ticked Rash' (or 'signs: None of these' when every item must be left unticked)."""
    parts: dict[str, str] = {}  # by step, in the order of the row's columns
    ticks: dict[str, list[str]] = {}
    unticked: dict[str, set[str]] = {}
    for name, values in answers:
        kind, step_id, *item = name.split(":")
        step = dialog.steps.get(step_id)
        if step is None or values == {UNSET}:
            continue  # a question this version does not have, or one not asked on these paths
        if kind == "t":
            option = step.option(item[0])
            label = option.label if option else item[0]
            ticks.setdefault(step_id, []).append(("ticked " if TICKED in values else "not ticked ") + label)
            if TICKED not in values:
                unticked.setdefault(step_id, set()).add(item[0])
            parts.setdefault(step_id, "")
            continue
        labels = [o.label for o in step.options if o.id in values]
        if step.many or len(labels) == len(step.options):
            continue  # a tick list is told by its items; any answer, when asked, decides nothing
        text = " | ".join(labels) or "not asked"
        parts[step_id] = text + (" (or not asked)" if UNSET in values and labels else "")
    for step_id, said in ticks.items():
        step = dialog.steps[step_id]
        items = {o.id for o in step.options if not o.none}
        nothing = next((o.label for o in step.options if o.none), "")
        everything_unticked = bool(nothing) and items <= unticked.get(step_id, set())
        parts[step_id] = nothing if everything_unticked else "; ".join(said)  # "None of these" ticked
    return " -> ".join(f"{step_id}: {text}" for step_id, text in parts.items()) or "(any answers)"


def _rows(dialog: Dialog, values: Mapping[str, str]) -> list[tuple[str, ...]]:
    table: list[tuple[str, ...]] = []
    for row in merged_rows(dialog):
        outcome, topics, answers = row
        review = dialog.steps[outcome].review
        table.append(
            (
                _LEVEL_WORDS[_urgency(dialog, outcome)],
                outcome,
                describe(dialog, answers),
                ", ".join(topics),
                review.source or "",
                review.reviewed_by or "",
                review.review_due or "",
                _advice(dialog, outcome, values),
                "; ".join(_plain(dialog.topics[t].title, values) for t in topics),
                _safety_net(dialog, outcome, values),
            )
        )
    return table


def _plain(text: str, values: Mapping[str, str]) -> str:
    return to_plain(fill(text, values))


def _advice(dialog: Dialog, outcome: str, values: Mapping[str, str]) -> str:
    return _plain(dialog.steps[outcome].text, values)


def _safety_net(dialog: Dialog, outcome: str, values: Mapping[str, str]) -> str:
    step = dialog.steps[outcome]
    if step.urgency is Urgency.EMERGENCY:
        return ""  # emergency advice stays short: no safety net is shown
    return _plain(step.safety_net or dialog.safety_net, values)


def outcome_table(
    dialog: Dialog, fmt: str = "markdown", values: Mapping[str, str] | None = None, signoff: str = ""
) -> str:
    """Every distinct way to each outcome, most urgent first, and the words of each piece of advice as
    patients read them (placeholders filled from `values`), as Markdown or CSV; `signoff` says whether
    this content is signed (from bot/dialog/signoff.py)."""
    values = values if values is not None else worst_case_values()
    rows = _rows(dialog, values)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow((*_COLUMNS, *_TEXT_COLUMNS, "signoff"))
        writer.writerows((*row, signoff) for row in rows)
        return out.getvalue()
    lines = [
        f"# Outcomes of '{dialog.title}' (version {dialog.version})",
        "",
        f"{len(rows)} rows; answers joined by | lead to the same advice; questions a row does not name do "
        "not change its advice. The words of each piece of advice follow the table.",
        "",
        f"Sign-off: {signoff or 'see clinic-bot validate'}.",
        "",
        "Signed off by: ____________________  Date: __________",
        "",
        "| # | " + " | ".join(_COLUMNS) + " |",
        "|---" * (len(_COLUMNS) + 1) + "|",
    ]
    for number, row in enumerate(rows, start=1):
        cells = [cell.replace("|", "\\|") for cell in row[: len(_COLUMNS)]]
        lines.append(f"| {number} | " + " | ".join(cells) + " |")
    lines += ["", "## The advice, as patients read it", ""]
    lines += [
        "Every piece of advice ends with the clinic's contact and the disclaimer:",
        "",
        *_quoted(_plain(dialog.contact, values)),
        ">",
        *_quoted(_plain(dialog.disclaimer, values)),
        "",
    ]
    for outcome in dict.fromkeys(row[1] for row in rows):
        step = dialog.steps[outcome]
        level = step.urgency or Urgency.SELF_CARE
        lines += [
            f"### {outcome} ({_LEVEL_WORDS[level]})",
            "",
            *_quoted(_advice(dialog, outcome, values)),
            "",
        ]
        shown = dict.fromkeys(s.topic for s in step.show)
        if shown:
            titles = ", ".join(_plain(dialog.topics[t].title, values) for t in shown)
            lines += [f"Topics it may show (by the answers, see the table): {titles}.", ""]
        net = _safety_net(dialog, outcome, values)
        if net:
            lines += ["Safety net:", "", *_quoted(net), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _quoted(text: str) -> list[str]:
    return [f"> {line}".rstrip() for line in text.splitlines()]


# What changes for some answers: level and outcome before and after (None: no such path before, or
# none after), and the topics gained and lost.
@dataclass(frozen=True)
class Change:
    path: str
    answers: Answers
    level: tuple[Urgency | None, Urgency | None]
    outcome: tuple[str | None, str | None]
    topics_added: tuple[str, ...]
    topics_removed: tuple[str, ...]
    paths: int  # how many answer combinations this row stands for
    questions: tuple[str, ...] = ()  # questions of one version only that this row passes

    def describe(self) -> str:
        (was, now), (was_outcome, now_outcome) = self.level, self.outcome
        asked = ", ".join(f"'{q}'" for q in self.questions)
        if was is None:
            cause = f"new question {asked}: " if asked else "new path: "
            return f"{cause}{self.path} => {now.key if now is not None else ''} ({now_outcome})"
        if now is None:
            cause = f"question {asked} removed: " if asked else "path removed: "
            return f"{cause}{self.path} (was {was.key}, {was_outcome})"
        parts = []
        if was != now:
            warning = "  <-- LESS URGENT" if now < was else ""
            parts.append(f"level {was.key} -> {now.key}{warning}")
        if was_outcome != now_outcome:
            parts.append(f"outcome {was_outcome} -> {now_outcome}")
        if self.topics_added:
            parts.append(f"now also shows {', '.join(self.topics_added)}")
        if self.topics_removed:
            parts.append(f"no longer shows {', '.join(self.topics_removed)}")
        return f"{self.path}: " + "; ".join(parts)


def diff(old: Dialog, new: Dialog) -> list[Change]:
    """Answer combinations whose advice differs between two versions, matched by step and option ids.

    A question that only one version has matches any answer in the other, so a new question shows
    as the answers to it that change the advice.
    """
    space = Space({"old": old, "new": new})
    before, after = cells(space, old, "old"), cells(space, new, "new")
    possible = possible_ticks(space, [old, new])
    by_change: dict[_Delta, Function] = {}

    def add(answers: Function, was: Cell | None, now: Cell | None) -> None:
        if answers != space.bdd.false:
            added = tuple(t for t in now.topics if t not in was.topics) if was and now else ()
            removed = tuple(t for t in was.topics if t not in now.topics) if was and now else ()
            delta = (
                (was.urgency if was else None, now.urgency if now else None),
                (was.outcome if was else None, now.outcome if now else None),
                added,
                removed,
            )
            by_change[delta] = by_change.get(delta, space.bdd.false) | answers

    for was in before:
        for now in after:
            if (was.urgency, was.outcome, was.topics) != (now.urgency, now.outcome, now.topics):
                add(was.answers & now.answers, was, now)
    # A path is gone when no path of the new version agrees with it on the questions the old one asks
    # (and the other way round), so that a new question does not make every path look removed.
    anywhere_before = space.forget(_union(space, (c.answers for c in before)), _only_in(space, new, old))
    anywhere_after = space.forget(_union(space, (c.answers for c in after)), _only_in(space, old, new))
    for was in before:
        add(was.answers & ~anywhere_after, was, None)
    for now in after:
        add(now.answers & ~anywhere_before, None, now)
    only = set(_only_in(space, old, new)) | set(_only_in(space, new, old))
    changes = [
        Change(
            describe(new if delta[0][1] is not None else old, row),
            row,
            *delta,
            space.count(answers & space.row(row)),
            tuple(dict.fromkeys(name.split(":")[1] for name, _values in row if name in only)),
        )
        for delta, answers in by_change.items()
        for row in rows_of(space, answers, possible)
    ]
    return sorted(changes, key=lambda c: (c.level[0] is None, c.level[1] is None, c.path))


_Delta = tuple[
    tuple[Urgency | None, Urgency | None], tuple[str | None, str | None], tuple[str, ...], tuple[str, ...]
]


def _only_in(space: Space, this: Dialog, other: Dialog) -> list[str]:
    """The answer variables of questions and tick items that `other` has and `this` has not."""

    def names(dialog: Dialog) -> set[str]:
        found = set()
        for step in dialog.steps.values():
            if step.kind is StepKind.ASK:
                found.add(f"a:{step.id}")
                found |= {f"t:{step.id}:{o.id}" for o in step.options if step.many}
        return found

    return sorted((names(other) - names(this)) & set(space.names("")))


def _union(space: Space, sets: Iterable[Function]) -> Function:
    union = space.bdd.false
    for answers in sets:
        union |= answers
    return union
