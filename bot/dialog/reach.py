"""Every way through a dialog at once, as sets of answers and facts (binary decision diagrams).

Listing paths one by one doubles with every question; a set of answer combinations stored as a
decision diagram grows with the number of questions instead (`dd`, over the CUDD library). The
safety proof, the outcome table and `diff` all read these sets, and every step moves them through
`exits` and its routing rule, the same ones the engine's state machine uses.

What a set holds, per dialog: for each question the answer given ("-" while not asked; a tick list
has one yes/no per item), each fact's value ("-" while unset), and the level of the strongest red flag
answered so far (a level, not which answer: which answer is found by replaying a path; keeping the
answer would multiply the sets by the number of red flags). A step asked twice on one path (a loop
back to a question) keeps its last answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import reduce

from dd.cudd import BDD, Function  # CUDD, compiled, as dd's wheels ship it

from bot.dialog.model import Condition, Dialog, Exit, Facts, Option, Step, StepKind, Urgency, exits

UNSET = "-"  # a fact not set yet, a question not asked, no red flag so far
FLAG_LEVELS = (Urgency.SOON, Urgency.URGENT, Urgency.EMERGENCY)  # what a red flag may promise
TICKED, CLEAR = "yes", "no"


@dataclass(frozen=True)
class Variable:
    """A named variable with a few values, stored in bits."""

    name: str
    values: tuple[str, ...]
    bits: tuple[str, ...]


class Space:
    """The variables of one or more dialogs in one diagram manager.

    Answers are named by step and option ids, so two versions of a dialog share them and their sets
    can be compared; facts and the red flag are each dialog's own (`tag`).
    """

    def __init__(self, dialogs: Mapping[str, Dialog], *, answers: bool = True) -> None:
        """`answers=False` leaves the answers out (a tick list's items live only while it is answered):
        the safety proof needs facts and red flags only, and those sets stay far smaller."""
        self.bdd = BDD()
        self.answers = answers
        self._vars: dict[str, Variable] = {}
        asked: dict[str, list[str]] = {}
        ticks: dict[str, list[str]] = {}
        for dialog in dialogs.values():
            for step in _in_order(dialog):
                if step.kind is not StepKind.ASK:
                    continue
                values = asked.setdefault(step.id, [UNSET])
                if step.many:
                    values += [v for v in ("done",) if v not in values]
                    items = ticks.setdefault(step.id, [])
                    items += [o.id for o in step.options if o.id not in items]
                else:
                    values += [o.id for o in step.options if o.id not in values]
        order: list[tuple[str, tuple[str, ...]]] = []
        placed: set[tuple[str, str]] = set()
        for tag in dialogs:
            order.append((f"flag:{tag}", (UNSET, *(level.key for level in FLAG_LEVELS))))

        def place_facts(step_id: str, item: str | None) -> None:
            """A fact's bits go beside the first answer (or ticked item) that sets it."""
            for tag, dialog in dialogs.items():
                asked = dialog.steps.get(step_id)
                for option in asked.options if asked else ():
                    for fact, _value in option.sets if item in (None, option.id) else ():
                        if (tag, fact) not in placed:
                            placed.add((tag, fact))
                            order.append((f"f:{tag}:{fact}", (UNSET, *dialog.facts[fact])))

        for step_id, values in asked.items():
            if self.answers:
                order.append((f"a:{step_id}", tuple(values)))
            for item in ticks.get(step_id, ()):
                order.append((f"t:{step_id}:{item}", (CLEAR, TICKED)))
                place_facts(step_id, item)
            place_facts(step_id, None)
        for tag, dialog in dialogs.items():
            order += [
                (f"f:{tag}:{f}", (UNSET, *v)) for f, v in dialog.facts.items() if (tag, f) not in placed
            ]
        for name, domain in order:
            width = max(1, (len(domain) - 1).bit_length())
            bits = tuple(f"{name}#{i}" for i in range(width))
            self.bdd.declare(*bits)
            self._vars[name] = Variable(name, domain, bits)
        # The order above keeps each question beside the facts it sets, which keeps the sets small;
        # CUDD's own reordering spent 8 of 8.3 seconds on a 100-question dialog.
        self.bdd.configure(reordering=False)
        self._eq: dict[tuple[str, str], Function] = {}
        self._order: dict[str, int] = {}
        # A "None of these" tick follows from the others (ticked exactly when nothing else is).
        self.derived = {
            f"t:{step.id}:{o.id}"
            for d in dialogs.values()
            for step in d.steps.values()
            for o in step.options
            if o.none
        }

    def var(self, name: str) -> Variable:
        return self._vars[name]

    def order(self, name: str) -> int:
        """Where a variable stands in the order they were declared: questions in the order asked."""
        if len(self._order) != len(self._vars):
            self._order = {n: i for i, n in enumerate(self._vars)}
        return self._order[name]

    def bits_of(self, name: str, value: str) -> dict[str, bool]:
        var = self._vars[name]
        code = var.values.index(value)
        return {bit: bool(code >> i & 1) for i, bit in enumerate(var.bits)}

    def row(self, row: Iterable[tuple[str, Iterable[str]]]) -> Function:
        """The set of a table row: each named variable has one of its listed values."""
        return reduce(lambda a, b: a & b, (self.any_of(n, v) for n, v in row), self.bdd.true)

    def count(self, answers: Function) -> int:
        """How many answer combinations a set of answers (no facts, no flag) holds."""
        bits = [b for n in self._vars if n.startswith(("a:", "t:")) for b in self._vars[n].bits]
        return int(self.bdd.count(answers, nvars=len(bits)))

    def has(self, name: str) -> bool:
        return name in self._vars

    def eq(self, name: str, value: str) -> Function:
        """The set where variable `name` has `value`."""
        key = (name, value)
        if key not in self._eq:
            self._eq[key] = self.bdd.cube(self.bits_of(name, value))
        return self._eq[key]

    def any_of(self, name: str, values: Iterable[str]) -> Function:
        return reduce(lambda a, b: a | b, (self.eq(name, v) for v in values), self.bdd.false)

    def assign(self, s: Function, name: str, value: str) -> Function:
        """`s` with variable `name` set to `value`."""
        return self.bdd.exist(self._vars[name].bits, s) & self.eq(name, value)

    def forget(self, s: Function, names: Iterable[str]) -> Function:
        bits = [bit for name in names for bit in self._vars[name].bits]
        return self.bdd.exist(bits, s) if bits else s

    def names(self, prefix: str) -> list[str]:
        return [name for name in self._vars if name.startswith(prefix)]

    def value(self, assignment: Mapping[str, bool], name: str) -> str:
        """A variable's value in an assignment of bits (a missing bit counts as 0)."""
        var = self._vars[name]
        code = sum(1 << i for i, bit in enumerate(var.bits) if assignment.get(bit, False))
        return var.values[code] if code < len(var.values) else UNSET

    def point(self, values: Mapping[str, str]) -> Function:
        """The one assignment where each named variable has its value (others: free)."""
        return reduce(lambda a, b: a & b, (self.eq(n, v) for n, v in values.items()), self.bdd.true)


def _in_order(dialog: Dialog) -> list[Step]:
    """Steps in the order a patient meets them (breadth first from the start), then the rest."""
    seen = {dialog.start: None}
    queue = [dialog.start]
    for step_id in queue:
        for way in exits(dialog.steps[step_id]):
            if way.target in dialog.steps and way.target not in seen:
                seen[way.target] = None
                queue.append(way.target)
    rest = [s for s in dialog.steps if s not in seen]
    return [dialog.steps[s] for s in [*seen, *rest]]


class Reach:
    """Where every patient can be, step by step: a set of answers, facts and red flag per step.

    `flags` are the answers whose red flag is followed (all of the dialog's by default); `layers`, the
    states first reached after each number of moves, are kept for tracing a path back (the proof).
    """

    def __init__(
        self,
        space: Space,
        dialog: Dialog,
        tag: str,
        *,
        flags: Mapping[tuple[str, str], Urgency] | None = None,
        keep_layers: bool = False,
    ) -> None:
        self.space, self.dialog, self.tag = space, dialog, tag
        self._flag = f"flag:{tag}"
        self.flags = dict(flags) if flags is not None else red_flags(dialog)
        self.layers: list[dict[str, Function]] = []
        self._keep_layers = keep_layers
        self.states = self._explore()

    # The sets.

    def _start(self) -> Function:
        """Nothing answered, nothing set; a question of another version only (in `diff`) may hold
        any of its answers, so that it matches every answer to it."""
        s = self.space
        values = {self._flag: UNSET}
        values.update(dict.fromkeys(s.names(f"f:{self.tag}:"), UNSET))
        for step in self.dialog.steps.values():
            if step.kind is StepKind.ASK and s.answers:
                values[f"a:{step.id}"] = UNSET
                values.update({f"t:{step.id}:{o.id}": CLEAR for o in step.options if step.many})
        others = [s.any_of(name, s.var(name).values) for name in s.names("a:") if name not in values]
        return reduce(lambda a, b: a & b, others, s.point(values))

    def _explore(self) -> dict[str, Function]:
        """Breadth first, one answer deeper each round, so the first breach found has a shortest path."""
        false = self.space.bdd.false
        reached: dict[str, Function] = {self.dialog.start: self._start()}
        frontier = dict(reached)
        while frontier:
            if self._keep_layers:
                self.layers.append(frontier)
            following: dict[str, Function] = {}
            for step_id, states in frontier.items():
                for target, after in self.image(self.dialog.steps[step_id], states):
                    following[target] = following.get(target, false) | after
            frontier = {}
            for target, states in following.items():
                new = states & ~reached.get(target, false)
                if new != false:
                    frontier[target] = new
                    reached[target] = reached.get(target, false) | new
        return reached

    def image(self, step: Step, states: Function) -> Iterator[tuple[str, Function]]:
        """Where the patients in `states` at `step` go next, and as what."""
        s = self.space
        for way in exits(step):
            if step.kind is StepKind.ROUTE:
                yield way.target, states & self.guard(way)
            elif way.option is None:
                yield way.target, self._ticked(step, states)
            else:
                after = states
                if step.kind is StepKind.ASK and s.answers:
                    after = s.assign(after, f"a:{step.id}", way.option.id)
                after = self._set(after, way.option.sets)
                level = self.flags.get((step.id, way.option.id))
                if level is not None:
                    after = self._raise_flag(after, level, self.space.bdd.true)
                yield way.target, after

    def guard(self, way: Exit) -> Function:
        """The set where the routing rule sends a patient through `way`."""
        blocked = reduce(lambda a, b: a | b, (self.condition(c) for c in way.unless), self.space.bdd.false)
        return self.condition(way.when) & ~blocked

    def condition(self, condition: Condition) -> Function:
        s = self.space
        parts = (s.any_of(f"f:{self.tag}:{fact}", sorted(allowed)) for fact, allowed in condition)
        return reduce(lambda a, b: a & b, parts, s.bdd.true)

    def _set(self, states: Function, sets: Facts) -> Function:
        for fact, value in sets:
            states = self.space.assign(states, f"f:{self.tag}:{fact}", value)
        return states

    def _raise_flag(self, states: Function, level: Urgency, when: Function) -> Function:
        """The strongest red flag so far: `level`, where `when` holds and the one before was weaker."""
        below = self.space.any_of(self._flag, [UNSET, *(v.key for v in FLAG_LEVELS if v < level)]) & when
        return (states & ~below) | self.space.assign(states & below, self._flag, level.key)

    def _ticked(self, step: Step, states: Function, *, keep_ticks: bool = False) -> Function:
        """A tick list answered: any allowed set of items, their facts set, the strongest flag raised."""
        s = self.space
        tick = {o.id: s.eq(f"t:{step.id}:{o.id}", TICKED) for o in step.options}
        false = s.bdd.false
        items = [f"t:{step.id}:{o.id}" for o in step.options]
        states = s.forget(states, items)
        if s.answers:
            states = s.assign(states, f"a:{step.id}", "done")
        nothing = [o for o in step.options if o.none]
        others = [o for o in step.options if not o.none]
        some = reduce(lambda a, b: a | b, (tick[o.id] for o in others), false)
        choices = false
        for option in nothing:  # "None of these" alone
            only = tick[option.id] & ~some
            choices |= reduce(lambda a, b: a & ~tick[b.id], (o for o in nothing if o is not option), only)
        choices |= some & reduce(lambda a, b: a & ~tick[b.id], nothing, s.bdd.true)
        states &= choices
        by_fact: dict[str, dict[str, Function]] = {}
        for option in step.options:
            for fact, value in option.sets:
                values = by_fact.setdefault(fact, {})
                values[value] = values.get(value, false) | tick[option.id]
        for fact, setters in by_fact.items():
            name = f"f:{self.tag}:{fact}"
            before = states
            states = before & ~reduce(lambda a, b: a | b, setters.values(), false)
            for value, ticked in setters.items():
                states |= s.assign(before & ticked, name, value)
        for level in FLAG_LEVELS:  # weakest first, so the strongest ticked item has the last word
            flagged = [tick[o.id] for o in step.options if self.flags.get((step.id, o.id)) == level]
            if flagged:
                states = self._raise_flag(states, level, reduce(lambda a, b: a | b, flagged, false))
        return states if s.answers or keep_ticks else s.forget(states, items)

    # Tracing a path back, for the proof.

    def trace(self, depth: int, step_id: str, states: Function) -> list[str]:
        """A path of `depth` moves from the start to one of `states` at `step_id`, in words."""
        target = self._one(states)
        path = [step_id]
        for layer in reversed(self.layers[:depth]):
            found = None
            for before, reached in layer.items():
                step = self.dialog.steps[before]
                for way in exits(step):
                    if way.target == step_id:
                        found = self._before(step, way, reached, target)
                        if found is not None:
                            break
                if found is not None:
                    target, how = found
                    step_id = before
                    path.append(how)
                    break
            if found is None:  # pragma: no cover - every state of a layer came from the layer before
                raise AssertionError(f"no way back from '{step_id}'")
        return path[::-1]

    def _one(self, states: Function) -> Function:
        """One state of a set: every variable of a state fixed (a tick list's items are not, without
        answers: they live only while it is answered)."""
        s = self.space
        bits = [b for n in s.names("") if s.answers or not n.startswith("t:") for b in s.var(n).bits]
        return s.bdd.cube(s.bdd.pick(states, care_vars=bits))

    def _before(
        self, step: Step, way: Exit, reached: Function, target: Function
    ) -> tuple[Function, str] | None:
        """One state of `reached` that `way` takes to `target` (one state), and the move in words."""
        s = self.space
        if step.kind is StepKind.ROUTE:
            found = reached & self.guard(way) & target
            return (self._one(found), step.id) if found != s.bdd.false else None
        if way.option is not None:
            chosen: list[Option] = [way.option]
            how = f"{step.id}: {way.option.label}"
        else:  # a tick list: which items were ticked is read off the tick list's own image
            ticked = self._ticked(step, reached, keep_ticks=True) & target
            if ticked == s.bdd.false:
                return None
            bits = [b for o in step.options for b in s.var(f"t:{step.id}:{o.id}").bits]
            picked = s.bdd.pick(ticked, care_vars=bits)
            chosen = [o for o in step.options if s.value(picked, f"t:{step.id}:{o.id}") == TICKED]
            how = f"{step.id}: " + " + ".join(o.label for o in chosen)
        sets = [pair for option in chosen for pair in option.sets]
        undone = target & s.point({f"f:{self.tag}:{fact}": value for fact, value in sets})
        undone = s.forget(undone, [f"f:{self.tag}:{fact}" for fact, _value in sets])
        if step.kind is StepKind.ASK and s.answers:
            undone = s.forget(undone, [f"a:{step.id}"])
        levels = [lv for o in chosen if (lv := self.flags.get((step.id, o.id))) is not None]
        if levels:  # the flag was raised to `level` from anything up to it, or was above it already
            level = max(levels)
            now = s.forget(undone & s.eq(self._flag, level.key), [self._flag])
            was = s.any_of(self._flag, [UNSET, *(v.key for v in FLAG_LEVELS if v <= level)])
            undone = (now & was) | (undone & self._above(level))
        found = reached & undone
        return (self._one(found), how) if found != s.bdd.false else None

    def _above(self, level: Urgency) -> Function:
        return self.space.any_of(self._flag, [v.key for v in FLAG_LEVELS if v > level])

    def breaching(self, depth: int) -> Iterator[tuple[Step, Function]]:
        """Outcomes first reached after `depth` moves with a red flag above their level, lowest first."""
        layer = self.layers[depth]
        ends = [self.dialog.steps[i] for i in layer if self.dialog.steps[i].kind is StepKind.OUTCOME]
        for step in sorted(ends, key=lambda e: e.urgency or Urgency.SELF_CARE):
            bad = layer[step.id] & self._above(step.urgency or Urgency.SELF_CARE)
            if bad != self.space.bdd.false:
                yield step, bad

    # Reading the sets.

    def answers_of(self, states: Function) -> Function:
        """The answer combinations of a set of states, without their facts and red flag (and without
        "None of these" ticks, which follow from the others)."""
        names = [self._flag, *self.space.names(f"f:{self.tag}:"), *sorted(self.space.derived)]
        return self.space.forget(states, names)

    def cells(self, step: Step) -> Iterator[tuple[tuple[str, ...], Function]]:
        """An outcome's reachable states split by the topics it shows, as (topics, states)."""
        cells: list[tuple[tuple[str, ...], Function]] = [((), self.states.get(step.id, self.space.bdd.false))]
        for show in step.show:
            condition = self.condition(show.when)
            split = []
            for topics, states in cells:
                split.append(
                    ((*topics, show.topic) if show.topic not in topics else topics, states & condition)
                )
                split.append((topics, states & ~condition))
            cells = [(t, c) for t, c in split if c != self.space.bdd.false]
        merged: dict[tuple[str, ...], Function] = {}
        for topics, states in cells:
            merged[topics] = merged.get(topics, self.space.bdd.false) | states
        yield from merged.items()


def red_flags(dialog: Dialog) -> dict[tuple[str, str], Urgency]:
    """Every answer marked `red_flag`, by (step id, option id), with its level."""
    return {
        (step.id, option.id): option.red_flag
        for step in dialog.steps.values()
        for option in step.options
        if option.red_flag is not None
    }


def assignment_of(space: Space, answers: Iterable[tuple[str, tuple[str, ...]]]) -> Function:
    """The set holding exactly these answers (as a session stores them); other questions not asked."""
    values: dict[str, str] = {}
    for name in space.names("a:"):
        values[name] = UNSET
    for name in space.names("t:"):
        values[name] = CLEAR
    for step_id, ids in answers:
        if space.has(f"t:{step_id}:{ids[0]}"):
            values[f"a:{step_id}"] = "done"
            for name in space.names(f"t:{step_id}:"):
                values[name] = CLEAR
            values.update({f"t:{step_id}:{i}": TICKED for i in ids})
        elif space.has(f"a:{step_id}"):
            values[f"a:{step_id}"] = ids[0]
    return space.point(values)
