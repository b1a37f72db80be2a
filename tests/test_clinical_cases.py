"""The clinical case set: 61 patients written from guidance, answered as they would answer the check.

tests/clinical_cases.yaml holds each patient's story, the levels a triage clinician would accept, the
one level guidance points to, and the answers the patient gives (typed labels; a list at a tick
list). The release rules of docs/clinical-notes.md fail a case on its own: an emergency advised below
emergency, or an urgent case sent home. The figures (exact, acceptable, under-triaged) must stay at
their targets and match the table in docs/clinical-notes.md.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.dialog.engine import Engine
from bot.dialog.loader import load_dialog
from bot.dialog.model import Urgency

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).with_name("clinical_cases.yaml")
NOTES = ROOT / "docs" / "clinical-notes.md"
VALUES = {
    "emergency_number": "911",
    "clinic_name": "Test Clinic",
    "clinic_phone": "555-0100",
    "booking_url": "https://example.org/book",
}
ENGINE = Engine(load_dialog(ROOT / "dialogs" / "upper-back-pain.yaml"), VALUES)
LEVELS = [level.key for level in sorted(Urgency, reverse=True)]  # emergency first


@dataclass(frozen=True)
class Case:
    name: str
    story: str
    acceptable: frozenset[Urgency]
    expected: Urgency
    answers: tuple[str | tuple[str, ...], ...]
    also: tuple[tuple[str | tuple[str, ...], ...], ...] = ()  # other honest answers to the same story


def _answers(raw: object) -> tuple[str | tuple[str, ...], ...]:
    assert isinstance(raw, list)
    return tuple(tuple(a) if isinstance(a, list) else str(a) for a in raw)


def _case(raw: dict[str, object]) -> Case:
    also = raw.get("also", [])
    assert isinstance(also, list)
    return Case(
        name=str(raw["name"]),
        story=str(raw["story"]),
        acceptable=frozenset(Urgency[str(level).upper()] for level in raw["acceptable"]),  # type: ignore[attr-defined]
        expected=Urgency[str(raw["expected"]).upper()],
        answers=_answers(raw["answers"]),
        also=tuple(_answers(answers) for answers in also),
    )


ALL = [_case(raw) for raw in yaml.safe_load(CASES.read_text(encoding="utf-8"))["cases"]]


def advised(case: Case, answers: tuple[str | tuple[str, ...], ...] | None = None) -> Urgency:
    """The level the check advises after the patient's answers, typed as the patient would."""
    session, reply = ENGINE.start()
    for answer in case.answers if answers is None else answers:
        session, reply = ENGINE.answer(session, list(answer) if isinstance(answer, tuple) else answer)
        assert reply.notice is None, f"{case.name}: {answer!r} at '{reply.step}': {reply.notice}"
    assert reply.outcome is not None, f"{case.name}: no advice; the patient is at '{reply.step}'"
    return reply.outcome.urgency


RESULTS = {case.name: advised(case) for case in ALL}


@pytest.mark.parametrize("case", ALL, ids=[case.name for case in ALL])
def test_no_emergency_is_advised_below_emergency_and_no_urgent_case_is_sent_home(case: Case) -> None:
    level = RESULTS[case.name]
    if case.expected is Urgency.EMERGENCY:
        assert level is Urgency.EMERGENCY, f"{case.story} -> {level.key}"
    if case.expected is Urgency.URGENT:
        assert level is not Urgency.SELF_CARE, f"{case.story} -> {level.key}"


ALSO = [
    pytest.param(case, answers, id=f"{case.name} ({n})")
    for case in ALL
    for n, answers in enumerate(case.also, 1)
]


@pytest.mark.parametrize(("case", "answers"), ALSO)
def test_other_honest_answers_to_the_same_story_stay_within_the_acceptable_levels(
    case: Case, answers: tuple[str | tuple[str, ...], ...]
) -> None:
    level = advised(case, answers)
    assert level in case.acceptable, f"{case.story} -> {level.key}"


def test_some_stories_are_answered_in_more_than_one_way() -> None:
    assert len(ALSO) >= 15


def figures() -> dict[str, Counter[str]]:
    """Per expected level: cases, exact, acceptable, under-triaged (below every acceptable level), over."""
    table: dict[str, Counter[str]] = {level: Counter() for level in [*LEVELS, "all"]}
    for case in ALL:
        level = RESULTS[case.name]
        for row in (case.expected.key, "all"):
            table[row]["cases"] += 1
            table[row]["exact"] += level is case.expected
            table[row]["acceptable"] += level in case.acceptable
            table[row]["under"] += level < min(case.acceptable)
            table[row]["over"] += level > max(case.acceptable)
    return table


def figures_table() -> str:
    """The table of figures as docs/clinical-notes.md shows it."""
    lines = [
        "| expected level | cases | exact | acceptable | under-triaged | over-triaged |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for level, count in figures().items():
        lines.append(
            f"| {level} | {count['cases']} | {count['exact']} | {count['acceptable']} | {count['under']} | "
            f"{count['over']} |"
        )
    return "\n".join(lines)


def test_the_case_set_meets_its_targets() -> None:
    total = figures()["all"]
    assert figures()["emergency"]["under"] == 0
    assert total["exact"] >= 0.9 * total["cases"], figures_table()
    assert total["acceptable"] == total["cases"], figures_table()


def test_the_figures_in_the_clinical_notes_are_the_real_ones() -> None:
    assert figures_table() in NOTES.read_text(encoding="utf-8"), (
        f"update docs/clinical-notes.md:\n{figures_table()}"
    )


def test_the_case_set_is_broad() -> None:
    """15 or more per level, with proxies, older adults and presentations from outside the spine."""
    per_level = Counter(case.expected.key for case in ALL)
    assert all(per_level[level] >= 15 for level in LEVELS), per_level
    assert all(case.expected in case.acceptable for case in ALL)
    assert sum("answers for" in case.story for case in ALL) >= 7
    ages = [int(m.group(1)) for case in ALL if (m := re.search(r"\b(\d\d)[,.] ", case.story))]
    assert sum(age >= 65 for age in ages) >= 6
    outside = ("chest", "breath", "tummy", "yellow", "pee", "calf", "blisters", "confused", "fever")
    assert sum(any(word in case.story.lower() for word in outside) for case in ALL) >= 20
    assert len({case.name for case in ALL}) == len(ALL)
