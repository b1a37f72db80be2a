"""What `pip install .` puts on a clinic's server: the bot, without the test kit or its dependencies."""

from __future__ import annotations

import subprocess
import sys

# Installed by `.[dev]` only; a module of the bot importing one would fail on a production install.
DEV_ONLY = ("pytest", "hypothesis")


def test_every_module_of_the_installed_package_imports_without_the_dev_dependencies() -> None:
    """`import testkit` once failed on a production install: it imported aiohttp, then only in [dev]."""
    script = (
        "import importlib, pkgutil, sys\n"
        f"for name in {DEV_ONLY!r}:\n"
        "    sys.modules[name] = None  # as if not installed: importing it raises ImportError\n"
        "import bot\n"
        "failed = []\n"
        "for module in pkgutil.walk_packages(bot.__path__, 'bot.', onerror=failed.append):\n"
        "    if module.name.endswith('__main__'):\n"
        "        continue  # runs the command line\n"
        "    try:\n"
        "        importlib.import_module(module.name)\n"
        "    except ImportError as error:\n"
        "        failed.append(f'{module.name}: {error}')\n"
        "print('\\n'.join(map(str, failed)))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
