"""A picture of the flow: Mermaid (renders on GitHub and in many editors) or Graphviz dot."""

from __future__ import annotations

import json
from collections import Counter

from bot.dialog.model import Condition, Dialog, Step, StepKind, Urgency, exits

# Light fills under dark text: a contrast of at least 7 (WCAG AAA), where white on yellow was 1.7.
_COLOURS = {
    Urgency.EMERGENCY: "#ffcdd2",
    Urgency.URGENT: "#ffe0b2",
    Urgency.SOON: "#fff59d",
    Urgency.SELF_CARE: "#c8e6c9",
}
_INK = "#212121"


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.replace("**", "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _when(condition: Condition) -> str:
    if not condition:
        return "otherwise"
    return ", ".join(f"{fact}={'/'.join(sorted(values))}" for fact, values in condition)


def _node_label(step: Step) -> str:
    if step.kind is StepKind.OUTCOME and step.urgency is not None:
        return f"{step.id}: {step.urgency.key.upper()}"
    if step.kind is StepKind.ROUTE:
        return f"{step.id}: choose by facts"
    if step.many:
        return f"{step.id} (tick all that apply): {_short(step.text)}"
    return f"{step.id}: {_short(step.text)}"


def _edges(step: Step) -> list[tuple[str, str, bool]]:
    """(target, label, is a red flag) for each way out of a step, as `exits` defines them.

    Answers are shortened, but never two of one step to the same words: those are kept whole.
    """
    edges = []
    for way in exits(step):
        if way.option is not None:
            edges.append((way.target, way.option.label, way.option.red_flag is not None))
        elif step.kind is StepKind.ROUTE:
            edges.append((way.target, _when(way.when), False))
        else:  # a tick list: one way on, whatever is ticked
            flagged = [o for o in step.options if o.red_flag is not None]
            ticked = _short(" / ".join(o.label for o in step.options if not o.none), 30)
            edges.append((way.target, f"Done: {ticked}", bool(flagged)))
    short = Counter(_short(label, 30) for _target, label, _red in edges)
    return [
        (target, label if short[_short(label, 30)] > 1 else _short(label, 30), red)
        for target, label, red in edges
    ]


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(dialog: Dialog) -> str:
    lines = ["flowchart TD"]
    for step in dialog.steps.values():
        label = _mermaid_text(_node_label(step))
        shape = f'{{"{label}"}}' if step.kind is StepKind.ROUTE else f'["{label}"]'
        lines.append(f"  {step.id}{shape}")
    for step in dialog.steps.values():
        for target, label, red in _edges(step):
            arrow = "==>" if red else "-->"
            flag = "⚠ " if red else ""
            lines.append(f'  {step.id} {arrow}|"{flag}{_mermaid_text(label)}"| {target}')
    for level, colour in _COLOURS.items():
        lines.append(f"  classDef {level.key} fill:{colour},color:{_INK}")
        members = [s.id for s in dialog.steps.values() if s.urgency is level]
        if members:
            lines.append(f"  class {','.join(members)} {level.key}")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    """A dot string: UTF-8 as it is (Graphviz reads no \\u escapes), quotes and backslashes escaped."""
    return json.dumps(text, ensure_ascii=False)


def to_dot(dialog: Dialog) -> str:
    lines = [f"digraph {_dot_text(dialog.id)} {{", "  node [shape=box, fontname=Helvetica];"]
    for step in dialog.steps.values():
        attributes = [f"label={_dot_text(_node_label(step))}"]
        if step.kind is StepKind.ROUTE:
            attributes.append("shape=diamond")
        if step.urgency is not None:
            attributes += ["style=filled", f'fillcolor="{_COLOURS[step.urgency]}"', f'fontcolor="{_INK}"']
        lines.append(f"  {step.id} [{', '.join(attributes)}];")
    for step in dialog.steps.values():
        for target, label, red in _edges(step):
            style = ', color="#d32f2f", penwidth=2' if red else ""
            lines.append(f"  {step.id} -> {target} [label={_dot_text(label)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
