"""Load and check time of a large generated dialog: YAML text -> Dialog, all checks and the safety proof."""

from __future__ import annotations

import json
import time

from bench.results import Row, info
from bench.stats import percentile
from bot.dialog import checks, safety
from bot.dialog.loader import load_dialog_text
from bot.strict_yaml import parse_yaml

SECTION_STEPS = 25  # 19 questions (the first a message), 2 routing steps, 4 outcomes
_QUESTIONS = SECTION_STEPS - 6
_TOPICS = 40


def measure(steps: int, repeats: int) -> list[Row]:
    """Generate a dialog of about `steps` steps and time `load_dialog_text` on it (best of `repeats`)."""
    text = generate(steps)
    totals = []
    for _ in range(repeats):
        started = time.perf_counter()
        dialog = load_dialog_text(text, "generated.yaml")
        totals.append(time.perf_counter() - started)
    # The parts, timed once each, to show where the time goes.
    started = time.perf_counter()
    parse_yaml(text.encode(), "generated.yaml")
    parse = time.perf_counter() - started
    started = time.perf_counter()
    assert not list(checks._problems(dialog))  # the checks without the proof
    checked = time.perf_counter() - started
    started = time.perf_counter()
    assert not safety.prove(dialog)
    proof = time.perf_counter() - started
    total = percentile(totals, 0.5)
    size = f"{len(dialog.steps):,} steps, {len(text) / 1024:,.0f} KiB of YAML"
    return [
        info("big dialog: load + full check", total, "s", size),
        info("  of which YAML parsing (compose)", parse, "s", "libyaml parser, composer in Python"),
        info("  of which safety proof", proof, "s", "symbolic: sets of facts and red-flag level"),
        info("  of which structural checks", checked, "s", "graph, texts, labels"),
    ]


def generate(steps: int) -> str:
    """A valid dialog of sections of 25 steps: questions with 2-3 answers, facts, routes, red flags.

    Each section asks 19 questions (some set `severity` or `duration`, some are red flags that go to an
    emergency outcome or, through a routing step, to an urgent or emergency one), then routes by the
    facts to a 'soon' or 'self_care' outcome or on to the next section.
    """
    sections = max(1, round(steps / SECTION_STEPS))
    out = [
        "id: generated",
        'title: "A generated check"',
        "start: s0_q0",
        'disclaimer: "This check is not a diagnosis. In an emergency call {emergency_number}."',
        'safety_net: "If it gets worse, or is not better in a week, call {clinic_phone}."',
        'contact: "**{clinic_name}**: {clinic_phone}, or [book online]({booking_url})."',
        "facts:",
        "  severity: [mild, strong]",
        "  duration: [short, long]",
        "steps:",
    ]
    for section in range(sections):
        out += _section(section, last=section == sections - 1)
    out.append("topics:")
    for topic in range(_TOPICS):
        out += [
            f"  topic_{topic}:",
            f"    title: {_q(f'About sign number {topic}')}",
            f"    text: {_q(_sentence(topic, 6))}",
        ]
    return "\n".join(out) + "\n"


def _section(k: int, *, last: bool) -> list[str]:
    out: list[str] = []
    for j in range(_QUESTIONS):
        step = f"s{k}_q{j}"
        nxt = f"s{k}_q{j + 1}" if j + 1 < _QUESTIONS else f"s{k}_route"
        if j == 0:
            out += [
                f"  {step}:",
                f"    say: {_q(f'Part {k + 1} of the check. ' + _sentence(k, 1))}",
                "    options:",
                f"      - {{label: {_q('Continue')}, next: {nxt}}}",
            ]
            continue
        out += [f"  {step}:", f"    ask: {_q(f'Question {j} of part {k + 1}: ' + _sentence(j, 1))}"]
        if j % 4 == 0:
            out.append(f"    why: {_q('This sign helps us decide how soon you need help.')}")
        out.append("    options:")
        kind = j % 5
        if kind == 0:
            out += [
                _option("No", nxt),
                _option("Yes, a little", nxt, "{severity: mild}"),
                _option("Yes, a lot", f"s{k}_emergency", red_flag="emergency", because="it is very bad"),
            ]
        elif kind == 1:
            out += [
                _option("Not at all", nxt),
                _option("Less than a week", nxt, "{duration: short}"),
                _option("More than a week", nxt, "{duration: long}", because="it has lasted a while"),
            ]
        elif kind == 2:
            out += [_option("No", nxt), _option("Yes", f"s{k}_triage", red_flag="urgent", because="sign")]
        elif kind == 3:
            out += [
                _option("Never", nxt),
                _option("Sometimes", nxt, "{severity: mild}"),
                _option("Often", nxt, "{severity: strong}"),
            ]
        else:
            out += [_option("No", nxt), _option("Yes", nxt)]
    onward = f"s{k}_home" if last else f"s{k + 1}_q0"
    topic = f"topic_{k % _TOPICS}"
    out += [
        f"  s{k}_route:",
        "    route:",
        f"      - {{when: {{severity: strong, duration: long}}, next: s{k}_soon}}",
        f"      - {{when: {{duration: long}}, next: s{k}_home}}",
        f"      - {{next: {onward}}}",
        f"  s{k}_triage:",
        "    route:",
        f"      - {{when: {{severity: strong}}, next: s{k}_emergency}}",
        f"      - {{next: s{k}_urgent}}",
        f"  s{k}_emergency:",
        "    outcome: emergency",
        f"    say: {_q('**Call {emergency_number} now.** ' + _sentence(k, 2))}",
        f"  s{k}_urgent:",
        "    outcome: urgent",
        f"    say: {_q('**See a doctor today.** Call {clinic_phone}. ' + _sentence(k, 3))}",
        f"    show: [{topic}]",
        f"  s{k}_soon:",
        "    outcome: soon",
        f"    say: {_q('**Book an appointment** at [the clinic]({booking_url}). ' + _sentence(k, 3))}",
        f"    show: [{{topic: {topic}, when: {{severity: strong}}}}]",
        f"  s{k}_home:",
        "    outcome: self_care",
        f"    say: {_q('**You can look after this at home.** ' + _sentence(k, 4))}",
        f"    show: [{topic}, {{topic: topic_{(k + 1) % _TOPICS}, when: {{duration: short}}}}]",
    ]
    return out


def _option(label: str, nxt: str, sets: str = "", *, red_flag: str = "", because: str = "") -> str:
    fields = [f"label: {_q(label)}"]
    if sets:
        fields.append(f"set: {sets}")
    if red_flag:
        fields.append(f"red_flag: {red_flag}")
    if because:
        fields.append(f"because: {_q(because)}")
    fields.append(f"next: {nxt}")
    return "      - {" + ", ".join(fields) + "}"


def _sentence(seed: int, sentences: int) -> str:
    words = ("pain", "rest", "move", "gently", "back", "sleep", "walk", "warm", "stretch", "doctor")
    out = []
    for n in range(sentences):
        chosen = [words[(seed * 7 + n * 3 + i * i) % len(words)] for i in range(12)]
        out.append(" ".join(chosen).capitalize() + ".")
    return " ".join(out)


def _q(text: str) -> str:
    """A double-quoted YAML scalar (JSON strings are valid YAML)."""
    return json.dumps(text)
