"""Whole-dialog checks at load time, so that a broken dialog fails for the admin and never for a patient."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator

from bot.dialog import safety
from bot.dialog.matching import normalise
from bot.dialog.model import DONE, Dialog, Step, StepKind, Urgency, exits
from bot.dialog.text import (
    markup_problems,
    placeholder_problems,
    telegram_length,
    to_html,
    worst_case_values,
)
from bot.problems import Problem
from bot.strict_yaml import did_you_mean as suggest

MAX_MESSAGE_CHARS = 4096  # Telegram's limit for one message, counted after rendering
MAX_LABEL_CHARS = 60  # longer button texts are cut off on phones
MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback data


def callback_data(step_id: str, option_id: str) -> str:
    """What a button sends back: where it was shown and which answer it is."""
    return f"{step_id}:{option_id}"


def check(dialog: Dialog) -> list[Problem]:
    """Every problem of a structurally complete dialog, graph, text and safety alike."""
    problems = [Problem(dialog.path, line, message) for line, message in _problems(dialog)]
    if not problems:  # the safety proof needs a sound graph
        problems += safety.prove(dialog)
    return problems


def _problems(dialog: Dialog) -> Iterator[tuple[int, str]]:
    yield from _targets(dialog)
    yield from _tick_lists(dialog)
    yield from _texts(dialog)
    yield from _labels(dialog)
    if dialog.start not in dialog.steps:
        hint = suggest(dialog.start, dialog.steps)
        yield dialog.lines.get("start", 1), f"start: there is no step '{dialog.start}'{hint}"
        return
    if any(target not in dialog.steps for step in dialog.steps.values() for target in successors(step)):
        return  # an unknown next step is reported above; the graph is checked once the links are sound
    yield from _graph(dialog)


MAX_SUGGESTIONS = 25  # each 'did you mean' compares with every name; thousands of typos must stay fast


def _targets(dialog: Dialog) -> Iterator[tuple[int, str]]:
    budget = [MAX_SUGGESTIONS]

    def did_you_mean(word: str, choices: Collection[str]) -> str:
        budget[0] -= 1
        return suggest(word, choices) if budget[0] >= 0 else ""

    for step in dialog.steps.values():
        what = f"step '{step.id}'"
        for option in step.options:
            if option.next not in dialog.steps:
                hint = did_you_mean(option.next, dialog.steps)
                yield option.next_line or option.line, f"{what}: unknown next step '{option.next}'{hint}"
        for number, rule in enumerate(step.rules, start=1):
            if rule.next not in dialog.steps:
                hint = did_you_mean(rule.next, dialog.steps)
                yield rule.next_line or rule.line, f"{what}: unknown next step '{rule.next}'{hint}"
            last = number == len(step.rules)
            if not rule.when and not last:
                yield (
                    rule.line,
                    (
                        f"{what}: rule {number} has no 'when', so the rules after it are never used; "
                        "move it to the end"
                    ),
                )
            if rule.when and last:
                yield (
                    rule.line,
                    (
                        f"{what}: the last rule needs to be a default without 'when', "
                        "so that every patient goes somewhere; add '- next: STEP' at the end"
                    ),
                )
        for show in step.show:
            if show.topic not in dialog.topics:
                hint = did_you_mean(show.topic, dialog.topics)
                yield show.line, f"{what}: unknown topic '{show.topic}'{hint}"
        if step.urgency is Urgency.EMERGENCY and step.show:
            yield (
                step.show[0].line,
                (
                    f"{what}: an emergency outcome shows no topics, so that the emergency advice "
                    "stays short; remove 'show'"
                ),
            )


def _tick_lists(dialog: Dialog) -> Iterator[tuple[int, str]]:
    """A tick list needs one "None of these", and items ticked together must agree on their facts."""
    for step in (s for s in dialog.steps.values() if s.many):
        what = f"step '{step.id}'"
        nothing = [o for o in step.options if o.none]
        if len(nothing) != 1:
            line = nothing[1].line if nothing else step.line
            yield (
                line,
                f"{what}: a tick list needs exactly one 'None of these' item with 'none: true', so that "
                f"patients say so rather than tap Done on an empty list (found {len(nothing)})",
            )
        if len(step.options) < 2:
            yield step.line, f"{what}: a tick list needs at least one item besides 'None of these'"
        first: dict[str, tuple[str, str]] = {}
        for option in (o for o in step.options if not o.none):
            for fact, value in option.sets:
                label, earlier = first.setdefault(fact, (option.label, value))
                if earlier != value:
                    yield (
                        option.line,
                        f"{what}, option '{option.label}': sets {fact} to '{value}', but '{label}' sets it "
                        f"to '{earlier}', and both can be ticked; give each item its own fact",
                    )
        size = len(callback_data(step.id, DONE).encode())
        if size > MAX_CALLBACK_BYTES:
            yield step.line, f"{what}: the step name is too long for a Telegram button; shorten it"


def patient_texts(dialog: Dialog) -> Iterator[tuple[int, str, str]]:
    """Every text a patient may read, with its line and a name for messages."""
    for key, text in (
        ("disclaimer", dialog.disclaimer),
        ("safety_net", dialog.safety_net),
        ("contact", dialog.contact),
        ("title", dialog.title),
    ):
        yield dialog.lines.get(key, 1), key, text
    for topic in dialog.topics.values():
        yield topic.lines.get("title", topic.line), f"topic '{topic.id}': title", topic.title
        yield topic.lines.get("text", topic.line), f"topic '{topic.id}': text", topic.text
    for step in dialog.steps.values():
        what = f"step '{step.id}'"
        main = "ask" if step.kind is StepKind.ASK else "say"
        for key, step_text in ((main, step.text), ("why", step.why), ("safety_net", step.safety_net)):
            if step_text:
                yield step.lines.get(key, step.line), f"{what}: {key}", step_text
        for option in step.options:
            yield option.line, f"{what}, option '{option.label}'", option.label
            if option.because:
                yield option.line, f"{what}, option '{option.label}'", option.because


def _texts(dialog: Dialog) -> Iterator[tuple[int, str]]:
    worst = worst_case_values()
    for line, what, text in patient_texts(dialog):
        for message in [*placeholder_problems(text), *markup_problems(text)]:
            yield line, f"{what}: {message}"
            break
        else:
            rendered = telegram_length(to_html(text.format_map(worst)))
            if rendered > MAX_MESSAGE_CHARS:
                yield (
                    line,
                    (
                        f"{what}: the text is too long for one Telegram message "
                        f"({rendered} of {MAX_MESSAGE_CHARS} characters); "
                        + ("split it into two topics" if what.startswith("topic") else "shorten it")
                    ),
                )


def _labels(dialog: Dialog) -> Iterator[tuple[int, str]]:
    for step in dialog.steps.values():
        seen: dict[str, int] = {}
        for option in step.options:
            what = f"step '{step.id}', option '{option.label}'"
            if len(option.label) > MAX_LABEL_CHARS:
                yield (
                    option.line,
                    (
                        f"{what}: the label has {len(option.label)} characters, more than the "
                        f"{MAX_LABEL_CHARS} that fit on a phone's button; shorten it and put details "
                        "into the question"
                    ),
                )
            size = len(callback_data(step.id, option.id).encode())
            if size > MAX_CALLBACK_BYTES:
                yield (
                    option.line,
                    (
                        f"{what}: the step and option names together are too long for a Telegram "
                        f"button ({size} bytes; Telegram allows {MAX_CALLBACK_BYTES}); "
                        "give the option a short 'id:'"
                    ),
                )
            if "{" in option.label or "}" in option.label:
                yield (
                    option.line,
                    f"{what}: labels are shown exactly as written, so placeholders and braces "
                    "do not work in them; put them into the question",
                )
            key = normalise(option.label)
            if key.isdigit():
                yield (
                    option.line,
                    f"{what}: a label that is only a number would be read as the position of an "
                    "answer when typed; add a word, e.g. '3 days'",
                )
            if key in seen:
                yield (
                    option.line,
                    (
                        f"{what}: reads the same as the option on line {seen[key]}, so a typed "
                        "answer could mean either; reword one of them"
                    ),
                )
            seen.setdefault(key, option.line)


def successors(step: Step) -> list[str]:
    return [way.target for way in exits(step)]


def _graph(dialog: Dialog) -> Iterator[tuple[int, str]]:
    steps = dialog.steps
    reachable = _closure([dialog.start], lambda s: successors(steps[s]))
    for step in steps.values():
        if step.id not in reachable:
            yield (
                step.line,
                (f"step '{step.id}' is never reached; link to it from another step, or delete it"),
            )
    predecessors: dict[str, list[str]] = {s: [] for s in steps}
    for step in steps.values():
        for target in successors(step):
            predecessors[target].append(step.id)
    outcomes = [s.id for s in steps.values() if s.kind is StepKind.OUTCOME]
    can_finish = _closure(outcomes, lambda s: predecessors[s])
    for step_id in sorted(reachable - can_finish, key=lambda s: steps[s].line):
        yield (
            steps[step_id].line,
            (
                f"step '{step_id}': no answer from here ever leads to an outcome "
                "(a dead end or a loop with no way out); add an option that leads on"
            ),
        )
    yield from _route_loops(dialog)


def _route_loops(dialog: Dialog) -> Iterator[tuple[int, str]]:
    """Routing steps that lead back to themselves without a question would loop for ever."""
    steps = dialog.steps
    routes = {s.id for s in steps.values() if s.kind is StepKind.ROUTE}
    for step_id in sorted(routes, key=lambda s: steps[s].line):
        inner = _closure(
            [r.next for r in steps[step_id].rules if r.next in routes],
            lambda s: [r.next for r in steps[s].rules if r.next in routes],
        )
        if step_id in inner:
            yield (
                steps[step_id].line,
                (
                    f"step '{step_id}': routing steps lead back here without asking anything, "
                    "which would loop for ever; send one of the rules to a question or an outcome"
                ),
            )


def _closure(seeds: Iterable[str], follow: Callable[[str], Iterable[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(seeds)
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(follow(current))
    return seen
