"""Red-flag catalogues: an admin's mistakes named by line, and coverage as `clinic-bot validate` reports it.

Coverage is what the safety proof cannot see on its own: a danger that no question asks, an answer to
a danger sign that carries no red flag strong enough, and two signs together (cancer and a weak leg)
that need more than either alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dialog_helpers import DIALOGS, TICKS, edit

from bot.cli import main
from bot.dialog.catalogue import Catalogue, coverage, load_catalogue
from bot.dialog.loader import load_dialog, load_dialog_text
from bot.problems import DialogError, LoadError

SHIPPED = DIALOGS / "catalogues" / "back-red-flags.yaml"

# A catalogue for the TICKS dialog of the test helpers: fever (urgent), weak legs (soon), cancer (a risk
# alone) and cancer with weak legs (emergency).
CATALOGUE = """\
id: small
title: "A small catalogue"
conditions:
  infection:
    name: "Infection"
    level: urgent
    source: "NICE CKS back pain"
    signs:
      fever: {says: "a fever"}
  cord:
    name: "Pressure on the spinal cord"
    level: soon
    source: "NICE CKS back pain"
    signs:
      legs: {says: "weak legs"}
      cancer_and_legs: {says: "cancer and weak legs", level: emergency, all_of: [cancer.history, cord.legs]}
  cancer:
    name: "Cancer"
    source: "IFOMPT 2020"
    signs:
      history: {says: "cancer, now or before", level: risk}
"""

ASKED = (
    TICKS.replace(
        'red_flag: urgent, because: "you have a fever"}',
        'red_flag: urgent, because: "you have a fever", asks: [infection.fever]}',
    )
    .replace('because: "you have had cancer"}', 'because: "you have had cancer", asks: [cancer.history]}')
    .replace(
        'red_flag: soon, because: "your legs are weak"}',
        'red_flag: soon, because: "your legs are weak", asks: [cord.legs]}',
    )
)


def catalogue(tmp_path: Path, text: str = CATALOGUE) -> Catalogue:
    path = tmp_path / "small.yaml"
    path.write_text(text, encoding="utf-8")
    return load_catalogue(path, "small.yaml")


def refused(tmp_path: Path, text: str) -> str:
    with pytest.raises(LoadError) as error:
        catalogue(tmp_path, text)
    return str(error.value)


def problems(dialog_text: str, tmp_path: Path) -> list[str]:
    return [
        p.message for p in coverage(load_dialog_text(dialog_text, "ticks.yaml"), catalogue(tmp_path)).problems
    ]


def test_a_dialog_that_asks_every_sign_at_its_level_is_covered(tmp_path: Path) -> None:
    found = coverage(load_dialog_text(ASKED, "ticks.yaml"), catalogue(tmp_path))
    assert found.problems == ()
    assert (found.asked, found.combined, found.excluded) == (3, 1, 0)


def test_a_sign_never_asked_is_named_with_how_to_fix_it(tmp_path: Path) -> None:
    text = ASKED.replace(", asks: [infection.fever]", "")
    assert problems(text, tmp_path) == [
        "catalogue sign 'infection.fever' (a fever; urgent) is never asked; add 'asks: [infection.fever]' "
        "to the answer that asks it, or list it under catalogue_exclude with the reason"
    ]


def test_an_answer_whose_red_flag_is_below_the_sign_is_named_by_its_line(tmp_path: Path) -> None:
    text = ASKED.replace(
        'red_flag: urgent, because: "you have a fever"', 'red_flag: soon, because: "you have a fever"'
    )
    dialog = load_dialog_text(text, "ticks.yaml")
    [problem] = coverage(dialog, catalogue(tmp_path)).problems
    assert problem.line == dialog.steps["signs"].option("fever").line  # type: ignore[union-attr]
    assert problem.message == (
        "step 'signs', option 'fever' asks 'infection.fever', which needs urgent, but has red_flag: soon; "
        "set red_flag: urgent (or higher) so that the proof holds every path after it to that level"
    )


def test_a_combination_that_can_end_below_its_level_is_found_on_every_path(tmp_path: Path) -> None:
    """Cancer and weak legs ticked together must reach emergency; here only with a fever as well."""
    text = edit(
        ASKED, '{when: {cancer: "yes", legs: "yes"}', '{when: {cancer: "yes", legs: "yes", fever: "yes"}'
    )
    assert problems(text, tmp_path) == [
        "catalogue sign 'cord.cancer_and_legs' (cancer and weak legs) needs emergency, but a patient who "
        "answers cancer.history and cord.legs can end at 'book' (soon); add a route rule for the pair"
    ]


def test_the_combination_passes_when_the_route_sends_the_pair_higher(tmp_path: Path) -> None:
    assert problems(ASKED, tmp_path) == []


def test_an_excluded_sign_needs_no_question_but_a_reason(tmp_path: Path) -> None:
    text = ASKED.replace(", asks: [infection.fever]", "")
    assert (
        problems(text + 'catalogue_exclude: {infection.fever: "asked by the nurse at the door"}\n', tmp_path)
        == []
    )
    assert problems(text + 'catalogue_exclude: {infection.fever: "no"}\n', tmp_path) == [
        "catalogue_exclude: 'infection.fever' needs a reason a clinician can check, not 'no'"
    ]


def test_a_mistyped_sign_in_the_dialog_is_named(tmp_path: Path) -> None:
    text = ASKED.replace("asks: [cord.legs]", "asks: [cord.leg]")
    assert (
        "step 'signs', option 'legs': asks 'cord.leg', which is not in the catalogue small "
        "(did you mean 'cord.legs'?)"
    ) in problems(text, tmp_path)


def test_a_sign_id_without_its_condition_is_refused_when_the_dialog_loads() -> None:
    with pytest.raises(DialogError) as error:
        load_dialog_text(ASKED.replace("asks: [cord.legs]", "asks: [legs]"), "ticks.yaml")
    assert "asks 'legs' is not a sign id; write a catalogue sign as condition.sign" in str(error.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    level: urgent\n",
            "    level: urgnet\n",
            "small.yaml:6: condition 'infection': level: 'urgnet' is not a red-flag level (did you mean "
            "'urgent'?); use one of soon, urgent, emergency, or risk",
        ),
        (
            '      fever: {says: "a fever"}\n',
            "      fever: {level: urgent}\n",
            "small.yaml:9: sign 'infection.fever' needs 'says'",
        ),
        (
            "all_of: [cancer.history, cord.legs]",
            "all_of: [cancer.histroy, cord.legs]",
            "small.yaml:16: sign 'cord.cancer_and_legs': all_of 'cancer.histroy' is not a single sign of "
            "this catalogue (did you mean 'cancer.history'?); name signs written above, as condition.sign",
        ),
        (
            '      history: {says: "cancer, now or before", level: risk}\n',
            '      history: {says: "cancer, now or before"}\n',
            "small.yaml:21: sign 'cancer.history' needs a level (here or on its condition): one of soon, "
            "urgent, emergency, or risk",
        ),
        ('    source: "IFOMPT 2020"\n', "", "small.yaml:18: condition 'cancer' needs 'source'"),
        (
            "  cord:\n",
            "  Cord:\n",
            "small.yaml:11: condition 'Cord': not a valid name; use lower_case_words (at most 32 characters)",
        ),
    ],
)
def test_mistakes_in_a_catalogue_are_named_with_their_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert message in refused(tmp_path, edit(CATALOGUE, old, new)).splitlines()


def test_a_risk_that_no_combination_uses_is_refused(tmp_path: Path) -> None:
    text = edit(CATALOGUE, "all_of: [cancer.history, cord.legs]", "all_of: [infection.fever, cord.legs]")
    assert "a risk counts only in a combination, and no all_of names it" in refused(tmp_path, text)


def test_the_shipped_catalogue_loads_and_names_a_source_for_every_sign() -> None:
    shipped = load_catalogue(SHIPPED)
    assert len(shipped.signs) >= 60
    assert all(sign.source for sign in shipped.signs.values())
    for condition in (
        "heart_attack",
        "angina",
        "aortic_dissection",
        "pulmonary_embolism",
        "collapsed_lung",
        "stroke",
        "cord_compression",
        "cauda_equina",
        "infection",
        "sepsis",
        "cancer",
        "fracture",
        "shingles",
        "kidney",
        "gallbladder",
        "pancreas",
        "inflammatory",
    ):
        assert condition in shipped.names


def test_the_shipped_dialog_covers_the_whole_catalogue() -> None:
    dialog = load_dialog(DIALOGS / "upper-back-pain.yaml")
    assert dialog.catalogue == "catalogues/back-red-flags.yaml"
    found = coverage(dialog, load_catalogue(SHIPPED))
    assert found.problems == ()
    assert found.asked + found.combined + found.excluded == len(load_catalogue(SHIPPED).signs)


def test_validate_reports_the_coverage_and_fails_on_a_gap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "catalogues").mkdir()
    (tmp_path / "catalogues" / "small.yaml").write_text(CATALOGUE, encoding="utf-8")
    good = ASKED + 'catalogue: "catalogues/small.yaml"\n'
    (tmp_path / "ticks.yaml").write_text(good, encoding="utf-8")
    assert main(["validate", str(tmp_path / "ticks.yaml")]) == 0
    assert "catalogue small covered: 3 signs asked, 1 combinations held" in capsys.readouterr().out
    (tmp_path / "ticks.yaml").write_text(good.replace(", asks: [cord.legs]", ""), encoding="utf-8")
    assert main(["validate", str(tmp_path / "ticks.yaml")]) == 1
    assert "catalogue sign 'cord.legs' (weak legs; soon) is never asked" in capsys.readouterr().err


def test_the_clinical_notes_list_every_catalogue_sign_with_its_level() -> None:
    notes = (DIALOGS.parent / "docs" / "clinical-notes.md").read_text(encoding="utf-8")
    for sign in load_catalogue(SHIPPED).signs.values():
        level = "risk (only in a combination)" if sign.level is None else sign.level.key
        assert f"| `{sign.id}` | {sign.says} | {level} |" in notes, sign.id
