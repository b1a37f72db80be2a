"""The conversation engine: pure and synchronous, it knows nothing of Telegram or storage.

A session is the list of answers given; everything else (facts, the reasons for advice) is derived
from it, so "back" is "drop the last answer and replay", and a session saved under an older version
of the dialog is replayed on the new one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from transitions import EventData, Machine

from bot import texts
from bot.dialog.matching import close_to, control_word, explain, match_option, match_ticks, normalise
from bot.dialog.model import DONE, Dialog, Option, Step, StepKind, Urgency, exits, holds, route
from bot.dialog.text import fill

# (step id, option ids): the one option chosen, or the items ticked in a tick list, in list order.
Answer = tuple[str, tuple[str, ...]]
__all__ = ["DONE", "Answer", "Engine", "Reply", "Session", "Shown", "Understood"]

CHANGED = texts.CHANGED
STALE = texts.STALE
FINISHED = texts.FINISHED
AT_FIRST = texts.BACK_AT_START
TICK_FIRST = texts.TICK_FIRST
LATE = texts.LATE


@dataclass(frozen=True)
class Shown:
    """The question last delivered to the patient: a typed number means a position in THIS list.

    `message` is the front end's id of the message showing it (Telegram's ids grow in a chat), so that a
    text typed before it was on screen is known as such; `at` is when (Unix seconds, Telegram's clock) a
    message that showed an earlier question was edited to show this one, since an edit gets no new id.
    """

    step: str
    version: str
    options: tuple[str, ...]  # option ids, in the order shown
    message: int | None = None
    at: int | None = None

    def typed_before(self, message: int | None, sent_at: int | None) -> bool:
        """Whether a text (its message id and date) was typed before this question was on screen. A
        text of the same second as the edit counts as before: Telegram's dates are whole seconds, and a
        question is not read and answered within one."""
        if message is not None and self.message is not None and message < self.message:
            return True
        return self.at is not None and sent_at is not None and sent_at <= self.at


@dataclass(frozen=True)
class Session:
    """All we keep about a conversation: which dialog, which version, which answers, where now."""

    dialog_id: str
    version: str
    answers: tuple[Answer, ...]
    step: str
    ticked: tuple[str, ...] = ()  # items ticked so far at the current step, when it is a tick list
    shown: Shown | None = None  # the question on the patient's screen; None: not known (older rows)


ANSWER, BACK, RESTART, SHOW, UNCLEAR = "answer", "back", "restart", "show", "unclear"


@dataclass(frozen=True)
class Understood:
    """What a typed text means: an answer (`ids`), the back or restart command, or nothing to apply:
    `show` the question again (it was not the one on screen, or the check is finished) or `unclear`;
    `notice` says why, or what to type."""

    command: str
    ids: tuple[str, ...] = ()
    notice: str | None = None
    suggested: Option | None = None  # a misspelt answer's likely option, offered with a Yes button


@dataclass(frozen=True)
class Outcome:
    urgency: Urgency
    topics: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Reply:
    """What to show: paragraphs in dialog markup, answer options, and the outcome at the end.

    At an outcome `blocks` are the advice (what to do, why, when to come back, the disclaimer) and
    `teaching` the topics, sent after it, so that the advice is never buried under the reading.
    """

    step: str
    blocks: tuple[str, ...]
    options: tuple[Option, ...]
    outcome: Outcome | None
    notice: str | None
    why: str | None
    can_go_back: bool
    many: bool = False  # a tick list: options are toggled, then Done
    ticked: tuple[str, ...] = ()  # the option ids ticked so far
    teaching: tuple[str, ...] = ()  # an outcome's topics, shown after the advice
    answered: tuple[Option, ...] = ()  # the option(s) this action answered with, for the front end
    suggested: Option | None = None  # "Did you mean ...?": the option a Yes button would answer with
    heading: str = ""  # the dialog's title and disclaimer, which every question's screen carries
    new_check: bool = False  # the first screen of a check: welcomed with the heading before all else
    # The questions answered so far (the text of each, in dialog markup) and the labels of each answer.
    answers_so_far: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The front end's id of the message that showed the question this action was taken at, as stored
    # (`Session.shown`): so that any instance, or the bot after a restart, can tidy it.
    on_screen: int | None = None

    @property
    def welcome(self) -> str | None:
        """The title and disclaimer, on a new check's first screen only."""
        return self.heading if self.new_check else None

    @property
    def text(self) -> str:
        """Everything shown, in order: the advice, then the teaching text."""
        return "\n\n".join((*self.blocks, *self.teaching))

    @property
    def advice(self) -> str:
        """The first message of an outcome: the advice alone, without the teaching text."""
        return "\n\n".join(self.blocks)

    @property
    def ended(self) -> bool:
        return self.outcome is not None


class _Cursor:
    """The one model of a dialog's state machine; set to a session's step before each trigger."""

    state: str


def _answer_trigger(option_id: str) -> str:
    return f"answer:{option_id}"


def _routes_to(step: Step, target: str) -> Any:
    """The transitions condition of a routing step's exit: the dialog's one routing rule decides."""

    def condition(event: EventData) -> bool:
        return route(step, event.kwargs["facts"]) == target

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
            targets: set[str] = set()
            for way in exits(step):
                if step.kind is StepKind.ROUTE and way.target not in targets:
                    targets.add(way.target)
                    conditions = [_routes_to(step, way.target)]
                    self._machine.add_transition("route", step.id, way.target, conditions=conditions)
                elif way.option is None:
                    self._machine.add_transition(DONE, step.id, way.target)
                else:
                    self._machine.add_transition(_answer_trigger(way.option.id), step.id, way.target)
        self._options = {(s.id, o.id): o for s in dialog.steps.values() for o in s.options}
        self._heading = f"**{self.fill(dialog.title)}**\n{self.fill(dialog.disclaimer)}"
        # The words of each question, filled once: every reply lists the questions answered so far.
        self._asked = {s.id: self.fill(s.text) for s in dialog.steps.values() if s.kind is StepKind.ASK}

    # The four things a patient can do.

    def start(self) -> tuple[Session, Reply]:
        """A new conversation at the first question, after the title and the disclaimer: every front end
        shows the same first screens."""
        fresh, reply = self._replayed(())
        return fresh, replace(reply, new_check=True)

    def choose(self, session: Session, step_id: str, option_id: str) -> tuple[Session, Reply]:
        """A tapped button; one from an earlier question moves nothing and says where we are.

        In a tick list a tap ticks or unticks its item, and Done answers with the items ticked.
        """
        session, notice = self._current(session)
        step = self.dialog.steps[session.step]
        option = self._options.get((step_id, option_id)) if step_id == session.step else None
        if step.many and step_id == session.step and option_id == DONE:
            if not session.ticked:
                return session, self._reply(session, notice or TICK_FIRST)
            return self._apply(session, session.ticked, notice)
        if option is None:
            finished = step.kind is StepKind.OUTCOME
            return session, self._reply(session, notice or (FINISHED if finished else STALE))
        if step.many:
            ticked = replace(session, ticked=toggled(step, session.ticked, option))
            return ticked, self._reply(ticked, notice)
        return self._apply(session, (option.id,), notice)

    def interpret(self, session: Session, typed: str | Sequence[str]) -> Understood:
        """What a typed text means at the question on the patient's screen: the one policy of every
        front end (Telegram, the terminal, scenarios), so each reads a text the same way.

        The words of an option on screen are that answer, even "Go back"; otherwise 'back' and 'restart'
        are commands. A number is a position in the list as shown (`session.shown`), so an edit since then
        never shifts it onto another option. At a tick list the text names every item that applies
        ("1 3", "none"), added to those ticked; a list of texts (a scenario's answer) names one item each.
        """
        shown = session.shown
        session, notice = self._current(session)
        step = self.dialog.steps[session.step]
        if shown is not None and shown.step != session.step:
            # The patient has not seen the question the session is at (its message was lost, or the
            # dialog changed): show it rather than answer it unseen.
            late = LATE if shown.version == self.dialog.version else CHANGED
            return Understood(SHOW, notice=notice or late)
        seen = self._as_shown(step, shown)
        word = control_word(typed) if isinstance(typed, str) else None
        if word is not None and not any(normalise(o.label) == normalise(str(typed)) for o in seen):
            return Understood(word)
        if step.kind is StepKind.OUTCOME:
            return Understood(SHOW, notice=FINISHED)
        chosen = _typed_ids(step, seen, session.ticked, typed)
        if chosen is _GONE:  # a number of the list on screen whose option was removed since
            return Understood(SHOW, notice=CHANGED)
        if chosen is not None:
            return Understood(ANSWER, chosen, notice)
        hint = texts.unclear_ticks(_none_number(step)) if step.many else texts.unclear(len(seen))
        suggested = None
        if isinstance(typed, str):
            hint = explain(typed, seen) or hint
            close = None if step.many else close_to(typed, seen)
            if close is not None and hint == texts.did_you_mean(seen[close - 1].label, close):
                suggested = seen[close - 1]  # the hint offers it: a tap on Yes answers with it
        return Understood(UNCLEAR, notice=f"{notice} {hint}" if notice else hint, suggested=suggested)

    def answer(self, session: Session, typed: str | Sequence[str]) -> tuple[Session, Reply]:
        """A typed text, read by `interpret` and acted on; `Reply.answered` says what it answered."""
        understood = self.interpret(session, typed)
        if understood.command == BACK:
            return self.back(session)
        if understood.command == RESTART:
            fresh, reply = self.start()
            return replace(fresh, shown=session.shown), reply
        current, changed = self._current(session)
        if understood.command == ANSWER:
            return self._apply(current, understood.ids, understood.notice)
        reply = self._reply(current, understood.notice)
        on_screen = session.shown is not None and session.shown.step == current.step
        if understood.command == UNCLEAR and changed is None and on_screen:
            # The question is on screen already: say briefly what to type, with its buttons again. (Not
            # when its delivery is not known: after a lost reply the patient has never seen it.)
            reply = replace(reply, blocks=())
        return current, replace(reply, suggested=understood.suggested)

    def back(self, session: Session) -> tuple[Session, Reply]:
        """Take back the last answer; back at a tick list shows its items ticked as they were."""
        session, notice = self._current(session)
        if not session.answers:
            return session, self._reply(session, notice or AT_FIRST)
        (step_id, ids), earlier = session.answers[-1], session.answers[:-1]
        fresh, reply = self._replayed(earlier)
        fresh = replace(fresh, shown=session.shown)  # still on screen until the reply is delivered
        if fresh.step == step_id and self.dialog.steps[step_id].many and len(fresh.answers) == len(earlier):
            fresh = replace(fresh, ticked=ids)
            reply = replace(reply, ticked=ids)
        return fresh, reply

    def restart(self) -> tuple[Session, Reply]:
        return self.start()

    def show(self, session: Session) -> tuple[Session, Reply]:
        """Where a session stands now, e.g. after the bot restarted or the dialog changed."""
        session, notice = self._current(session)
        return session, self._reply(session, notice)

    def delivered(
        self, session: Session, reply: Reply, message: int | None = None, at: int | None = None
    ) -> Session:
        """The session once `reply` reached the patient: its question is the one typed answers mean.

        `at`: the reply replaced an earlier question in the same message, at that time (see `Shown`).
        A reply of another step or version than the session's (it moved on meanwhile) binds nothing.
        """
        if session.version != self.dialog.version or session.step != reply.step:
            return session
        options = tuple(o.id for o in reply.options)
        return replace(session, shown=Shown(reply.step, self.dialog.version, options, message, at))

    # Internals.

    def _as_shown(self, step: Step, shown: Shown | None) -> tuple[Option, ...]:
        """The step's options in the order the patient saw them; one that no longer exists stays in its
        place as a stand-in without words, so its number is known as gone and never shifts onto another."""
        if shown is None or shown.step != step.id:
            return step.options
        return tuple(step.option(i) or Option(i, "", "", (), None, None, 0) for i in shown.options)

    def _current(self, session: Session) -> tuple[Session, str | None]:
        """The session on this dialog version; replayed (with a notice if answers no longer fit)."""
        if session.version == self.dialog.version and session.step in self.dialog.steps:
            return session, None
        replayed, _facts = self._replay(session.answers)
        replayed = replace(replayed, shown=session.shown)
        notice = CHANGED if len(replayed.answers) < len(session.answers) else None
        step = self.dialog.steps[replayed.step]
        if replayed.step == session.step and step.many:
            ticks = tuple(t for t in session.ticked if step.option(t) is not None)
            notice = notice or (CHANGED if len(ticks) < len(session.ticked) else None)
            replayed = replace(replayed, ticked=ticks)
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
        for step_id, ids in answers:
            chosen = self._chosen(step_id, ids) if step_id == step else None
            if chosen is None:
                break
            for option in chosen:
                facts.update(option.sets)
            step = self._settle(self._move(step, self._trigger(step_id, ids), facts), facts)
            kept += 1
        return Session(self.dialog.id, self.dialog.version, answers[:kept], step), facts

    def _apply(self, session: Session, ids: tuple[str, ...], notice: str | None) -> tuple[Session, Reply]:
        facts = self._facts(session.answers)
        for option_id in ids:
            facts.update(self._options[session.step, option_id].sets)
        step = self._settle(self._move(session.step, self._trigger(session.step, ids), facts), facts)
        answers = (*session.answers, (session.step, ids))
        moved = replace(session, answers=answers, step=step, ticked=())
        answered = tuple(self._options[session.step, i] for i in ids)
        return moved, replace(self._reply(moved, notice, facts), answered=answered)

    def _trigger(self, step_id: str, ids: tuple[str, ...]) -> str:
        return DONE if self.dialog.steps[step_id].many else _answer_trigger(ids[0])

    def _chosen(self, step_id: str, ids: tuple[str, ...]) -> tuple[Option, ...] | None:
        """The options of a stored answer, or None when it no longer fits the step."""
        step = self.dialog.steps[step_id]
        chosen = tuple(o for i in ids if (o := self._options.get((step_id, i))) is not None)
        if len(chosen) != len(ids) or not chosen or (len(chosen) > 1 and not step.many):
            return None
        if step.many and _with_ticks(step, (), chosen) != ids:
            return None  # e.g. "None of these" stored beside another item
        return chosen

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
        for step_id, ids in answers:
            for option_id in ids:
                facts.update(self._options[step_id, option_id].sets)
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
                    for step_id, ids in session.answers
                    for option_id in ids
                    if (reason := self._options[step_id, option_id].because)
                )
            )
            outcome = Outcome(step.urgency, topics, reasons)
            if reasons:
                blocks.append("Because you said: " + "; ".join(reasons) + ".")
        teaching = tuple(self._topic_block(topic) for topic in topics)
        if outcome is None:
            blocks += teaching  # a message's topics are the message itself
            teaching = ()
        elif outcome.urgency is Urgency.EMERGENCY:  # the number, and nothing that competes with it
            blocks.append(self.fill(self.dialog.disclaimer))
        else:
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
            many=step.many,
            ticked=session.ticked,
            teaching=teaching,
            heading=self._heading,
            answers_so_far=self._answers_so_far(session.answers),
        )

    def _answers_so_far(self, answers: tuple[Answer, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The questions asked and what was answered, for a screen that keeps them in sight (not the
        buttons of a 'say' step, such as "Start the check")."""
        asked = self._asked
        return tuple(
            (asked[step_id], tuple(self._options[step_id, i].label for i in ids))
            for step_id, ids in answers
            if step_id in asked
        )

    def _topic_block(self, topic_id: str) -> str:
        topic = self.dialog.topics[topic_id]
        return f"**{self.fill(topic.title)}**\n{self.fill(topic.text)}"

    def fill(self, text: str) -> str:
        """A dialog text with the clinic's values in its placeholders."""
        return fill(text, self._values)


def toggled(step: Step, ticked: tuple[str, ...], option: Option) -> tuple[str, ...]:
    """The ticks after tapping `option`: "None of these" clears the others, any other item clears it."""
    if option.id in ticked:
        return tuple(t for t in ticked if t != option.id)
    if option.none:
        return (option.id,)
    keep = {t for t in ticked if not (o := step.option(t)) or not o.none} | {option.id}
    return tuple(o.id for o in step.options if o.id in keep)


def _with_ticks(step: Step, ticked: tuple[str, ...], items: tuple[Option, ...]) -> tuple[str, ...] | None:
    """Typed items added to the ticked ones, in list order; None when "None of these" meets another."""
    ids = set(ticked) | {o.id for o in items}
    chosen = [o for o in step.options if o.id in ids]
    if len(chosen) > 1 and any(o.none for o in chosen):
        return None
    return tuple(o.id for o in chosen) or None


_GONE: tuple[str, ...] = ("",)  # what `_typed_ids` gives for an option no longer in the dialog


def _typed_ids(
    step: Step, seen: Sequence[Option], ticked: tuple[str, ...], typed: str | Sequence[str]
) -> tuple[str, ...] | None:
    """The option ids a typed answer gives, read against `seen` (the list as the patient saw it); None
    when unclear, `_GONE` when it names an option that is not in the step any more."""
    if step.many:
        items = match_ticks(typed, seen) if isinstance(typed, str) else _each(typed, seen)
    else:
        option = match_option(typed, seen) if isinstance(typed, str) else None
        items = None if option is None else (option,)
    if items is None:
        return None
    if any(step.option(o.id) is not o for o in items):
        return _GONE
    return _with_ticks(step, ticked, items) if step.many else (items[0].id,)


def _each(typed: Sequence[str], options: Sequence[Option]) -> tuple[Option, ...] | None:
    found = [match_option(text, options) for text in typed]
    return tuple(o for o in found if o is not None) if found and all(found) else None


def _none_number(step: Step) -> str:
    return next((str(n) for n, o in enumerate(step.options, start=1) if o.none), "none")
