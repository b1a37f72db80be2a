"""Whole conversations through the real bot process, python-telegram-bot and a local Bot API server."""

from __future__ import annotations

from botprocess import BotProcess

from bot.texts import WHY_QUESTION
from testkit import BotApiServer


async def test_start_shows_the_first_question_under_the_title_and_disclaimer_with_buttons(
    server: BotApiServer, bot: BotProcess
) -> None:
    alice = server.user(1001, "Alice")
    await alice.send_command("/start")
    card = await alice.next_message()
    assert card.plain_text.startswith("Example check (a format demo)\nThis is an example.")
    assert "not a diagnosis" in card.plain_text
    assert card.plain_text.endswith(
        "Hi! This short example shows how a check works. In an emergency, call 911."
    )
    assert [b.text for row in card.buttons for b in row] == ["Start", "Read about the format"]


async def test_each_tapped_answer_is_replaced_by_the_next_question_and_the_advice_comes_new(
    server: BotApiServer, bot: BotProcess
) -> None:
    """One message, the card, shows the answers so far and the question; the advice is a new message,
    which notifies and stays, with the card above it keeping every answer given."""
    alice = server.user(1002, "Alice")
    await alice.send_command("/start")
    card = await alice.next_message()
    await alice.tap("Start")
    assert (await alice.next_edit()) is card
    assert card.plain_text.endswith("Do you have trouble breathing right now?")
    assert "Your answers so far" not in card.plain_text  # "Start" answered no question
    await alice.tap("No")
    await alice.next_edit()
    assert "Your answers so far:\n✓ Do you have trouble breathing right now? No" in card.plain_text
    assert card.plain_text.endswith("How long have you had it?")
    await alice.tap("A week or more")
    advice = await alice.next_message()
    assert advice.plain_text.startswith("Book an appointment")
    assert "Because you said: it has lasted a week or more." in advice.plain_text
    assert "Test Clinic: 555-0100" in advice.plain_text
    assert "About this example" not in advice.plain_text  # the teaching text follows on its own
    assert not advice.buttons
    teaching = await alice.next_message()
    assert teaching.plain_text.startswith("About this example")
    assert [b.text for row in teaching.buttons for b in row] == ["⬅ Change an answer", "↻ Start again"]
    assert card.plain_text.endswith(
        "Your answers:\n✓ Do you have trouble breathing right now? No\n"
        "✓ How long have you had it? A week or more"
    )
    assert not card.buttons
    assert [m.message_id for m in alice.messages] == [card.message_id, advice.message_id, teaching.message_id]


async def test_a_tap_costs_one_call_the_patient_waits_for(server: BotApiServer, bot: BotProcess) -> None:
    """The tap is answered, unawaited, beside the one edit that shows the next question: no 'typing',
    no second message; the advice is the only tap that sends."""
    alice = server.user(1013, "Alice")
    await alice.send_command("/start")
    await alice.wait_for("Hi!")
    before = len(server.calls)
    for label, words in (("Start", "trouble breathing"), ("No", "How long")):
        await (await alice.tap(label)).answered()
        await alice.wait_for(words)
    calls = [c.method for c in server.calls[before:] if c.method != "getUpdates"]
    assert sorted(calls) == 2 * ["answerCallbackQuery"] + 2 * ["editMessageText"]
    assert server.calls_to("sendChatAction") == []


async def test_an_emergency_answer_gives_the_number_first_in_bold(
    server: BotApiServer, bot: BotProcess
) -> None:
    bob = server.user(1003, "Bob")
    await bob.send_command("/start")
    await bob.wait_for("Hi!")
    await bob.tap("Start")
    await bob.wait_for("trouble breathing")
    await bob.tap("Yes")
    advice = await bob.wait_for("Call 911 now")
    assert advice.text.startswith("<b>Call 911 now.</b>")


async def test_typed_answers_work_and_an_unclear_one_gets_a_short_hint_with_the_buttons(
    server: BotApiServer, bot: BotProcess
) -> None:
    carol = server.user(1004, "Carol")
    await carol.send("/start")
    await carol.wait_for("Hi!")
    await carol.send("1")
    await carol.wait_for("trouble breathing")
    await carol.send("maybe?")
    again = await carol.wait_for("Sorry, I did not understand")
    hint = "Sorry, I did not understand. Please type 1 or 2, or the words of an answer."
    assert again.plain_text == hint  # the question is still on screen just above: not sent again
    assert again.button_texts[:2] == ["Yes", "No"]
    await carol.send("nope")
    await carol.wait_for("How long have you had it?")


async def test_back_and_restart_by_command_and_button(server: BotApiServer, bot: BotProcess) -> None:
    dan = server.user(1005, "Dan")
    await dan.send("/start")
    await dan.wait_for("Hi!")
    await dan.tap("Start")
    await dan.wait_for("trouble breathing")
    await dan.tap("No")
    question = await dan.wait_for("How long")
    assert [b.text for b in question.buttons[-1]] == ["⬅ Back"]
    await dan.tap("⬅ Back")
    await dan.wait_for("trouble breathing")
    await dan.send("/back")
    await dan.wait_for("Hi!")
    await dan.send("/restart")
    await dan.wait_for("Hi!")


async def test_a_button_from_an_earlier_question_explains_itself(
    server: BotApiServer, bot: BotProcess
) -> None:
    erin = server.user(1006, "Erin")
    await erin.send("/start")
    first = await erin.wait_for("Hi!")
    await erin.send("start")  # typed, so the buttons of the first question are taken away...
    await erin.wait_for("trouble breathing")
    # ...but a client that still shows them (or a slow network) delivers a tap on the old question.
    tap = await erin.forge_tap("welcome:read_about_the_format", message=first)
    await tap.answered()
    reply = await erin.wait_for("belongs to an earlier question")
    assert "trouble breathing" in reply.plain_text


async def test_forged_callback_data_never_moves_the_session(server: BotApiServer, bot: BotProcess) -> None:
    frank = server.user(1007, "Frank")
    await frank.send("/start")
    await frank.wait_for("Hi!")
    for forged in ("home:x", "call_now:yes", "danger:yes", "!nonsense", "x" * 64):
        tap = await frank.forge_tap(forged)
        await tap.answered()
    card = await frank.wait_for("That button belongs to an earlier question")
    assert card.plain_text.endswith("call 911.")
    await frank.tap("Start")  # the check is still at its first question: "Start" answers it
    await frank.wait_for("trouble breathing")
    assert not any(m.shows("Call 911 now") for m in frank.messages)


async def test_stickers_photos_locations_edits_and_groups_get_a_friendly_reply(
    server: BotApiServer, bot: BotProcess
) -> None:
    gina = server.user(1008, "Gina")
    await gina.send_sticker()
    assert "only read text and button taps" in (await gina.next_message()).plain_text
    await gina.send_photo()
    assert "only read text and button taps" in (await gina.next_message()).plain_text
    await gina.send_location(52.5, 13.4)
    assert "only read text and button taps" in (await gina.next_message()).plain_text
    await gina.send("hello")
    assert "not a diagnosis" in (await gina.next_message()).plain_text  # a first hello is welcomed
    await gina.edit_last("hello again")
    assert "edited messages" in (await gina.next_message()).plain_text
    group = server.group("Family")
    await gina.send("/start", chat=group)
    assert "private chat" in (await group.next_message()).plain_text


async def test_help_why_about_privacy_and_unknown_commands(server: BotApiServer, bot: BotProcess) -> None:
    hal = server.user(1009, "Hal")
    await hal.send("/help")
    assert "/back" in (await hal.next_message()).plain_text
    await hal.send("/start")
    await hal.wait_for("Hi!")
    await hal.tap("Start")
    await hal.wait_for("trouble breathing")
    await hal.send("/why")
    assert (await hal.wait_for("can be an emergency")).plain_text == "Trouble breathing can be an emergency."
    await hal.tap("No")
    await hal.wait_for("How long")
    await hal.send("/why")  # a question without `why`: the words the preview and the guide give too
    assert (await hal.wait_for("helps me find")).plain_text == WHY_QUESTION
    await hal.send("/about")
    assert "Test Clinic: 555-0100" in (await hal.next_message()).plain_text
    await hal.send("/privacy")
    assert "/forget" in (await hal.next_message()).plain_text
    await hal.send("/reload")  # an admin command: for a patient it does not exist
    assert "do not know that command" in (await hal.next_message()).plain_text


async def test_commands_are_registered_at_start(server: BotApiServer, bot: BotProcess) -> None:
    [call] = server.calls_to("setMyCommands")
    assert "forget" in str(call.params)


async def test_taking_buttons_off_sends_only_what_edit_message_reply_markup_takes(
    server: BotApiServer, bot: BotProcess
) -> None:
    """python-telegram-bot added the default parse_mode to it: a parameter the method does not have."""
    alice = server.user(1010, "Alice")
    await alice.send_command("/start")
    await alice.wait_for("Hi!")
    await alice.send("start")  # a typed answer: the question's buttons come off by editMessageReplyMarkup
    await alice.wait_for("trouble breathing")
    edits = server.calls_to("editMessageReplyMarkup")
    assert edits
    for call in edits:
        assert set(call.params) <= {"chat_id", "message_id", "inline_message_id", "reply_markup"}, call.params


async def test_a_double_tap_and_stale_taps_send_no_edit_that_changes_nothing(
    server: BotApiServer, bot: BotProcess
) -> None:
    """Telegram refuses such an edit ("message is not modified"); the bot should not send it."""
    alice = server.user(1011, "Alice")
    await alice.send_command("/start")
    await alice.wait_for("Hi!")
    first = await alice.tap("Start")
    await alice.forge_tap(first.data, message=first.message)  # a double tap: the same button again
    for _ in range(2):  # the second tap was stale: it shows where she is, again with buttons
        await alice.wait_for(lambda m: m.shows("trouble breathing") and bool(m.buttons))
    await alice.tap("No")
    await alice.wait_for("How long")
    await alice.send("/forget")
    await alice.wait_for("Erase everything")
    yes = await alice.tap("Yes, erase everything")
    await alice.forge_tap(yes.data, message=yes.message)  # a double tap on "Yes"
    await alice.forge_tap("!forget_no", message=yes.message)  # and a stale "No"
    await alice.wait_for("everything I kept about you is erased")
    await alice.send("/start")  # once this is answered, the taps before it are handled
    await alice.wait_for("Hi!")
    unchanged = [c for c in server.calls if c.description and "not modified" in c.description]
    assert unchanged == []


async def test_every_update_of_a_chat_is_handled_in_order_commands_too(
    server: BotApiServer, bot: BotProcess
) -> None:
    """Only the handlers that took a per-chat lock were ordered: /help sent after a slow tap overtook it."""
    alice = server.user(1012, "Alice")
    await alice.send_command("/start")
    await alice.wait_for("Hi!")
    server.faults.slow("answerCallbackQuery", seconds=1.0, times=1)
    await alice.tap("Start")
    await alice.send("/help")
    await alice.wait_for("I ask a few questions")
    said = [m.plain_text for m in alice.messages]
    question = next(i for i, text in enumerate(said) if "trouble breathing" in text)
    assert question < next(i for i, text in enumerate(said) if "I ask a few questions" in text), said


async def test_the_bot_asks_telegram_only_for_the_updates_it_handles(
    server: BotApiServer, bot: BotProcess
) -> None:
    """It asked for every type (reactions, polls, members ...), which Telegram sent only to be ignored."""
    assert server.updates.allowed_updates == {"message", "edited_message", "callback_query"}


async def test_a_misspelt_answer_is_asked_about_and_a_natural_no_is_understood(
    server: BotApiServer, bot: BotProcess
) -> None:
    eli = server.user(1031, "Eli")
    await eli.send("/start")
    await eli.wait_for("Hi!")
    await eli.send("strat")
    asked = await eli.wait_for("Did you mean")
    assert asked.plain_text == "Did you mean 'Start'? If so, type 1."
    assert asked.button_texts == ["Yes: Start", "No", "Start", "Read about the format"]  # nothing picked
    await eli.tap("No")
    again = await eli.wait_for(
        lambda m: m.shows("Hi!") and m.button_texts == ["Start", "Read about the format"]
    )
    await eli.send("strat")
    await eli.wait_for("Did you mean")
    await eli.tap("Yes: Start")
    await eli.wait_for("trouble breathing")
    assert "Hi!" in again.plain_text
    await eli.send("nothing")
    await eli.wait_for("How long have you had it?")
