"""`clinic-bot graph`: Mermaid and Graphviz text that reads right, parses, and has readable colours."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable

import pydot
import pytest
from dialog_helpers import DIALOGS, MINIMAL, edit

from bot.dialog.graph import to_dot, to_mermaid
from bot.dialog.loader import load_dialog, load_dialog_text
from bot.dialog.model import Dialog

LONG_ASK = "How long have you had it, and is it getting better or worse?"
CLOSE_LABELS = (
    '      - {label: "3 days to 2 weeks, and it is getting better", set: {duration: short}, next: decide}\n'
    '      - {label: "3 days to 2 weeks, and it is not getting better", set: {duration: long}, '
    "next: decide}\n"
)


def _dialog(text: str = MINIMAL) -> Dialog:
    return load_dialog_text(text, "mini.yaml")


def _close_labels() -> Dialog:
    text = edit(MINIMAL, '"How long have you had it?"', f'"{LONG_ASK}"')
    lines = text.splitlines(keepends=True)
    return _dialog("".join(lines[:18]) + CLOSE_LABELS + "".join(lines[20:]))


def test_dot_is_written_in_utf8_not_as_escapes() -> None:
    dot = to_dot(_close_labels())
    assert "\\u" not in dot
    assert '"how_long: How long have you had it, and is it get…"' in dot


@pytest.mark.filterwarnings("ignore:.*deprecated:DeprecationWarning")  # pydot 4 on pyparsing 3.3
def test_dot_parses_with_every_step_and_way_out() -> None:
    graph = pydot.graph_from_dot_data(to_dot(_close_labels()))[0]
    assert sorted(n.get_name() for n in graph.get_nodes() if n.get_name() != "node") == sorted(
        ["book", "decide", "doctor", "first", "home", "how_long"]
    )
    edges = [(e.get_source(), e.get_destination(), e.get_label()) for e in graph.get_edges()]
    assert ("how_long", "decide", '"3 days to 2 weeks, and it is getting better"') in edges
    assert ("how_long", "decide", '"3 days to 2 weeks, and it is not getting better"') in edges
    assert len(edges) == 6


def test_two_answers_of_one_step_never_read_the_same_once_shortened() -> None:
    """Cut at 30 characters both read '3 days to 2 weeks, and it is …'; they are kept whole instead."""
    mermaid = to_mermaid(_close_labels()).splitlines()
    assert '  how_long -->|"3 days to 2 weeks, and it is getting better"| decide' in mermaid
    assert '  how_long -->|"3 days to 2 weeks, and it is not getting better"| decide' in mermaid


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of '#rrggbb'."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("draw", [to_mermaid, to_dot], ids=["mermaid", "dot"])
def test_outcome_boxes_have_text_readable_on_their_fill(draw: Callable[[Dialog], str]) -> None:
    """WCAG AA asks for a contrast of at least 4.5 for normal text; white on yellow was 1.7."""
    text = draw(_dialog())
    pairs = re.findall(r"fill:(#[0-9a-f]{6}),color:(#[0-9a-f]{6})", text) or re.findall(
        r'fillcolor="(#[0-9a-f]{6})", fontcolor="(#[0-9a-f]{6})"', text
    )
    assert len(pairs) >= 3
    assert [round(_contrast(fill, ink), 1) for fill, ink in pairs if _contrast(fill, ink) < 4.5] == []


DOT = shutil.which("dot")


@pytest.mark.skipif(DOT is None, reason="Graphviz is not installed (.ci/run installs it)")
@pytest.mark.parametrize("dialog", ["example", "upper-back-pain"])
def test_graphviz_draws_the_shipped_dialogs_without_a_warning(dialog: str) -> None:
    """What the guide tells admins to run: `dot -Tsvg flow.dot > flow.svg`."""
    dot = to_dot(load_dialog(DIALOGS / f"{dialog}.yaml"))
    drawn = subprocess.run(
        [str(DOT), "-Tsvg"], input=dot, capture_output=True, text=True, check=False, timeout=60
    )
    assert (drawn.returncode, drawn.stderr) == (0, "")
    assert drawn.stdout.count('class="node"') == len(load_dialog(DIALOGS / f"{dialog}.yaml").steps)
    assert "\\u" not in drawn.stdout
