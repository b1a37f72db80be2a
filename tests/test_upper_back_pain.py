"""The clinic's upper back pain check, as patients meet it: scripted chats, and a walk of every path.

The scripted conversations read like a nurse's test sheet: the answers tapped, then the level of advice
and the topics the patient is shown. The walk then tries every answer at every step and checks the
release rules of docs/clinical-notes.md on every ending: no red-flag answer ends below its level, every
ending gives advice with the disclaimer, the clinic's contact and (below emergency) a safety net, and
emergency advice comes within 3 answers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.dialog import safety
from bot.dialog.checks import MAX_MESSAGE_CHARS
from bot.dialog.engine import Engine, Reply, Session
from bot.dialog.loader import load_dialog
from bot.dialog.model import Option, StepKind, Urgency
from bot.dialog.readability import grade, syllable_count
from bot.dialog.text import to_html

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
FIRST_QUESTION = "heart_lung"  # where "Start the check" leads: answers are counted from that tap
MAX_GRADE = 8.0
EMERGENCY_MAX_CHARS = 600  # the emergency message stays short: call first, read later
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
# Scripted conversations: each answer is the id of the option tapped at the current step.

START = ("start", "no", "none")  # "Start the check"; no heart or lung signs; no other emergency sign
ADULT = (*START, "adult", "none")  # aged 20 to 49; no urgent sign; now at the injury question


def talk(answers: tuple[str, ...]) -> Reply:
    """Tap the given answers in order, checking that each one is offered where the patient is."""
    engine = new_engine()
    session, reply = engine.start()
    for option_id in answers:
        offered = [o.id for o in reply.options]
        assert option_id in offered, f"at '{reply.step}' the patient sees {offered}, not '{option_id}'"
        session, reply = engine.choose(session, reply.step, option_id)
        assert reply.notice is None, f"'{option_id}' at '{reply.step}': {reply.notice}"
    return reply


E, U, S, C = Urgency.EMERGENCY, Urgency.URGENT, Urgency.SOON, Urgency.SELF_CARE

CONVERSATIONS = [
    # Emergency signs end the check at once, with no topics.
    pytest.param(("start", "yes"), E, (), id="chest pain or breathing trouble -> call now"),
    pytest.param(("learn", "start", "yes"), E, (), id="via the learn menu, chest pain -> call now"),
    pytest.param(("start", "no", "tearing"), E, (), id="sudden tearing pain -> call now"),
    pytest.param(("start", "no", "accident"), E, (), id="bad accident -> call now, keep still"),
    pytest.param(("start", "no", "both_legs"), E, (), id="weak or numb in both legs -> call now"),
    pytest.param(("start", "no", "saddle"), E, (), id="numb around bottom or genitals -> call now"),
    pytest.param(("start", "no", "bladder"), E, (), id="new trouble peeing or leaking -> call now"),
    pytest.param(("start", "no", "belly"), E, (), id="very bad belly pain and vomiting -> call now"),
    pytest.param(("start", "no", "yellow"), E, (), id="yellow skin with fever -> call now"),
    pytest.param(("start", "no", "confused"), E, (), id="very confused or drowsy -> call now"),
    pytest.param((*ADULT, "serious"), E, (), id="injury question: fall from a height -> call now"),
    # Who the check is not for.
    pytest.param((*START, "under_16"), U, ("when_to_see",), id="under 16 -> not for you, today"),
    pytest.param((*START, "adult", "pregnant"), U, ("when_to_see",), id="pregnant -> not for you, today"),
    # Single urgent signs.
    pytest.param((*START, "adult", "fever"), U, ("cause_other", "diagnosis"), id="fever -> today"),
    pytest.param((*START, "teen", "kidney"), U, ("cause_other", "diagnosis"), id="pain peeing -> today"),
    pytest.param((*START, "over_50", "rash"), U, ("diagnosis",), id="band-shaped rash -> today"),
    pytest.param(
        (*START, "adult", "balance"), U, ("cause_discs", "diagnosis"), id="new balance problems -> today"
    ),
    pytest.param(
        (*START, "adult", "weakness"), U, ("cause_discs", "diagnosis"), id="weak arm or leg -> today"
    ),
    pytest.param((*START, "adult", "calf"), U, ("diagnosis",), id="swollen painful calf -> today"),
    pytest.param((*START, "over_50", "weight"), U, ("diagnosis",), id="unexplained weight loss -> today"),
    pytest.param((*START, "adult", "cancer"), U, ("diagnosis",), id="history of cancer -> today"),
    # Combinations: a small injury with weak bones or older age.
    pytest.param(
        (*ADULT, "fall", "yes"), U, ("cause_fractures", "diagnosis"), id="small fall + weak bones -> today"
    ),
    pytest.param(
        (*ADULT, "strain", "yes"), U, ("cause_fractures", "diagnosis"), id="lift or cough + steroids -> today"
    ),
    pytest.param(
        (*START, "over_65", "none", "fall", "no"),
        U,
        ("cause_fractures", "diagnosis"),
        id="small fall at 65+ -> today",
    ),
    pytest.param(
        (*START, "over_65", "none", "strain", "no"),
        U,
        ("cause_fractures", "diagnosis"),
        id="lifting strain at 65+ -> today",
    ),
    # Combinations: pain that never lets up, with an infection risk or at a riskier age.
    pytest.param(
        (*ADULT, "no", "illness", "yes"),
        U,
        ("cause_other", "diagnosis"),
        id="after an illness + night pain -> today",
    ),
    pytest.param(
        (*ADULT, "no", "immune", "yes"),
        U,
        ("cause_other", "diagnosis"),
        id="weak immunity + night pain -> today",
    ),
    pytest.param(
        (*ADULT, "no", "procedure", "yes"),
        U,
        ("cause_other", "diagnosis"),
        id="spine surgery + night pain -> today",
    ),
    pytest.param(
        (*ADULT, "no", "drugs", "yes"),
        U,
        ("cause_other", "diagnosis"),
        id="injects drugs + night pain -> today",
    ),
    pytest.param(
        (*START, "over_50", "none", "no", "none", "yes"),
        U,
        ("diagnosis",),
        id="age 50+ + night pain -> today",
    ),
    pytest.param(
        (*START, "teen", "none", "no", "none", "yes"),
        U,
        ("diagnosis",),
        id="age under 20 + night pain -> today",
    ),
    # Timing and impact: book soon.
    pytest.param(
        (*ADULT, "no", "illness", "no", "new", "neither", "ache"),
        S,
        ("self_care", "diagnosis", "treatments"),
        id="pain began after an illness -> book soon",
    ),
    pytest.param(
        (*ADULT, "no", "none", "yes", "new", "neither", "ache"),
        S,
        ("self_care", "diagnosis", "treatments"),
        id="night pain alone at 20-49 -> book soon",
    ),
    pytest.param(
        (*ADULT, "no", "none", "no", "long", "neither", "ache"),
        S,
        ("self_care", "diagnosis", "treatments"),
        id="over 2 weeks -> book soon",
    ),
    pytest.param(
        (*ADULT, "strain", "no", "none", "no", "not_better", "neither", "spasm"),
        S,
        ("self_care", "cause_injury", "symptoms", "diagnosis", "treatments"),
        id="strain not easing after days -> book soon, injury and symptom topics",
    ),
    pytest.param(
        (*START, "over_50", "none", "no", "none", "no", "better", "daily_life", "stiff"),
        S,
        ("self_care", "cause_ageing", "symptoms", "diagnosis", "treatments"),
        id="stops daily life at 50+ -> book soon, ageing topic",
    ),
    pytest.param(
        (*ADULT, "no", "none", "no", "new", "tingling", "ache"),
        S,
        ("self_care", "cause_discs", "diagnosis", "treatments"),
        id="tingling without weakness -> book soon, disc topic",
    ),
    # Otherwise: self-care with a safety net.
    pytest.param(
        (*ADULT, "no", "none", "no", "new", "neither", "ache"),
        C,
        ("self_care", "when_to_see"),
        id="new ache, no flags -> self-care",
    ),
    pytest.param(
        (*ADULT, "fall", "no", "none", "no", "better", "neither", "ache"),
        C,
        ("self_care", "cause_injury", "when_to_see"),
        id="small fall at 20-49, strong bones, easing -> self-care, injury topic",
    ),
    pytest.param(
        (*ADULT, "no", "none", "no", "better", "neither", "burning"),
        C,
        ("self_care", "cause_discs", "when_to_see"),
        id="burning pain, easing -> self-care, disc topic",
    ),
    pytest.param(
        (*START, "over_65", "none", "no", "none", "no", "new", "neither", "stiff"),
        C,
        ("self_care", "cause_ageing", "symptoms", "when_to_see"),
        id="stiff at 65+, no injury -> self-care, ageing topic",
    ),
    pytest.param(
        (
            "learn",
            "what",
            "more",
            "causes",
            "start",
            "no",
            "none",
            "teen",
            "none",
            "no",
            "none",
            "no",
            "new",
            "neither",
            "spasm",
        ),
        C,
        ("self_care", "symptoms", "when_to_see"),
        id="read two topics, then the check -> self-care",
    ),
]


@pytest.mark.parametrize(("answers", "level", "topics"), CONVERSATIONS)
def test_conversation(answers: tuple[str, ...], level: Urgency, topics: tuple[str, ...]) -> None:
    reply = talk(answers)
    assert reply.outcome is not None, f"no advice after {answers}; the patient is at '{reply.step}'"
    assert reply.outcome.urgency is level
    assert reply.outcome.topics == topics
    for topic in topics:
        assert fill(DIALOG.topics[topic].title) in reply.text


def test_typed_answers_reach_the_same_advice_as_taps() -> None:
    """A patient who types numbers, 'no' and label words gets the same self-care advice."""
    engine = new_engine()
    session, reply = engine.start()
    typed_answers = ("1", "no", "None of these", "20 to 49", "none of these", "no", "None of these", "no")
    for typed in (*typed_answers, "1 or 2 days", "No, neither of these", "a dull ache"):
        session, reply = engine.answer(session, typed)
        assert reply.notice is None, f"'{typed}' at '{reply.step}': {reply.notice}"
    assert reply.outcome is not None
    assert reply.outcome.urgency is Urgency.SELF_CARE


def test_typed_yes_to_the_first_question_is_an_emergency() -> None:
    engine = new_engine()
    session, _ = engine.start()
    session, _ = engine.answer(session, "Start the check")
    _, reply = engine.answer(session, "yes")
    assert reply.outcome is not None
    assert reply.outcome.urgency is Urgency.EMERGENCY


def test_going_back_to_change_an_answer_changes_the_advice() -> None:
    """Weak bones after a fall means today; going back and saying 'No' gives the self-care path."""
    engine = new_engine()
    session, reply = engine.start()
    for option_id in (*ADULT, "fall", "yes"):
        session, reply = engine.choose(session, reply.step, option_id)
    assert reply.outcome is not None
    assert reply.outcome.urgency is Urgency.URGENT
    session, reply = engine.back(session)
    assert reply.step == "bones"
    for option_id in ("no", "none", "no", "new", "neither", "ache"):
        session, reply = engine.choose(session, reply.step, option_id)
    assert reply.outcome is not None
    assert reply.outcome.urgency is Urgency.SELF_CARE


def test_the_advice_says_why() -> None:
    reply = talk((*ADULT, "no", "none", "no", "long", "tingling", "ache"))
    assert (
        "Because you said: you have had the pain for more than 2 weeks; you have tingling or numbness."
        in reply.text
    )


def test_self_care_advice_says_when_to_come_back() -> None:
    """The safety net of home care names the danger signs, the number to call and when to book."""
    reply = talk((*ADULT, "no", "none", "no", "new", "neither", "ache"))
    assert reply.outcome is not None
    assert reply.outcome.urgency is Urgency.SELF_CARE
    for words_seen in ("Call 911 if you get chest pain", "fever", "balance", "not gone in 1 to 2 weeks"):
        assert words_seen in reply.text


# ---------------------------------------------------------------------------------------------------------
# The walk: every answer at every step, from the welcome to an outcome.


@dataclass(frozen=True)
class Ending:
    """Where one way through the dialog ends, and what the patient answered on the way."""

    path: tuple[tuple[str, Option], ...]  # (step, option chosen) from the welcome
    reply: Reply
    since_start: int  # answers since the tap that started the check, counting that tap

    def describe(self) -> str:
        return " -> ".join(f"{step}:{option.id}" for step, option in self.path) + f" => {self.reply.step}"


_Todo = tuple[Session, Reply, tuple[tuple[str, Option], ...], dict[str, str], int | None]


def walk() -> list[Ending]:
    """Every distinct ending. The learn menu loops, so a state already seen is not explored again.

    A state is the step, the facts, the reasons given so far and the answers since "Start the check":
    everything that decides what the patient is asked and advised from there on.
    """
    engine = new_engine()
    session, reply = engine.start()
    endings: list[Ending] = []
    seen: set[tuple[object, ...]] = set()
    todo: list[_Todo] = [(session, reply, (), {}, None)]
    while todo:
        session, reply, path, facts, since = todo.pop()
        if reply.outcome is not None:
            assert since is not None, f"advice before the check started: {path}"
            endings.append(Ending(path, reply, since))
            continue
        assert reply.options, f"'{reply.step}' gives no advice and offers no answer: {path}"
        for option in reply.options:
            after_facts = {**facts, **dict(option.sets)}
            if option.next == FIRST_QUESTION and reply.step != FIRST_QUESTION:
                after_since: int | None = 1
            else:
                after_since = None if since is None else since + 1
            after_path = (*path, (reply.step, option))
            reasons = tuple(o.because for _, o in after_path if o.because)
            key = (option.next, tuple(sorted(after_facts.items())), reasons, after_since)
            if key in seen:
                continue
            seen.add(key)
            after_session, after_reply = engine.choose(session, reply.step, option.id)
            assert after_reply.notice is None
            todo.append((after_session, after_reply, after_path, after_facts, after_since))
    return endings


ENDINGS = walk()
AFTER: dict[tuple[str, str], list[Ending]] = defaultdict(list)  # (step, option id) -> endings after it
for _ending in ENDINGS:
    for _step_id, _option in _ending.path:
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
    assert len(ENDINGS) > 1000
    assert {e.reply.step for e in ENDINGS} == set(OUTCOME_STEPS), "some advice can never be reached"


def test_the_safety_proof_passes() -> None:
    """`clinic-bot validate` proves it too; the walk below checks the same on real conversations."""
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
        assert fill(option.because) in ending.reply.text, ending.describe()


def test_advice_above_self_care_always_says_why() -> None:
    for ending in ENDINGS:
        assert ending.reply.outcome is not None
        if ending.reply.outcome.urgency > Urgency.SELF_CARE:
            assert "Because you said: " in ending.reply.text, ending.describe()


@pytest.mark.parametrize("step_id", OUTCOME_STEPS)
def test_advice_has_disclaimer_contact_and_safety_net(step_id: str) -> None:
    step = DIALOG.steps[step_id]
    for ending in endings_at(step_id):
        text = ending.reply.text
        assert fill(DIALOG.disclaimer) in text
        assert fill(DIALOG.contact) in text
        assert "555-0100" in text
        if step.urgency is not Urgency.EMERGENCY:
            assert fill(step.safety_net or DIALOG.safety_net) in text
            assert "911" in fill(step.safety_net or DIALOG.safety_net), "the safety net names the number"


@pytest.mark.parametrize("step_id", OUTCOME_STEPS)
def test_advice_opens_with_its_level(step_id: str) -> None:
    step = DIALOG.steps[step_id]
    assert step.urgency is not None
    for ending in endings_at(step_id):
        first_line = ending.reply.text.split("\n", 1)[0]
        assert first_line == fill(HEADLINES[step.urgency])


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
    """Each emergency answer (by what it says) is on offer by the third answer, counting 'Start'."""
    early: set[str] = set()
    for ending in ENDINGS:
        for number, (_step, option) in enumerate(ending.path[-ending.since_start :], start=1):
            if option.red_flag is Urgency.EMERGENCY and number <= 3 and option.because:
                early.add(option.because)
    every = {o.because for s in DIALOG.steps.values() for o in s.options if o.red_flag is Urgency.EMERGENCY}
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


def test_choose_any_one_lists_cannot_lower_the_advice() -> None:
    """Where a patient with two signs may tap either, every sign in the list carries the same level."""
    lists = [s for s in DIALOG.steps.values() if "choose any one" in s.text]
    assert len(lists) == 3
    for step in lists:
        levels = {o.red_flag for o in step.options if o.label != "None of these"}
        assert len(levels) == 1, f"'{step.id}' mixes levels {levels}"
        assert None not in levels, f"'{step.id}' has a sign that is not marked red_flag"


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
