"""The conversation engine: pure and synchronous, it knows nothing of Telegram or storage.

A session is the list of answers given; everything else (facts, the reasons for advice) is derived
from it, so "back" is "drop the last answer and replay", and a session saved under an older version
of the dialog is replayed on the new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from transitions import EventData, Machine

from bot.dialog.matching import match_option
from bot.dialog.model import Condition, Dialog, Option, StepKind, Urgency, holds
from bot.dialog.text import fill

Answer = tuple[str, str]  # (step id, option id)

CHANGED = "Some questions have changed since you started, so please answer this one again."
STALE = "That button belongs to an earlier question. Here is where you are now."
FINISHED = "This check is finished. You can go back to change an answer, or start again."
AT_FIRST = "This is the first question, so there is nothing to go back to."


@dataclass(frozen=True)
class Session:
    """All we keep about a conversation: which dialog, which version, which answers, where now."""

    dialog_id: str
    version: str
    answers: tuple[Answer, ...]
    step: str


@dataclass(frozen=True)
class Outcome:
    urgency: Urgency
    topics: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Reply:
    """What to show: paragraphs in dialog markup, answer options, and the outcome at the end."""

    step: str
    blocks: tuple[str, ...]
    options: tuple[Option, ...]
    outcome: Outcome | None
    notice: str | None
    why: str | None
    can_go_back: bool

    @property
    def text(self) -> str:
        return "\n\n".join(self.blocks)

    @property
    def ended(self) -> bool:
        return self.outcome is not None


class _Cursor:
    """The one model of a dialog's state machine; set to a session's step before each trigger."""

    state: str


def _answer_trigger(option_id: str) -> str:
    return f"answer:{option_id}"


def _rule_condition(when: Condition) -> Any:
    def condition(event: EventData) -> bool:
        return holds(when, event.kwargs["facts"])

    return condition


class Engine:
    """Runs one version of one dialog for any number of sessions.

    One `transitions` Machine per dialog holds the graph; a single cursor model is moved to a
    session's step before each trigger, since add_model/remove_model per session scan a list.
    Not thread-safe: call it from one thread (the bot's event loop).
    """

    def __init__(self, dialog: Dialog, values: Mapping[str, str]) -> None:
        self.dialog = dialog
        self._values = dict(values)
        self._cursor = _Cursor()
        self._machine = Machine(
            model=self._cursor,
            states=list(dialog.steps),
            initial=dialog.start,
            auto_transitions=False,
            send_event=True,
        )
        for step in dialog.steps.values():
            for option in step.options:
                self._machine.add_transition(_answer_trigger(option.id), step.id, option.next)
            for rule in step.rules:
                conditions = [_rule_condition(rule.when)] if rule.when else []
                self._machine.add_transition("route", step.id, rule.next, conditions=conditions)
        self._options = {(s.id, o.id): o for s in dialog.steps.values() for o in s.options}

    # The four things a patient can do.

    def start(self) -> tuple[Session, Reply]:
        """A new conversation at the first question."""
        return self._replayed(())

    def choose(self, session: Session, step_id: str, option_id: str) -> tuple[Session, Reply]:
        """A tapped button; one from an earlier question moves nothing and says where we are."""
        session, notice = self._current(session)
        option = self._options.get((step_id, option_id)) if step_id == session.step else None
        if option is None:
            finished = self.dialog.steps[session.step].kind is StepKind.OUTCOME
            return session, self._reply(session, notice or (FINISHED if finished else STALE))
        return self._apply(session, option, notice)

    def answer(self, session: Session, typed: str) -> tuple[Session, Reply]:
        """A typed answer, matched to an option; an unclear one repeats the question with a hint."""
        session, notice = self._current(session)
        step = self.dialog.steps[session.step]
        if step.kind is StepKind.OUTCOME:
            return session, self._reply(session, FINISHED)
        option = match_option(typed, step.options)
        if option is None:
            hint = (
                "Sorry, I did not understand. Please choose an answer: type its number "
                f"(1 to {len(step.options)}) or its words."
            )
            return session, self._reply(session, f"{notice} {hint}" if notice else hint)
        return self._apply(session, option, notice)

    def back(self, session: Session) -> tuple[Session, Reply]:
        """Take back the last answer."""
        session, notice = self._current(session)
        if not session.answers:
            return session, self._reply(session, notice or AT_FIRST)
        return self._replayed(session.answers[:-1])

    def restart(self) -> tuple[Session, Reply]:
        return self.start()

    def show(self, session: Session) -> tuple[Session, Reply]:
        """Where a session stands now, e.g. after the bot restarted or the dialog changed."""
        session, notice = self._current(session)
        return session, self._reply(session, notice)

    # Internals.

    def _current(self, session: Session) -> tuple[Session, str | None]:
        """The session on this dialog version; replayed (with a notice if answers no longer fit)."""
        if session.version == self.dialog.version and session.step in self.dialog.steps:
            return session, None
        replayed, _facts = self._replay(session.answers)
        notice = CHANGED if len(replayed.answers) < len(session.answers) else None
        return replayed, notice

    def _replayed(self, answers: tuple[Answer, ...]) -> tuple[Session, Reply]:
        fresh, facts = self._replay(answers)
        notice = CHANGED if len(fresh.answers) < len(answers) else None
        return fresh, self._reply(fresh, notice, facts)

    def _replay(self, answers: tuple[Answer, ...]) -> tuple[Session, dict[str, str]]:
        """A session on this version from the answers that still fit, and the facts they set."""
        facts: dict[str, str] = {}
        step = self._settle(self.dialog.start, facts)
        kept = 0
        for step_id, option_id in answers:
            option = self._options.get((step_id, option_id)) if step_id == step else None
            if option is None:
                break
            facts.update(option.sets)
            step = self._settle(self._move(step, _answer_trigger(option.id), facts), facts)
            kept += 1
        return Session(self.dialog.id, self.dialog.version, answers[:kept], step), facts

    def _apply(self, session: Session, option: Option, notice: str | None) -> tuple[Session, Reply]:
        facts = self._facts(session.answers)
        facts.update(option.sets)
        step = self._settle(self._move(session.step, _answer_trigger(option.id), facts), facts)
        answers = (*session.answers, (session.step, option.id))
        moved = replace(session, answers=answers, step=step)
        return moved, self._reply(moved, notice, facts)

    def _move(self, step_id: str, trigger: str, facts: Mapping[str, str]) -> str:
        self._machine.set_state(step_id, model=self._cursor)
        self._cursor.trigger(trigger, facts=facts)  # type: ignore[attr-defined]
        return self._cursor.state

    def _settle(self, step_id: str, facts: Mapping[str, str]) -> str:
        """Follow routing steps to the next step that shows something (loops refused at load)."""
        while self.dialog.steps[step_id].kind is StepKind.ROUTE:
            step_id = self._move(step_id, "route", facts)
        return step_id

    def _facts(self, answers: tuple[Answer, ...]) -> dict[str, str]:
        facts: dict[str, str] = {}
        for answer in answers:
            facts.update(self._options[answer].sets)
        return facts

    def _reply(self, session: Session, notice: str | None, facts: Mapping[str, str] | None = None) -> Reply:
        step = self.dialog.steps[session.step]
        if facts is None:
            facts = self._facts(session.answers)
        topics = tuple(dict.fromkeys(s.topic for s in step.show if holds(s.when, facts)))
        blocks = [self.fill(step.text)]
        outcome = None
        if step.kind is StepKind.OUTCOME and step.urgency is not None:
            reasons = tuple(
                dict.fromkeys(
                    self.fill(reason)
                    for answer in session.answers
                    if (reason := self._options[answer].because)
                )
            )
            outcome = Outcome(step.urgency, topics, reasons)
            if reasons:
                blocks.append("Because you said: " + "; ".join(reasons) + ".")
        blocks += [self._topic_block(topic) for topic in topics]
        if outcome is not None:
            if outcome.urgency is not Urgency.EMERGENCY:
                blocks.append(self.fill(step.safety_net or self.dialog.safety_net))
            blocks += [self.fill(self.dialog.contact), self.fill(self.dialog.disclaimer)]
        return Reply(
            step=step.id,
            blocks=tuple(blocks),
            options=step.options,
            outcome=outcome,
            notice=notice,
            why=self.fill(step.why) if step.why else None,
            can_go_back=bool(session.answers),
        )

    def _topic_block(self, topic_id: str) -> str:
        topic = self.dialog.topics[topic_id]
        return f"**{self.fill(topic.title)}**\n{self.fill(topic.text)}"

    def fill(self, text: str) -> str:
        """A dialog text with the clinic's values in its placeholders."""
        return fill(text, self._values)
