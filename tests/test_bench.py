"""The benchmarks run end to end at tiny sizes and report every number; no timing is asserted here."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from bot.dialog.loader import load_dialog_text
from bot.dialog.model import StepKind, Urgency
from bot.problems import DialogError

# bench/ is not an installed package: it runs from the repository root (`python -m bench.run`).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run
from bench.big_dialog import generate
from bench.end_to_end import Load
from bench.proof_scaling import questions, tick_list
from bench.results import Row, table

TINY = run.Sizes(
    engine_sessions=50,
    engine_steps=500,
    conversation_chats=20,
    conversation_steps=200,
    stored_sessions=500,
    active_sessions=200,
    dialog_steps=100,
    dialog_repeats=1,
    cold_starts=1,
    load=Load(
        users=3,
        saturated_seconds=0.3,
        offered=((20, 0.3),),
        rtt=0.01,
        rtt_walks=1,
        conversations=True,
        walks=2,
    ),
    shipped_load=Load(users=2, saturated_seconds=0.3, conversations=True, walks=2),
    rounds=1,
    transport_calls=60,
    transport_load=Load(users=3, saturated_seconds=0.3, walks=2),
    transport_rounds=1,
    proof_sizes=(3, 5),
    explicit_proof_sizes=(3,),
)

# One entry per measure that `bench.run` reports, whatever the sizes.
EXPECTED = (
    "engine step (answer -> Reply), median",
    "engine step, p99",
    "transitions trigger (bare), median",
    "transitions set_state + trigger, median",
    "tap handled by Conversations.choose, median",
    "reply rendered to Telegram HTML, median",
    "sessions stored in SQLite",
    "SQLite file per stored session",
    "store.update() per session",
    "active sessions (tracemalloc)",
    "memory per active session",
    "front end's per-chat memory",
    "big dialog: load + full check",
    "of which YAML parsing",
    "of which safety proof",
    "of which structural checks",
    "cold start to first getUpdates: clinic-bot",
    "cold start to first getUpdates: baseline PTB bot",
    "Bot API calls per tap, whole conversations: clinic-bot",
    "Bot API calls per tap, whole conversations: clinic-bot, rate_limit: false",
    "Bot API calls per tap, whole conversations: baseline PTB bot",
    "e2e throughput, saturated: baseline PTB bot",
    "e2e throughput, saturated: clinic-bot, rate_limit: false",
    "e2e throughput, saturated: baseline PTB bot on aiohttp",
    "bot CPU per tap: baseline PTB bot",
    "bot CPU per tap: clinic-bot, rate_limit: false",
    "e2e throughput ratio: clinic-bot, rate_limit: false / baseline PTB bot",
    "bot CPU per tap ratio: clinic-bot, rate_limit: false / baseline PTB bot on aiohttp",
    "e2e latency, tap to screen, at 20 taps/s offered: clinic-bot, rate_limit: false",
    "e2e latency with 10 ms per Bot API call: baseline PTB bot",
    "e2e latency with 10 ms per Bot API call: clinic-bot, rate_limit: false",
    "e2e throughput, saturated: clinic-bot as shipped",
    "bot RSS after the run",
    "proof: 5 questions, load + full check",
    "proof: 5 questions, peak memory",
    "old explicit proof: 3 questions",
    "proof: 5 questions with the planted bug",
    "tick list, load + full check",
    "outcomes: 5 questions",
    *(
        f"transport, {what}: {measure}"
        for what, cpu in (("Bot API calls", "client CPU per call"), ("whole bot", "bot CPU per update"))
        for measure in (
            "throughput, httpx",
            "throughput, aiohttp",
            f"{cpu}, httpx",
            f"{cpu}, aiohttp",
            "throughput ratio aiohttp / httpx",
            "CPU ratio aiohttp / httpx",
        )
    ),
    "transport, whole bot: bot RSS after the run, aiohttp",
)


def test_every_piece_reports_every_number_and_each_is_positive() -> None:
    """RSS growth may be zero at these sizes (freed memory is reused), so it only has to be >= 0."""
    rows = run.collect(TINY)
    printed = table(rows)
    for name in EXPECTED:
        assert any(name in row.name for row in rows), f"no row for {name!r}:\n{printed}"
        assert name in printed
    for row in rows:
        assert math.isfinite(row.value), row
        assert row.value >= 0 if row.name.startswith("RSS growth") else row.value > 0, row
    assert "NOT CAUGHT" not in printed


def test_the_generated_proof_dialogs_load_and_the_planted_bug_is_refused() -> None:
    """The dialogs the proof benchmark times are valid, and its planted bug is a real breach."""
    assert load_dialog_text(questions(12), "q.yaml").steps["q12"].options[0].next == "decide"
    assert load_dialog_text(tick_list(12), "t.yaml").steps["q1"].many
    with pytest.raises(DialogError) as refused:
        load_dialog_text(questions(12, planted_bug=True), "q.yaml")
    (problem,) = refused.value.problems
    assert "can end at 'home' (self_care), below its level urgent: q1: Yes -> q2: No" in problem.message
    assert problem.message.count(": No") == 11


def test_the_table_gives_each_number_with_its_unit_and_note_and_no_verdict() -> None:
    lines = table([Row("fast", 1.0, "µs", "median of 3"), Row("plain", 0.5, "MB")]).splitlines()
    assert len(lines) == 4
    assert lines[0].split("|")[1:-1] == [" measure ", " value   ", " note        "]
    assert "| 1.00 µs | median of 3 |" in lines[2]
    assert "0.5 MB" in lines[3]


def test_the_generated_big_dialog_has_every_kind_of_step_and_level() -> None:
    dialog = load_dialog_text(generate(100), "generated.yaml")
    assert len(dialog.steps) == 100
    assert {step.kind for step in dialog.steps.values()} == set(StepKind)
    assert {step.urgency for step in dialog.steps.values() if step.urgency is not None} == set(Urgency)
    flags = {o.red_flag for s in dialog.steps.values() for o in s.options if o.red_flag is not None}
    assert flags == {Urgency.EMERGENCY, Urgency.URGENT}
