"""The real `clinic-bot run` process, as a clinic would run it, for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from testkit import BotApiServer

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    """One `clinic-bot run` subprocess; can be killed and started again on the same files.

    By default it polls and keeps sessions in SQLite; `webhook` (the keys of telegram.webhook) and
    `storage_url` make it one of several instances; `signoff` is the config's setting.
    """

    def __init__(
        self,
        server: BotApiServer,
        workdir: Path,
        dialog: str,
        *,
        storage_url: str = "sqlite:///sessions.sqlite3",
        webhook: Mapping[str, object] | None = None,
        signoff: str = "warn",
    ) -> None:
        self.server = server
        self.workdir = workdir
        self.webhook = webhook
        webhook_lines = "".join(f"    {key}: {value}\n" for key, value in (webhook or {}).items())
        self.config = workdir / "config.yaml"
        self.log = workdir / "bot.log"
        (workdir / "dialogs").mkdir(exist_ok=True)
        for path in (ROOT / "dialogs").glob("*.yaml"):
            shutil.copy(path, workdir / "dialogs" / path.name)
        self.config.write_text(
            "telegram:\n"
            f"  base_url: {server.base_url}\n"
            + ("  webhook:\n" + webhook_lines if webhook else "")
            + "storage:\n"
            f"  url: {storage_url}\n"
            "dialogs: dialogs\n"
            f"dialog: {dialog}\n"
            "clinic:\n"
            "  name: Test Clinic\n"
            '  phone: "555-0100"\n'
            "  booking_url: https://clinic.example/book\n"
            '  emergency_number: "911"\n'
            "admins: [9000]\n"
            f"signoff: {signoff}\n",
            encoding="utf-8",
        )
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the bot and wait until it polls for updates (or, with a webhook, until it has set it)."""
        ready = "setWebhook" if self.webhook else "getUpdates"
        polls = len(self.server.calls_to(ready))
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": self.server.token}
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--config",
                str(self.config),
                "run",
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=log,
            )
        async with asyncio.timeout(20):
            while not self._ready(ready, polls):
                if self.process.returncode is not None:
                    raise AssertionError(f"the bot exited:\n{self.log.read_text()}")
                await asyncio.sleep(0.02)

    def _ready(self, method: str, before: int) -> bool:
        """A new poll has arrived, or a new setWebhook has been answered (so the webhook is in place)."""
        calls = self.server.calls_to(method)[before:]
        return any(call.status is not None for call in calls) if self.webhook else bool(calls)

    async def exited(self, timeout: float = 20.0) -> int:
        """Wait until the process ends by itself; its exit code."""
        assert self.process is not None
        async with asyncio.timeout(timeout):
            return await self.process.wait()

    async def kill(self) -> None:
        """`kill -9`: no clean shutdown, nothing flushed."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(10):
                    await self.process.wait()
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    def logs(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")
