"""What a patient sees in Telegram: escaped HTML, messages under Telegram's limit, the right buttons."""

from __future__ import annotations

from bot.dialog.engine import Outcome, Reply
from bot.dialog.model import Option, Urgency
from bot.dialog.text import telegram_length, to_html
from bot.render import BACK, RESTART, fit_lines, record, render, short_question, split_paragraphs


def _option(option_id: str, label: str) -> Option:
    return Option(option_id, label, "next", (), None, None, 1)


def _reply(blocks: tuple[str, ...], **changes: object) -> Reply:
    fields: dict[str, object] = {
        "step": "q",
        "blocks": blocks,
        "options": (_option("yes", "Yes"), _option("no", "No")),
        "outcome": None,
        "notice": None,
        "why": None,
        "can_go_back": False,
    }
    fields.update(changes)
    return Reply(**fields)  # type: ignore[arg-type]


def test_patient_visible_text_is_escaped_and_markup_becomes_bold() -> None:
    [message] = render(_reply(("**Pain** <b>&</b> you",)))
    assert message.html == "<b>Pain</b> &lt;b&gt;&amp;&lt;/b&gt; you"


def test_each_answer_is_a_button_that_names_its_step_and_option() -> None:
    [message] = render(_reply(("Question?",)))
    assert message.buttons == ((("Yes", "q:yes"),), (("No", "q:no"),))


def test_a_back_button_appears_once_there_is_an_answer_to_take_back() -> None:
    [message] = render(_reply(("Question?",), can_go_back=True))
    assert message.buttons[-1] == (("⬅ Back", BACK),)


def test_an_outcome_offers_to_change_an_answer_or_start_again() -> None:
    outcome = Outcome(Urgency.SOON, (), ())
    [message] = render(_reply(("Book.",), options=(), outcome=outcome, can_go_back=True))
    assert message.buttons == ((("⬅ Change an answer", BACK), ("↻ Start again", RESTART)),)


def test_the_advice_is_its_own_message_and_the_teaching_text_follows_with_the_buttons() -> None:
    """A short outcome still sends two messages: the advice is never below the reading."""
    outcome = Outcome(Urgency.SELF_CARE, ("rest",), ())
    reply = _reply(
        ("**Rest at home.**", "Not a diagnosis."),
        options=(),
        outcome=outcome,
        can_go_back=True,
        teaching=("**Resting**\nKeep moving gently.",),
    )
    advice, teaching = render(reply)
    assert advice.html == "<b>Rest at home.</b>\n\nNot a diagnosis."
    assert advice.buttons == ()
    assert teaching.html == "<b>Resting</b>\nKeep moving gently."
    assert teaching.buttons == ((("⬅ Change an answer", BACK), ("↻ Start again", RESTART)),)


def test_a_notice_comes_first_in_italics() -> None:
    [message] = render(_reply(("Question?",), notice="Things changed."))
    assert message.html.startswith("<i>Things changed.</i>\n\nQuestion?")


def test_long_replies_split_at_paragraphs_under_4096_characters_with_buttons_on_the_last() -> None:
    blocks = tuple(f"Paragraph {n} " + "word " * 300 for n in range(10))
    messages = render(_reply(blocks))
    assert len(messages) > 1
    assert all(len(m.html) <= 4096 for m in messages)
    assert all(not m.buttons for m in messages[:-1])
    assert messages[-1].buttons
    assert "\n\n".join(m.html for m in messages) == "\n\n".join(blocks)


def test_a_paragraph_longer_than_the_limit_is_still_cut_to_fit() -> None:
    parts = split_paragraphs(["x" * 9000])
    assert [len(p) for p in parts] == [4096, 4096, 808]


def test_a_question_is_a_card_under_the_title_and_disclaimer_with_the_answers_so_far() -> None:
    reply = _reply(
        ("How long has it lasted?",),
        heading="**Back check**\nNot a diagnosis. In an emergency, call 911.",
        answers_so_far=(("How old are you? If pregnant, choose the last.", ("20 to 49",)),),
        notice="Things changed.",
    )
    [card] = render(reply)
    assert card.html == (
        "<b>Back check</b>\nNot a diagnosis. In an emergency, call 911.\n\n"
        "<i>Your answers so far:</i>\n✓ How old are you? <b>20 to 49</b>\n\n"
        "<i>Things changed.</i>\n\nHow long has it lasted?"
    )
    assert card.buttons == ((("Yes", "q:yes"),), (("No", "q:no"),))


def test_answers_that_do_not_fit_on_the_card_leave_out_the_oldest_and_say_how_many() -> None:
    many = tuple((f"Question {n} " + "word " * 30 + "?", (f"Answer {n}",)) for n in range(200))
    [card] = render(_reply(("Last question?",), heading="**Check**", answers_so_far=many))
    assert telegram_length(card.html) <= 4096
    shown = card.html.count("✓ ")
    assert 10 < shown < 200
    assert f"... and {200 - shown} earlier answers" in card.html
    assert "Answer 199" in card.html
    assert "Answer 0<" not in card.html
    assert card.html.endswith("Last question?")


def test_once_the_check_ends_the_card_keeps_every_answer_given() -> None:
    outcome = Outcome(Urgency.SOON, (), ())
    reply = _reply(
        ("Book.",),
        options=(),
        outcome=outcome,
        heading="**Check**",
        answers_so_far=(("Age?", ("20 to 49",)), ("Which apply?", ("Fever", "Weak legs"))),
    )
    assert record(reply) == (
        "<b>Check</b>\n\n<i>Your answers:</i>\n✓ Age? <b>20 to 49</b>\n✓ Which apply? <b>Fever, Weak legs</b>"
    )
    advice = render(reply)[0]
    assert advice.html == "Book."  # the advice message itself is the advice alone


def test_a_question_on_the_card_is_its_first_sentence_that_asks_in_plain_words() -> None:
    assert short_question("Do **you** have any of these now? Tick all that apply.") == (
        "Do you have any of these now?"
    )
    assert short_question("Read [this](https://a.example) first") == "Read this (https://a.example) first"
    assert short_question("word " * 40 + "?").endswith("…")


def test_messages_are_split_by_what_telegram_counts_utf16_code_units_of_the_text() -> None:
    """1,500 emoji are 1,500 characters to Python but 3,000 code units to Telegram."""
    blocks = ("🙂" * 1500, "🙂" * 1500, "🙂" * 1500)
    messages = render(_reply(blocks))
    assert [telegram_length(m.html) for m in messages] == [3000, 3000, 3000]
    assert [telegram_length(p) for p in split_paragraphs(["🙂" * 3000])] == [4096, 1904]


def test_an_admin_notice_lists_the_lines_that_fit_and_says_how_many_more() -> None:
    lines = [f"dialogs/example.yaml:{n}: step 'x{n}' is never reached & 🙂" for n in range(1000)]
    text = fit_lines("<b>Refused</b>", lines)
    assert telegram_length(text) <= 4096
    shown = text.count("is never reached")
    assert 50 < shown < 1000
    assert text.endswith(f"... and {1000 - shown} more")
    assert "&amp;" in text
    assert fit_lines("<b>Refused</b>", lines[:3]) == "<b>Refused</b>\n" + "\n".join(lines[:3]).replace(
        "&", "&amp;"
    )


def test_bold_and_links_nest_as_telegram_requires() -> None:
    assert to_html("**See [the page](https://a.example/?x=1&y=2) today**") == (
        '<b>See <a href="https://a.example/?x=1&amp;y=2">the page</a> today</b>'
    )
    assert to_html("[**Book** now](https://a.example)") == '<a href="https://a.example"><b>Book</b> now</a>'


def test_crossed_bold_and_link_markup_never_becomes_crossed_tags() -> None:
    """`<b>a <a>b</b> c</a>` makes Telegram refuse the whole message ("can't parse entities")."""
    rendered = to_html("**Call [us** now](https://a.example)")
    assert "<b>" not in rendered or rendered.index("</b>") < rendered.index("<a ")
    assert rendered.count("<a ") == rendered.count("</a>") == 1


def test_phone_and_mail_links_are_written_out_for_telegram_to_link() -> None:
    """Telegram drops tel: links and rewrites mailto: ones; it links a number or an address by itself."""
    assert to_html("[Call us](tel:+15550100) or [mail](mailto:desk@clinic.example)") == (
        "Call us (+15550100) or mail (desk@clinic.example)"
    )
    assert to_html("[+15550100](tel:+15550100)") == "+15550100"
