"""Strict YAML for files people edit by hand: every value keeps its line, YAML's traps are refused.

PyYAML follows YAML 1.1, where `Yes`, `no` and `on` are booleans, a repeated key silently wins, and
aliases can multiply a small file into gigabytes. We compose the node tree ourselves (never construct
Python objects from tags) and read it through `Reader`, which collects every problem with its line.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Collection, Sequence
from pathlib import Path

import yaml
from yaml._yaml import CParser
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from bot.problems import LoadError, Problem
from bot.yaml_syntax import syntax_problem

MAX_FILE_BYTES = 256_000  # eight times the clinic's dialog; bigger files take seconds to parse
MAX_DEPTH = 32

_TAG = "tag:yaml.org,2002:"
STR, BOOL, NULL, INT, FLOAT = (_TAG + t for t in ("str", "bool", "null", "int", "float"))
_TEXT_LIKE = {STR, INT, FLOAT, _TAG + "timestamp"}
_ALLOWED_TAGS = _TEXT_LIKE | {BOOL, NULL, _TAG + "seq", _TAG + "map"}


class _RefusedError(Exception):
    """Something legal in YAML that we do not accept in a hand-edited file."""

    def __init__(self, event: yaml.Event, message: str) -> None:
        super().__init__(message)
        self.line = int(event.start_mark.line) + 1 if event.start_mark else 1
        self.message = message


class _Refusals(Composer):
    """Composes nodes only; refuses aliases, anchors, merges and deep nesting while composing."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]  # from the parser beside it
        if isinstance(event, yaml.AliasEvent):
            raise _RefusedError(
                event, f"aliases (*{event.anchor}) are not allowed; write the text out in full"
            )
        if getattr(event, "anchor", None):
            raise _RefusedError(
                event,
                f"anchors (&{getattr(event, 'anchor', '')}) are not allowed; write the text out in full",
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _RefusedError(event, f"nested more than {MAX_DEPTH} levels deep; flatten it")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _StrictLoader(_Refusals, yaml.SafeLoader):
    """Pure Python: slow, but its syntax errors are the ones `bot.yaml_syntax` explains."""


class _FastLoader(_Refusals, CParser, SafeConstructor, Resolver):
    """libyaml scans and parses, about five times faster; `_Refusals` still composes the nodes."""

    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)


def _compose(text: str) -> yaml.Node | None:
    """libyaml first; on a syntax error, parse again in Python for the messages `bot.yaml_syntax` explains."""
    try:
        loader = _FastLoader(text)
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError:
        return yaml.compose(text, Loader=_StrictLoader)


def read_yaml(path: Path, label: str | None = None) -> yaml.Node:
    """Read one YAML document from `path` as a node tree; raise LoadError naming the line."""
    where = label or str(path)

    def refuse(line: int, message: str) -> LoadError:
        return LoadError([Problem(where, line, message)])

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise refuse(
                1,
                f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}. Split it into several dialogs",
            )
        data = path.read_bytes()
    except OSError as error:
        raise refuse(1, f"cannot read the file: {error.strerror or error}") from None
    return parse_yaml(data, where)


def parse_yaml(data: bytes, where: str) -> yaml.Node:
    """Parse bytes that should hold one YAML document; raise LoadError naming the line."""

    def refuse(line: int, message: str) -> LoadError:
        return LoadError([Problem(where, line, message)])

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refuse(1, "the file is saved as UTF-16; save it with the UTF-8 encoding in your editor")
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise refuse(line, "this is not a text file (it contains NUL bytes); is it the right file?")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise refuse(
            line,
            f"the file is not UTF-8 text (byte 0x{data[error.start]:02x}); "
            "save it with the UTF-8 encoding in your editor",
        ) from None
    try:
        node = _compose(text)
    except _RefusedError as refused:
        raise refuse(refused.line, refused.message) from None
    except yaml.MarkedYAMLError as error:
        raise refuse(*syntax_problem(text, error)) from None
    except yaml.reader.ReaderError as error:  # control characters: no mark, but a position
        line = text[: error.position].count("\n") + 1
        raise refuse(
            line,
            f"the text contains an invisible control character (#x{error.character:04x}); "
            "delete it and type the text again",
        ) from None
    except yaml.YAMLError as error:
        raise refuse(1, f"this is not valid YAML: {error}") from None
    except RecursionError:
        raise refuse(1, "nested too deeply; flatten it") from None
    if node is None:
        raise refuse(1, "the file is empty")
    return node


def line_of(node: yaml.Node) -> int:
    """The 1-based line where a node starts."""
    return int(node.start_mark.line) + 1


def did_you_mean(word: str, choices: Collection[str]) -> str:
    """' (did you mean 'x'?)' for a close match, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close and len(word) >= 3:  # a shortened name: {phone} for {clinic_phone}
        close = [choice for choice in choices if word in choice]
    return f" (did you mean '{close[0]}'?)" if len(close) == 1 else ""


def _text_problem(node: yaml.Node, what: str) -> str | None:
    """Why a node cannot be a patient text, or None when it can."""
    if not isinstance(node, yaml.ScalarNode):
        return f"{what} should be a text, not a list or a mapping"
    if node.tag == BOOL:
        return f"{what}: {_plain_bool_hint(node)}"
    value = str(node.value).strip()
    if node.tag == NULL or not value:
        return f"{what} is empty; write the text after the colon"
    unsendable = next((c for c in value if _unsendable(c)), None)
    if unsendable is not None:
        return (
            f"{what}: contains the invisible character U+{ord(unsendable):04X}, which cannot be sent to "
            "patients; delete the escape (\\x.. or \\u....) and type the text again"
        )
    return None


def _unsendable(char: str) -> bool:
    """Control characters other than line breaks and tabs, and halves of surrogate pairs."""
    return char not in "\n\t" and unicodedata.category(char) in ("Cc", "Cs")


def _shape(node: yaml.Node) -> str:
    """What a node is, in words for a person who does not know YAML's terms."""
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a 'key: value' mapping"
    if node.tag == NULL:
        return "an empty value"
    return f"'{node.value}'"


def _plain_bool_hint(node: yaml.ScalarNode) -> str:
    return f'YAML reads {node.value} as true/false; put it in quotes: "{node.value}"'


_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # YAML 1.1's line breaks
# A comment right after an unquoted text: one space before '#', or '#' touching a word ('#5').
_CUT_BY_COMMENT = re.compile(r"(?: #|\s+#(?=\S))")
_CURLY_OPEN, _CURLY_CLOSE = "\u201c\u2018\u201e", "\u201d\u2019"


def _prose_trap(node: yaml.ScalarNode, value: str, line: str) -> str | None:
    """Why an unquoted text would not reach patients as the admin wrote it, or None.

    `line` is the source line where the text ends; YAML has already dropped what it read as a comment.
    """
    if node.style:  # quoted or a block (| >): YAML keeps the text as written
        return None
    if _CUT_BY_COMMENT.match(line[int(node.end_mark.column) :]):
        return (
            "the text is cut at ' #', which YAML reads as the start of a comment, so patients would see "
            f'only "{value}"; put the text in quotes'
        )
    if value.endswith('"') and value.count('"') == 1:
        return (
            'the text ends with " but does not start with one, so patients would see the stray "; '
            f'add the opening quote: "{value}'
        )
    if value[0] in _CURLY_OPEN or (value[-1] in _CURLY_CLOSE and value.count(value[-1]) == 1):
        return (
            "\u201c \u201d are curly quotes, which YAML does not read as quotes, so patients would see "
            f'them; type straight quotes instead: "{value.strip(_CURLY_OPEN + _CURLY_CLOSE)}"'
        )
    return None


class Reader:
    """Walks a node tree for a loader, collecting problems instead of stopping at the first.

    `source` is the text the tree was parsed from: `prose` looks at the line around a text, since YAML
    drops comments before the tree is built.
    """

    def __init__(self, where: str, source: str = "") -> None:
        self.where = where
        self.problems: list[Problem] = []
        self._lines = _LINE_BREAK.split(source)

    def problem(self, at: yaml.Node | int, message: str) -> None:
        line = at if isinstance(at, int) else line_of(at)
        self.problems.append(Problem(self.where, line, message))

    def _check_tag(self, node: yaml.Node) -> bool:
        if node.tag not in _ALLOWED_TAGS:
            self.problem(node, f"the tag {node.tag.replace(_TAG, '!!')} is not allowed; remove it")
            return False
        return True

    def mapping(
        self,
        node: yaml.Node,
        what: str,
        keys: Collection[str] | None = None,
        required: Sequence[str] = (),
    ) -> dict[str, yaml.Node] | None:
        """Read a mapping; `keys` limits the allowed keys (None: any text key)."""
        if not self._check_tag(node):
            return None
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} should be a list of 'key: value' lines")
            return None
        found: dict[str, yaml.Node] = {}
        first_line: dict[str, int] = {}
        merged = False
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                self.problem(key_node, "merge keys (<<) are not allowed; write the keys out")
                merged = True
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _TEXT_LIKE:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag == BOOL:
                    self.problem(key_node, f"{what}: key {key_node.value}: {_plain_bool_hint(key_node)}")
                else:
                    self.problem(key_node, f"{what}: every key must be a plain word, not {_shape(key_node)}")
                continue
            key = str(key_node.value)
            if key in first_line:
                self.problem(
                    key_node,
                    f"{what}: '{key}' appears twice (first on line {first_line[key]}); remove one of them",
                )
                continue
            first_line[key] = line_of(key_node)
            if keys is not None and key not in keys:
                allowed = ", ".join(sorted(keys))
                self.problem(
                    key_node,
                    f"{what}: unknown key '{key}'{did_you_mean(key, keys)}; allowed: {allowed}",
                )
                continue
            found[key] = value_node
        if merged:  # the keys it would bring are unknown: checking what is left would only mislead
            return None
        for key in required:
            if key not in found and key not in first_line:
                self.problem(node, f"{what} needs '{key}'")
        return found

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node] | None:
        if not self._check_tag(node):
            return None
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} should be a list (lines starting with '- ')")
            return None
        return list(node.value)

    def text(self, node: yaml.Node, what: str) -> str | None:
        """Read a text; YAML's numbers and dates are taken as written, booleans are refused."""
        if not self._check_tag(node):
            return None
        problem = _text_problem(node, what)
        if problem is not None:
            self.problem(node, problem)
            return None
        return str(node.value).strip()

    def prose(self, node: yaml.Node, what: str) -> str | None:
        """Read a text patients see, refusing the unquoted forms YAML would change (see `_prose_trap`)."""
        value = self.text(node, what)
        if value is None or not isinstance(node, yaml.ScalarNode):
            return value
        end = int(node.end_mark.line)
        trap = _prose_trap(node, value, self._lines[end] if end < len(self._lines) else "")
        if trap is not None:
            self.problem(node, f"{what}: {trap}")
            return None
        return value

    def flag(self, node: yaml.Node, what: str) -> bool | None:
        """Read true or false."""
        if isinstance(node, yaml.ScalarNode) and node.tag == BOOL:
            return str(node.value).lower() in {"true", "yes", "on", "y"}
        self.problem(node, f"{what} should be true or false, not {_shape(node)}")
        return None

    def integer(self, node: yaml.Node, what: str) -> int | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == INT:
            try:
                return int(str(node.value).replace("_", ""), 0)
            except ValueError:
                pass
        self.problem(node, f"{what} should be a whole number")
        return None

    def name(
        self,
        node: yaml.Node,
        what: str,
        pattern: re.Pattern[str],
        rule: str = "use lower-case letters, digits and '_', starting with a letter (at most 32 characters)",
    ) -> str | None:
        """Read an identifier such as a step id; `rule` tells the admin what `pattern` allows."""
        value = self.text(node, what)
        if value is not None and not pattern.fullmatch(value):
            self.problem(node, f"{what} '{value}' is not a valid name; {rule}")
            return None
        return value

    def text_or_list(self, node: yaml.Node, what: str) -> list[tuple[yaml.Node, str]]:
        """Read one text or a list of texts, keeping each one's node for later messages."""
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        out: list[tuple[yaml.Node, str]] = []
        for item in items:
            value = self.text(item, what)
            if value is not None:
                out.append((item, value))
        return out
