"""One broken dialog per loader rule, each refused with the exact message an admin reads.

Each test breaks `MINIMAL` (see conftest.py; its comments number the lines) and asserts the whole
message, `path:line: message`, as `clinic-bot validate` prints it.
"""

from __future__ import annotations

import pytest
from dialog_helpers import DIALOGS, MINIMAL, drop_lines, edit, refusal

from bot.dialog.loader import load_dialog, load_dialog_text
from bot.dialog.signoff import is_signoff_file


def test_the_minimal_dialog_used_by_these_tests_is_valid(write_dialog):
    dialog = load_dialog(write_dialog(MINIMAL))
    assert list(dialog.steps) == ["first", "how_long", "decide", "doctor", "book", "home"]


# A clinic commits its sign-offs (x.signoff.yaml) beside its dialogs.
SHIPPED = sorted(path for path in DIALOGS.glob("*.yaml") if not is_signoff_file(path))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_dialog_loads(path):
    """The dialogs we ship pass every check, so they cannot rot."""
    assert load_dialog(path).id == path.stem


# --- The file as a whole ------------------------------------------------------------------------


def test_missing_top_level_keys_are_all_named(write_dialog):
    text = edit(MINIMAL, 'disclaimer: "Not a diagnosis."                        # 4\n', "")
    text = edit(text, 'contact: "{clinic_name}: {clinic_phone}"              # 6\n', "")
    path = write_dialog(text)
    assert refusal(path) == (f"{path}:1: the dialog needs 'contact'\n{path}:1: the dialog needs 'disclaimer'")


def test_an_unknown_top_level_key_suggests_the_closest(write_dialog):
    path = write_dialog(edit(MINIMAL, "title: Mini check", "titel: Mini check"))
    assert refusal(path).splitlines() == [
        f"{path}:1: the dialog needs 'title'",
        f"{path}:2: the dialog: unknown key 'titel' (did you mean 'title'?); allowed: catalogue, "
        "catalogue_exclude, contact, disclaimer, facts, id, safety_net, start, steps, title, topics",
    ]


def test_an_id_that_differs_from_the_file_name_is_refused(write_dialog):
    path = write_dialog(MINIMAL, name="other")
    assert refusal(path) == f"{path}:1: id 'mini' differs from the file name; name the file mini.yaml"


def test_a_wrong_id_is_reported_on_its_own_line_below_the_comments(write_dialog):
    path = write_dialog("# The mini check.\n# Ask the clinic before changing it.\n" + MINIMAL, name="other")
    assert refusal(path) == f"{path}:3: id 'mini' differs from the file name; name the file mini.yaml"


def test_an_invalid_dialog_id_is_refused_with_the_rule(write_dialog):
    path = write_dialog(edit(MINIMAL, "id: mini", "id: Mini Check"), name="Mini Check")
    assert refusal(path) == (
        f"{path}:1: id 'Mini Check' is not a valid name; use lower-case letters, digits, '_' and '-', "
        "starting with a letter (at most 64 characters)"
    )


def test_a_dialog_id_may_contain_hyphens(write_dialog):
    path = write_dialog(edit(MINIMAL, "id: mini", "id: upper-back-pain"), name="upper-back-pain")
    assert load_dialog(path).id == "upper-back-pain"


def test_an_unknown_start_step_suggests_the_closest(write_dialog):
    path = write_dialog(edit(MINIMAL, "start: first", "start: frist"))
    assert refusal(path) == f"{path}:3: start: there is no step 'frist' (did you mean 'first'?)"


# --- Steps --------------------------------------------------------------------------------------


def test_an_invalid_step_name_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, "  doctor:", "  Doctor:"))
    assert refusal(path) == (
        f"{path}:26: step 'Doctor': not a valid name; use lower-case letters, digits and '_' "
        "(at most 32 characters)"
    )


def test_a_step_without_ask_say_route_or_outcome_is_refused(write_dialog):
    text = edit(MINIMAL, "    outcome: urgent ", '    why: "Pain that bad needs care." ')
    path = write_dialog(edit(text, '    say: "See a doctor today."', '    source: "NICE"'))
    assert refusal(path) == (
        f"{path}:26: step 'doctor' needs one of 'ask' (a question), 'say' (a message), "
        "'route' (choose by facts) or 'outcome' (advice)"
    )


def test_a_key_of_another_kind_of_step_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, "    route:", '    why: "We decide for you."\n    route:'))
    assert (
        refusal(path)
        == f"{path}:22: step 'decide': 'why' cannot be used in a routing step (route); remove it"
    )


def test_options_in_an_outcome_are_refused(write_dialog):
    path = write_dialog(
        edit(
            MINIMAL, "    outcome: urgent ", "    options: [{label: Back, next: first}]\n    outcome: urgent "
        )
    )
    assert (
        refusal(path) == f"{path}:26: step 'doctor': 'options' cannot be used in an outcome step; remove it"
    )


def test_an_unknown_urgency_level_suggests_the_closest(write_dialog):
    path = write_dialog(edit(MINIMAL, "outcome: urgent", "outcome: urgnet"))
    assert refusal(path) == (
        f"{path}:26: step 'doctor': outcome: 'urgnet' is not a level (did you mean 'urgent'?); "
        "use one of self_care, soon, urgent, emergency"
    )


def test_a_question_without_options_is_refused(write_dialog):
    path = write_dialog(drop_lines(MINIMAL, 18, 20))
    assert refusal(path) == f"{path}:17: step 'how_long' needs 'options': the answers the patient can choose"


def test_an_empty_list_of_options_is_refused(write_dialog):
    path = write_dialog(drop_lines(MINIMAL, 18, 20).replace("  how_long:", "  how_long:\n    options: []"))
    assert refusal(path) == f"{path}:17: step 'how_long': options is empty; add at least one answer"


def test_an_option_without_a_label_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, '{label: "No", next: how_long}', "{next: how_long}"))
    assert refusal(path) == f"{path}:15: step 'first', option 2 needs 'label'"


def test_an_option_without_next_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, '{label: "No", next: how_long}', '{label: "No"}'))
    assert refusal(path) == f"{path}:15: step 'first', option 2 needs 'next'"


def test_an_unknown_next_step_suggests_the_closest(write_dialog):
    path = write_dialog(edit(MINIMAL, "next: how_long}", "next: how_lnog}"))
    assert (
        refusal(path) == f"{path}:15: step 'first': unknown next step 'how_lnog' (did you mean 'how_long'?)"
    )


def test_an_unknown_next_of_a_rule_is_reported_on_its_next_line(write_dialog):
    block = "      - when: {duration: long}\n        next: bok\n"
    path = write_dialog(edit(MINIMAL, "      - {when: {duration: long}, next: book}          # 23\n", block))
    assert refusal(path) == f"{path}:24: step 'decide': unknown next step 'bok' (did you mean 'book'?)"


def test_an_unknown_next_is_reported_on_the_next_line_not_the_options_first_line(write_dialog):
    """An option written over several lines: the line to change is the one with `next:`."""
    block = '      - label: "No"\n        next: how_lnog\n'
    path = write_dialog(edit(MINIMAL, '      - {label: "No", next: how_long}                 # 15\n', block))
    assert (
        refusal(path) == f"{path}:16: step 'first': unknown next step 'how_lnog' (did you mean 'how_long'?)"
    )


def test_an_unknown_topic_suggests_the_closest(write_dialog):
    path = write_dialog(edit(MINIMAL, "show: [rest]", "show: [rset]"))
    assert refusal(path) == f"{path}:31: step 'book': unknown topic 'rset' (did you mean 'rest'?)"


def test_an_emergency_outcome_may_not_show_topics(write_dialog):
    path = write_dialog(edit(MINIMAL, "    outcome: soon", "    outcome: emergency"))
    assert refusal(path) == (
        f"{path}:31: step 'book': an emergency outcome shows no topics, so that the emergency advice "
        "stays short; remove 'show'"
    )


# --- The graph ----------------------------------------------------------------------------------


def test_a_step_that_is_never_reached_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, "- {next: home}", "- {next: book}"))
    assert (
        refusal(path)
        == f"{path}:33: step 'home' is never reached; link to it from another step, or delete it"
    )


def test_a_loop_without_a_way_out_is_refused(write_dialog):
    text = edit(
        MINIMAL, 'because: "it has lasted weeks", next: decide', 'because: "it has lasted weeks", next: stuck'
    )
    path = write_dialog(
        edit(
            text,
            "topics:",
            '  stuck:\n    say: "Hm."\n    options:\n      - {label: "Again", next: stuck}\ntopics:',
        )
    )
    assert refusal(path) == (
        f"{path}:37: step 'stuck': no answer from here ever leads to an outcome "
        "(a dead end or a loop with no way out); add an option that leads on"
    )


LOOPING_ROUTE = """\
  again:
    route:
      - {when: {duration: long}, next: again}
      - {next: home}
topics:"""


def test_routing_steps_that_loop_without_a_question_are_refused(write_dialog):
    text = edit(MINIMAL, "- {next: home}", "- {next: again}")
    path = write_dialog(edit(text, "topics:", LOOPING_ROUTE))
    assert refusal(path) == (
        f"{path}:37: step 'again': routing steps lead back here without asking anything, which would "
        "loop for ever; send one of the rules to a question or an outcome"
    )


def test_a_route_without_a_default_rule_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, "- {next: home}", "- {when: {duration: short}, next: home}"))
    assert refusal(path) == (
        f"{path}:24: step 'decide': the last rule needs to be a default without 'when', so that every "
        "patient goes somewhere; add '- next: STEP' at the end"
    )


def test_a_default_rule_before_the_last_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, "- {when: {duration: long}, next: book}", "- {next: book}"))
    assert refusal(path) == (
        f"{path}:23: step 'decide': rule 1 has no 'when', so the rules after it are never used; "
        "move it to the end"
    )


# --- Facts --------------------------------------------------------------------------------------


def test_an_answer_that_sets_an_undeclared_fact_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, "set: {duration: short}", "set: {duraton: short}"))
    assert refusal(path) == (
        f"{path}:19: step 'how_long', option 1: fact 'duraton' is not declared (did you mean 'duration'?); "
        "add it under 'facts:'"
    )


def test_a_rule_on_an_undeclared_fact_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, "when: {duration: long}", "when: {duraton: long}"))
    assert refusal(path) == (
        f"{path}:23: step 'decide', rule 1: fact 'duraton' is not declared (did you mean 'duration'?); "
        "add it under 'facts:'"
    )


def test_a_fact_value_that_is_not_declared_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, "set: {duration: short}", "set: {duration: shrt}"))
    assert refusal(path) == (
        f"{path}:19: step 'how_long', option 1: 'shrt' is not a value of fact 'duration' "
        "(did you mean 'short'?); allowed: short, long"
    )


def test_a_fact_value_listed_twice_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, "duration: [short, long]", "duration: [short, long, short]"))
    assert refusal(path) == f"{path}:8: fact 'duration': value 'short' is listed twice"


def test_an_empty_condition_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, "when: {duration: long}", "when: {}"))
    assert refusal(path) == f"{path}:23: step 'decide', rule 1: 'when' is empty; name at least one fact"


# --- Texts --------------------------------------------------------------------------------------


def test_an_unknown_placeholder_suggests_the_closest(write_dialog):
    path = write_dialog(edit(MINIMAL, "Call {clinic_phone}", "Call {clinic_phnoe}"))
    assert refusal(path) == (
        f"{path}:5: safety_net: unknown placeholder {{clinic_phnoe}} (did you mean 'clinic_phone'?); "
        "known: {emergency_number}, {clinic_name}, {clinic_phone}, {booking_url}"
    )


def test_an_unknown_placeholder_in_a_step_names_the_line_of_the_text(write_dialog):
    path = write_dialog(edit(MINIMAL, 'say: "Rest at home."', 'say: "Rest at home, or call {phone}."'))
    assert refusal(path) == (
        f"{path}:34: step 'home': say: unknown placeholder {{phone}} (did you mean 'clinic_phone'?); "
        "known: {emergency_number}, {clinic_name}, {clinic_phone}, {booking_url}"
    )


def test_an_unmatched_brace_is_refused_with_how_to_write_one(write_dialog):
    path = write_dialog(edit(MINIMAL, '"{clinic_name}: {clinic_phone}"', '"{clinic_name}: {clinic_phone"'))
    assert refusal(path) == (
        f"{path}:6: contact: a '{{' or '}}' is not matched; placeholders look like {{clinic_phone}}, "
        "and a literal brace is written {{ or }}"
    )


def test_a_text_too_long_for_one_telegram_message_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, '"Rest, and keep moving gently."', '"' + "Rest. " * 700 + '"'))
    assert refusal(path) == (
        f"{path}:39: topic 'rest': text: the text is too long for one Telegram message "
        "(4199 of 4096 characters); split it into two topics"
    )


def test_message_length_counts_the_longest_placeholder_values_as_telegram_counts(write_dialog):
    """20 placeholders of up to 200 characters; Telegram counts UTF-16 code units of the text once its
    HTML is parsed: an emoji counts 2, '&' (sent as '&amp;') and the bold markup's tags count nothing."""
    text = "**{clinic_name}** " * 20 + "&" * 20 + "🙂" * 30
    path = write_dialog(edit(MINIMAL, '"See a doctor today."', f'"{text}"'))
    assert refusal(path) == (
        f"{path}:27: step 'doctor': say: the text is too long for one Telegram message "
        "(4100 of 4096 characters); shorten it"
    )
    fits = write_dialog(edit(MINIMAL, '"See a doctor today."', f'"{text[:-2]}"'))
    assert load_dialog(fits).steps["doctor"].text == text[:-2]


def test_a_label_of_60_characters_fits_on_a_button(write_dialog):
    label = "No, it is not very bad, just a dull ache that comes and goes"
    assert len(label) == 60
    dialog = load_dialog(write_dialog(edit(MINIMAL, '{label: "No", next', f'{{label: "{label}", next')))
    assert dialog.steps["first"].options[1].label == label


def test_a_label_too_long_for_a_button_is_refused(write_dialog):
    label = "No, it is not very bad, just a dull ache that comes and goes."
    path = write_dialog(edit(MINIMAL, '{label: "No", next', f'{{label: "{label}", next'))
    assert refusal(path) == (
        f"{path}:15: step 'first', option '{label}': the label has 61 characters, more than the 60 "
        "that fit on a phone's button; shorten it and put details into the question"
    )


def test_a_button_whose_callback_data_exceeds_64_bytes_is_refused(write_dialog):
    long_step = "f" * 32
    text = MINIMAL.replace("first", long_step)  # the start line and the step itself
    path = write_dialog(edit(text, '{label: "No", next', '{label: "No", id: ' + "n" * 32 + ", next"))
    assert refusal(path) == (
        f"{path}:15: step '{long_step}', option 'No': the step and option names together are too long "
        "for a Telegram button (65 bytes; Telegram allows 64); give the option a short 'id:'"
    )


def test_two_labels_that_read_the_same_when_typed_are_refused(write_dialog):
    """Typed answers ignore case and punctuation, so 'yes!' and 'Yes' could not be told apart."""
    path = write_dialog(edit(MINIMAL, '{label: "No", next', '{label: "yes!", id: other, next'))
    assert refusal(path) == (
        f"{path}:15: step 'first', option 'yes!': reads the same as the option on line 14, so a typed "
        "answer could mean either; reword one of them"
    )


def test_two_options_with_the_same_id_are_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, '{label: "No", next', '{label: "No", id: "yes", next'))
    assert refusal(path) == (
        f"{path}:15: step 'first', option 2: same id 'yes' as the option on line 14; "
        "give one of them its own 'id:'"
    )


def test_an_option_id_is_made_from_its_label_without_accents_or_punctuation():
    """The id, not the label, is what a session stores."""
    dialog = load_dialog_text(edit(MINIMAL, '"A few days"', '"Á few days, maybe!"'))
    assert [o.id for o in dialog.steps["how_long"].options] == ["a_few_days_maybe", "weeks"]


# --- Safety -------------------------------------------------------------------------------------


def test_a_red_flag_answer_that_can_end_below_its_level_is_refused_with_the_shortest_path(write_dialog):
    """'Very bad pain' is marked urgent, but that answer can lead to self-care advice."""
    text = edit(MINIMAL, "red_flag: urgent, next: doctor", "red_flag: urgent, next: how_long")
    path = write_dialog(edit(text, '"No", next: how_long', '"No", next: doctor'))
    assert refusal(path) == (
        f"{path}:14: step 'first': the red-flag answer 'Yes' can end at 'home' (self_care), below its "
        "level urgent: first: Yes -> how_long: A few days -> decide -> home; "
        "send this path to an outcome of level urgent or above"
    )


def test_the_safety_proof_follows_facts_through_routing_steps(write_dialog):
    """A red flag that sets a fact routed to an urgent outcome is safe, though the graph has a way to home."""
    text = edit(MINIMAL, "duration: [short, long]", "duration: [short, long]\n  danger: [high]")
    text = edit(
        text, "red_flag: urgent, next: doctor}", "red_flag: urgent, set: {danger: high}, next: decide}"
    )
    text = edit(
        text,
        "- {when: {duration: long}, next: book}",
        "- {when: {danger: high}, next: doctor}\n      - {when: {duration: long}, next: book}",
    )
    dialog = load_dialog(write_dialog(text))  # not refused
    assert [rule.next for rule in dialog.steps["decide"].rules] == ["doctor", "book", "home"]


# --- Everything at once -------------------------------------------------------------------------


def test_all_problems_of_a_file_are_reported_at_once_sorted_by_line(write_dialog):
    text = edit(MINIMAL, "outcome: urgent", "outcome: urgnet")  # 26
    text = edit(text, "set: {duration: short}", "set: {duraton: short}")  # 19
    text = edit(text, '{label: "Yes", red_flag', "{label: Yes, red_flag")  # 14
    path = write_dialog(edit(text, '    why: "Very bad', '    whyy: "Very bad'))  # 12
    assert refusal(path).splitlines() == [
        f"{path}:12: step 'first': unknown key 'whyy' (did you mean 'why'?); allowed: ask, next, options, "
        "outcome, pick, review_due, reviewed_by, route, safety_net, say, show, source, why",
        f"{path}:14: step 'first', option 1: label: YAML reads Yes as true/false; put it in quotes: \"Yes\"",
        f"{path}:19: step 'how_long', option 1: fact 'duraton' is not declared (did you mean 'duration'?); "
        "add it under 'facts:'",
        f"{path}:26: step 'doctor': outcome: 'urgnet' is not a level (did you mean 'urgent'?); "
        "use one of self_care, soon, urgent, emergency",
    ]


def test_all_text_and_graph_problems_are_reported_at_once_sorted_by_line(write_dialog):
    text = edit(MINIMAL, "show: [rest]", "show: [rset]")  # 31
    text = edit(text, "Call {clinic_phone}", "Call {clinic_phnoe}")  # 5
    path = write_dialog(edit(text, '{label: "No", next', '{label: "yes!", id: other, next'))  # 15
    assert [line.split(": ", 1)[0] for line in refusal(path).splitlines()] == [
        f"{path}:5",
        f"{path}:15",
        f"{path}:31",
    ]


# --- Rules added after reading the admin guide ---------------------------------------------------


def test_red_flag_true_asks_for_a_level(write_dialog):
    path = write_dialog(edit(MINIMAL, "red_flag: urgent, next: doctor", "red_flag: true, next: doctor"))
    assert refusal(path) == (
        f"{path}:14: step 'first', option 1: red_flag: write a level, not true: "
        "one of soon, urgent, emergency"
    )


def test_an_unknown_red_flag_level_offers_only_the_levels_a_red_flag_may_have(write_dialog):
    """self_care is refused as a red flag (below), so it is not offered either."""
    path = write_dialog(edit(MINIMAL, "red_flag: urgent, next: doctor", "red_flag: urgen, next: doctor"))
    assert refusal(path) == (
        f"{path}:14: step 'first', option 1: red_flag: 'urgen' is not a level (did you mean 'urgent'?); "
        "use one of soon, urgent, emergency"
    )


def test_a_self_care_red_flag_is_refused_because_it_promises_nothing(write_dialog):
    path = write_dialog(edit(MINIMAL, "red_flag: urgent, next: doctor", "red_flag: self_care, next: doctor"))
    assert refusal(path) == (
        f"{path}:14: step 'first', option 1: red_flag: self_care promises nothing; "
        "use soon, urgent or emergency"
    )


def test_a_fact_without_values_is_refused_with_an_example(write_dialog):
    path = write_dialog(edit(MINIMAL, "  duration: [short, long]  ", "  duration: []\n  pain: [low, high]"))
    assert refusal(path).splitlines()[0] == (
        f"{path}:8: fact 'duration' has no values; list them, e.g. duration: [short, long]"
    )


def test_a_placeholder_in_a_label_is_refused(write_dialog):
    path = write_dialog(
        edit(MINIMAL, '{label: "No", next: how_long}', '{label: "No, call {clinic_phone}", next: how_long}')
    )
    assert refusal(path) == (
        f"{path}:15: step 'first', option 'No, call {{clinic_phone}}': labels are shown exactly as written, "
        "so placeholders and braces do not work in them; put them into the question"
    )


def test_a_label_that_is_only_a_number_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, '{label: "Weeks", set:', '{label: "14", set:'))
    assert refusal(path) == (
        f"{path}:20: step 'how_long', option '14': a label that is only a number would be read as the "
        "position of an answer when typed; add a word, e.g. '3 days'"
    )


def test_an_unquoted_text_starting_with_stars_gets_a_hint_about_quotes(write_dialog):
    path = write_dialog(edit(MINIMAL, 'say: "Rest at home."', "say: **Rest** at home."))
    assert refusal(path).endswith("(a text that starts with * (such as **bold**) must be put in quotes)")


def test_bold_that_crosses_a_link_is_refused_since_telegram_refuses_the_message(write_dialog):
    crossed = '"**Call [us** now]({booking_url})"'
    path = write_dialog(edit(MINIMAL, '"See a doctor today."', crossed))
    assert refusal(path) == (
        f"{path}:27: step 'doctor': say: bold (**) and a link cross each other, which Telegram refuses; "
        "end the bold before the link or after it, or put it inside the link text"
    )
