"""YAML's traps, refused with the line and a hint an admin can act on; no input ever gives a traceback.

Each test breaks one line of `MINIMAL` (see conftest.py; its comments number the lines) and asserts the
whole message, `path:line: message`, as `clinic-bot validate` prints it.
"""

from __future__ import annotations

import re
import time

import pytest
from dialog_helpers import MINIMAL, edit, refusal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.dialog.loader import load_dialog, load_dialog_text
from bot.problems import DialogError, LoadError
from bot.strict_yaml import MAX_FILE_BYTES, parse_yaml

# --- Syntax -------------------------------------------------------------------------------------


def test_a_tab_used_for_indenting_is_refused_with_a_hint(write_dialog):
    path = write_dialog(edit(MINIMAL, '    say: "Rest at home."', '\tsay: "Rest at home."'))
    assert refusal(path) == (
        f"{path}:34: found character '\\t' that cannot start any token (indent with spaces, not tabs)"
    )


def test_a_text_with_a_colon_must_be_quoted(write_dialog):
    path = write_dialog(edit(MINIMAL, 'ask: "Is the pain very bad?"', "ask: Pain: is it very bad?"))
    assert refusal(path) == (
        f"{path}:11: mapping values are not allowed here (a text that contains ': ' must be put in quotes)"
    )


def test_an_unclosed_quote_is_reported_on_the_line_where_it_opens(write_dialog):
    """YAML only notices a missing quote lines later, at the next quote; the admin must fix line 34."""
    path = write_dialog(edit(MINIMAL, 'say: "Rest at home."', 'say: "Rest at home.'))
    assert refusal(path) == (
        f'{path}:34: the " that opens this text is not closed, so YAML reads on to line 38; add the '
        "closing \" at the end of the text (YAML says: expected <block end>, but found '<scalar>')"
    )


def test_an_unclosed_quote_at_the_end_of_the_file_is_reported_where_it_opens(write_dialog):
    path = write_dialog(
        edit(MINIMAL, 'text: "Rest, and keep moving gently."', "text: 'Rest, and keep moving")
    )
    assert refusal(path) == (
        f"{path}:39: the ' that opens this text is not closed, so YAML reads on to the end of the file; "
        "add the closing ' at the end of the text (YAML says: found unexpected end of stream)"
    )


def test_a_line_indented_deeper_than_its_step_says_so_first(write_dialog):
    path = write_dialog(edit(MINIMAL, '    say: "Rest at home."', '     say: "Rest at home."'))
    assert refusal(path) == (
        f"{path}:34: this line is indented differently from the lines above it; give it the same "
        "indentation as the other keys of its step or items of its list "
        "(YAML says: expected <block end>, but found '<block mapping start>')"
    )


def test_an_invisible_control_character_is_refused_on_its_line(write_dialog):
    path = write_dialog(edit(MINIMAL, "Rest at home.", "Rest at\x07 home."))
    assert refusal(path) == (
        f"{path}:34: the text contains an invisible control character (#x0007); "
        "delete it and type the text again"
    )


# --- Keys ---------------------------------------------------------------------------------------


def test_a_repeated_key_is_refused_naming_the_first_line(write_dialog):
    """PyYAML would silently keep the second one."""
    path = write_dialog(
        edit(MINIMAL, '    why: "Very bad pain needs a doctor today."', '    ask: "Is it bad?"')
    )
    assert refusal(path) == (
        f"{path}:12: step 'first': 'ask' appears twice (first on line 11); remove one of them"
    )


def test_a_list_as_a_key_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, '    why: "Very bad', '    [why]: "Very bad'))
    assert refusal(path) == f"{path}:12: step 'first': every key must be a plain word, not a list"


def test_an_empty_key_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, '    why: "Very bad', '    ~: "Very bad'))
    assert refusal(path) == f"{path}:12: step 'first': every key must be a plain word, not an empty value"


def test_yes_as_a_key_is_read_as_true_so_it_must_be_quoted(write_dialog):
    path = write_dialog(edit(MINIMAL, '    why: "Very bad', '    Yes: "Very bad'))
    assert refusal(path) == (
        f"{path}:12: step 'first': key Yes: YAML reads Yes as true/false; put it in quotes: \"Yes\""
    )


def test_an_unknown_key_suggests_the_closest_one_and_lists_the_allowed(write_dialog):
    path = write_dialog(edit(MINIMAL, '    why: "Very bad', '    whyy: "Very bad'))
    assert refusal(path) == (
        f"{path}:12: step 'first': unknown key 'whyy' (did you mean 'why'?); allowed: ask, next, options, "
        "outcome, pick, review_due, reviewed_by, route, safety_net, say, show, source, why"
    )


# --- Values -------------------------------------------------------------------------------------


def test_an_unquoted_yes_label_must_be_quoted(write_dialog):
    """`label: Yes` would be the boolean true, and the button would read 'True'."""
    path = write_dialog(edit(MINIMAL, '{label: "Yes", red_flag', "{label: Yes, red_flag"))
    assert refusal(path) == (
        f"{path}:14: step 'first', option 1: label: YAML reads Yes as true/false; put it in quotes: \"Yes\""
    )


def test_an_unquoted_yes_as_a_fact_value_must_be_quoted(write_dialog):
    path = write_dialog(edit(MINIMAL, "set: {duration: short}", "set: {duration: yes}"))
    assert refusal(path) == (
        f"{path}:19: step 'how_long', option 1: set duration: "
        'YAML reads yes as true/false; put it in quotes: "yes"'
    )


def test_an_unquoted_no_among_declared_fact_values_must_be_quoted(write_dialog):
    path = write_dialog(edit(MINIMAL, "duration: [short, long]", "duration: [short, long, no]"))
    assert refusal(path) == (
        f"{path}:8: a value of fact 'duration': YAML reads no as true/false; put it in quotes: \"no\""
    )


# --- Aliases, anchors, merges, tags -------------------------------------------------------------


def test_an_anchor_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, 'say: "Rest at home."', 'say: &home "Rest at home."'))
    assert refusal(path) == f"{path}:34: anchors (&home) are not allowed; write the text out in full"


def test_an_alias_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, 'say: "Rest at home."', "say: *home"))
    assert refusal(path) == f"{path}:34: aliases (*home) are not allowed; write the text out in full"


BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{before}'] * 9)}]\n"
    for before, name in zip("abcdefghi", "bcdefghij", strict=True)
)


def test_a_billion_laughs_file_is_refused_at_once(write_dialog):
    """Nine nested aliases would expand to 9**10 items; we stop at the first anchor instead."""
    path = write_dialog(BILLION_LAUGHS)
    started = time.perf_counter()
    message = refusal(path)
    assert time.perf_counter() - started < 1.0
    assert message == f"{path}:1: anchors (&a) are not allowed; write the text out in full"


def test_a_merge_key_is_refused_alone_without_misleading_follow_up_problems(write_dialog):
    """Without the merged 'outcome' the step would look like a message without options."""
    path = write_dialog(edit(MINIMAL, "    outcome: self_care", "    <<: {outcome: self_care}"))
    assert refusal(path) == f"{path}:33: merge keys (<<) are not allowed; write the keys out"


def test_a_python_object_tag_is_refused_and_never_built(write_dialog):
    path = write_dialog(
        edit(MINIMAL, 'say: "Rest at home."', 'say: !!python/object/apply:os.system ["true"]')
    )
    assert refusal(path) == f"{path}:34: the tag !!python/object/apply:os.system is not allowed; remove it"


def test_a_custom_tag_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, 'say: "Rest at home."', 'say: !include "home.txt"'))
    assert refusal(path) == f"{path}:34: the tag !include is not allowed; remove it"


# --- The file itself ----------------------------------------------------------------------------


def test_a_file_not_in_utf8_is_refused_naming_the_line(write_dialog):
    """An editor that saved in Latin-1: 'é' is the single byte 0xe9."""
    path = write_dialog(MINIMAL.replace("Rest at home", "Rest at h\u00e9me").encode("latin-1"))
    assert refusal(path) == (
        f"{path}:34: the file is not UTF-8 text (byte 0xe9); save it with the UTF-8 encoding in your editor"
    )


def test_a_utf8_file_with_a_byte_order_mark_is_accepted(write_dialog):
    """Some Windows editors start UTF-8 files with a byte order mark."""
    path = write_dialog(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_dialog(path).id == "mini"


def test_a_text_with_a_lone_surrogate_is_refused_like_a_file_that_is_not_utf8():
    """Python strings may hold what no UTF-8 file can (e.g. from a badly decoded upload)."""
    with pytest.raises(DialogError) as error:
        load_dialog_text("id: mini\ntitle: Mini \udce9\n", "mini.yaml")
    assert str(error.value) == (
        "mini.yaml:2: the file is not UTF-8 text (byte 0xed); save it with the UTF-8 encoding in your editor"
    )


def test_a_binary_file_is_refused(write_dialog):
    path = write_dialog(MINIMAL.encode().replace(b"Rest at home", b"Rest at\0home"))
    assert refusal(path) == (
        f"{path}:34: this is not a text file (it contains NUL bytes); is it the right file?"
    )


def test_a_file_over_the_size_limit_is_refused_before_reading(write_dialog):
    path = write_dialog(MINIMAL + "#" * MAX_FILE_BYTES + "\n")
    size = path.stat().st_size
    assert refusal(path) == (
        f"{path}:1: the file is {size:,} bytes; the limit is 256,000. Split it into several dialogs"
    )


def test_deep_nesting_is_refused(write_dialog):
    path = write_dialog(
        edit(MINIMAL, 'text: "Rest, and keep moving gently."', "text: " + "[" * 40 + "]" * 40)
    )
    assert refusal(path) == f"{path}:39: nested more than 32 levels deep; flatten it"


def test_very_deep_nesting_is_refused_without_exhausting_the_stack(write_dialog):
    path = write_dialog("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert refusal(path) == f"{path}:1: nested more than 32 levels deep; flatten it"


def test_an_empty_file_is_refused(write_dialog):
    path = write_dialog("")
    assert refusal(path) == f"{path}:1: the file is empty"


def test_a_file_of_only_comments_is_refused_as_empty(write_dialog):
    path = write_dialog("# id: mini\n# title: Mini check\n")
    assert refusal(path) == f"{path}:1: the file is empty"


def test_a_second_document_in_one_file_is_refused(write_dialog):
    path = write_dialog(MINIMAL + "---\nid: another\n")
    assert refusal(path) == (
        f"{path}:40: a second document starts here (one dialog per file: remove the extra '---')"
    )


def test_a_file_that_is_a_list_is_refused(write_dialog):
    path = write_dialog("- id: mini\n- title: Mini check\n")
    assert refusal(path) == f"{path}:1: the dialog should be a list of 'key: value' lines"


def test_a_missing_file_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "mini.yaml"
    assert refusal(path) == f"{path}:1: cannot read the file: No such file or directory"


# --- Never a traceback --------------------------------------------------------------------------

# Hypothesis keeps no example database here: the tests must not write into the repository.
NO_DATABASE = settings(database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def problems_of(refusal_type, load, *args):
    """The problems a loader refuses with; () when it accepts. Any other exception fails the test."""
    try:
        load(*args)
    except refusal_type as error:
        return error.problems
    return ()


@NO_DATABASE
@given(st.text(max_size=400))
def test_any_text_is_loaded_or_refused_never_crashes(text):
    problems_of(DialogError, load_dialog_text, text)


@NO_DATABASE
@given(st.binary(max_size=400))
def test_any_bytes_are_parsed_or_refused_never_crash(data):
    problems_of(LoadError, parse_yaml, data, "x.yaml")


_FRAGMENTS = (
    "",
    "  - {label: 'x', next: home}",
    "  - {next: doctor}",
    "    route: [{next: first}]",
    "    outcome: emergency",
    "    show: [rest, nothing]",
    "  x:",
    "      - {when: {duration: long}, next: decide}",
    "      - {label: 'Yes', red_flag: emergency, next: home}",
    "    options: []",
    "start: home",
    "start: decide",
    "  loop:",
    "    say: '{clinic_name'",
    "    say: '{oops}'",
    "- a",
    "? [a]",
    "&a x: *a",
    "Yes: no",
    "\t",
)
_MINIMAL_LINES = MINIMAL.splitlines()
_WORD = re.compile(r"[A-Za-z_{}]+")
_WORDS = [m.span() for m in _WORD.finditer(MINIMAL)]
_VOCABULARY = (
    *("first", "how_long", "decide", "doctor", "book", "home", "rest", "nowhere"),
    *("duration", "short", "long", "urgent", "soon", "self_care", "emergency"),
    *("label", "next", "when", "set", "show", "outcome", "say", "ask", "route", "options"),
    *("{clinic_phone}", "{oops}", "{", "Yes", "no", ""),
)


@NO_DATABASE
@given(st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_VOCABULARY)), min_size=1, max_size=4))
def test_a_dialog_with_words_swapped_is_refused_with_messages_never_crashes(swaps):
    """Words swapped keep the structure, so the graph, text and safety checks meet broken dialogs."""
    text = MINIMAL
    for (start, end), word in sorted(dict(swaps).items(), reverse=True):
        text = text[:start] + word + text[end:]
    problems_of(DialogError, load_dialog_text, text)


@NO_DATABASE
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(_MINIMAL_LINES) - 1),
            st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=30)),
            st.booleans(),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_a_damaged_dialog_is_refused_with_messages_never_crashes(changes):
    """Lines of a valid dialog replaced or inserted at random."""
    lines = list(_MINIMAL_LINES)
    for index, fragment, insert in changes:
        if insert:
            lines.insert(index, fragment)
        else:
            lines[index] = fragment
    problems = problems_of(DialogError, load_dialog_text, "\n".join(lines) + "\n")
    assert all(problem.line >= 1 for problem in problems)


# --- Texts that YAML reads differently from how they look (issue 17) ---------------------------


def test_a_hash_inside_an_unquoted_text_is_refused_since_yaml_would_cut_the_text(write_dialog):
    """` #` starts a YAML comment: patients would read 'Is the pain worse than a'."""
    path = write_dialog(
        edit(MINIMAL, 'ask: "Is the pain very bad?"', "ask: Is the pain worse than a #5 on a scale of 10?")
    )
    assert refusal(path) == (
        f"{path}:11: step 'first': ask: the text is cut at ' #', which YAML reads as the start of a "
        'comment, so patients would see only "Is the pain worse than a"; put the text in quotes'
    )


def test_a_hash_in_an_unquoted_topic_title_is_refused(write_dialog):
    path = write_dialog(edit(MINIMAL, 'title: "Resting"', "title: Resting tip #1"))
    assert refusal(path) == (
        f"{path}:38: topic 'rest': title: the text is cut at ' #', which YAML reads as the "
        'start of a comment, so patients would see only "Resting tip"; put the text in quotes'
    )


def test_a_comment_set_apart_after_an_unquoted_text_is_a_comment(write_dialog):
    """Two spaces, then '# ' and words: what an admin writes on purpose (as MINIMAL's line numbers)."""
    path = write_dialog(edit(MINIMAL, 'say: "Rest at home."', "say: Rest at home.  # wording by Dr Lee"))
    assert load_dialog(path).steps["home"].text == "Rest at home."


def test_a_text_missing_its_opening_quote_is_refused(write_dialog):
    """YAML keeps the closing quote as part of the text, and patients would see it."""
    path = write_dialog(
        edit(MINIMAL, 'ask: "Is the pain very bad?"', 'ask: Is the pain getting much worse each day?"')
    )
    assert refusal(path) == (
        f"{path}:11: step 'first': ask: the text ends with \" but does not start with one, so patients "
        'would see the stray "; add the opening quote: "Is the pain getting much worse each day?"'
    )


def test_a_text_in_curly_quotes_is_refused(write_dialog):
    """A word processor's “ ” are not quotes to YAML: patients would see them around the question."""
    curly = "ask: \u201cIs the pain very bad?\u201d"
    path = write_dialog(edit(MINIMAL, 'ask: "Is the pain very bad?"', curly))
    assert refusal(path) == (
        f"{path}:11: step 'first': ask: \u201c \u201d are curly quotes, which YAML does not read as "
        'quotes, so patients would see them; type straight quotes instead: "Is the pain very bad?"'
    )


def test_curly_quotes_inside_a_quoted_text_are_kept(write_dialog):
    path = write_dialog(
        edit(MINIMAL, 'say: "Rest at home."', 'say: "Rest at home: \u201cgentle\u201d walks help."')
    )
    assert load_dialog(path).steps["home"].text == "Rest at home: \u201cgentle\u201d walks help."
