"""End to end through the real PTB stack: scripted patients tap through conversations over HTTP.

Each bot runs as its own process against a fresh local Bot API server (`testkit`), with the
scripted users in this process. Times are taken at the server, on one clock:

- delivered: when getUpdates hands the update to the bot;
- answered: when the bot's sendMessage carrying the next buttons (the reply the patient waits for)
  arrives. Bot-side latency is answered - delivered; it includes the answerCallbackQuery and
  editMessageText calls the bot makes first, for both bots alike.

Phases per bot: saturated (every user taps again as soon as the reply arrives: throughput), then
offered rates (taps at a fixed rate by users who have their reply: latency at that load).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.launch import BASELINE, SHIPPED, UNTHROTTLED, launch
from bench.results import Row, at_least, at_most, info
from bench.stats import cpu_seconds, percentile, rss_bytes
from testkit import BotApiServer, ChatMessage, ScriptedUser
from testkit.updates import update_chat_id

TARGET_RATIO = 0.9
TARGET_P99_MS = 15.0
REPLY_TIMEOUT = 30.0
_FIRST_USER = 500_000_000

Delivered = dict[int, tuple[int | None, float]]  # update_id -> (chat, when first handed out)


@dataclass(frozen=True)
class Load:
    users: int
    saturated_seconds: float
    offered: tuple[tuple[float, float], ...]  # (taps per second, seconds) phases, in order
    solo_seconds: float = 0.0  # one user alone, tapping as fast as replies come: no concurrency at all


@dataclass
class Phase:
    start: float = 0.0
    end: float = 0.0
    bot_cpu: float = 0.0  # seconds of CPU the bot process used
    server_cpu: float = 0.0  # seconds of CPU this process (server and users) used
    rate: float = 0.0  # offered taps per second; 0 when saturated
    offered: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds
    answered: int = 0  # replies with buttons that arrived within the phase
    calls: int = 0  # Bot API calls the bot made within the phase, besides getUpdates

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def throughput(self) -> float:
        return self.answered / self.seconds

    def latency_ms(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) * 1000 if self.latencies else float("nan")


@dataclass
class Run:
    kind: str
    users: int
    saturated: Phase
    offered: list[Phase]
    solo: Phase | None
    rss: int
    timeouts: int
    errors: int

    @property
    def cpu_per_update_us(self) -> float:
        return self.saturated.bot_cpu / max(self.saturated.answered, 1) * 1e6


def measure(load: Load, shipped_load: Load, rounds: int = 1) -> list[Row]:
    """Baseline, the clinic bot with the flood cap lifted, and the clinic bot as shipped, in turn.

    With `rounds` > 1 the saturated phase is run again for both (alternating), and the ratio is the
    median of the rounds: 200 users in flight make PTB's HTTP client settle at a throughput that
    varies by up to a third from run to run.
    """
    return asyncio.run(_measure(load, shipped_load, rounds))


async def _measure(load: Load, shipped_load: Load, rounds: int) -> list[Row]:
    base = await drive(BASELINE, load)
    ours = await drive(UNTHROTTLED, load)
    bases, ourses = [base.saturated], [ours.saturated]
    for _ in range(rounds - 1):
        again = Load(load.users, load.saturated_seconds, ())
        bases.append((await drive(BASELINE, again)).saturated)
        ourses.append((await drive(UNTHROTTLED, again)).saturated)
    shipped = await drive(SHIPPED, shipped_load)
    ratios = [o.throughput / b.throughput for o, b in zip(ourses, bases, strict=True)]
    ratio = percentile(ratios, 0.5)
    by_round = ", ".join(f"{r:.2f}" for r in ratios)
    rows = [
        info(f"e2e throughput, saturated: {BASELINE}", _pooled(bases), "updates/s", _how(base, bases)),
        info(f"e2e throughput, saturated: {UNTHROTTLED}", _pooled(ourses), "updates/s", _how(ours, ourses)),
        at_least(
            "e2e throughput ratio: clinic-bot (flood cap off) / baseline",
            ratio,
            "x",
            TARGET_RATIO,
            f"median of rounds {by_round}",
        ),
        at_least(
            "e2e throughput ratio: clinic-bot as shipped / baseline",
            shipped.saturated.throughput / _pooled(bases),
            "x",
            TARGET_RATIO,
            f"{shipped.saturated.throughput:.1f} updates/s, {shipped.users} users; AIORateLimiter caps "
            "at 30 calls/s",
        ),
    ]
    for index, phase in enumerate(ours.offered):
        beside = base.offered[index]
        rate = f"{phase.rate:.0f}/s offered"
        rows += [
            info(f"e2e latency p50 at {rate}: {BASELINE}", beside.latency_ms(0.5), "ms", _achieved(beside)),
            info(f"e2e latency p99 at {rate}: {BASELINE}", beside.latency_ms(0.99), "ms"),
            info(f"e2e latency p50 at {rate}: {UNTHROTTLED}", phase.latency_ms(0.5), "ms", _achieved(phase)),
        ]
        p99 = f"e2e latency p99 at {rate}: {UNTHROTTLED}"
        if index == 0:
            rows.append(at_most(p99, phase.latency_ms(0.99), "ms", TARGET_P99_MS))
        else:
            rows.append(info(p99, phase.latency_ms(0.99), "ms"))
    for phase in shipped.offered:
        rows.append(
            info(
                f"e2e latency p99 at {phase.rate:.0f}/s offered: {SHIPPED}",
                phase.latency_ms(0.99),
                "ms",
                f"p50 {phase.latency_ms(0.5):.1f} ms; {_achieved(phase)}",
            )
        )
    if base.solo is not None and ours.solo is not None:
        rows += [
            info(
                f"e2e throughput, one user alone: {BASELINE}", base.solo.throughput, "updates/s", _solo(base)
            ),
            info(
                f"e2e throughput, one user alone: {UNTHROTTLED}",
                ours.solo.throughput,
                "updates/s",
                f"{_solo(ours)}; ratio {ours.solo.throughput / base.solo.throughput:.2f}x",
            ),
        ]
    rows += [
        info(f"bot CPU per update: {BASELINE}", base.cpu_per_update_us, "µs", _cpu(base)),
        info(f"bot CPU per update: {UNTHROTTLED}", ours.cpu_per_update_us, "µs", _cpu(ours)),
        info(
            f"Bot API calls per update: {UNTHROTTLED}",
            ours.saturated.calls / max(ours.saturated.answered, 1),
            "calls",
            f"baseline {base.saturated.calls / max(base.saturated.answered, 1):.2f}",
        ),
        info(
            f"bot RSS after the run: {UNTHROTTLED}",
            ours.rss / 2**20,
            "MB",
            f"baseline {base.rss / 2**20:.1f} MB",
        ),
    ]
    return rows


def _pooled(phases: list[Phase]) -> float:
    return sum(p.answered for p in phases) / sum(p.seconds for p in phases)


async def drive(kind: str, load: Load, seed: int = 7, transport: str | None = None) -> Run:
    """Start the bot (built with `transport`, see `launch`), bring every user to a first question, then run
    the phases."""
    with tempfile.TemporaryDirectory() as folder:
        async with BotApiServer() as server:
            delivered = _record_deliveries(server)
            bot = await launch(kind, server, Path(folder), transport)
            try:
                await bot.first_poll(server)
                crowd = Crowd(server, load.users, random.Random(seed))
                await crowd.start_all()
                await crowd.saturate(min(1.0, load.saturated_seconds / 2))  # warm up: connections, caches
                saturated = await _phase(bot.pid, crowd.saturate(load.saturated_seconds))
                offered = []
                for rate, seconds in load.offered:
                    phase = await _phase(bot.pid, crowd.offer(rate, seconds))
                    phase.rate, phase.offered = rate, crowd.offered
                    offered.append(phase)
                solo = None
                if load.solo_seconds:
                    solo = await _phase(bot.pid, crowd.saturate(load.solo_seconds, crowd.users[:1]))
                rss = rss_bytes(bot.pid)
            finally:
                await bot.stop()
            for phase in (saturated, *offered, *([solo] if solo else [])):
                _score(phase, server, delivered)
            return Run(kind, load.users, saturated, offered, solo, rss, crowd.timeouts, crowd.errors)


class Crowd:
    """Scripted patients: each taps an answer at random and waits for the next question; at an
    outcome they tap "Start again". A user never taps before the reply to the last tap is there."""

    def __init__(self, server: BotApiServer, count: int, rng: random.Random) -> None:
        self.users = [server.user(_FIRST_USER + n, f"Patient {n}") for n in range(count)]
        self.rng = rng
        self.keyboards: dict[int, ChatMessage] = {}
        self.timeouts = 0
        self.errors = 0
        self.offered = 0

    async def start_all(self) -> None:
        async def start(user: ScriptedUser) -> None:
            await user.send_command("/start")
            await self._await_keyboard(user)

        await asyncio.gather(*(start(user) for user in self.users))

    async def saturate(self, seconds: float, users: list[ScriptedUser] | None = None) -> None:
        """Every user taps again as soon as the reply is there, until `seconds` have passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds

        async def patient(user: ScriptedUser) -> None:
            while loop.time() < deadline:
                await self._turn(user)

        await asyncio.gather(*(patient(user) for user in (self.users if users is None else users)))

    async def offer(self, rate: float, seconds: float) -> None:
        """Taps at `rate` per second (a tick with no user ready is lost), then the last replies."""
        loop = asyncio.get_running_loop()
        ready = deque(self.users)
        pending: set[asyncio.Task[None]] = set()
        self.offered = 0

        async def turn(user: ScriptedUser) -> None:
            await self._turn(user)
            ready.append(user)

        tick = loop.time()
        end = tick + seconds
        while tick < end:
            await asyncio.sleep(max(tick - loop.time(), 0))
            if ready:
                task = asyncio.ensure_future(turn(ready.popleft()))
                pending.add(task)
                task.add_done_callback(pending.discard)
                self.offered += 1
            tick += 1 / rate
        if pending:
            await asyncio.gather(*pending)

    async def _turn(self, user: ScriptedUser) -> None:
        message = self.keyboards[user.id]
        buttons = [b for row in message.buttons for b in row if b.callback_data]
        answers = [b for b in buttons if not str(b.callback_data).startswith("!")]
        restart = [b for b in buttons if b.callback_data == "!restart"]
        choices = answers or restart or buttons  # e.g. a message with only "Back": tap that
        if not choices:
            await user.send_command("/start")
            await self._await_keyboard(user)
            return
        chosen = self.rng.choice(choices)
        done = [b for b in buttons if str(b.callback_data).endswith(":!done")]
        try:
            await user.tap(chosen.text, message=message)
            if done:  # a tick list: the tap ticked an item (an edit, no new message); Done answers it
                await user.tap(done[0].text, message=message)
        except LookupError:
            self.errors += 1
        await self._await_keyboard(user)

    async def _await_keyboard(self, user: ScriptedUser) -> None:
        """The next message the bot sends with buttons; after a timeout, start the conversation again."""
        while True:
            try:
                message = await user.next_message(timeout=REPLY_TIMEOUT)
            except TimeoutError:
                self.timeouts += 1
                await user.send_command("/start")
                continue
            if message.buttons:
                self.keyboards[user.id] = message
                return


async def _phase(pid: int, work: Awaitable[None]) -> Phase:
    phase = Phase()
    bot_cpu, server_cpu = cpu_seconds(pid), time.process_time()
    phase.start = time.monotonic()
    await work
    phase.end = time.monotonic()
    phase.bot_cpu = cpu_seconds(pid) - bot_cpu
    phase.server_cpu = time.process_time() - server_cpu
    return phase


def _record_deliveries(server: BotApiServer) -> Delivered:
    """Note when getUpdates first hands out each update, by wrapping the queue's `take`."""
    delivered: Delivered = {}
    queue = server.updates
    take = queue.take

    def recording_take(limit: int) -> list[dict[str, Any]]:
        batch = take(limit)
        now = time.monotonic()
        for update in batch:
            delivered.setdefault(update["update_id"], (update_chat_id(update), now))
        return batch

    queue.take = recording_take  # type: ignore[method-assign]
    return delivered


def _score(phase: Phase, server: BotApiServer, delivered: Delivered) -> None:
    """Match each update delivered in the phase to the chat's next reply with buttons."""
    replies: dict[int, list[float]] = defaultdict(list)
    for call in server.calls:
        if not phase.start <= call.time <= phase.end or call.method == "getUpdates":
            continue
        phase.calls += 1
        if call.method == "sendMessage" and call.params.get("reply_markup"):
            replies[int(str(call.params["chat_id"]))].append(call.time)
    phase.answered = sum(len(times) for times in replies.values())
    updates: dict[int, list[float]] = defaultdict(list)
    for chat, when in delivered.values():
        if chat is not None and phase.start <= when <= phase.end:
            updates[chat].append(when)
    for chat, times in updates.items():
        answers = iter(sorted(replies[chat]))
        for when in sorted(times):
            answer = next((t for t in answers if t >= when), None)
            if answer is None:
                break
            phase.latencies.append(answer - when)


def _how(run: Run, phases: list[Phase]) -> str:
    answered = sum(p.answered for p in phases)
    seconds = sum(p.seconds for p in phases)
    trouble = ""
    if run.timeouts or run.errors:
        trouble = f"; {run.timeouts} replies timed out, {run.errors} taps refused"
    return f"{run.users} users, {answered:,} updates in {seconds:.1f} s{trouble}"


def _achieved(phase: Phase) -> str:
    return f"{len(phase.latencies):,} updates; achieved {phase.answered / phase.seconds:.0f}/s"


def _solo(run: Run) -> str:
    assert run.solo is not None
    cpu = run.solo.bot_cpu / max(run.solo.answered, 1) * 1e6
    return f"no concurrency; bot CPU {cpu:,.0f} µs/update"


def _cpu(run: Run) -> str:
    phase = run.saturated
    return (
        f"saturated: bot {phase.bot_cpu / phase.seconds:.0%} of a core, "
        f"server+users {phase.server_cpu / phase.seconds:.0%}"
    )
