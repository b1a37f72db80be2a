"""`clinic-bot`: the one place where problems become messages and exit codes (0 ok, 1 refused, 2 usage)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import TOKEN_VARIABLE, Config, load_config
from bot.dialog.engine import Engine
from bot.dialog.graph import to_dot, to_mermaid
from bot.dialog.loader import load_dialog
from bot.dialog.model import Dialog, StepKind
from bot.dialog.schema import SCHEMA
from bot.preview import chat_json, chat_terminal
from bot.problems import ConfigError, LoadError
from bot.store import open_store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clinic-bot",
        description="A Telegram symptom-check bot for clinics, driven by YAML dialogs.",
    )
    parser.add_argument("--config", type=Path, help="config.yaml (default: the embedded defaults)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check dialog files; exit 1 if any is wrong")
    validate.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="dialog files or folders of them"
    )

    chat = commands.add_parser("chat", help="try a dialog in the terminal, without Telegram")
    chat.add_argument("dialog", nargs="?", help="a dialog file or id (default: the configured one)")
    chat.add_argument(
        "--json",
        action="store_true",
        help="for scripts: one answer per input line, one JSON object per bot turn",
    )

    graph = commands.add_parser("graph", help="draw the flow of a dialog")
    graph.add_argument("dialog", nargs="?", help="a dialog file or id (default: the configured one)")
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")

    commands.add_parser("schema", help="print the JSON Schema of the dialog format")
    commands.add_parser("run", help="serve patients in Telegram (needs a token and a config file)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except LoadError as error:
        print(error, file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `clinic-bot graph | head`
        return 0


def _run(args: argparse.Namespace) -> int:
    if args.command == "schema":
        print(json.dumps(SCHEMA, indent=2))
        return 0
    if args.command == "validate":
        return _validate(args.paths)
    config = load_config(args.config)
    if args.command == "run":
        return _serve(config)
    dialog = _find_dialog(config, args.dialog)
    if args.command == "graph":
        print(to_dot(dialog) if args.format == "dot" else to_mermaid(dialog), end="")
        return 0
    engine = Engine(dialog, config.clinic.placeholders())
    if args.json:
        chat_json(engine, sys.stdin, sys.stdout)
    else:
        chat_terminal(engine, input, sys.stdout, colour=sys.stdout.isatty())
    return 0


def _serve(config: Config) -> int:
    where = config.source if config.source != "the embedded defaults" else "config.yaml"
    if not config.token:
        raise ConfigError.single(
            where,
            1,
            f"no Telegram token: set the environment variable {TOKEN_VARIABLE} (or telegram.token). "
            "To try the dialog without Telegram, run: clinic-bot chat",
        )
    if not config.emergency_number_set:
        raise ConfigError.single(
            where,
            1,
            "clinic.emergency_number is not set: write the number your patients call in an "
            'emergency (for example "911") into your config file; the bot will not guess it. '
            "Start from config.example.yaml and pass it with --config",
        )
    dialog = _find_dialog(config, None)
    engine = Engine(dialog, config.clinic.placeholders())
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from bot.telegram_app import run_bot  # noqa: PLC0415 - only `run` needs telegram; other commands start faster

    store = open_store(config.storage_url)
    try:
        run_bot(config, lambda: engine, store)
    finally:
        store.close()
    return 0


def _find_dialog(config: Config, name: str | None) -> Dialog:
    """A dialog by file path, or by id in the configured dialogs folder."""
    name = name or config.dialog
    path = Path(name)
    if not path.is_file():
        path = config.dialogs_dir / f"{name}.yaml"
    if not path.is_file():
        raise LoadError.single(
            name,
            1,
            f"no dialog file '{name}' and no dialog with that id in {config.dialogs_dir}/",
        )
    return load_dialog(path)


def _validate(paths: Sequence[Path]) -> int:
    files: list[Path] = []
    failed = False
    for path in paths:
        if path.is_dir():
            files += sorted(path.glob("*.yaml"))
        else:
            files.append(path)
    for path in files:
        try:
            dialog = load_dialog(path)
        except LoadError as error:
            print(error, file=sys.stderr)
            failed = True
            continue
        outcomes = sum(1 for s in dialog.steps.values() if s.kind is StepKind.OUTCOME)
        print(f"{path}: ok ({len(dialog.steps)} steps, {outcomes} outcomes)")
    if not files:
        print("no dialog files found", file=sys.stderr)
        return 1
    return 1 if failed else 0
