"""Red-flag catalogues, and whether a dialog covers one.

The safety proof checks the promises a dialog makes (`red_flag`), but not whether it asks about every
danger medicine knows. A catalogue lists those dangers: conditions, the plain signs that reveal them,
the level each needs and its source. Options name the signs they ask (`asks:`), and coverage is then
"every sign asked, or excluded with a reason" plus "no answer to it can end below its level": an option
that asks a sign must carry a `red_flag` at least the sign's level (the proof then covers every path
after it), and a sign made of several (`all_of`) is checked over every path on which all are answered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from types import MappingProxyType

import yaml
from dd.cudd import Function

from bot.dialog.model import Dialog, StepKind, Urgency
from bot.dialog.reach import TICKED, Reach, Space
from bot.dialog.schema import NAME_PATTERN, SIGN_PATTERN
from bot.problems import LoadError, Problem
from bot.strict_yaml import Reader, did_you_mean, line_of, read_yaml

NAME = re.compile(NAME_PATTERN)
SIGN = re.compile(SIGN_PATTERN)
_TOP_KEYS = ("id", "title", "conditions")
_CONDITION_KEYS = ("name", "level", "source", "signs")
_SIGN_KEYS = ("says", "level", "all_of")


@dataclass(frozen=True)
class Sign:
    """One plain-language sign of a condition; `all_of` makes it a combination of other signs."""

    id: str  # condition.sign
    says: str
    level: Urgency | None  # None: a risk that needs advice only together with others (`all_of`)
    source: str
    all_of: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Catalogue:
    id: str
    title: str
    names: Mapping[str, str]  # condition id -> its name, e.g. aortic_dissection -> "Tear in the aorta"
    signs: Mapping[str, Sign]
    path: str


def load_catalogue(path: Path, label: str | None = None) -> Catalogue:
    """Read and check a catalogue file; LoadError lists every problem as file:line: message."""
    where = label or str(path)
    node = read_yaml(path, where)
    r = Reader(where)
    catalogue = _read(r, node, where)
    if r.problems or catalogue is None:
        raise LoadError(r.problems)
    return catalogue


def _read(r: Reader, node: yaml.Node, where: str) -> Catalogue | None:
    top = r.mapping(node, "the catalogue", _TOP_KEYS, _TOP_KEYS)
    if top is None or not set(_TOP_KEYS) <= top.keys():
        return None
    catalogue_id, title = r.text(top["id"], "id"), r.text(top["title"], "title")
    names: dict[str, str] = {}
    signs: dict[str, Sign] = {}
    for condition, value in (r.mapping(top["conditions"], "conditions") or {}).items():
        what = f"condition '{condition}'"
        if not NAME.fullmatch(condition):
            r.problem(value, f"{what}: not a valid name; use lower_case_words (at most 32 characters)")
            continue
        fields = r.mapping(value, what, _CONDITION_KEYS, ("name", "source", "signs"))
        if fields is None or not {"name", "source", "signs"} <= fields.keys():
            continue
        name, source = r.text(fields["name"], f"{what}: name"), r.text(fields["source"], f"{what}: source")
        level = _level(r, fields["level"], f"{what}: level") if "level" in fields else None
        names[condition] = name or condition
        for sign_id, sign_node in (r.mapping(fields["signs"], f"{what}: signs") or {}).items():
            sign = _sign(r, condition, sign_id, sign_node, default=level, source=source or "")
            if sign is not None:
                signs[sign.id] = sign
    for sign in signs.values():
        for part in sign.all_of:
            if part not in signs or signs[part].all_of:
                hint = did_you_mean(part, signs)
                r.problem(
                    sign.line,
                    f"sign '{sign.id}': all_of '{part}' is not a single sign of this catalogue{hint}; "
                    "name signs written above, as condition.sign",
                )
    used = {part for sign in signs.values() for part in sign.all_of}
    for sign in signs.values():
        if sign.level is None and sign.id not in used:
            r.problem(
                sign.line,
                f"sign '{sign.id}': a risk counts only in a combination, and no all_of names it; "
                "give it a level, or add the combination it belongs to",
            )
    if catalogue_id is None or title is None:
        return None
    return Catalogue(catalogue_id, title, MappingProxyType(names), MappingProxyType(signs), where)


def _sign(
    r: Reader, condition: str, sign_id: str, node: yaml.Node, *, default: Urgency | None, source: str
) -> Sign | None:
    what = f"sign '{condition}.{sign_id}'"
    if not NAME.fullmatch(sign_id):
        r.problem(node, f"{what}: not a valid name; use lower_case_words (at most 32 characters)")
        return None
    fields = r.mapping(node, what, _SIGN_KEYS, ("says",))
    if fields is None or "says" not in fields:
        return None
    says = r.text(fields["says"], f"{what}: says")
    risk = "level" in fields and r.text(fields["level"], f"{what}: level") == RISK
    level = None if risk else _level(r, fields["level"], f"{what}: level") if "level" in fields else default
    if level is None and not risk and "level" not in fields:
        r.problem(node, f"{what} needs a level (here or on its condition): one of {_LEVELS}, or {RISK}")
    parts: list[str] = []
    for item in r.sequence(fields["all_of"], f"{what}: all_of") or [] if "all_of" in fields else []:
        part = r.text(item, f"{what}: all_of")
        if part is not None and not SIGN.fullmatch(part):
            r.problem(item, f"{what}: all_of '{part}' is not a sign id; write condition.sign")
        elif part is not None:
            parts.append(part)
    if "all_of" in fields and risk:
        r.problem(fields["level"], f"{what}: a combination needs a level, not {RISK}")
    if "all_of" in fields and len(parts) < 2:
        r.problem(fields["all_of"], f"{what}: all_of needs two signs or more (one sign is a sign)")
    if says is None or (level is None and not risk):
        return None
    return Sign(f"{condition}.{sign_id}", says, level, source, tuple(parts), line_of(node))


_LEVELS = ", ".join(level.key for level in Urgency if level is not Urgency.SELF_CARE)
RISK = "risk"  # a sign's level when it matters only in a combination, e.g. a long flight


def _key(level: Urgency | None) -> str:
    return RISK if level is None else level.key


def _level(r: Reader, node: yaml.Node, what: str) -> Urgency | None:
    value = r.text(node, what)
    if value is None:
        return None
    if value not in Urgency.names() or value == Urgency.SELF_CARE.key:
        hint = did_you_mean(value, Urgency.names())
        r.problem(node, f"{what}: '{value}' is not a red-flag level{hint}; use one of {_LEVELS}, or {RISK}")
        return None
    return Urgency[value.upper()]


# ------------------------------------------------------------------------------------------ coverage


@dataclass(frozen=True)
class Coverage:
    """What `validate` reports: the problems, and how many signs were asked and left out."""

    problems: tuple[Problem, ...]
    asked: int  # single signs asked by some answer
    combined: int  # combinations checked over every path
    excluded: int


def catalogue_path(dialog: Dialog, dialog_path: Path) -> Path | None:
    return dialog_path.parent / dialog.catalogue if dialog.catalogue else None


def coverage(dialog: Dialog, catalogue: Catalogue) -> Coverage:
    """Every catalogue sign asked (or excluded with a reason), and none answerable below its level."""
    problems = list(_references(dialog, catalogue))
    askers = _askers(dialog)
    excluded = set(dialog.catalogue_exclude)
    at = dialog.lines.get("catalogue", 1)
    for sign in catalogue.signs.values():
        if sign.id in excluded:
            continue
        if sign.all_of:
            missing = [part for part in sign.all_of if part not in askers]
        else:
            missing = [] if sign.id in askers else [sign.id]
        if missing:
            parts = f" (not asked: {', '.join(missing)})" if sign.all_of else ""
            problems.append(
                Problem(
                    dialog.path,
                    at,
                    f"catalogue sign '{sign.id}' ({sign.says}; {_key(sign.level)}) is never asked{parts}; "
                    f"add 'asks: [{missing[0]}]' to the answer that asks it, "
                    "or list it under catalogue_exclude with the reason",
                )
            )
    for sign_id, options in askers.items():
        known = catalogue.signs.get(sign_id)
        if known is None:
            continue
        for step_id, option_id, flag, line in options:
            if known.level is not None and (flag is None or flag < known.level):
                have = "no red_flag" if flag is None else f"red_flag: {flag.key}"
                problems.append(
                    Problem(
                        dialog.path,
                        line,
                        f"step '{step_id}', option '{option_id}' asks '{sign_id}', which needs "
                        f"{known.level.key}, but has {have}; set red_flag: {known.level.key} (or higher) "
                        "so that the proof holds every path after it to that level",
                    )
                )
    combinations = [s for s in catalogue.signs.values() if s.all_of and s.id not in excluded]
    if combinations and not problems:
        problems += _combinations(dialog, combinations, askers)
    asked = len({s for s in askers if s in catalogue.signs and not catalogue.signs[s].all_of})
    return Coverage(tuple(sorted(problems)), asked, len(combinations), len(excluded))


def _references(dialog: Dialog, catalogue: Catalogue) -> Iterator[Problem]:
    """Sign ids in the dialog that the catalogue does not have: a typo would hide a gap."""
    for step in dialog.steps.values():
        for option in step.options:
            for sign in option.asks:
                if sign not in catalogue.signs:
                    yield Problem(
                        dialog.path,
                        option.line,
                        f"step '{step.id}', option '{option.id}': asks '{sign}', which is not in the "
                        f"catalogue {catalogue.id}{did_you_mean(sign, catalogue.signs)}",
                    )
    for sign, reason in dialog.catalogue_exclude.items():
        if sign not in catalogue.signs:
            yield Problem(
                dialog.path,
                dialog.lines.get("catalogue_exclude", 1),
                f"catalogue_exclude: '{sign}' is not in the catalogue {catalogue.id}"
                f"{did_you_mean(sign, catalogue.signs)}",
            )
        elif len(reason.split()) < 3:
            yield Problem(
                dialog.path,
                dialog.lines.get("catalogue_exclude", 1),
                f"catalogue_exclude: '{sign}' needs a reason a clinician can check, not '{reason}'",
            )


_Asker = tuple[str, str, Urgency | None, int]  # step, option, its red flag, its line


def _askers(dialog: Dialog) -> dict[str, list[_Asker]]:
    found: dict[str, list[_Asker]] = {}
    for step in dialog.steps.values():
        for option in step.options:
            for sign in option.asks:
                found.setdefault(sign, []).append((step.id, option.id, option.red_flag, option.line))
    return found


def _combinations(dialog: Dialog, signs: list[Sign], askers: Mapping[str, list[_Asker]]) -> list[Problem]:
    """A combination is safe when no path on which all its signs were answered ends below its level.

    The sets are the safety proof's own (`reach`): the states at each outcome, with every answer.
    """
    space = Space({"": dialog})
    reach = Reach(space, dialog, "")
    false = space.bdd.false

    def answered(step_id: str, option_id: str) -> Function:
        if dialog.steps[step_id].many:
            return space.eq(f"t:{step_id}:{option_id}", TICKED)
        return space.eq(f"a:{step_id}", option_id)

    problems = []
    for sign in signs:
        each = [
            reduce(lambda a, b: a | b, (answered(s, o) for s, o, _f, _l in askers[part]), false)
            for part in sign.all_of
        ]
        together = reduce(lambda a, b: a & b, each, space.bdd.true)
        level = sign.level or Urgency.SELF_CARE
        for step in dialog.steps.values():
            if step.kind is not StepKind.OUTCOME or (step.urgency or Urgency.SELF_CARE) >= level:
                continue
            if reach.states.get(step.id, false) & together != false:
                problems.append(
                    Problem(
                        dialog.path,
                        dialog.lines.get("catalogue", 1),
                        f"catalogue sign '{sign.id}' ({sign.says}) needs {level.key}, but a patient "
                        f"who answers {' and '.join(sign.all_of)} can end at '{step.id}' "
                        f"({(step.urgency or Urgency.SELF_CARE).key}); add a route rule for the pair",
                    )
                )
                break
    return problems
