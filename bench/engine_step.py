"""Engine step time: one tapped answer -> Reply, many sessions in turn, beside a bare transitions trigger."""

from __future__ import annotations

import random
import time
from pathlib import Path

from transitions import Machine

from bench.results import Row, info
from bench.sessions import engine_for, shipped_dialog
from bench.stats import percentile
from bot.dialog.engine import DONE, Engine, Session
from bot.dialog.model import StepKind


def measure(sessions: int, steps: int, path: Path | None = None, seed: int = 1) -> list[Row]:
    """Time `steps` answers given round-robin by `sessions` conversations (finished ones start again)."""
    path = path or shipped_dialog()
    engine = engine_for(path)
    times = _engine_steps(engine, sessions, steps, seed)
    raw, moved = _raw_triggers(engine, steps, seed)
    label = f"{path.name}, {sessions:,} sessions"
    median = percentile(times, 0.5) / 1000
    return [
        info("engine step (answer -> Reply), median", median, "µs", label),
        info("engine step, p99", percentile(times, 0.99) / 1000, "µs", f"{len(times):,} answers timed"),
        info("transitions trigger (bare), median", percentile(raw, 0.5) / 1000, "µs", "same graph"),
        info(
            "transitions set_state + trigger, median",
            percentile(moved, 0.5) / 1000,
            "µs",
            "what the engine does per move",
        ),
    ]


def _engine_steps(engine: Engine, count: int, steps: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    dialog = engine.dialog
    sessions: list[Session] = [engine.start()[0] for _ in range(count)]
    clock = time.perf_counter_ns
    times: list[int] = []
    for turn in range(steps):
        slot = turn % count
        session = sessions[slot]
        step = dialog.steps[session.step]
        if step.kind is StepKind.OUTCOME:
            sessions[slot] = engine.start()[0]
            continue
        option_id = step.options[rng.randrange(len(step.options))].id
        for tap in (option_id, DONE) if step.many else (option_id,):  # a tick list: one tick, then Done
            started = clock()
            session, _reply = engine.choose(session, step.id, tap)
            times.append(clock() - started)
        sessions[slot] = session
    return times


class _Model:
    state: str


def _raw_triggers(engine: Engine, count: int, seed: int) -> tuple[list[int], list[int]]:
    """A Machine with the dialog's answer transitions and no conditions: the library's own cost."""
    dialog = engine.dialog
    model = _Model()
    machine = Machine(model=model, states=list(dialog.steps), initial=dialog.start, auto_transitions=False)
    moves = [(s.id, f"answer:{o.id}") for s in dialog.steps.values() for o in s.options]
    for step_id, trigger in moves:
        target = next(o.next for o in dialog.steps[step_id].options if f"answer:{o.id}" == trigger)
        machine.add_transition(trigger, step_id, target)
    rng = random.Random(seed)
    clock = time.perf_counter_ns
    bare: list[int] = []
    moved: list[int] = []
    for _ in range(count):
        step_id, trigger = moves[rng.randrange(len(moves))]
        machine.set_state(step_id, model=model)
        started = clock()
        model.trigger(trigger)  # type: ignore[attr-defined]
        bare.append(clock() - started)
        step_id, trigger = moves[rng.randrange(len(moves))]
        started = clock()
        machine.set_state(step_id, model=model)
        model.trigger(trigger)  # type: ignore[attr-defined]
        moved.append(clock() - started)
    return bare, moved
