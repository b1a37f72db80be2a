"""Turns one dialog YAML file into a validated, frozen `Dialog`, or a DialogError listing every problem."""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import yaml

from bot.dialog import checks
from bot.dialog.model import (
    Condition,
    Dialog,
    Facts,
    Option,
    Review,
    Rule,
    Step,
    StepKind,
    Topic,
    TopicShow,
    Urgency,
)
from bot.dialog.schema import (
    DIALOG_ID_PATTERN,
    DIALOG_KEYS,
    DIALOG_REQUIRED,
    NAME_PATTERN,
    OPTION_KEYS,
    RULE_KEYS,
    SHOW_KEYS,
    SIGN_PATTERN,
    STEP_KEYS,
    TOPIC_KEYS,
    UNITS,
)
from bot.problems import DialogError, LoadError
from bot.strict_yaml import BOOL, Reader, did_you_mean, line_of, parse_yaml, read_yaml

NAME = re.compile(NAME_PATTERN)
SIGN = re.compile(SIGN_PATTERN)
_SIGN_RULE = "write a catalogue sign as condition.sign, e.g. shingles.rash (lower-case words)"
DIALOG_ID = re.compile(DIALOG_ID_PATTERN)
RED_FLAG_LEVELS = tuple(name for name in Urgency.names() if name != Urgency.SELF_CARE.key)
_DIALOG_ID_RULE = (
    "use lower-case letters, digits, '_' and '-', starting with a letter (at most 64 characters)"
)

# Which keys each kind of step may use; the kind is told by its main key.
_KIND_KEYS = {
    StepKind.ASK: {"ask", "why", "options", "pick", "next"},
    StepKind.SAY: {"say", "options", "show"},
    StepKind.ROUTE: {"route"},
    StepKind.OUTCOME: {"outcome", "say", "show", "safety_net", "source", "reviewed_by", "review_due"},
}


def load_dialog(path: Path, label: str | None = None, *, any_name: bool = False) -> Dialog:
    """Load and fully check a dialog file; `label` is the name used in messages (default: path).

    The file must be named after the dialog's id, since the bot finds dialogs by id; `any_name`
    allows other names for copies being compared (e.g. an old version saved for `diff`).
    """
    where = label or str(path)
    try:
        node = read_yaml(path, where)
        data = path.read_bytes()
    except LoadError as error:
        raise DialogError(error.problems) from None
    dialog = _build(node, data, where)
    if dialog.id != path.stem and not any_name:
        raise DialogError.single(
            where,
            dialog.lines.get("id", 1),
            f"id '{dialog.id}' differs from the file name; name the file {dialog.id}.yaml",
        )
    return dialog


def load_dialog_text(text: str, where: str = "<text>") -> Dialog:
    """Load a dialog from a string (docs examples, tests)."""
    data = text.encode("utf-8", "surrogatepass")  # a lone surrogate is reported as non-UTF-8, with its line
    try:
        node = parse_yaml(data, where)
    except LoadError as error:
        raise DialogError(error.problems) from None
    return _build(node, data, where)


def _build(node: yaml.Node, data: bytes, where: str) -> Dialog:
    reader = Reader(where, data.decode("utf-8-sig"))
    dialog = _DialogReader(reader).read(node, where, hashlib.sha256(data).hexdigest()[:12])
    if dialog is not None and not reader.problems:
        reader.problems.extend(checks.check(dialog))
    if reader.problems or dialog is None:
        raise DialogError(reader.problems)
    return dialog


def option_id_from_label(label: str) -> str:
    """A stable id from a label: 'A small strain, slip or lift' -> 'a_small_strain_slip_or_lift'."""
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_label.lower()).strip("_")[:32].rstrip("_")
    if slug and not slug[0].isalpha():
        slug = ("n_" + slug)[:32].rstrip("_")
    return slug


class _DialogReader:
    """Reads the node tree into model objects; structure only, the graph is checked afterwards."""

    def __init__(self, reader: Reader) -> None:
        self.r = reader
        self.facts: dict[str, tuple[str, ...]] = {}

    def read(self, node: yaml.Node, where: str, version: str) -> Dialog | None:
        top = self.r.mapping(node, "the dialog", DIALOG_KEYS, DIALOG_REQUIRED)
        if top is None:
            return None
        texts = {
            key: self.r.prose(top[key], key) if key in top else None
            for key in ("title", "disclaimer", "safety_net", "contact")
        }
        dialog_id = self.r.name(top["id"], "id", DIALOG_ID, _DIALOG_ID_RULE) if "id" in top else None
        start = self.r.name(top["start"], "start", NAME) if "start" in top else None
        if "facts" in top:
            self.facts = self._facts(top["facts"])
        topics = self._topics(top["topics"]) if "topics" in top else {}
        steps = self._steps(top["steps"]) if "steps" in top else {}
        catalogue = self.r.text(top["catalogue"], "catalogue") if "catalogue" in top else None
        exclude = self._exclusions(top["catalogue_exclude"]) if "catalogue_exclude" in top else {}
        if None in (dialog_id, start, *texts.values()):
            return None
        return Dialog(
            id=str(dialog_id),
            title=str(texts["title"]),
            start=str(start),
            facts=MappingProxyType(self.facts),
            steps=MappingProxyType(steps),
            topics=MappingProxyType(topics),
            disclaimer=str(texts["disclaimer"]),
            safety_net=str(texts["safety_net"]),
            contact=str(texts["contact"]),
            path=where,
            version=version,
            lines=_lines(top),
            catalogue=catalogue,
            catalogue_exclude=MappingProxyType(exclude),
        )

    def _exclusions(self, node: yaml.Node) -> dict[str, str]:
        """Catalogue signs left out on purpose; each needs a reason a clinician can check."""
        out: dict[str, str] = {}
        for sign, value in (self.r.mapping(node, "catalogue_exclude") or {}).items():
            if not SIGN.fullmatch(sign):
                self.r.problem(value, f"catalogue_exclude: '{sign}' is not a sign id; {_SIGN_RULE}")
                continue
            reason = self.r.text(value, f"catalogue_exclude {sign}: the reason")
            if reason is not None:
                out[sign] = reason
        return out

    def _asks(self, where: str, node: yaml.Node) -> tuple[str, ...]:
        signs: list[str] = []
        for item in self.r.sequence(node, f"{where}: asks") or []:
            sign = self.r.text(item, f"{where}: asks")
            if sign is not None and not SIGN.fullmatch(sign):
                self.r.problem(item, f"{where}: asks '{sign}' is not a sign id; {_SIGN_RULE}")
            elif sign is not None:
                signs.append(sign)
        return tuple(signs)

    def _facts(self, node: yaml.Node) -> dict[str, tuple[str, ...]]:
        facts: dict[str, tuple[str, ...]] = {}
        for name, value_node in (self.r.mapping(node, "facts") or {}).items():
            if not NAME.fullmatch(name):
                self.r.problem(value_node, f"fact name '{name}' is not valid; use lower_case_words")
                continue
            values = []
            for item in self.r.sequence(value_node, f"the values of fact '{name}'") or []:
                value = self.r.name(item, f"a value of fact '{name}'", NAME)
                if value is not None and value in values:
                    self.r.problem(item, f"fact '{name}': value '{value}' is listed twice")
                elif value is not None:
                    values.append(value)
            if not values and isinstance(value_node, yaml.SequenceNode):
                self.r.problem(
                    value_node, f"fact '{name}' has no values; list them, e.g. {name}: [short, long]"
                )
            facts[name] = tuple(values)
        return facts

    def _topics(self, node: yaml.Node) -> dict[str, Topic]:
        topics = {}
        for topic_id, value in (self.r.mapping(node, "topics") or {}).items():
            what = f"topic '{topic_id}'"
            if not NAME.fullmatch(topic_id):
                self.r.problem(value, f"{what}: not a valid name; use lower_case_words")
                continue
            fields = self.r.mapping(value, what, TOPIC_KEYS, ("title", "text"))
            if fields is None or not {"title", "text"} <= fields.keys():
                continue
            title = self.r.prose(fields["title"], f"{what}: title")
            text = self.r.prose(fields["text"], f"{what}: text")
            if title and text:
                topics[topic_id] = Topic(topic_id, title, text, line_of(value), _lines(fields))
        return topics

    def _steps(self, node: yaml.Node) -> dict[str, Step]:
        steps = {}
        for step_id, value in (self.r.mapping(node, "steps") or {}).items():
            if not NAME.fullmatch(step_id):
                self.r.problem(
                    value,
                    f"step '{step_id}': not a valid name; use lower-case letters, digits and '_' "
                    "(at most 32 characters)",
                )
                continue
            step = self._step(step_id, value)
            if step is not None:
                steps[step_id] = step
        return steps

    def _step(self, step_id: str, node: yaml.Node) -> Step | None:
        what = f"step '{step_id}'"
        fields = self.r.mapping(node, what, STEP_KEYS)
        if fields is None:
            return None
        kind = _kind_of(fields.keys())
        if kind is None:
            self.r.problem(
                node,
                f"{what} needs one of 'ask' (a question), 'say' (a message), "
                "'route' (choose by facts) or 'outcome' (advice)",
            )
            return None
        for key in sorted(fields.keys() - _KIND_KEYS[kind]):
            self.r.problem(
                fields[key],
                f"{what}: '{key}' cannot be used in {_KIND_NAMES[kind]}; remove it",
            )
        main = "ask" if kind is StepKind.ASK else "say"
        text = ""
        if kind in (StepKind.ASK, StepKind.SAY, StepKind.OUTCOME):
            if main not in fields:
                self.r.problem(node, f"{what} needs '{main}': the text the patient reads")
            else:
                text = self.r.prose(fields[main], f"{what}: {main}") or ""
        many = self._pick(fields["pick"], what) if "pick" in fields else False
        # Options are read as tick items when the step looks like a tick list, so that one slip
        # (a wrong `pick`, a missing `next`) gives one message, not one per item.
        as_ticks = many or "pick" in fields or "next" in fields
        step_next = self.r.name(fields["next"], f"{what}: next", NAME) if "next" in fields else None
        if many and "next" not in fields:
            self.r.problem(
                fields["pick"], f"{what}: a tick list needs 'next': the step that follows, whatever is ticked"
            )
        elif "next" in fields and "pick" not in fields:
            self.r.problem(
                fields["next"],
                f"{what}: 'next' belongs to tick lists; add 'pick: many' for one, or give each option "
                "its own 'next'",
            )
        options: tuple[Option, ...] = ()
        if kind in (StepKind.ASK, StepKind.SAY):
            if "options" not in fields:
                self.r.problem(node, f"{what} needs 'options': the answers the patient can choose")
            else:
                options = self._options(what, fields["options"], (step_next or "") if as_ticks else None)
        urgency = None
        if kind is StepKind.OUTCOME:
            urgency = self._level(fields["outcome"], f"{what}: outcome")
        text_of = {
            key: self.r.prose(fields[key], f"{what}: {key}") if key in fields else None
            for key in ("why", "safety_net", "source", "reviewed_by", "review_due")
        }
        return Step(
            id=step_id,
            kind=kind,
            text=text,
            why=text_of["why"],
            options=options,
            rules=self._rules(what, fields["route"]) if kind is StepKind.ROUTE else (),
            urgency=urgency,
            show=self._show(what, fields["show"]) if "show" in fields else (),
            safety_net=text_of["safety_net"],
            review=Review(text_of["source"], text_of["reviewed_by"], text_of["review_due"]),
            line=line_of(node),
            lines=_lines(fields),
            many=many,
            next=step_next if many else None,
        )

    def _pick(self, node: yaml.Node, what: str) -> bool:
        value = self.r.text(node, f"{what}: pick")
        if value not in (None, "one", "many"):
            self.r.problem(
                node,
                f"{what}: pick '{value}' is not known; use 'many' for a tick-all-that-apply list, "
                "or leave it out for one answer",
            )
        return value == "many"

    def _level(self, node: yaml.Node, what: str, allowed: Sequence[str] = Urgency.names()) -> Urgency | None:
        """Read an urgency level; `allowed` are the ones offered in messages (a red flag: not self_care)."""
        levels = ", ".join(allowed)
        if isinstance(node, yaml.ScalarNode) and node.tag == BOOL:  # `red_flag: true`, as a guess
            self.r.problem(node, f"{what}: write a level, not {node.value}: one of {levels}")
            return None
        value = self.r.text(node, what)
        if value is None:
            return None
        if value not in Urgency.names():
            hint = did_you_mean(value, allowed)
            self.r.problem(node, f"{what}: '{value}' is not a level{hint}; use one of {levels}")
            return None
        return Urgency[value.upper()]

    def _options(self, what: str, node: yaml.Node, tick_next: str | None) -> tuple[Option, ...]:
        """The options; in a tick list (`tick_next` given) they all lead on to `tick_next`."""
        options: list[Option] = []
        items = self.r.sequence(node, f"{what}: options") or []
        if not items:
            self.r.problem(node, f"{what}: options is empty; add at least one answer")
        required = ("label",) if tick_next is not None else ("label", "next")
        for number, item in enumerate(items, start=1):
            where = f"{what}, option {number}"
            fields = self.r.mapping(item, where, OPTION_KEYS, required)
            if fields is None or not set(required) <= set(fields):
                continue
            if tick_next is not None and "next" in fields:
                self.r.problem(
                    fields["next"],
                    f"{where}: in a tick list every answer goes on to the step's 'next'; remove this "
                    "'next' (to route by what is ticked, set facts and add a route step)",
                )
                continue
            if tick_next is None and "none" in fields:
                self.r.problem(
                    fields["none"], f"{where}: 'none' belongs to tick lists (pick: many); remove it"
                )
                continue
            label = self.r.prose(fields["label"], f"{where}: label")
            target = (
                tick_next if tick_next is not None else self.r.name(fields["next"], f"{where}: next", NAME)
            )
            none = bool(self.r.flag(fields["none"], f"{where}: none")) if "none" in fields else False
            if label is None or target is None:
                continue
            if "id" in fields:
                option_id = self.r.name(fields["id"], f"{where}: id", NAME)
            else:
                option_id = option_id_from_label(label) or f"option_{number}"
            clash = next((o for o in options if o.id == option_id), None)
            if clash is not None:
                self.r.problem(
                    item,
                    f"{where}: same id '{option_id}' as the option on line {clash.line}; "
                    "give one of them its own 'id:'",
                )
                continue
            red_flag = (
                self._level(fields["red_flag"], f"{where}: red_flag", RED_FLAG_LEVELS)
                if "red_flag" in fields
                else None
            )
            if red_flag is Urgency.SELF_CARE:
                self.r.problem(
                    fields["red_flag"],
                    f"{where}: red_flag: self_care promises nothing; use soon, urgent or emergency",
                )
            because = self.r.prose(fields["because"], f"{where}: because") if "because" in fields else None
            span, unit = self._range(where, item, fields)
            options.append(
                Option(
                    id=str(option_id),
                    label=label,
                    next=target,
                    sets=self._sets(where, fields["set"]) if "set" in fields else (),
                    red_flag=red_flag,
                    because=because,
                    line=line_of(item),
                    none=none,
                    asks=self._asks(where, fields["asks"]) if "asks" in fields else (),
                    next_line=line_of(fields["next"]) if "next" in fields else 0,
                    range=span,
                    unit=unit,
                )
            )
        self._check_ranges(what, options)
        return tuple(options)

    def _check_ranges(self, what: str, options: list[Option]) -> None:
        """One unit per question, and no value in two ranges: a typed '45' must mean one answer."""
        ranged = sorted((o for o in options if o.range is not None), key=lambda o: o.range or (0, 0))
        if len({o.unit for o in ranged}) > 1:
            self.r.problem(ranged[0].line, f"{what}: the ranges of one question need one unit")
        for before, after in itertools.pairwise(ranged):
            if before.range and after.range and after.range[0] <= before.range[1]:
                self.r.problem(
                    after.line,
                    f"{what}: range {list(after.range)} overlaps {list(before.range)} of the option on line "
                    f"{before.line}; a typed number must mean one answer",
                )

    def _range(
        self, where: str, item: yaml.Node, fields: dict[str, yaml.Node]
    ) -> tuple[tuple[int, int] | None, str | None]:
        """An option's `range: [low, high]` with its `unit`; both or neither."""
        if "range" not in fields and "unit" not in fields:
            return None, None
        if "range" not in fields or "unit" not in fields:
            self.r.problem(
                item, f"{where}: 'range' and 'unit' go together (e.g. range: [20, 49], unit: years)"
            )
            return None, None
        unit = self.r.text(fields["unit"], f"{where}: unit")
        if unit not in UNITS:
            self.r.problem(fields["unit"], f"{where}: unit '{unit}' is not one of {', '.join(UNITS)}")
            return None, None
        ends = [
            self.r.integer(n, f"{where}: range")
            for n in self.r.sequence(fields["range"], f"{where}: range") or []
        ]
        if len(ends) != 2 or None in ends:
            self.r.problem(fields["range"], f"{where}: range should be two whole numbers, e.g. [20, 49]")
            return None, None
        low, high = int(ends[0] or 0), int(ends[1] or 0)
        if not 0 <= low <= high:
            self.r.problem(fields["range"], f"{where}: range [{low}, {high}] should go from low to high")
            return None, None
        return (low, high), unit

    def _sets(self, where: str, node: yaml.Node) -> Facts:
        pairs = []
        for fact, value_node in (self.r.mapping(node, f"{where}: set") or {}).items():
            value = self.r.text(value_node, f"{where}: set {fact}")
            if value is not None and self._known_value(value_node, where, fact, value):
                pairs.append((fact, value))
        return tuple(sorted(pairs))

    def _known_value(self, node: yaml.Node, where: str, fact: str, value: str) -> bool:
        if fact not in self.facts:
            hint = did_you_mean(fact, self.facts)
            self.r.problem(node, f"{where}: fact '{fact}' is not declared{hint}; add it under 'facts:'")
            return False
        allowed = self.facts[fact]
        if value not in allowed:
            self.r.problem(
                node,
                f"{where}: '{value}' is not a value of fact '{fact}'{did_you_mean(value, allowed)}; "
                f"allowed: {', '.join(allowed)}",
            )
            return False
        return True

    def _condition(self, where: str, node: yaml.Node) -> Condition:
        pairs = []
        for fact, value_node in (self.r.mapping(node, f"{where}: when") or {}).items():
            values = self.r.text_or_list(value_node, f"{where}: when {fact}")
            known = [v for n, v in values if self._known_value(n, where, fact, v)]
            if known and len(known) == len(values):
                pairs.append((fact, frozenset(known)))
        if isinstance(node, yaml.MappingNode) and not node.value:
            self.r.problem(node, f"{where}: 'when' is empty; name at least one fact")
        return tuple(sorted(pairs, key=lambda pair: pair[0]))

    def _rules(self, what: str, node: yaml.Node) -> tuple[Rule, ...]:
        rules = []
        items = self.r.sequence(node, f"{what}: route") or []
        for number, item in enumerate(items, start=1):
            where = f"{what}, rule {number}"
            fields = self.r.mapping(item, where, RULE_KEYS, ("next",))
            if fields is None or "next" not in fields:
                continue
            target = self.r.name(fields["next"], f"{where}: next", NAME)
            when = self._condition(where, fields["when"]) if "when" in fields else ()
            if target is not None:
                rules.append(Rule(when, target, line_of(item), line_of(fields["next"])))
        return tuple(rules)

    def _show(self, what: str, node: yaml.Node) -> tuple[TopicShow, ...]:
        shows = []
        for item in self.r.sequence(node, f"{what}: show") or []:
            if isinstance(item, yaml.MappingNode):
                fields = self.r.mapping(item, f"{what}: show", SHOW_KEYS, ("topic",))
                if fields is None or "topic" not in fields:
                    continue
                topic = self.r.name(fields["topic"], f"{what}: show topic", NAME)
                when = self._condition(what, fields["when"]) if "when" in fields else ()
            else:
                topic, when = self.r.name(item, f"{what}: show", NAME), ()
            if topic is not None:
                shows.append(TopicShow(topic, when, line_of(item)))
        return tuple(shows)


def _lines(fields: Mapping[str, yaml.Node]) -> Mapping[str, int]:
    """Where each value starts, so that a message about a text names the text's own line."""
    return MappingProxyType({key: line_of(value) for key, value in fields.items()})


_KIND_NAMES = {
    StepKind.ASK: "a question step (ask)",
    StepKind.SAY: "a message step (say)",
    StepKind.ROUTE: "a routing step (route)",
    StepKind.OUTCOME: "an outcome step",
}


def _kind_of(keys: Collection[str]) -> StepKind | None:
    kinds = (StepKind.ROUTE, StepKind.OUTCOME, StepKind.ASK, StepKind.SAY)
    return next((kind for kind in kinds if kind.value in keys), None)
