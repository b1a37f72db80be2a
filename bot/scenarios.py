"""Admin-written scenarios: answers in, expected advice out; run by `clinic-bot test`.

Scenarios answer as a patient types, by label, so a reworded label makes a scenario fail loudly
instead of silently testing something else.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.dialog.engine import Engine, Reply, Session
from bot.dialog.loader import load_dialog
from bot.dialog.model import Urgency
from bot.problems import LoadError, Problem
from bot.strict_yaml import Reader, line_of, read_yaml

_FILE_KEYS = {"dialog", "scenarios"}
_SCENARIO_KEYS = {"name", "answers", "expect"}
_EXPECT_KEYS = {"level", "outcome", "topics"}


@dataclass(frozen=True)
class Scenario:
    path: str
    line: int
    name: str
    dialog: str
    answers: tuple[str | tuple[str, ...], ...]  # a tuple: the items ticked in a tick list
    level: Urgency | None
    outcome: str | None
    topics: tuple[str, ...] | None


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    failure: str | None

    def __str__(self) -> str:
        where = f"{self.scenario.path}:{self.scenario.line}"
        if self.failure is None:
            return f"ok    {self.scenario.name}"
        return f"FAIL  {where}: {self.scenario.name}: {self.failure}"


def load_scenarios(path: Path) -> list[Scenario]:
    """Read one scenario file; every problem is reported with its line."""
    where = str(path)
    node = read_yaml(path)
    r = Reader(where)
    top = r.mapping(node, "the scenario file", _FILE_KEYS, ("dialog", "scenarios"))
    scenarios: list[Scenario] = []
    if top is None or not {"dialog", "scenarios"} <= set(top):
        raise LoadError(r.problems)
    dialog = r.text(top["dialog"], "dialog") or ""
    for number, item in enumerate(r.sequence(top["scenarios"], "scenarios") or [], start=1):
        what = f"scenario {number}"
        fields = r.mapping(item, what, _SCENARIO_KEYS, ("answers", "expect"))
        if fields is None or not {"answers", "expect"} <= set(fields):
            continue
        name = r.text(fields["name"], f"{what}: name") if "name" in fields else None
        answers = _answers(r, fields["answers"], f"{what}: answers")
        expect = r.mapping(fields["expect"], f"{what}: expect", _EXPECT_KEYS) or {}
        level = None
        if "level" in expect:
            value = r.text(expect["level"], f"{what}: expect level")
            if value in Urgency.names():
                level = Urgency[value.upper()]
            elif value is not None:
                r.problem(
                    expect["level"],
                    f"{what}: '{value}' is not a level; use one of {', '.join(Urgency.names())}",
                )
        outcome = r.text(expect["outcome"], f"{what}: expect outcome") if "outcome" in expect else None
        topics = None
        if "topics" in expect:
            topic_items = r.sequence(expect["topics"], f"{what}: expect topics") or []
            topics = tuple(t for t in (r.text(n, f"{what}: topic") for n in topic_items) if t)
        if not expect:
            r.problem(item, f"{what}: 'expect' needs level, outcome or topics")
            continue
        scenarios.append(
            Scenario(
                where,
                line_of(item),
                name or f"scenario {number}",
                dialog,
                tuple(answers),
                level,
                outcome,
                topics,
            )
        )
    if r.problems:
        raise LoadError(r.problems)
    return scenarios


def _answers(r: Reader, node: yaml.Node, what: str) -> list[str | tuple[str, ...]]:
    """Answers as typed: a text each, or a list of texts for the items ticked in a tick list."""
    if not isinstance(node, yaml.SequenceNode):
        return [text for _node, text in r.text_or_list(node, what)]
    answers: list[str | tuple[str, ...]] = []
    for item in node.value:
        if isinstance(item, yaml.SequenceNode):
            answers.append(tuple(text for _node, text in r.text_or_list(item, what)))
        elif (text := r.text(item, what)) is not None:
            answers.append(text)
    return answers


def run_scenario(engine: Engine, scenario: Scenario) -> Result:
    session, reply = engine.start()
    for number, typed in enumerate(scenario.answers, start=1):
        if reply.ended:
            return Result(
                scenario, f"the check ended at '{reply.step}' before answer {number} ('{_shown(typed)}')"
            )
        moved, after = engine.answer(engine.delivered(session, reply), typed)  # each question seen
        if len(moved.answers) == len(session.answers):
            options = ", ".join(f"'{o.label}'" for o in reply.options)
            return Result(
                scenario,
                f"answer {number} '{_shown(typed)}' does not fit step '{reply.step}' (options: {options})",
            )
        session, reply = moved, after
    outcome = reply.outcome
    if outcome is None:
        return Result(scenario, f"after the last answer the check still asks at step '{reply.step}'")
    wrong = []
    if scenario.level is not None and outcome.urgency != scenario.level:
        wrong.append(f"expected level {scenario.level.key}, got {outcome.urgency.key}")
    if scenario.outcome is not None and reply.step != scenario.outcome:
        wrong.append(f"expected outcome '{scenario.outcome}', got '{reply.step}'")
    if scenario.topics is not None and tuple(sorted(outcome.topics)) != tuple(sorted(scenario.topics)):
        wrong.append(f"expected topics [{', '.join(scenario.topics)}], got [{', '.join(outcome.topics)}]")
    return Result(scenario, "; ".join(wrong) or None)


def run_files(paths: list[Path], engine_for: Callable[[str], Engine]) -> list[Result]:
    """Run every scenario of the files; a file that cannot be read raises LoadError."""
    results = []
    for path in paths:
        scenarios = load_scenarios(path)
        for scenario in scenarios:
            try:
                engine = engine_for(scenario.dialog)
            except LoadError as error:  # once per file: every scenario of it would repeat the same words
                results.append(
                    Result(
                        scenario,
                        f"cannot load dialog '{scenario.dialog}', so none of the {len(scenarios)} "
                        f"scenarios in this file ran: {error}",
                    )
                )
                break
            results.append(run_scenario(engine, scenario))
    return results


def _shown(typed: str | tuple[str, ...]) -> str:
    return typed if isinstance(typed, str) else " + ".join(typed)


def record(path: Path, engine: Engine, session: Session, reply: Reply) -> int:
    """Append the conversation that led to an outcome as a scenario; returns its number in the file."""
    steps = engine.dialog.steps
    if reply.outcome is None:
        raise ValueError("only a finished check can be recorded")
    answers = []
    for step_id, ids in session.answers:
        labels = [json.dumps(o.label, ensure_ascii=False) for i in ids if (o := steps[step_id].option(i))]
        answers.append(f"[{', '.join(labels)}]" if steps[step_id].many else labels[0])
    topics = ", ".join(json.dumps(t) for t in reply.outcome.topics)
    entry = (
        f"  - name: {json.dumps('recorded ' + time.strftime('%Y-%m-%d %H:%M'))}\n"
        f"    answers: [{', '.join(answers)}]\n"
        f"    expect: {{level: {reply.outcome.urgency.key}, outcome: {reply.step}, topics: [{topics}]}}\n"
    )
    if not path.exists() or not path.read_text(encoding="utf-8").strip():
        header = (
            f"# Scenarios for {engine.dialog.id}: answers in, expected advice out. Run: clinic-bot test\n"
            "# New recordings are added at the end, so keep 'scenarios:' as the last key.\n"
            f"dialog: {engine.dialog.id}\nscenarios:\n"
        )
        path.write_text(header + entry, encoding="utf-8")
        return 1
    existing = path.read_text(encoding="utf-8")
    path.write_text(existing.rstrip("\n") + "\n" + entry, encoding="utf-8")
    return existing.count("\n  - ") + 1


def summary(results: list[Result]) -> str:
    failed = sum(1 for r in results if r.failure)
    return f"{len(results) - failed} passed, {failed} failed"


def engines_by_id(dialogs_dir: Path, values: Mapping[str, str]) -> Callable[[str], Engine]:
    """Load each dialog once by id from the dialogs folder."""
    cache: dict[str, Engine] = {}

    def engine_for(dialog_id: str) -> Engine:
        if dialog_id not in cache:
            path = dialogs_dir / f"{dialog_id}.yaml"
            if not path.is_file():
                raise LoadError([Problem(str(path), 1, f"no dialog '{dialog_id}' in {dialogs_dir}/")])
            cache[dialog_id] = Engine(load_dialog(path), values)
        return cache[dialog_id]

    return engine_for
