"""The screen flow of an earlier version of the bot against this one: Bot API calls per tap over whole
conversations, and what a patient waits for from tap to screen when every Bot API call takes a round
trip (`--rtt`, 40 ms by default). Both run without flood caps, on the same walks (bench/walks.py).

Run: python -m bench.flows CHECKOUT   (CHECKOUT: a work tree of the earlier version, whose
`bench/unthrottled.py` starts its bot without caps, as bench/ did before `telegram.rate_limit`)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from bench import machine
from bench.end_to_end import Patient, Phase, conversations, timed, walk_many
from bench.launch import UNTHROTTLED, launch, start, write_config
from bench.results import Row, info, table
from bench.stats import percentile
from bench.walks import walks
from testkit import BotApiServer


async def _measure(name: str, checkout: Path | None, rtt: float, rounds: int) -> tuple[list[float], Phase]:
    every = walks()
    with tempfile.TemporaryDirectory() as folder:
        async with BotApiServer() as server:
            if checkout is None:
                bot = await launch(UNTHROTTLED, server, Path(folder))
            else:
                config = write_config(Path(folder), server.base_url)
                command = [sys.executable, "-m", "bench.unthrottled", "--config", str(config), "run"]
                bot = await start(name, command, server, Path(folder), root=checkout)
            try:
                await bot.first_poll(server)
                per_tap, _ = await conversations(server, every)
                server.faults.slow(seconds=rtt)
                waited = Phase()
                alone = Patient(server.user(1, "Alone"), every, 0)
                await alone.start()

                await timed(bot.pid, walk_many(alone, rounds * len(every), waited), waited)
            finally:
                await bot.stop()
    return per_tap, waited


def measure(checkout: Path, rtt: float = 0.04, rounds: int = 1) -> list[Row]:
    rows = []
    for name, where in (("earlier flow", checkout), ("this flow", None)):
        per_tap, waited = asyncio.run(_measure(name, where, rtt, rounds))
        rows += [
            info(
                f"Bot API calls per tap, whole conversations: {name}",
                percentile(per_tap, 0.5),
                "calls",
                f"median of {len(per_tap)}, range {min(per_tap):.2f}-{max(per_tap):.2f}",
            ),
            info(
                f"tap to screen with {rtt * 1000:.0f} ms per call: {name}",
                waited.latency_ms(0.5),
                "ms",
                f"p50; p90 {waited.latency_ms(0.9):.0f} ms, p99 {waited.latency_ms(0.99):.0f} ms; "
                f"{waited.answered} taps by one patient",
            ),
        ]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.flows", description=__doc__)
    parser.add_argument("checkout", type=Path)
    parser.add_argument("--rtt", type=float, default=0.04, help="seconds added to every Bot API call")
    args = parser.parse_args(argv)
    print("\n".join(machine.describe()))
    print(table(measure(args.checkout.resolve(), args.rtt)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
