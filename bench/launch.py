"""Start a bot as its own process against the local Bot API server, and stop it cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.sessions import ROOT, shipped_dialog
from testkit import BotApiServer

# What `bench` can start: the shipped command, the same with `telegram.rate_limit: false` (Telegram's
# flood caps lifted, to measure what the bot itself costs per update), and the yardstick.
SHIPPED = "clinic-bot"
UNTHROTTLED = "clinic-bot, rate_limit: false"
BASELINE = "baseline PTB bot"
BASELINE_AIOHTTP = "baseline PTB bot on aiohttp"  # the same HTTP client as clinic-bot: only our own cost


@dataclass
class BotProcess:
    name: str
    process: asyncio.subprocess.Process
    launched: float  # time.monotonic() just before the launch
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    async def first_poll(self, server: BotApiServer, timeout: float = 60.0) -> float:
        """Seconds from launch to the bot's first getUpdates call arriving at the server."""
        waiting = asyncio.ensure_future(server.wait_for_call("getUpdates", timeout=timeout))
        exited = asyncio.ensure_future(self.process.wait())
        await asyncio.wait({waiting, exited}, return_when=asyncio.FIRST_COMPLETED)
        if not waiting.done():
            waiting.cancel()
            await asyncio.gather(waiting, return_exceptions=True)
            raise RuntimeError(f"{self.name} exited before polling:\n{self.log_tail()}")
        exited.cancel()
        await asyncio.gather(exited, return_exceptions=True)
        try:
            call = waiting.result()
        except TimeoutError:
            raise RuntimeError(f"{self.name} did not poll within {timeout} s:\n{self.log_tail()}") from None
        return call.time - self.launched

    async def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, as a service manager sends; PTB then shuts down in order. SIGKILL if it hangs."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


async def launch(
    kind: str,
    server: BotApiServer,
    folder: Path,
    transport: str | None = None,
    screens: Path | None = None,
) -> BotProcess:
    """Start `kind` with its own config and database in `folder`; UNTHROTTLED may be given the HTTP
    `transport` to build the bot with (bench.transports.TRANSPORTS); the baselines serve `screens`
    (bench/walks.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = write_config(folder, server.base_url, rate_limit=kind != UNTHROTTLED)
    if transport is not None and kind != UNTHROTTLED:
        raise ValueError(f"only {UNTHROTTLED!r} takes a transport")
    if kind in (BASELINE, BASELINE_AIOHTTP) and screens is None:
        raise ValueError("the baseline serves the screens of bench/walks.py: pass `screens`")
    if kind == SHIPPED or (kind == UNTHROTTLED and transport is None):
        command = [*_clinic_bot(), "--config", str(config), "run"]
    elif kind == UNTHROTTLED:
        command = [sys.executable, "-m", "bench.transports", str(transport), "--config", str(config), "run"]
    elif kind in (BASELINE, BASELINE_AIOHTTP):
        client = "aiohttp" if kind == BASELINE_AIOHTTP else "httpx"
        command = [sys.executable, "-m", "bench.baseline_bot", server.base_url, str(screens), client]
    else:
        raise ValueError(f"unknown bot {kind!r}")
    return await start(kind, command, server, folder)


async def start(
    name: str, command: list[str], server: BotApiServer, folder: Path, root: Path = ROOT
) -> BotProcess:
    """Run `command` in `root` (its code first on the path), with the server's token, logging to `folder`."""
    path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": server.token, "PYTHONPATH": path}
    log = folder / "bot.log"
    with log.open("wb") as output:
        launched = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            *command, cwd=root, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=output, stderr=output
        )
    return BotProcess(name, process, launched, log)


def write_config(folder: Path, base_url: str, *, rate_limit: bool = True) -> Path:
    """A config for `clinic-bot run`: the local server, a fresh SQLite file, the shipped dialog; without
    `rate_limit`, no flood caps (429 answers are still waited out)."""
    dialog = shipped_dialog()
    path = folder / "config.yaml"
    lines = [
        "telegram:",
        f"  base_url: {json.dumps(base_url)}",
        *([] if rate_limit else ["  rate_limit: false"]),
        "storage:",
        f"  url: {json.dumps('sqlite:///' + str(folder / 'sessions.sqlite3'))}",
        f"dialogs: {json.dumps(str(dialog.parent))}",
        f"dialog: {dialog.stem}",
        "clinic:",
        '  emergency_number: "911"',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _clinic_bot() -> list[str]:
    """The installed console script beside this interpreter, else the package's __main__."""
    script = Path(sys.executable).with_name("clinic-bot")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "bot"]
