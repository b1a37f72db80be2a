"""The clinic's upper back pain check, as patients meet it: scripted chats, and a walk of many paths.

The scripted conversations read like a nurse's test sheet: the answers tapped or ticked, then the level
of advice and the topics the patient is shown. The dangerous findings of the December 2026 review each
have their own conversation, on the answer path the review gave. The walk then tries every answer and
every single tick at every step, and every pair of them on two steps, and checks the release rules of
docs/clinical-notes.md on every ending: no red-flag answer ends below its level, every ending gives
advice with the disclaimer and (below emergency) a safety net and the clinic's contact, the advice fits
one short message, and emergency advice comes within 3 answers. The safety proof and the catalogue
coverage check cover every combination of ticks; the walk checks what patients actually read.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import pytest

from bot.dialog import safety
from bot.dialog.checks import MAX_MESSAGE_CHARS
from bot.dialog.engine import DONE, Engine, Reply
from bot.dialog.loader import load_dialog
from bot.dialog.model import Option, StepKind, Urgency
from bot.dialog.readability import grade, syllable_count
from bot.dialog.review import describe, merged_rows
from bot.dialog.text import to_html
from bot.render import render

ROOT = Path(__file__).resolve().parent.parent
DIALOG_PATH = ROOT / "dialogs" / "upper-back-pain.yaml"
# A copy of the clinic's web page that the dialog is based on (shared/seed/ is not in every checkout).
SEED = Path(__file__).resolve().parent / "data" / "seed-upper-back-pain.txt"
VALUES = {
    "emergency_number": "911",
    "clinic_name": "Test Clinic",
    "clinic_phone": "555-0100",
    "booking_url": "https://example.org/book",
}
FIRST_QUESTION = "age"  # where "Start the check" leads: answers are counted from that tap
MAX_GRADE = 8.0
EMERGENCY_MAX_CHARS = 600  # the emergency message stays short: call first, read later
ADVICE_MAX_CHARS = 1200  # the first message of any outcome: what to do, why, when to come back
HEADLINES = {
    Urgency.EMERGENCY: "**Call {emergency_number} now.**",
    Urgency.URGENT: "**See a doctor today.**",
    Urgency.SOON: "**Book an appointment in the next few days.**",
    Urgency.SELF_CARE: "**You can look after this at home.**",
}

DIALOG = load_dialog(DIALOG_PATH)


def new_engine() -> Engine:
    return Engine(DIALOG, VALUES)


def fill(text: str) -> str:
    return text.format_map(VALUES)


# ---------------------------------------------------------------------------------------------------------
# Scripted conversations. Each answer is the id of the option tapped at the current step, or at a tick
# list a tuple of the ids ticked before Done.

Tap = str | tuple[str, ...]
N = ("none",)  # "None of these" at a tick list
START = ("start", "adult", N, N, N)  # for me, aged 20 to 49, no emergency or urgent sign: at `health`
PLAIN = (N, "posture", "eases", "days", ("ache",), N)  # from `health`: a short posture ache, nothing else


def talk(answers: tuple[Tap, ...]) -> Reply:
    """Tap or tick the given answers in order, checking that each one is offered where the patient is."""
    engine = new_engine()
    session, reply = engine.start()
    for answer in answers:
        offered = [o.id for o in reply.options]
        for option_id in (answer,) if isinstance(answer, str) else answer:
            assert option_id in offered, f"at '{reply.step}' the patient sees {offered}, not '{option_id}'"
            session, reply = engine.choose(session, reply.step, option_id)
        if not isinstance(answer, str):
            assert reply.many, f"'{reply.step}' is not a tick list"
            session, reply = engine.choose(session, reply.step, DONE)
        assert reply.notice is None, f"{answer} at '{reply.step}': {reply.notice}"
    return reply


def level(answers: tuple[Tap, ...]) -> Urgency:
    """The level of the advice these answers end at."""
    reply = talk(answers)
    assert reply.outcome is not None, f"no advice after {answers}; the patient is at '{reply.step}'"
    return reply.outcome.urgency


E, U, S, C = Urgency.EMERGENCY, Urgency.URGENT, Urgency.SOON, Urgency.SELF_CARE

CONVERSATIONS = [
    # Emergency signs end the check at once, at answer 3, with no topics.
    pytest.param(("start", "adult", ("chest",)), E, "call_now", (), id="chest pain in the last 12 h"),
    pytest.param(("learn", "start", "adult", ("breath",)), E, "call_now", (), id="via the learn menu"),
    pytest.param(("start_other", "over_65", ("confused",)), E, "call_now", (), id="proxy: confused"),
    pytest.param(("start", "adult", ("both_legs",)), E, "call_now_spine", (), id="both legs weak"),
    pytest.param(("start", "adult", ("saddle", "bladder")), E, "call_now_spine", (), id="cauda equina"),
    pytest.param(("start", "adult", ("accident",)), E, "call_now_accident", (), id="serious accident"),
    pytest.param(
        ("start", "adult", ("accident", "chest")), E, "call_now", (), id="accident and chest pain: call now"
    ),
    # Pairs of urgent signs that make an emergency.
    pytest.param((*START[:3], ("belly", "vomit")), E, "call_now", (), id="tummy pain and vomiting"),
    pytest.param((*START[:3], ("yellow",), ("fever",)), E, "call_now", (), id="yellow and feverish"),
    pytest.param((*START[:4], ("fever", "weak_limb")), E, "call_now_spine", (), id="fever and a weak leg"),
    pytest.param((*START[:4], ("fever", "band")), E, "call_now_spine", (), id="fever and a numb band"),
    pytest.param((*START[:4], ("weak_limb",), ("cancer",)), E, "call_now_spine", (), id="cancer + weak leg"),
    pytest.param((*START[:4], ("band",), ("cancer",)), E, "call_now_spine", (), id="cancer + numb band"),
    # Who the check is not for: danger signs are asked first, then the scope decides.
    pytest.param(("start_other", "under_16", N, N, N), S, "not_for_children", ("self_care",), id="child"),
    pytest.param(
        ("start", "under_16", N, N, ("fever",)), U, "urgent_infection", ("infection",), id="child, fever"
    ),
    pytest.param(("start", "pregnant", N, N, N), U, "not_for_pregnancy", (), id="pregnancy: the midwife"),
    pytest.param(("start", "pregnant", ("chest",)), E, "call_now", (), id="pregnant with chest pain"),
    # Single urgent signs, each with the advice that explains it.
    pytest.param(
        (*START[:3], ("chest_3_days",), N, N), U, "urgent_heart", ("cause_other",), id="chest 3 days"
    ),
    pytest.param((*START[:3], ("effort",), N, N), U, "urgent_heart", ("cause_other",), id="effort pain"),
    pytest.param((*START[:3], ("calf",), N, N), U, "urgent_clot", ("clot",), id="swollen calf"),
    pytest.param((*START[:3], ("yellow",), N, N), U, "urgent_tummy", ("cause_other",), id="yellow, no fever"),
    pytest.param((*START[:3], ("gallbladder",), N, N), U, "urgent_tummy", ("cause_other",), id="gallbladder"),
    pytest.param((*START[:4], ("fever",), N), U, "urgent_infection", ("infection",), id="fever"),
    pytest.param((*START[:4], ("peeing",), N), U, "urgent_infection", ("infection",), id="burning pee"),
    pytest.param((*START[:4], ("rash",), N), U, "urgent_rash", ("shingles",), id="rash on one side"),
    pytest.param((*START[:4], ("band",), N), U, "urgent_nerves", ("nerves",), id="numb band, one side"),
    pytest.param((*START[:4], ("weak_limb",), N), U, "urgent_nerves", ("nerves",), id="slowly weak leg"),
    pytest.param((*START[:4], ("weight",), N), U, "urgent_serious", ("tests",), id="weight loss"),
    pytest.param((*START, ("cancer",)), U, "urgent_serious", ("tests",), id="history of cancer"),
    pytest.param((*START, ("drugs",)), U, "urgent_infection", ("infection",), id="injects drugs"),
    pytest.param((*START, ("spine_procedure",)), U, "urgent_infection", ("infection",), id="spine injection"),
    # Pairs that make an urgent case.
    pytest.param(
        (*START[:3], ("breath_pain",), N, ("journey",)), U, "urgent_clot", ("clot",), id="pain + flight"
    ),
    pytest.param(
        (*START[:3], ("breath_pain",), N, ("surgery",)), U, "urgent_clot", ("clot",), id="pain + surgery"
    ),
    pytest.param(
        (*START, ("bones",), "no", "eases", "days", ("ache",), N),
        U,
        "urgent_fracture",
        ("cause_fractures",),
        id="weak bones, no injury, new pain",
    ),
    pytest.param(
        (*START, ("steroids",), "strain", "eases", "long", ("ache",), N),
        U,
        "urgent_fracture",
        ("cause_fractures",),
        id="steroids + a lift",
    ),
    pytest.param(
        ("start", "over_65", N, N, N, N, "fall", "eases", "days", ("ache",), N),
        U,
        "urgent_fracture",
        ("cause_fractures",),
        id="65+ and a small fall",
    ),
    pytest.param(
        (*START, ("immune",), "no", "constant", "days", ("ache",), N),
        U,
        "urgent_infection",
        ("infection",),
        id="weak immunity + pain at rest",
    ),
    pytest.param(
        ("start", "over_50", N, N, N, N, "no", "constant", "days", ("ache",), N),
        U,
        "urgent_serious",
        ("tests",),
        id="50+ and pain at rest",
    ),
    pytest.param((*START, *PLAIN[:5], ("not_coping",)), U, "urgent_pain", ("self_care",), id="not coping"),
    # Book soon.
    pytest.param(
        ("start", "over_65", N, N, N, N, "no", "eases", "days", ("ache",), N),
        S,
        "book_soon",
        ("self_care", "diagnosis"),
        id="new pain at 65+, no injury",
    ),
    pytest.param(
        (*START, N, "posture", "eases", "long", ("ache",), N),
        S,
        "book_soon",
        ("self_care", "diagnosis"),
        id="over 2 weeks",
    ),
    pytest.param(
        (*START, N, "strain", "eases", "not_easing", ("spasm",), N),
        S,
        "book_soon",
        ("self_care", "diagnosis"),
        id="strain not easing",
    ),
    pytest.param(
        (*START, *PLAIN[:5], ("tingling",)),
        S,
        "book_soon",
        ("self_care", "cause_discs", "diagnosis"),
        id="tingling without weakness",
    ),
    pytest.param(
        (*START, *PLAIN[:5], ("worried",)), S, "book_soon", ("self_care", "diagnosis"), id="very worried"
    ),
    pytest.param(
        (*START, N, "posture", "eases", "long", ("stiff", "morning"), N),
        S,
        "book_soon",
        ("self_care", "diagnosis"),
        id="morning stiffness",
    ),
    pytest.param(
        (*START[:3], ("breath_pain",), N, *PLAIN),
        S,
        "book_soon",
        ("self_care", "diagnosis"),
        id="pain breathing in",
    ),
    pytest.param(
        ("start_other", "adult", N, N, N, ("scoliosis",), "posture", "eases", "long", ("ache",), N),
        S,
        "book_soon",
        ("self_care", "cause_scoliosis", "diagnosis"),
        id="proxy: scoliosis, worse for weeks",
    ),
    # Self-care with a safety net.
    pytest.param((*START, *PLAIN), C, "self_care", ("self_care",), id="posture ache"),
    pytest.param(
        (*START, N, "activity", "turning", "days", ("sharp", "spasm"), N),
        C,
        "self_care",
        ("self_care", "cause_injury"),
        id="painter woken only when turning over",
    ),
    pytest.param(
        ("start_other", "teen", N, N, N, N, "activity", "eases", "hours", ("pressure",), N),
        C,
        "self_care",
        ("self_care", "cause_injury"),
        id="proxy: teenager after a hike",
    ),
    pytest.param(
        (*START, ("scoliosis",), "posture", "eases", "days", ("burning",), N),
        C,
        "self_care",
        ("self_care", "cause_discs", "cause_scoliosis"),
        id="scoliosis flare, burning",
    ),
    pytest.param(
        ("learn", "what", "more", "causes", "start", "adult", N, N, N, N, "fall", "eases", "easing", N, N),
        C,
        "self_care",
        ("self_care", "cause_injury"),
        id="read two topics, then the check",
    ),
]


@pytest.mark.parametrize(("answers", "level", "outcome", "topics"), CONVERSATIONS)
def test_conversation(
    answers: tuple[Tap, ...], level: Urgency, outcome: str, topics: tuple[str, ...]
) -> None:
    reply = talk(answers)
    assert reply.outcome is not None, f"no advice after {answers}; the patient is at '{reply.step}'"
    assert (reply.step, reply.outcome.urgency, reply.outcome.topics) == (outcome, level, topics)
    for topic in topics:
        assert fill(DIALOG.topics[topic].title) in reply.text


# ---------------------------------------------------------------------------------------------------------
# The dangerous findings of the December 2026 review, on the answer paths it gave (adapted to the new
# questions), and the "should fix" findings a patient would notice.


def test_review_1_heart_pain_20_hours_ago_at_65_is_seen_today() -> None:
    reply = talk(("start", "over_65", N, ("chest_3_days",), N, N))
    assert reply.outcome is not None
    assert reply.outcome.urgency is U
    assert "chest pain or pressure in the last 3 days" in reply.text


def test_review_1_the_old_self_care_path_at_50_and_65_now_books_and_says_age_decided() -> None:
    for age in ("over_50", "over_65"):
        answers = ("start", age, N, N, N, N, "no", "eases", "days", ("ache",), N)
        assert level(answers) is S, age
        assert "new back pain should be checked" in talk(answers).advice


def test_review_1_pain_on_effort_is_urgent_and_heart_pain_now_is_an_emergency() -> None:
    assert talk(("start", "over_50", N, ("effort",), N, N)).step == "urgent_heart"
    assert talk(("start", "over_50", ("chest",))).step == "call_now"


def test_review_2_sudden_severe_pain_that_does_not_tear_is_an_emergency_at_answer_3() -> None:
    assert talk(("start", "over_50", ("sudden",))).step == "call_now"
    sudden = DIALOG.steps["emergency_signs"].option("sudden")
    assert sudden is not None
    assert "tear" not in sudden.label.lower(), "tearing is not required"


def test_review_3_sudden_one_sided_weakness_is_an_emergency_and_slow_weakness_urgent() -> None:
    assert talk(("start", "over_50", ("one_side",))).step == "call_now"
    assert talk(("start", "over_50", ("face",))).step == "call_now"
    assert talk(("start", "over_50", N, N, ("weak_limb",), N)).step == "urgent_nerves"


def test_review_4_yellow_skin_alone_is_urgent_and_with_a_fever_an_emergency() -> None:
    assert level(("start", "over_50", N, ("yellow",), N, N)) is U
    assert talk(("start", "over_50", N, ("yellow",), ("fever",))).step == "call_now"


def test_review_5_pain_breathing_in_after_a_flight_or_an_operation_is_urgent() -> None:
    for risk in ("journey", "surgery", "past_clot", "cancer"):
        assert level((*START[:3], ("breath_pain",), N, (risk,))) is U, risk
    assert level((*START[:3], ("breath_pain",), N, *PLAIN)) is S


def test_review_6_a_numb_band_round_the_chest_is_asked_urgent_and_emergency_when_all_round() -> None:
    assert talk((*START[:4], ("band",), N)).step == "urgent_nerves"
    assert talk(("start", "adult", ("band_round",))).step == "call_now_spine"
    assert talk((*START[:4], ("band",), ("cancer",))).step == "call_now_spine"


def test_weak_bones_with_no_remembered_injury_are_seen_today() -> None:
    reply = talk((*START, ("bones",), "no", "eases", "hours", N, N))
    assert reply.step == "urgent_fracture"
    assert "with no injury at all" in reply.advice


def test_a_posture_ache_spreading_to_the_neck_is_no_longer_an_emergency() -> None:
    """The old first question sent 'spreads to your neck' to 999; now only chest pain or breathing does."""
    labels = " ".join(o.label.lower() for o in DIALOG.steps["emergency_signs"].options)
    assert "neck" not in labels
    assert "feeling sick" not in labels
    assert level((*START, *PLAIN)) is C


def test_clumsy_legs_are_an_emergency_and_drugs_or_a_spine_injection_alone_urgent() -> None:
    assert level(("start", "adult", ("balance",))) is E
    assert level((*START, ("drugs",))) is U
    assert level((*START, ("spine_procedure",))) is U


def test_the_infection_safety_net_names_the_signs_of_sepsis() -> None:
    reply = talk((*START[:4], ("fever",), N))
    for sign in ("slurred speech", "blotchy", "no pee all day", "sepsis"):
        assert sign in reply.advice


def test_scope_is_asked_before_the_danger_lists_in_words_that_work_for_a_proxy() -> None:
    assert DIALOG.steps["welcome"].option("start_other") is not None
    assert DIALOG.steps["age"].options[0].next == "emergency_signs"
    for step in ("age", "emergency_signs", "chest_signs", "health", "rest"):
        assert (
            "the person you are asking for" in DIALOG.steps[step].text
            or "(or the person)" in DIALOG.steps[step].text
        )


def test_pregnancy_points_to_the_midwife_and_a_child_to_their_own_doctor() -> None:
    assert "midwife" in talk(("start", "pregnant", N, N, N)).advice
    child = talk(("start_other", "under_16", N, N, N))
    assert child.outcome is not None
    assert child.outcome.urgency is S
    assert "own doctor" in child.advice


def test_no_question_asks_to_choose_any_one_of_several_signs() -> None:
    assert [s.id for s in DIALOG.steps.values() if "choose any one" in s.text] == []
    danger_lists = ("emergency_signs", "chest_signs", "body_signs", "health", "kind", "impact")
    assert all(DIALOG.steps[s].many for s in danger_lists)


def test_durations_do_not_overlap_and_cover_less_than_a_day() -> None:
    labels = [o.label for o in DIALOG.steps["how_long"].options]
    assert labels == [
        "Less than 1 day",
        "1 to 3 days",
        "4 to 14 days, and it is getting better",
        "4 to 14 days, and it is not getting better",
        "More than 14 days",
    ]
    assert "comes and goes" in DIALOG.steps["how_long"].text
    assert "flare-up" in DIALOG.steps["how_long"].text


def test_the_pain_kind_list_has_sharp_and_pressure() -> None:
    labels = [o.label for o in DIALOG.steps["kind"].options]
    assert "Sharp or stabbing" in labels
    assert "Pressure, or a heavy feeling" in labels


# ---------------------------------------------------------------------------------------------------------
# Typing, going back, and the words of the advice.


def test_typed_answers_reach_the_same_advice_as_taps() -> None:
    """A patient who types numbers, label words and 'none' at the tick lists gets self-care."""
    engine = new_engine()
    session, reply = engine.start()
    typed_answers = (
        "1",
        "20 to 49",
        "none",
        "none",
        "none",
        "none",
        "slowly, from the way of sitting or carrying things",
    )
    for typed in (*typed_answers, "1", "1 to 3 days", "1", "none"):
        session, reply = engine.answer(session, typed)
        assert reply.notice is None, f"'{typed}' at '{reply.step}': {reply.notice}"
    assert reply.outcome is not None
    assert reply.outcome.urgency is Urgency.SELF_CARE


def test_typed_numbers_at_a_tick_list_tick_several_signs() -> None:
    engine = new_engine()
    session, _ = engine.start()
    for typed in ("1", "20 to 49", "none"):
        session, reply = engine.answer(session, typed)
    session, reply = engine.answer(session, "7 8")  # very bad upper tummy pain, and throwing up
    assert reply.step == "call_now"


def test_going_back_to_change_an_answer_changes_the_advice() -> None:
    """Weak bones and new pain means today; going back and unticking them gives self-care."""
    engine = new_engine()
    session, reply = engine.start()
    for answer in (*START, ("bones",), *PLAIN):
        ids = (answer,) if isinstance(answer, str) else (*answer, DONE)
        for option_id in ids:
            session, reply = engine.choose(session, reply.step, option_id)
    assert reply.step == "urgent_fracture"
    for _ in PLAIN:
        session, reply = engine.back(session)
    assert (reply.step, reply.ticked) == ("health", ("bones",))
    for option_id in ("none", DONE):
        session, reply = engine.choose(session, reply.step, option_id)
    for answer in PLAIN[1:]:
        for option_id in (answer,) if isinstance(answer, str) else (*answer, DONE):
            session, reply = engine.choose(session, reply.step, option_id)
    assert reply.step == "self_care"


def test_the_advice_says_why_with_every_sign_ticked() -> None:
    reply = talk((*START, N, "posture", "eases", "long", ("ache",), ("tingling", "worried")))
    assert (
        "Because you said: the pain has lasted more than 2 weeks; tingling or numbness in an arm; "
        "being very worried about the pain." in reply.advice
    )


def test_self_care_advice_says_when_to_come_back() -> None:
    """The safety net of home care names the danger signs, the number to call and when to book."""
    reply = talk((*START, *PLAIN))
    assert reply.outcome is not None
    assert reply.outcome.urgency is Urgency.SELF_CARE
    for words_seen in ("Call 911 for chest pain", "fever", "numb band", "not gone in 1 to 2 weeks"):
        assert words_seen in reply.advice


# ---------------------------------------------------------------------------------------------------------
# The walk: every answer and every single tick at every step, and every pair of them on two steps.


@dataclass(frozen=True)
class Ending:
    """Where one way through the dialog ends, and what the patient answered on the way."""

    path: tuple[tuple[str, tuple[Option, ...]], ...]  # (step, options chosen or ticked) from the welcome
    reply: Reply
    since_start: int  # answers since the tap that started the check, counting that tap

    def describe(self) -> str:
        return " -> ".join(f"{step}:{'+'.join(o.id for o in chosen)}" for step, chosen in self.path) + (
            f" => {self.reply.step}"
        )


DEFAULTS: dict[str, tuple[str, ...]] = {  # a short posture ache with no sign: the path the walk varies
    "welcome": ("start",),
    "learn": ("start",),
    "age": ("adult",),
    "emergency_signs": N,
    "chest_signs": N,
    "body_signs": N,
    "health": N,
    "injury": ("posture",),
    "rest": ("eases",),
    "how_long": ("days",),
    "kind": ("ache",),
    "impact": N,
}


def variations() -> Iterator[tuple[str, tuple[str, ...]]]:
    """(step, ids) for every answer of every question, every single tick, and every pair on one list."""
    for step_id, default in DEFAULTS.items():
        step = DIALOG.steps[step_id]
        if step.kind is StepKind.SAY and step_id != "welcome":
            continue  # the learn menu is reached from the welcome and leads to the check
        yield from ((step_id, (o.id,)) for o in step.options if (o.id,) != default)
        if step.many:
            items = [o.id for o in step.options if not o.none]
            yield from ((step_id, pair) for pair in combinations(items, 2))


def follow(engine: Engine, chosen: dict[str, tuple[str, ...]]) -> Ending:
    """From the welcome to an outcome, answering each step as `chosen` says, else as DEFAULTS."""
    session, reply = engine.start()
    path: list[tuple[str, tuple[Option, ...]]] = []
    since: int | None = None
    while reply.outcome is None:
        step = DIALOG.steps[reply.step]
        ids = chosen.get(reply.step, DEFAULTS[reply.step])
        for option_id in ids:
            session, reply = engine.choose(session, step.id, option_id)
        if step.many:
            session, reply = engine.choose(session, step.id, DONE)
        assert reply.notice is None, (step.id, ids, reply.notice)
        options = tuple(o for o in step.options if o.id in ids)
        path.append((step.id, options))
        if step.kind is StepKind.SAY and any(o.next == FIRST_QUESTION for o in options):
            since = 1  # "Start the check", from the welcome or the learn menu
        elif since is not None:
            since += 1
    assert since is not None
    return Ending(tuple(path), reply, since)


def walk() -> list[Ending]:
    engine = new_engine()
    singles = list(variations())
    endings = [follow(engine, {})]
    endings += [follow(engine, {step: ids}) for step, ids in singles]
    for (step, ids), (other, other_ids) in combinations([v for v in singles if len(v[1]) == 1], 2):
        if step != other:
            endings.append(follow(engine, {step: ids, other: other_ids}))
    return endings


ENDINGS = walk()
AFTER: dict[tuple[str, str], list[Ending]] = defaultdict(list)  # (step, option id) -> endings after it
for _ending in ENDINGS:
    for _step_id, _chosen in _ending.path:
        for _option in _chosen:
            AFTER[_step_id, _option.id].append(_ending)
RED_FLAGS = [
    pytest.param(step.id, option, id=f"{step.id}/{option.id}")
    for step in DIALOG.steps.values()
    for option in step.options
    if option.red_flag is not None
]
OUTCOME_STEPS = [s.id for s in DIALOG.steps.values() if s.kind is StepKind.OUTCOME]


def endings_at(step_id: str) -> list[Ending]:
    return [e for e in ENDINGS if e.reply.step == step_id]


def test_the_walk_covers_the_dialog() -> None:
    assert len(ENDINGS) > 2000
    assert {e.reply.step for e in ENDINGS} == set(OUTCOME_STEPS), "some advice can never be reached"


def test_the_safety_proof_passes() -> None:
    """`clinic-bot validate` proves it over every combination of ticks; the walk checks real chats."""
    assert safety.prove(DIALOG) == []


@pytest.mark.parametrize(("step_id", "option"), RED_FLAGS)
def test_red_flag_answer_never_ends_below_its_level(step_id: str, option: Option) -> None:
    assert option.red_flag is not None
    after = AFTER[step_id, option.id]
    assert after, f"the red-flag answer '{option.label}' is never reached"
    for ending in after:
        assert ending.reply.outcome is not None
        assert ending.reply.outcome.urgency >= option.red_flag, ending.describe()


@pytest.mark.parametrize(("step_id", "option"), RED_FLAGS)
def test_red_flag_answer_is_explained_in_the_advice(step_id: str, option: Option) -> None:
    assert option.because, f"'{option.label}' at '{step_id}' needs a 'because' for the advice"
    for ending in AFTER[step_id, option.id]:
        assert fill(option.because) in ending.reply.advice, ending.describe()


def test_advice_above_self_care_always_says_why() -> None:
    for ending in ENDINGS:
        assert ending.reply.outcome is not None
        if ending.reply.outcome.urgency > Urgency.SELF_CARE:
            assert "Because you said: " in ending.reply.advice, ending.describe()


@pytest.mark.parametrize("step_id", OUTCOME_STEPS)
def test_advice_has_the_disclaimer_and_below_emergency_the_safety_net_and_contact(step_id: str) -> None:
    step = DIALOG.steps[step_id]
    for ending in endings_at(step_id):
        advice = ending.reply.advice
        assert advice.endswith(fill(DIALOG.disclaimer))
        if step.urgency is Urgency.EMERGENCY:
            assert fill(DIALOG.contact) not in advice
            assert "555-0100" not in advice, "nothing competes with 911"
            assert "book" not in advice.lower()
        else:
            assert fill(DIALOG.contact) in advice
            assert fill(step.safety_net or DIALOG.safety_net) in advice
            assert "911" in fill(step.safety_net or DIALOG.safety_net), "the safety net names the number"


@pytest.mark.parametrize("step_id", OUTCOME_STEPS)
def test_advice_opens_with_its_level(step_id: str) -> None:
    step = DIALOG.steps[step_id]
    assert step.urgency is not None
    for ending in endings_at(step_id):
        first_line = ending.reply.text.split("\n", 1)[0]
        assert first_line == fill(HEADLINES[step.urgency])


@pytest.mark.parametrize("step_id", OUTCOME_STEPS)
def test_the_advice_is_one_short_message_and_the_teaching_text_comes_after(step_id: str) -> None:
    """In Telegram the first message is the advice alone, at most 1,200 characters."""
    for ending in endings_at(step_id):
        reply = ending.reply
        first = render(reply)[0].html
        assert first == "\n\n".join(to_html(block) for block in reply.blocks)
        assert len(first) <= ADVICE_MAX_CHARS, f"{len(first)} characters: {ending.describe()}"
        for topic in reply.outcome.topics if reply.outcome else ():
            assert fill(DIALOG.topics[topic].title) not in first


@pytest.mark.parametrize(
    "step_id", [s for s in OUTCOME_STEPS if DIALOG.steps[s].urgency is Urgency.EMERGENCY]
)
def test_emergency_advice_is_the_number_first_and_short(step_id: str) -> None:
    for ending in endings_at(step_id):
        reply = ending.reply
        assert reply.text.startswith("**Call 911 now.**\n")
        assert reply.outcome is not None
        assert reply.outcome.topics == ()
        assert len(reply.text) <= EMERGENCY_MAX_CHARS, f"{len(reply.text)} characters"


def test_emergency_advice_within_3_answers() -> None:
    quickest = min(e.since_start for e in ENDINGS if e.reply.outcome and e.reply.outcome.urgency is E)
    assert quickest <= 3


def test_every_emergency_sign_is_asked_within_3_answers() -> None:
    """Each answer marked emergency is on offer by the third answer, counting 'Start'."""
    early: set[str] = set()
    for ending in ENDINGS:
        for number, (_step, chosen) in enumerate(ending.path[-ending.since_start :], start=1):
            early |= {o.id for o in chosen if o.red_flag is Urgency.EMERGENCY and number <= 3}
    every = {o.id for s in DIALOG.steps.values() for o in s.options if o.red_flag is Urgency.EMERGENCY}
    assert every - early == set()


def test_any_advice_within_12_answers() -> None:
    longest = max(ENDINGS, key=lambda e: e.since_start)
    assert longest.since_start <= 12, longest.describe()


def test_every_reply_fits_one_telegram_message() -> None:
    """Texts are checked one by one at load time; a reply joins several, and a longer one would be split."""
    engine = new_engine()
    session, _ = engine.start()
    menu_session, menu = engine.choose(session, "welcome", "learn")
    pages = [engine.choose(menu_session, "learn", option.id)[1] for option in menu.options]
    for reply in [*pages, *(e.reply for e in ENDINGS)]:
        assert len(to_html(reply.text)) <= MAX_MESSAGE_CHARS, reply.step


# ---------------------------------------------------------------------------------------------------------
# The learn menu: the whole clinic page, without doing the check.


def test_learn_menu_shows_every_topic_without_triage() -> None:
    engine = new_engine()
    session, _ = engine.start()
    menu_session, menu = engine.choose(session, "welcome", "learn")
    shown: set[str] = set()
    for option in menu.options:
        _, page = engine.choose(menu_session, "learn", option.id)
        assert page.outcome is None
        if option.next == FIRST_QUESTION:
            continue
        assert [o.id for o in page.options] == ["more", "start"], "each page leads back or on"
        for topic in DIALOG.topics.values():
            if f"**{fill(topic.title)}**" in page.text:
                shown.add(topic.id)
    assert shown == set(DIALOG.topics)


def test_every_question_says_why_it_is_asked() -> None:
    missing = [s.id for s in DIALOG.steps.values() if s.kind is StepKind.ASK and not s.why]
    assert missing == []


# ---------------------------------------------------------------------------------------------------------
# The words: plain, our own, and never a diagnosis stated as certain.


def patient_texts() -> list[tuple[str, str]]:
    """(where, text) for every text a patient may read."""
    texts = [
        ("disclaimer", DIALOG.disclaimer),
        ("safety_net", DIALOG.safety_net),
        ("contact", DIALOG.contact),
        ("title", DIALOG.title),
    ]
    for topic in DIALOG.topics.values():
        texts += [(f"topic {topic.id}: title", topic.title), (f"topic {topic.id}: text", topic.text)]
    for step in DIALOG.steps.values():
        main = "ask" if step.kind is StepKind.ASK else "say"
        for key, text in ((main, step.text), ("why", step.why), ("safety_net", step.safety_net)):
            if text:
                texts.append((f"{step.id}: {key}", text))
        for option in step.options:
            texts.append((f"{step.id}/{option.id}: label", option.label))
            if option.because:
                texts.append((f"{step.id}/{option.id}: because", option.because))
    return texts


TEXTS = patient_texts()


@pytest.mark.parametrize("text", [pytest.param(text, id=where) for where, text in TEXTS])
def test_reads_at_grade_8_or_lower(text: str) -> None:
    assert grade(text) <= MAX_GRADE


def test_there_are_many_texts_to_read() -> None:
    assert len(TEXTS) > 150


def words(text: str) -> list[str]:
    """Lower-case words without markup or punctuation: "doesn't" -> "doesnt"."""
    text = re.sub(r"\*\*|\[|\]\([^)]*\)", " ", text).replace("\u2019", "'").lower()
    return re.findall(r"[a-z0-9]+", text.replace("'", ""))


def seed_sentences() -> list[list[str]]:
    text = SEED.read_text(encoding="utf-8")
    parts = re.split(r"(?<=[.!?])\s+|\n+|\s+[\u2013-]\s+|:\s", text)  # sentences, list items, "Term - ..."
    return [w for part in parts if len(w := words(part)) >= 8]


def runs(tokens: list[str], size: int = 8) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def test_the_seed_copy_is_the_clinic_page() -> None:
    assert len(seed_sentences()) >= 15


def test_no_sentence_of_the_clinic_page_is_copied() -> None:
    dialog_words = " ".join(" ".join(words(text)) for _, text in TEXTS)
    copied = [" ".join(s) for s in seed_sentences() if " ".join(s) in dialog_words]
    assert copied == []


def test_no_eight_word_run_of_the_clinic_page_is_copied() -> None:
    seed_runs = set().union(*(runs(s) for s in seed_sentences()))
    copied = {where: sorted(runs(words(text)) & seed_runs) for where, text in TEXTS}
    assert {where: found for where, found in copied.items() if found} == {}


CONDITIONS = ("shingles", "fracture", "crack", "infection", "clot", "cancer", "heart", "disc", "nerve")
HEDGES = ("may", "can", "could", "might", "if", "sign")


@pytest.mark.parametrize("step_id", OUTCOME_STEPS)
def test_advice_never_names_a_condition_as_certain(step_id: str) -> None:
    """Any sentence of advice that names a condition also says it 'may' or 'can' be, or 'if' it is."""
    say = DIALOG.steps[step_id].text
    for sentence in re.split(r"(?<=[.!?])\s+|\n", say):
        said = set(words(sentence))
        if any(word.startswith(CONDITIONS) for word in said):
            assert said & set(HEDGES), sentence


def test_outcome_advice_names_its_source() -> None:
    missing = [s for s in OUTCOME_STEPS if not DIALOG.steps[s].review.source]
    assert missing == []


# ---------------------------------------------------------------------------------------------------------
# The ruler itself: bot.dialog.readability.grade.


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("posture", 2),
        ("shoulder", 2),
        ("muscles", 2),
        ("makes", 1),
        ("started", 2),
        ("lived", 1),
        ("pages", 2),
        ("table", 2),
        ("likely", 2),
        ("going", 2),
        ("spasms", 2),
        ("area", 3),
        ("diagnosis", 4),
        ("osteoporosis", 6),
        ("doesn't", 2),
        ("MRI", 3),
        ("X-ray", 2),
    ],
)
def test_syllable_count(word: str, syllables: int) -> None:
    assert syllable_count(word) == syllables


def test_grade_is_the_flesch_kincaid_formula() -> None:
    # 6 words, 1 sentence, 6 syllables: 0.39 * 6 + 11.8 * 1 - 15.59
    assert grade("The cat sat on the mat.") == pytest.approx(-1.45)


def test_grade_reads_markup_and_placeholders_as_the_patient_sees_them() -> None:
    assert grade("**Call {emergency_number} now.**") == grade("Call 911 now.")
    assert grade("[Book online]({booking_url}).") == grade("Book online.")


def test_grade_tells_the_clinic_page_from_plain_words() -> None:
    page = (
        "The upper back, also called the upper thoracic spine, comprises the portion of the vertebrae "
        "that connects the top of the rib cage, between the shoulder blades and the base of the neck."
    )
    assert grade(page) > 12
    assert grade(fill(DIALOG.topics["what_is"].text)) < 8


# ---------------------------------------------------------------------------------------------------------
# The sign-off page: docs/clinical-notes.md shows the outcome table as `clinic-bot outcomes` makes it.

NOTES = ROOT / "docs" / "clinical-notes.md"


def test_the_clinical_notes_show_the_outcome_table_as_it_is() -> None:
    """The rows per outcome, and every row that ends at self-care, word for word."""
    notes = NOTES.read_text(encoding="utf-8")
    rows = merged_rows(DIALOG)
    assert f"the table has {len(rows)} rows" in notes
    for step in (s for s in DIALOG.steps.values() if s.urgency is not None):
        count = sum(outcome == step.id for outcome, _topics, _answers in rows)
        assert f"| `{step.id}` | {step.urgency.key} | {count} |" in notes
    for outcome, topics, answers in rows:
        if outcome == "self_care":
            assert (
                f"| {', '.join(topics)} | {describe(DIALOG, answers).replace('|', chr(92) + '|')} |" in notes
            )


def _walk_to(engine: Engine, step: str):
    """A session at `step`: aged 20 to 49, "None of these" at every tick list, a quiet answer elsewhere."""
    session, _ = engine.start()
    session, _ = engine.choose(session, "welcome", "start")
    if step != "age":
        session, _ = engine.choose(session, "age", "adult")
    while session.step != step:
        current = DIALOG.steps[session.step]
        if current.many:
            session, _ = engine.choose(session, current.id, next(o.id for o in current.options if o.none))
            session, _ = engine.choose(session, current.id, DONE)
        else:  # the first answer; at "how did it start", the last ("no clear reason")
            option = current.options[-1 if current.id == "injury" else 0]
            session, _ = engine.choose(session, current.id, option.id)
    return session


@pytest.mark.parametrize(
    ("typed", "step", "option"),
    [
        ("45", "age", "adult"),
        ("im 45", "age", "adult"),
        ("I'm 72", "age", "over_65"),
        ("since yesterday", "how_long", "days"),
        ("3 weeks", "how_long", "long"),
        ("about a month", "how_long", "long"),
    ],
)
def test_ages_and_durations_may_be_typed_as_patients_say_them(typed: str, step: str, option: str) -> None:
    engine = new_engine()
    moved, _ = engine.answer(_walk_to(engine, step), typed)
    assert moved.answers[-1] == (step, (option,))


def test_a_bare_number_at_the_duration_question_is_taken_only_when_it_cannot_mean_another_answer() -> None:
    engine = new_engine()
    session = _walk_to(engine, "how_long")
    assert engine.answer(session, "2")[0].answers[-1] == ("how_long", ("days",))  # the same answer either way
    moved, reply = engine.answer(session, "5")  # 5 days is option 3 or 4, not option 5 (over 14 days)
    assert moved.answers == session.answers
    assert reply.notice == "Did you mean 5 days or option 5 ('More than 14 days')? Please tap the answer."
