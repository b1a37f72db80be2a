"""`clinic-bot`: the one place where problems become messages and exit codes (0 ok, 1 refused, 2 usage)."""

from __future__ import annotations

import argparse
import datetime
import functools
import importlib.metadata
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.config import TOKEN_VARIABLE, Config, load_config
from bot.dialog import signoff, wording
from bot.dialog.advisories import advisories
from bot.dialog.catalogue import catalogue_path, coverage, load_catalogue
from bot.dialog.content import content
from bot.dialog.engine import Engine, Reply, Session
from bot.dialog.graph import to_dot, to_mermaid
from bot.dialog.loader import load_dialog
from bot.dialog.model import Dialog, StepKind
from bot.dialog.review import diff, outcome_table
from bot.dialog.schema import SCHEMA
from bot.dialog.signoff import State, is_signoff_file, sign, signoff_path
from bot.library import DialogLibrary
from bot.preview import chat_json, chat_terminal
from bot.problems import ConfigError, LoadError
from bot.scenarios import engines_by_id, record, run_files, summary
from bot.store import StoreError, open_store

# The shape of a token from @BotFather: the bot's id, a colon, the secret. Checked before Telegram is asked,
# so that a pasted token with quotes, spaces or the "bot" of the API's URL gets a clear word.
TOKEN_SHAPE = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clinic-bot",
        description="A Telegram symptom-check bot for clinics, driven by YAML dialogs.",
    )
    config_help = "config.yaml (default: the embedded defaults)"
    parser.add_argument("--config", type=Path, help=config_help)
    parser.add_argument("--version", action="version", version=f"clinic-bot {_version()}")
    # `--config` is also taken after the command, as people type it (`clinic-bot run --config FILE`);
    # SUPPRESS keeps a subcommand that was not given it from resetting the one given before.
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=config_help)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    command = functools.partial(commands.add_parser, parents=[after])
    dialog_help = "a dialog file or id (default: the configured one)"

    validate = command("validate", help="check dialog files, with the safety proof; exit 1 if any is wrong")
    validate.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="dialog files or folders of them (default: the configured dialogs folder)",
    )

    chat = command("chat", help="try a dialog in the terminal, without Telegram")
    chat.add_argument("dialog", nargs="?", help=dialog_help)
    chat.add_argument(
        "--json",
        action="store_true",
        help="for scripts: one answer per input line, one JSON object per bot turn",
    )
    chat.add_argument(
        "--record", type=Path, metavar="FILE", help="add each finished check to this scenario file"
    )

    graph = command("graph", help="draw the flow of a dialog (Mermaid, or --format dot)")
    graph.add_argument("dialog", nargs="?", help=dialog_help)
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")

    outcomes = command("outcomes", help="every way to reach each outcome, for clinical sign-off")
    outcomes.add_argument("dialog", nargs="?", help=dialog_help)
    outcomes.add_argument("--format", choices=("markdown", "csv"), default="markdown")

    diff = command("diff", help="answer paths whose advice differs between two versions")
    diff.add_argument("old", type=Path, help="the dialog file as it was")
    diff.add_argument("new", type=Path, help="the dialog file as it is now")
    diff.add_argument(
        "--format", choices=("text", "markdown"), default="text", help="markdown: for a review ticket"
    )

    sign_command = commands.add_parser(
        "sign", help="record a clinician's sign-off of a dialog's content, in DIALOG.signoff.yaml"
    )
    sign_command.add_argument("dialog", help="a dialog file or id")
    sign_command.add_argument(
        "--by", required=True, metavar="NAME", help='the clinician who reviewed it: "Name, role"'
    )

    test = command("test", help="run scenario files (answers -> expected advice)")
    test.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="scenario files or folders (default: dialogs/scenarios)",
    )

    command("schema", help="print the JSON Schema of the dialog format")
    command("run", help="serve patients in Telegram (needs a token and a config file)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except LoadError as error:
        print(error, file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `clinic-bot graph | head`
        return 0


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(SCHEMA, indent=2))
    return 0


def _chat(args: argparse.Namespace) -> int:
    if args.json and args.record:
        print(
            "clinic-bot chat: --record works in the interactive preview only, not with --json: "
            "leave out --json to record the checks you finish",
            file=sys.stderr,
        )
        return 2
    config = load_config(args.config)
    engine = Engine(_find_dialog(config, args.dialog), config.clinic.placeholders())
    if args.json:
        chat_json(engine, sys.stdin, sys.stdout)
        return 0
    on_outcome = None
    if args.record:
        path: Path = args.record

        def on_outcome(session: Session, reply: Reply) -> str:
            return f"(Recorded as scenario {record(path, engine, session, reply)} in {path}.)"

    chat_terminal(engine, input, sys.stdout, colour=sys.stdout.isatty(), on_outcome=on_outcome)
    return 0


def _graph(args: argparse.Namespace) -> int:
    dialog = _find_dialog(load_config(args.config), args.dialog)
    print(to_dot(dialog) if args.format == "dot" else to_mermaid(dialog), end="")
    return 0


def _outcomes(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    path = _find_dialog_path(config, args.dialog)
    dialog = load_dialog(path)
    signed = signoff.summary(dialog, path)
    print(outcome_table(dialog, args.format, config.clinic.placeholders(), signed), end="")
    return 0


def _diff(args: argparse.Namespace) -> int:
    """Exit 0 when nothing a patient reads or gets changed, 1 when something did (like diff(1))."""
    old, new = load_dialog(args.old, any_name=True), load_dialog(args.new, any_name=True)
    markdown = args.format == "markdown"
    changes = diff(old, new)
    if markdown:
        print(f"# Changes to '{new.title}' (version {old.version} → {new.version})\n\n## Changed advice\n")
    for change in changes:
        print(f"- {change.describe()}" if markdown else change.describe())
    paths = sum(change.paths for change in changes)
    print(
        ("\n" if markdown and changes else "")
        + (
            f"{paths} answer path(s) changed, in {len(changes)} row(s)"
            if changes
            else "no answer path changes its advice"
        )
    )
    worded = wording.compare(content(old), content(new))
    _print_wording(worded, markdown=markdown)
    return 1 if changes or worded else 0


def _print_wording(changes: Sequence[wording.Change], *, markdown: bool) -> None:
    """diff's changed words, then the questions, options and topics added or removed."""
    if not changes:
        return
    if not markdown:
        print("\n".join(wording.rows(changes)))
    else:
        for title, group in (
            ("Changed words", [c for c in changes if not c.is_entity]),
            ("Added and removed", [c for c in changes if c.is_entity]),
        ):
            if group:
                print(f"\n## {title}\n\n" + "\n".join(wording.markdown(group)))
        print()
    print(f"{len(changes)} change(s) in what patients read or what decides advice")


def _today() -> datetime.date:
    return datetime.date.today()


def _sign(args: argparse.Namespace) -> int:
    path = _find_dialog_path(load_config(args.config), args.dialog)
    dialog = load_dialog(path)
    try:
        before = signoff.state(dialog, path)
    except signoff.SignoffError:
        before = None  # a broken sign-off is what signing again repairs
    record = sign(dialog, path, args.by, _today())
    if before is not None and before.signoff is not None and before.changes:
        print(f"signing {len(before.changes)} change(s) since the sign-off by {before.signoff.signed_by}:")
        for row in wording.rows(before.changes, "  "):
            print(row)
    where, when = _relative(signoff_path(path)), record.signed_on.isoformat()
    print(f"{where}: signed off by {record.signed_by} on {when}; commit it with the dialog")
    return 0


def _test(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    default = config.dialogs_dir / "scenarios"
    files = _yaml_files(args.paths or ([_relative(default)] if default.is_dir() else []))
    if not files:
        where = ", ".join(map(str, args.paths or [default]))
        print(f"no scenario files (*.yaml) found in {where}", file=sys.stderr)
        return 1
    results = run_files(files, engines_by_id(_relative(config.dialogs_dir), config.clinic.placeholders()))
    for result in results:
        print(result)
    print(summary(results))
    return 1 if any(r.failure for r in results) else 0


def _run(args: argparse.Namespace) -> int:
    return _serve(load_config(args.config))


def _serve(config: Config) -> int:
    own_file = config.source != "the embedded defaults"
    where, line = (config.source, 0) if own_file else ("clinic-bot run", 0)
    if not own_file:
        raise ConfigError.single(
            where,
            line,
            "no config file: copy config.example.yaml to config.yaml, set the clinic's details and "
            "emergency number, then run: clinic-bot --config config.yaml run",
        )
    if not config.token:
        raise ConfigError.single(
            where,
            line,
            f"no Telegram token: set the environment variable {TOKEN_VARIABLE} (or telegram.token). "
            "To try the dialog without Telegram, run: clinic-bot chat",
        )
    if not TOKEN_SHAPE.fullmatch(config.token):
        raise ConfigError.single(
            where,
            config.lines.get("telegram.token", 0) if TOKEN_VARIABLE not in os.environ else 0,
            f"{TOKEN_VARIABLE if TOKEN_VARIABLE in os.environ else 'telegram.token'} does not look like a "
            "token from @BotFather (digits, a colon, then letters, digits, _ or -, as in 123456789:AAE...); "
            "copy it again, without quotes or spaces",
        )
    if not config.emergency_number_set:
        raise ConfigError.single(
            where,
            config.lines.get("clinic", 0),
            "clinic.emergency_number is not set: write the number your patients call in an "
            'emergency (for example "911") into your config file; the bot will not guess it. '
            "Start from config.example.yaml and pass it with --config",
        )
    library = DialogLibrary(
        _find_dialog_path(config, None),
        config.clinic.placeholders(),
        signoff_required=config.signoff_required,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from bot.telegram import run_bot  # noqa: PLC0415 - only `run` needs telegram; other commands start faster

    try:
        store = open_store(config.storage_url)
    except StoreError as error:
        raise ConfigError.single(
            where,
            config.lines.get("storage.url", 1),
            f"storage.url: cannot open the session store ({error}); "
            + (
                "check that the bot's user may write the file and its folder"
                if config.storage_url.startswith("sqlite:")
                else "check the address and that the server runs"
            ),
        ) from None
    for warning in library.warnings():
        logging.getLogger("clinic_bot").warning("%s", warning)
    run_bot(config, library, store)  # which closes the store when it stops
    return 0


def _relative(path: Path) -> Path:
    """`path` as the admin would type it, from the current folder, when it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def _version() -> str:
    try:
        return importlib.metadata.version("clinic-bot")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def _find_dialog(config: Config, name: str | None) -> Dialog:
    """A dialog by file path, or by id in the configured dialogs folder."""
    return load_dialog(_find_dialog_path(config, name))


def _find_dialog_path(config: Config, name: str | None) -> Path:
    name = name or config.dialog
    path = Path(name)
    if not path.is_file():
        path = config.dialogs_dir / f"{name}.yaml"
    if not path.is_file():
        raise LoadError.single(
            "clinic-bot",
            0,
            f"no dialog '{name}': it is not a file, and there is no {name}.yaml in {config.dialogs_dir}/",
        )
    return path


def _yaml_files(paths: Sequence[Path]) -> list[Path]:
    """The files named, and the *.yaml files of the folders named (but sign-offs, which are no dialogs)."""
    files: list[Path] = []
    for path in paths:
        files += (
            [p for p in sorted(path.glob("*.yaml")) if not is_signoff_file(p)] if path.is_dir() else [path]
        )
    return files


def _validate(args: argparse.Namespace) -> int:
    paths = args.paths or [_relative(load_config(args.config).dialogs_dir)]  # messages name it as typed
    files = _yaml_files(paths)
    failed = False
    for path in files:
        if is_signoff_file(path):
            print(
                f"{path}: a sign-off, checked with its dialog: clinic-bot validate {path.parent}",
                file=sys.stderr,
            )
            failed = True
            continue
        try:
            dialog = load_dialog(path)
        except LoadError as error:
            print(error, file=sys.stderr)
            failed = True
            continue
        outcomes = sum(1 for s in dialog.steps.values() if s.kind is StepKind.OUTCOME)
        covered = _catalogue_coverage(dialog, path)
        if covered is None:
            failed = True
            continue
        notes = advisories(dialog)
        for note in notes:
            print(f"{note.path}:{note.line}: warning: {note.message}", file=sys.stderr)
        warned = f", {len(notes)} warning(s)" if notes else ""
        print(
            f"{path}: ok ({len(dialog.steps)} steps, {outcomes} outcomes, red flags proven safe"
            f"{covered}{warned})"
        )
        try:
            _print_signoff(path, signoff.state(dialog, path))
        except LoadError as error:
            print(error, file=sys.stderr)
            failed = True
    if not files:
        print(f"no dialog files (*.yaml) found in {', '.join(map(str, paths))}", file=sys.stderr)
        return 1
    return 1 if failed else 0


def _catalogue_coverage(dialog: Dialog, path: Path) -> str | None:
    """The catalogue part of validate's ok line, or None (problems printed) when coverage fails."""
    where = catalogue_path(dialog, path)
    if where is None:
        return ""
    try:
        catalogue = load_catalogue(where)
    except LoadError as error:
        print(error, file=sys.stderr)
        return None
    found = coverage(dialog, catalogue)
    for problem in found.problems:
        print(problem, file=sys.stderr)
    if found.problems:
        return None
    left_out = f", {found.excluded} excluded with a reason" if found.excluded else ""
    pairs = f", {found.combined} combinations held" if found.combined else ""
    return f", catalogue {catalogue.id} covered: {found.asked} signs asked{pairs}{left_out}"


def _print_signoff(path: Path, signed: State) -> None:
    """validate's sign-off line, and what changed since the sign-off, word by word."""
    if signed.signoff is None:
        print(
            f'{path}: not signed off; after the clinician\'s review: clinic-bot sign {path} --by "Name, role"'
        )
        return
    print(f"{path}: {signed.summary()}{':' if signed.changes else ''}")
    for row in wording.rows(signed.changes, "  "):
        print(row)


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "validate": _validate,
    "chat": _chat,
    "graph": _graph,
    "outcomes": _outcomes,
    "diff": _diff,
    "sign": _sign,
    "test": _test,
    "schema": _schema,
    "run": _run,
}
