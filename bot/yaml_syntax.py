"""PyYAML's syntax errors in an admin's words: what to change, on the line to change, then YAML's detail.

PyYAML reports where it got stuck, which for a missing quote is the next quote, lines later, and words
its messages in YAML's grammar (`<block end>`). We lead with the fix and keep PyYAML's words after it.
"""

from __future__ import annotations

import yaml

# Hints for PyYAML's own syntax messages, which assume the reader knows YAML.
_SYNTAX_HINTS = (
    ("but found '*'", "a text that starts with * (such as **bold**) must be put in quotes"),
    ("expected ',' or ']'", "a [ list ] is not closed, or a text in it must be put in quotes"),
    ("expected ',' or '}'", "a { } group is not closed, or a text that starts with { must be put in quotes"),
    ("found character '\\t'", "indent with spaces, not tabs"),
    ("mapping values are not allowed", "a text that contains ': ' must be put in quotes"),
    ("could not find expected ':'", "check the indentation, or put the text in quotes"),
    ("expected <block end>", "check the indentation of this line, and that every quote above is closed"),
    ("found unexpected end of stream", "a quote or bracket is not closed"),
    ("found unknown escape character", "use single quotes, or write a backslash as \\\\"),
    ("expected a single document", "one dialog per file: remove the extra '---'"),
)
_INDENTED = "expected <block end>, but found '<block"
_INDENT_FIX = (
    "this line is indented differently from the lines above it; give it the same indentation as the "
    "other keys of its step or items of its list"
)


def syntax_problem(text: str, error: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The 1-based line to change and the message for a YAML syntax error in `text`."""
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else 1
    detail = str(error.problem or error.context or "this is not valid YAML")
    unclosed = _unclosed_quote(text, error, line)
    if unclosed is not None:
        start, quote, until = unclosed
        return start, (
            f"the {quote} that opens this text is not closed, so YAML reads on to {until}; add the "
            f"closing {quote} at the end of the text (YAML says: {detail})"
        )
    if _INDENTED in str(error):
        return line, f"{_INDENT_FIX} (YAML says: {detail})"
    if "expected a single document" in str(error.context):
        detail = "a second document starts here"
    hint = next((h for key, h in _SYNTAX_HINTS if key in str(error)), None)
    return line, f"{detail} ({hint})" if hint else detail


def _unclosed_quote(text: str, error: yaml.MarkedYAMLError, line: int) -> tuple[int, str, str] | None:
    """(line it opens, the quote, where YAML read on to) for a quote that was never closed, else None.

    Either the scanner ran out of file inside a quoted text, or a quoted text ran over several lines
    and ended on the line where YAML got stuck: its closing quote was the next text's opening one.
    """
    context = error.context_mark
    if error.context == "while scanning a quoted scalar" and context is not None:
        return context.line + 1, text[context.index], "the end of the file"
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            start, end = token.start_mark.line + 1, token.end_mark.line + 1
            if start >= line:
                break
            if isinstance(token, yaml.ScalarToken) and token.style in ("'", '"') and end == line:
                return start, str(token.style), f"line {line}"
    except yaml.YAMLError:
        pass
    return None
