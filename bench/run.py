"""`python -m bench.run [--quick]`: every benchmark in one run, printed as a Markdown table.

Numbers are measured, never asserted: `tests/test_bench.py` only checks that every piece runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench import (
    big_dialog,
    cold_start,
    conversation_step,
    end_to_end,
    engine_step,
    machine,
    memory,
    proof_scaling,
    transport,
)
from bench.end_to_end import Load
from bench.results import Row, table


@dataclass(frozen=True)
class Sizes:
    engine_sessions: int
    engine_steps: int
    conversation_chats: int
    conversation_steps: int
    stored_sessions: int
    active_sessions: int
    dialog_steps: int
    dialog_repeats: int
    cold_starts: int
    load: Load
    shipped_load: Load
    rounds: int
    transport_calls: int  # Bot API calls a round, each transport
    transport_load: Load  # the whole bot, saturated, each transport
    transport_rounds: int  # pairs of rounds (httpx, aiohttp)
    proof_sizes: tuple[int, ...] = proof_scaling.SIZES
    explicit_proof_sizes: tuple[int, ...] = proof_scaling.EXPLICIT_SIZES


FULL = Sizes(
    engine_sessions=10_000,
    engine_steps=200_000,
    conversation_chats=10_000,
    conversation_steps=50_000,
    stored_sessions=100_000,
    active_sessions=10_000,
    dialog_steps=2_000,
    dialog_repeats=3,
    cold_starts=5,
    load=Load(users=100, saturated_seconds=10, offered=((50, 6),), rtt=0.04, rtt_walks=3, conversations=True),
    shipped_load=Load(users=100, saturated_seconds=10, conversations=True),
    rounds=3,
    transport_calls=6_000,
    transport_load=Load(users=200, saturated_seconds=10, offered=()),
    transport_rounds=3,
)
QUICK = Sizes(
    engine_sessions=2_000,
    engine_steps=30_000,
    conversation_chats=1_000,
    conversation_steps=5_000,
    stored_sessions=5_000,
    active_sessions=2_000,
    dialog_steps=2_000,
    dialog_repeats=1,
    cold_starts=1,
    load=Load(
        users=30, saturated_seconds=1.5, offered=((50, 1.5),), rtt=0.04, rtt_walks=1, conversations=True
    ),
    shipped_load=Load(users=30, saturated_seconds=1.5, conversations=True),
    rounds=1,
    transport_calls=1_000,
    transport_load=Load(users=50, saturated_seconds=1.0, offered=()),
    transport_rounds=1,
)

Piece = tuple[str, Callable[[Sizes], list[Row]]]
PIECES: list[Piece] = [
    ("engine step", lambda s: engine_step.measure(s.engine_sessions, s.engine_steps)),
    ("conversation step", lambda s: conversation_step.measure(s.conversation_chats, s.conversation_steps)),
    ("memory", lambda s: memory.measure(s.stored_sessions, s.active_sessions)),
    ("big dialog", lambda s: big_dialog.measure(s.dialog_steps, s.dialog_repeats)),
    ("proof scaling", lambda s: proof_scaling.measure(s.proof_sizes, s.explicit_proof_sizes)),
    ("cold start", lambda s: cold_start.measure(s.cold_starts)),
    ("end to end", lambda s: end_to_end.measure(s.load, s.shipped_load, s.rounds)),
    ("transport", lambda s: transport.measure(s.transport_rounds, s.transport_calls, s.transport_load)),
]


def collect(sizes: Sizes, progress: Callable[[str], None] | None = None) -> list[Row]:
    """Run every piece in turn; `progress` hears the name of each as it starts."""
    rows: list[Row] = []
    for name, piece in PIECES:
        if progress is not None:
            progress(name)
        rows += piece(sizes)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, about 30 seconds")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    header = machine.describe()
    started = time.monotonic()
    rows = collect(sizes, lambda name: print(f"running: {name}", file=sys.stderr, flush=True))
    took = time.monotonic() - started
    mode = "--quick" if args.quick else "full"
    print("\n".join(header))
    print(f"bench: {mode}, {took:.0f} s; load average after: {machine.load_average():.2f}\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
