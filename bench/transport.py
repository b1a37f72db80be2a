"""python-telegram-bot's HTTPXRequest against AiohttpRequest (bot/telegram/transport.py), on the same load.

Two comparisons, each in alternating rounds (httpx, aiohttp, httpx, aiohttp, ...), so that whatever else
the machine does (2 cores here) falls on both alike:

- Bot API calls: a python-telegram-bot `Bot` in a process of its own makes `calls` calls (sendMessage,
  editMessageText of that message, sendChatAction, in turn), from 8 tasks at once, each for its own
  chat, against the local Bot API server (`testkit`) in this process. CPU is the client process's own
  (`time.process_time` there, over the calls only), so the server's is not mixed in.
- The whole bot: `clinic-bot` with `rate_limit: false`, built with each transport (bench/transports.py)
  and saturated by scripted patients as in bench/end_to_end.py: updates/s, the bot process's CPU per
  update (/proc), and its RSS after the run.

Reported: the median per transport, the ratio of medians (aiohttp / httpx) with each round's own ratio,
and the load average before and after.

Run: python -m bench.transport [--rounds N] [--calls N] [--users N] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass

from telegram import Bot
from telegram.constants import ChatAction

from bench import machine
from bench.end_to_end import Load, drive
from bench.launch import UNTHROTTLED
from bench.results import Row, info, table
from bench.sessions import ROOT
from bench.stats import percentile
from bench.transports import TRANSPORTS
from testkit import BotApiServer

HTTPX, AIOHTTP = "httpx", "aiohttp"
CONCURRENCY = 8  # as the bot's updates at once (bot/telegram/ordering.py)
_FIRST_CHAT = 700_000_000


@dataclass(frozen=True)
class Round:
    transport: str
    count: int  # calls made, or updates answered
    seconds: float
    cpu: float  # seconds of CPU the client (or the bot) used
    server_cpu: float  # ... and this process: the server (and the scripted patients)
    rss: int = 0  # bytes the bot process held after the run (the whole bot)

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    @property
    def cpu_us(self) -> float:
        return self.cpu / self.count * 1e6


def measure(rounds: int, calls: int, load: Load) -> list[Row]:
    """`rounds` pairs of each comparison: `calls` Bot API calls per round, and the whole bot under `load`
    (its saturated phase only)."""
    return asyncio.run(_measure(rounds, calls, load))


async def _measure(rounds: int, calls: int, load: Load) -> list[Row]:
    before = machine.load_average()
    by_calls: list[Round] = []
    for _ in range(rounds):
        for transport in (HTTPX, AIOHTTP):
            by_calls.append(await _calls(transport, calls))
    saturated = Load(load.users, load.saturated_seconds)
    by_bot: list[Round] = []
    for _ in range(rounds):
        for transport in (HTTPX, AIOHTTP):
            run = await drive(UNTHROTTLED, saturated, transport=transport)
            phase = run.saturated
            cpu, server_cpu = phase.bot_cpu, phase.server_cpu
            by_bot.append(Round(transport, phase.answered, phase.seconds, cpu, server_cpu, run.rss))
    after = machine.load_average()
    load_note = f"; load average {before:.2f} before, {after:.2f} after, {os.cpu_count()} cores"
    return [
        *_rows(
            "Bot API calls", "calls/s", "client CPU per call", by_calls, f"{calls:,} calls a round", load_note
        ),
        *_rows(
            "whole bot",
            "updates/s",
            "bot CPU per update",
            by_bot,
            f"{load.users} users, {load.saturated_seconds:g} s a round",
            load_note,
        ),
        info(
            "transport, whole bot: bot RSS after the run, aiohttp",
            percentile([r.rss for r in by_bot if r.transport == AIOHTTP], 0.5) / 2**20,
            "MB",
            f"httpx {percentile([r.rss for r in by_bot if r.transport == HTTPX], 0.5) / 2**20:.1f} MB",
        ),
    ]


def _rows(  # noqa: PLR0917 - one call per comparison, each argument named there
    what: str, unit: str, cpu_name: str, rounds: list[Round], sizes: str, load_note: str
) -> list[Row]:
    mine = {name: [r for r in rounds if r.transport == name] for name in (HTTPX, AIOHTTP)}
    rates = {name: percentile([r.rate for r in rs], 0.5) for name, rs in mine.items()}
    cpus = {name: percentile([r.cpu_us for r in rs], 0.5) for name, rs in mine.items()}
    pairs = list(zip(mine[HTTPX], mine[AIOHTTP], strict=True))
    rows = []
    for name, rs in mine.items():
        busy = percentile([r.cpu / r.seconds for r in rs], 0.5)
        server = percentile([r.server_cpu / r.seconds for r in rs], 0.5)
        rows += [
            info(
                f"transport, {what}: throughput, {name}",
                rates[name],
                unit,
                f"median of {len(rs)}: {_each(r.rate for r in rs)}; {sizes}",
            ),
            info(
                f"transport, {what}: {cpu_name}, {name}",
                cpus[name],
                "µs",
                f"median of {len(rs)}: {_each(r.cpu_us for r in rs)}; "
                f"{busy:.0%} of a core, the server's process {server:.0%}",
            ),
        ]
    return [
        *rows,
        info(
            f"transport, {what}: throughput ratio aiohttp / httpx",
            rates[AIOHTTP] / rates[HTTPX],
            "x",
            f"of medians; rounds {_each((a.rate / h.rate for h, a in pairs), '.2f')}{load_note}",
        ),
        info(
            f"transport, {what}: CPU ratio aiohttp / httpx",
            cpus[AIOHTTP] / cpus[HTTPX],
            "x",
            f"of medians; rounds {_each((a.cpu_us / h.cpu_us for h, a in pairs), '.2f')}",
        ),
    ]


def _each(values: Iterable[float], spec: str = ",.0f") -> str:
    return ", ".join(format(value, spec) for value in values)


async def _calls(transport: str, calls: int) -> Round:
    """One round: the client process makes `calls` calls against a fresh server."""
    async with BotApiServer() as server:
        chats = [server.user(_FIRST_CHAT + n, f"Reader {n}").id for n in range(CONCURRENCY)]
        path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.transport",
            "--client",
            json.dumps([transport, server.token, server.base_url, chats, calls]),
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": path},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        try:
            said = await process.stdout.readline()  # "go": warmed up, the timed calls begin
            server_cpu = time.process_time()
            if said.strip() == b"go":
                said = await process.stdout.readline()
            server_cpu = time.process_time() - server_cpu
        finally:
            await process.wait()
        if process.returncode != 0 or not said.strip():
            raise RuntimeError(f"the {transport} client failed ({process.returncode})")
        made, seconds, cpu = json.loads(said)
        return Round(transport, made, seconds, cpu, server_cpu)


async def _client(transport: str, token: str, base_url: str, chats: list[int], calls: int) -> list[float]:
    """In the client process: a warm-up of a few calls per chat, then `calls` calls, timed."""
    make = TRANSPORTS[transport]
    async with Bot(token, base_url=base_url, request=make(256), get_updates_request=make(1)) as bot:

        async def talk(chat: int, count: int) -> None:
            message = await bot.send_message(chat, "Hello")
            for n in range(count):
                kind = n % 3
                if kind == 0:
                    message = await bot.send_message(chat, f"Question {n}")
                elif kind == 1:
                    await bot.edit_message_text(f"Question {n}: answered", chat, message.message_id)
                else:
                    await bot.send_chat_action(chat, ChatAction.TYPING)

        await asyncio.gather(*(talk(chat, 9) for chat in chats))  # connections, caches
        share = [calls // len(chats) + (n < calls % len(chats)) for n in range(len(chats))]
        print("go", flush=True)
        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(talk(chat, count) for chat, count in zip(chats, share, strict=True)))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    made = sum(share) + len(chats)  # each chat's first sendMessage too
    return [made, seconds, cpu]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.transport", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="pairs of rounds (httpx, aiohttp); 3")
    parser.add_argument("--calls", type=int, default=6000, help="Bot API calls a round; 6000")
    parser.add_argument("--users", type=int, default=200, help="patients for the whole bot; 200")
    parser.add_argument("--seconds", type=float, default=10.0, help="saturated seconds a round; 10")
    parser.add_argument("--client", help=argparse.SUPPRESS)  # the client process of one round
    args = parser.parse_args(argv)
    if args.client:
        print(json.dumps(asyncio.run(_client(*json.loads(args.client)))))
        return 0
    print("\n".join(machine.describe()))
    print(table(measure(args.rounds, args.calls, Load(args.users, args.seconds))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
