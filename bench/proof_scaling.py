"""How the safety proof scales: generated dialogs of N yes/no questions, and a long tick list.

The worst case for listing states: N questions, each setting its own fact, and one routing step that
reads all of them, so every combination of answers is a different state (2^N). Each size is loaded
and fully checked (`load_dialog_text`: structure, texts, proof) in a fresh process, so that the peak
memory is that of the check alone. The explicit search the proof used before runs beside it while it
still finishes in reasonable time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from bench.results import Row, info

SIZES = (10, 25, 60, 200)
EXPLICIT_SIZES = (10, 14)  # 2^N states: N = 17 took 12 s and 444 MB, N = 20 took 114 s and 3.3 GB
TICK_ITEMS = 30
ROOT = Path(__file__).resolve().parent.parent

_HEAD = """\
id: generated
title: Generated check
start: q1
disclaimer: "Not a diagnosis."
safety_net: "Call us if it gets worse."
contact: "The clinic"
"""
_OUTCOMES = """\
  see_today: {outcome: urgent, say: "See a doctor today."}
  book: {outcome: soon, say: "Book an appointment."}
  home: {outcome: self_care, say: "Rest at home."}
"""


def questions(n: int, *, planted_bug: bool = False) -> str:
    """N yes/no questions q1..qN, each setting its fact f1..fN; "Yes" to q1 is an urgent red flag.

    Step `decide` reads every fact: q1 "Yes" goes to an urgent outcome, all other "Yes" to `book`,
    anything else home. With `planted_bug`, a rule first sends q1 "Yes" home when the last question
    was answered "No": the breach is reachable only through all N answers.
    """
    facts = "".join(f'  f{i}: ["yes", "no"]\n' for i in range(1, n + 1))
    steps = []
    for i in range(1, n + 1):
        after = f"q{i + 1}" if i < n else "decide"
        flag = ", red_flag: urgent" if i == 1 else ""
        steps.append(
            f'  q{i}:\n    ask: "Question {i}?"\n    options:\n'
            f'      - {{id: "yes", label: "Yes", set: {{f{i}: "yes"}}{flag}, next: {after}}}\n'
            f'      - {{id: "no", label: "No", set: {{f{i}: "no"}}, next: {after}}}\n'
        )
    others = ", ".join(f'f{i}: "yes"' for i in range(2, n + 1))
    bug = f'      - {{when: {{f1: "yes", f{n}: "no"}}, next: home}}\n' if planted_bug else ""
    route = (
        "  decide:\n    route:\n" + bug + '      - {when: {f1: "yes"}, next: see_today}\n'
        f"      - {{when: {{{others}}}, next: book}}\n      - {{next: home}}\n"
    )
    return _HEAD + "facts:\n" + facts + "steps:\n" + "".join(steps) + route + _OUTCOMES


def tick_list(items: int) -> str:
    """One tick list of `items` signs (each its own fact; every third an urgent red flag), then a route."""
    facts = "".join(f'  s{i}: ["yes"]\n' for i in range(1, items + 1))
    options = "".join(
        f'      - {{id: s{i}, label: "Sign {i}", set: {{s{i}: "yes"}}'
        + (", red_flag: urgent" if i % 3 == 1 else "")
        + "}\n"
        for i in range(1, items + 1)
    )
    urgent = "".join(
        f'      - {{when: {{s{i}: "yes"}}, next: see_today}}\n' for i in range(1, items + 1) if i % 3 == 1
    )
    pair = f'      - {{when: {{s2: "yes", s{items}: "yes"}}, next: book}}\n'
    steps = (
        '  q1:\n    ask: "Do you have any of these?"\n    pick: many\n    next: decide\n    options:\n'
        + options
        + '      - {id: none, label: "None of these", none: true}\n'
        + "  decide:\n    route:\n"
        + urgent
        + pair
        + "      - {next: home}\n"
    )
    return _HEAD + "facts:\n" + facts + "steps:\n" + steps + _OUTCOMES


_CHILD = textwrap.dedent(
    """
    import json, sys, time
    text = sys.stdin.read()
    mode = sys.argv[1]
    started = time.perf_counter()
    if mode == "explicit":
        from bench.explicit_proof import prove
        from bot.dialog.loader import _DialogReader
        from bot.strict_yaml import Reader, parse_yaml
        dialog = _DialogReader(Reader("g.yaml")).read(parse_yaml(text.encode(), "g.yaml"), "g.yaml", "v")
        problems = [str(p) for p in prove(dialog)]
    else:
        from bot.dialog.loader import load_dialog_text
        from bot.problems import DialogError
        try:
            load_dialog_text(text, "g.yaml")
            problems = []
        except DialogError as error:
            problems = [str(p) for p in error.problems]
        if mode == "outcomes":
            from bot.dialog.review import outcome_table
            problems = [str(len(outcome_table(load_dialog_text(text, "g.yaml")).splitlines()))]
    took = time.perf_counter() - started
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so it would be the benchmark's own size.
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    peak = int(status.split()[0]) / 1024
    print(json.dumps({"seconds": took, "peak_mb": peak, "problems": problems}))
    """
)


@dataclass(frozen=True)
class Result:
    seconds: float
    peak_mb: float
    problems: tuple[str, ...]


def run_child(text: str, mode: str = "check") -> Result:
    """Load and check `text` in a new Python process: its time, peak RSS and problems (or, for
    `outcomes`, the number of lines of the outcome table)."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    data = json.loads(out.stdout)
    return Result(float(data["seconds"]), float(data["peak_mb"]), tuple(data["problems"]))


def measure(sizes: tuple[int, ...] = SIZES, explicit: tuple[int, ...] = EXPLICIT_SIZES) -> list[Row]:
    rows = []
    for n in sizes:
        result = run_child(questions(n))
        rows += [
            info(f"proof: {n} questions, load + full check", result.seconds, "s", f"2^{n} answer paths"),
            info(f"proof: {n} questions, peak memory", result.peak_mb, "MB", "the whole process"),
        ]
    for n in explicit:
        result = run_child(questions(n), "explicit")
        note = f"the search by states used before; peak {result.peak_mb:.0f} MB"
        rows.append(info(f"old explicit proof: {n} questions", result.seconds, "s", note))
    n = max(sizes)
    found = run_child(questions(n, planted_bug=True))
    caught = any(f"q{n}: No -> decide -> home" in problem for problem in found.problems)
    note = "caught, with its shortest path" if caught else "NOT CAUGHT"
    rows.append(info(f"proof: {n} questions with the planted bug", found.seconds, "s", note))
    ticks = run_child(tick_list(TICK_ITEMS))
    rows += [
        info(
            f"proof: {TICK_ITEMS}-item tick list, load + full check",
            ticks.seconds,
            "s",
            f"2^{TICK_ITEMS} tick sets",
        ),
        info(f"proof: {TICK_ITEMS}-item tick list, peak memory", ticks.peak_mb, "MB", "the whole process"),
    ]
    table = run_child(questions(n), "outcomes")
    rows.append(info(f"outcomes: {n} questions", table.seconds, "s", f"{table.problems[0]} lines of table"))
    return rows
