"""End to end through the real PTB stack: scripted patients tap through the shipped dialog over HTTP.

Each bot runs as its own process against a fresh local Bot API server (`testkit`), with the scripted
patients in this process. Both bots serve the same walks (the shipped dialog's scenarios as taps,
bench/walks.py) and show the same screens: the yardstick serves them from a table with the same Bot API
calls per tap. A patient taps, and the clock runs from the tap (the callback query queued at the server)
to the screen it waits for (the next message or edit that shows buttons) arriving at the server.

Phases per bot: every walk once from /start and once from "Start again" (Bot API calls per tap, whole
conversations, one patient per walk), saturated (every patient taps again as soon as the screen is
there: throughput and CPU per tap), offered (taps at a fixed rate: latency at that load), and, when
asked, one patient walking with a round trip added to every Bot API call (what a patient waits for).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bench import machine
from bench.launch import BASELINE, BASELINE_AIOHTTP, SHIPPED, UNTHROTTLED, launch
from bench.results import Row, info
from bench.stats import cpu_seconds, percentile, rss_bytes
from bench.walks import Walk, walks, write_screens
from bot.telegram.limits import counts_as_message
from testkit import BotApiServer, ScriptedUser
from testkit.waiting import wait_until

REPLY_TIMEOUT = 30.0
RESTART = "!restart"
_FIRST_USER = 500_000_000


@dataclass(frozen=True)
class Load:
    users: int
    saturated_seconds: float
    offered: tuple[tuple[float, float], ...] = ()  # (taps per second, seconds) phases, in order
    rtt: float = 0.0  # seconds added to every Bot API call in a last phase; 0: no such phase
    rtt_walks: int = 0  # walks the one patient makes in it
    conversations: bool = False  # the phase of whole conversations (calls per tap)
    walks: int = 0  # how many of the walks to serve (the first ones); 0: all


@dataclass
class Phase:
    start: float = 0.0
    end: float = 0.0
    bot_cpu: float = 0.0  # seconds of CPU the bot process used
    server_cpu: float = 0.0  # seconds of CPU this process (server and patients) used
    rate: float = 0.0  # offered taps per second; 0 when saturated
    latencies: list[float] = field(default_factory=list)  # seconds, tap to screen
    messages: int = 0  # messages the bot sent (sendMessage ...), as Telegram counts them

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def answered(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.answered / self.seconds

    @property
    def cpu_per_tap_us(self) -> float:
        return self.bot_cpu / max(self.answered, 1) * 1e6

    def latency_ms(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) * 1000 if self.latencies else float("nan")


@dataclass
class Run:
    kind: str
    users: int
    saturated: Phase
    offered: list[Phase]
    rtt: Phase | None
    calls_per_tap: list[float]  # one per whole conversation: calls / taps (the /start or restart counts)
    screens: list[str]  # what the first walk showed, screen by screen (both bots must show the same)
    rss: int


class Patient:
    """A scripted patient on a loop of walks: taps the next answer once its screen is there; after the
    advice, "Start again" and the next walk."""

    def __init__(self, user: ScriptedUser, walks: list[Walk], first: int) -> None:
        self.user = user
        self.walks = walks
        self.walk = first % len(walks)
        self.position = 0
        self.taps: list[str] = []  # callback query ids of the conversation in progress

    async def start(self) -> None:
        seen = len(self.user.chat.events)
        await self.user.send_command("/start")
        await self._screen(seen)

    async def turn(self) -> float:
        """One tap and the wait for its screen; the seconds it took."""
        walk = self.walks[self.walk]
        data = walk.taps[self.position] if self.position < len(walk.taps) else RESTART
        seen = len(self.user.chat.events)
        started = time.monotonic()
        tap = await self.user.tap(data)
        self.taps.append(tap.query_id)
        await self._screen(seen)
        took = time.monotonic() - started
        if data == RESTART:
            self.walk, self.position = (self.walk + 1) % len(self.walks), 0
        else:
            self.position += 1
        return took

    async def walk_once(self) -> None:
        """The rest of the current walk, to its advice."""
        while self.position < len(self.walks[self.walk].taps):
            await self.turn()

    async def _screen(self, seen: int) -> None:
        """Until the bot shows something with buttons after event number `seen`."""

        def shown() -> bool | None:
            return any(e.message.buttons for e in self.user.chat.events[seen:]) or None

        if await wait_until(shown, self.user.chat.changed, REPLY_TIMEOUT) is None:
            raise TimeoutError(f"{self.user.name}: no screen within {REPLY_TIMEOUT} s")


class Crowd:
    def __init__(self, server: BotApiServer, count: int, walks: list[Walk]) -> None:
        self.patients = [
            Patient(server.user(_FIRST_USER + n, f"Patient {n}"), walks, n) for n in range(count)
        ]

    async def start_all(self) -> None:
        await asyncio.gather(*(p.start() for p in self.patients))

    async def saturate(self, seconds: float, phase: Phase) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds

        async def tapping(patient: Patient) -> None:
            while loop.time() < deadline:
                phase.latencies.append(await patient.turn())

        await asyncio.gather(*(tapping(p) for p in self.patients))

    async def offer(self, rate: float, seconds: float, phase: Phase) -> None:
        """Taps at `rate` per second by patients whose screen is there (a tick with none ready is lost)."""
        loop = asyncio.get_running_loop()
        ready = list(self.patients)
        pending: set[asyncio.Task[None]] = set()

        async def turn(patient: Patient) -> None:
            phase.latencies.append(await patient.turn())
            ready.append(patient)

        tick = loop.time()
        end = tick + seconds
        while tick < end:
            await asyncio.sleep(max(tick - loop.time(), 0))
            if ready:
                task = asyncio.ensure_future(turn(ready.pop(0)))
                pending.add(task)
                task.add_done_callback(pending.discard)
            tick += 1 / rate
        if pending:
            await asyncio.gather(*pending)


async def conversations(server: BotApiServer, walks: list[Walk]) -> tuple[list[float], list[str]]:
    """Every walk once from /start and once from "Start again", a patient each: Bot API calls per tap of
    each whole conversation, and the screens of the first walk."""
    patients = [Patient(server.user(_FIRST_USER - 1 - n, f"Walker {n}"), walks, n) for n in range(len(walks))]

    async def both(patient: Patient) -> list[float]:
        counted = []
        for first, untapped in ((patient.start, 1), (patient.turn, 0)):  # /start; "Start again"
            patient.taps = []
            since = time.monotonic()
            await first()
            await patient.walk_once()
            await _answered(server, patient.taps)
            counted.append(_calls(server, patient, since) / (len(patient.taps) + untapped))
        return counted

    results = await asyncio.gather(*(both(p) for p in patients))
    return [ratio for pair in results for ratio in pair], patients[0].user.screens()


async def _answered(server: BotApiServer, query_ids: list[str]) -> None:
    """Until every tap of a conversation is answered (the answers are not awaited by the bot)."""
    answers = server.api.callback_answers
    done = await wait_until(
        lambda: all(q in answers for q in query_ids) or None, server.api.answered, REPLY_TIMEOUT
    )
    if done is None:
        raise TimeoutError("a tap was never answered")


def _calls(server: BotApiServer, patient: Patient, since: float) -> int:
    """Bot API calls about the patient's chat since `since`, callback answers of its taps included."""
    chat, queries = str(patient.user.id), set(patient.taps)
    return sum(
        1
        for call in server.calls
        if call.time >= since
        and (str(call.params.get("chat_id")) == chat or call.params.get("callback_query_id") in queries)
    )


def _messages(server: BotApiServer, phase: Phase) -> int:
    """Messages the bot sent within the phase, as Telegram counts them against its flood limits."""
    return sum(
        1 for call in server.calls if phase.start <= call.time <= phase.end and counts_as_message(call.method)
    )


async def drive(kind: str, load: Load, transport: str | None = None) -> Run:
    """Start the bot, bring every patient to a first question, then run the phases."""
    every = walks()[: load.walks or None]
    with tempfile.TemporaryDirectory() as folder:
        screens = write_screens(Path(folder) / "screens.json", every)
        async with BotApiServer() as server:
            bot = await launch(kind, server, Path(folder) / "bot", transport=transport, screens=screens)
            try:
                await bot.first_poll(server)
                per_tap, shown = await conversations(server, every) if load.conversations else ([], [])
                crowd = Crowd(server, load.users, every)
                await crowd.start_all()
                await crowd.saturate(min(1.0, load.saturated_seconds / 2), Phase())  # warm up
                saturated = Phase()
                await timed(bot.pid, crowd.saturate(load.saturated_seconds, saturated), saturated)
                saturated.messages = _messages(server, saturated)
                offered = []
                for rate, seconds in load.offered:
                    phase = Phase(rate=rate)
                    await timed(bot.pid, crowd.offer(rate, seconds, phase), phase)
                    offered.append(phase)
                rtt = None
                if load.rtt:
                    server.faults.slow(seconds=load.rtt)
                    rtt = Phase()
                    alone = Patient(server.user(_FIRST_USER - 10_000, "Alone"), every, 0)
                    await alone.start()
                    await timed(bot.pid, walk_many(alone, load.rtt_walks, rtt), rtt)
                    server.faults.clear()
                rss = rss_bytes(bot.pid)
            finally:
                await bot.stop()
            return Run(kind, load.users, saturated, offered, rtt, per_tap, shown, rss)


async def walk_many(patient: Patient, count: int, phase: Phase) -> None:
    for _ in range(count):
        while patient.position < len(patient.walks[patient.walk].taps):
            phase.latencies.append(await patient.turn())
        phase.latencies.append(await patient.turn())  # "Start again"


async def timed(pid: int, work: Awaitable[None], phase: Phase) -> None:
    bot_cpu, server_cpu = cpu_seconds(pid), time.process_time()
    phase.start = time.monotonic()
    await work
    phase.end = time.monotonic()
    phase.bot_cpu = cpu_seconds(pid) - bot_cpu
    phase.server_cpu = time.process_time() - server_cpu


def measure(load: Load, shipped_load: Load, rounds: int) -> list[Row]:
    """The yardstick, clinic-bot with `rate_limit: false`, and the yardstick on clinic-bot's HTTP client,
    in turn, `rounds` times; then clinic-bot as shipped. Figures are medians over the rounds, ratios are
    of those medians (each round's own ratio in the note)."""
    return asyncio.run(_measure(load, shipped_load, rounds))


async def _measure(load: Load, shipped_load: Load, rounds: int) -> list[Row]:
    before = machine.load_average()
    kinds = (BASELINE, UNTHROTTLED, BASELINE_AIOHTTP)
    first = {kind: await drive(kind, load) for kind in kinds}
    again = Load(load.users, load.saturated_seconds, walks=load.walks)
    runs = {kind: [first[kind]] for kind in kinds}
    for _ in range(rounds - 1):
        for kind in kinds:
            runs[kind].append(await drive(kind, again))
    shipped = await drive(SHIPPED, shipped_load)
    after = machine.load_average()
    ours, base = first[UNTHROTTLED], first[BASELINE]
    if ours.screens != base.screens:
        raise RuntimeError(
            "the yardstick showed other screens than clinic-bot: bench/walks.py is out of date"
        )
    context = f"load average {before:.2f} before, {after:.2f} after"
    rows = [
        _calls_row(SHIPPED, shipped, "telegram.rate_limit as shipped"),
        _calls_row(UNTHROTTLED, ours, "rate_limit: false"),
        _calls_row(BASELINE, base, "the same calls by design"),
    ]
    for kind in kinds:
        phases = [run.saturated for run in runs[kind]]
        rows.append(
            info(
                f"e2e throughput, saturated: {kind}",
                _median([p.throughput for p in phases]),
                "taps/s",
                f"median of {len(phases)} rounds: {_each(p.throughput for p in phases)}; {load.users} "
                f"patients; bot {_median([p.bot_cpu / p.seconds for p in phases]):.0%} of a core; {context}",
            )
        )
        rows.append(
            info(
                f"bot CPU per tap: {kind}",
                _median([p.cpu_per_tap_us for p in phases]),
                "µs",
                f"rounds: {_each((p.cpu_per_tap_us for p in phases), '.0f')}",
            )
        )
    for yardstick in (BASELINE, BASELINE_AIOHTTP):
        rows += _ratios(runs[UNTHROTTLED], runs[yardstick], yardstick)
    for index, phase in enumerate(ours.offered):
        beside = base.offered[index]
        rate = f"{phase.rate:.0f} taps/s offered"
        for kind, at in ((BASELINE, beside), (UNTHROTTLED, phase)):
            rows.append(
                info(
                    f"e2e latency, tap to screen, at {rate}: {kind}",
                    at.latency_ms(0.5),
                    "ms",
                    f"p50; p99 {at.latency_ms(0.99):.1f} ms; {at.answered:,} taps, achieved "
                    f"{at.throughput:.0f}/s",
                )
            )
    if ours.rtt is not None and base.rtt is not None:
        for kind, at in ((BASELINE, base.rtt), (UNTHROTTLED, ours.rtt)):
            rows.append(
                info(
                    f"e2e latency with {load.rtt * 1000:.0f} ms per Bot API call: {kind}",
                    at.latency_ms(0.5),
                    "ms",
                    f"p50; p99 {at.latency_ms(0.99):.0f} ms; one patient alone, {at.answered} taps",
                )
            )
    sat = shipped.saturated
    rows += [
        info(
            f"e2e throughput, saturated: {SHIPPED} as shipped",
            sat.throughput,
            "taps/s",
            f"{shipped.users} patients; {sat.messages / sat.seconds:.1f} messages/s sent (the cap: 30/s, "
            f"and about 1/s per chat after a burst of 10); {context}",
        ),
        info(
            f"bot RSS after the run: {UNTHROTTLED}",
            ours.rss / 2**20,
            "MB",
            f"{BASELINE}: {base.rss / 2**20:.1f} MB",
        ),
    ]
    return rows


def _calls_row(kind: str, run: Run, note: str) -> Row:
    counted = run.calls_per_tap
    return info(
        f"Bot API calls per tap, whole conversations: {kind}",
        _median(counted),
        "calls",
        f"median of {len(counted)} conversations (each walk from /start and from Start again), range "
        f"{min(counted):.2f}-{max(counted):.2f}; {note}",
    )


def _ratios(ours: list[Run], yardstick: list[Run], name: str) -> list[Row]:
    mine, theirs = [r.saturated for r in ours], [r.saturated for r in yardstick]
    throughput = [a.throughput / b.throughput for a, b in zip(mine, theirs, strict=True)]
    cpu = [a.cpu_per_tap_us / b.cpu_per_tap_us for a, b in zip(mine, theirs, strict=True)]
    return [
        info(
            f"e2e throughput ratio: {UNTHROTTLED} / {name}",
            _median([p.throughput for p in mine]) / _median([p.throughput for p in theirs]),
            "x",
            f"ratio of the medians; rounds {_each(throughput)}",
        ),
        info(
            f"bot CPU per tap ratio: {UNTHROTTLED} / {name}",
            _median([p.cpu_per_tap_us for p in mine]) / _median([p.cpu_per_tap_us for p in theirs]),
            "x",
            f"ratio of the medians; rounds {_each(cpu)}",
        ),
    ]


def _median(values: list[float]) -> float:
    return percentile(values, 0.5)


def _each(values: Iterable[float], spec: str = ".2f") -> str:
    return ", ".join(format(v, spec) for v in values)
