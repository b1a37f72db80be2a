"""The JSON Schema of the dialog format: editor autocompletion, and the loader's list of known keys."""

from __future__ import annotations

from typing import Any

from bot.dialog.model import Urgency

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
DIALOG_ID_PATTERN = r"^[a-z][a-z0-9_-]{0,63}$"
SIGN_PATTERN = r"^[a-z][a-z0-9_]{0,31}\.[a-z][a-z0-9_]{0,31}$"  # condition.sign in a red-flag catalogue

_text = {"type": "string", "minLength": 1}
_name = {"type": "string", "pattern": NAME_PATTERN}
_level = {"enum": list(Urgency.names())}
_when = {
    "type": "object",
    "description": "Facts that must all match; a value may be a list of allowed values.",
    "additionalProperties": {
        "anyOf": [_name, {"type": "array", "items": _name, "minItems": 1}],
    },
}

UNITS = ("years", "days")  # of an option's range
OPTION_KEYS = {
    "label": {**_text, "description": "The button text (also what a patient may type)."},
    "next": {**_name, "description": "The step that follows this answer."},
    "id": {**_name, "description": "Stable id stored in sessions; defaults to the label."},
    "set": {
        "type": "object",
        "description": "Facts this answer sets, e.g. {trauma: minor}.",
        "additionalProperties": _name,
    },
    "red_flag": {
        **_level,
        "description": "A danger sign: every path after this answer must end at this level or above.",
    },
    "because": {**_text, "description": "Short words for 'because you said ...' in the advice."},
    "none": {
        "type": "boolean",
        "description": "In a tick list: the 'None of these' answer, which clears the other ticks.",
    },
    "asks": {
        "type": "array",
        "items": {"type": "string", "pattern": SIGN_PATTERN},
        "description": "The red-flag catalogue's signs this answer asks about, e.g. [shingles.rash].",
    },
    "range": {
        "type": "array",
        "items": {"type": "integer", "minimum": 0},
        "minItems": 2,
        "maxItems": 2,
        "description": "Lowest and highest value, e.g. [20, 49]: a typed '45' or '2 weeks' picks it.",
    },
    "unit": {
        "enum": list(UNITS),
        "description": "The unit of range: years (an age) or days (a duration; weeks and months convert).",
    },
}
RULE_KEYS = {
    "when": _when,
    "next": {**_name, "description": "The step to go to when the rule matches."},
}
SHOW_KEYS = {"topic": _name, "when": _when}
TOPIC_KEYS = {"title": _text, "text": _text}
STEP_KEYS: dict[str, Any] = {
    "ask": {**_text, "description": "A question; needs options."},
    "say": {**_text, "description": "A message; with options it waits, in an outcome it is advice."},
    "why": {**_text, "description": "Why the question is asked (shown on request)."},
    "pick": {
        "enum": ["one", "many"],
        "description": "'many': tick all that apply, then Done; the options need no 'next'.",
    },
    "next": {**_name, "description": "In a tick list: the step that follows, whatever is ticked."},
    "options": {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "properties": OPTION_KEYS,
            "required": ["label"],
            "additionalProperties": False,
        },
    },
    "route": {
        "type": "array",
        "minItems": 1,
        "description": "Rules tried in order; the first that matches wins; the last has no 'when'.",
        "items": {
            "type": "object",
            "properties": RULE_KEYS,
            "required": ["next"],
            "additionalProperties": False,
        },
    },
    "outcome": {**_level, "description": "Ends the dialog with advice at this level."},
    "show": {
        "type": "array",
        "description": "Topics shown with this step; {topic, when} shows one only when facts match.",
        "items": {
            "anyOf": [
                _name,
                {
                    "type": "object",
                    "properties": SHOW_KEYS,
                    "required": ["topic"],
                    "additionalProperties": False,
                },
            ]
        },
    },
    "safety_net": {**_text, "description": "Replaces the dialog's safety net for this outcome."},
    "source": {**_text, "description": "Where this advice comes from."},
    "reviewed_by": {**_text, "description": "The clinician who signed this advice off."},
    "review_due": {"type": "string", "description": "Date of the next review, YYYY-MM-DD."},
}
DIALOG_KEYS: dict[str, Any] = {
    "id": {"type": "string", "pattern": DIALOG_ID_PATTERN},
    "title": _text,
    "start": _name,
    "disclaimer": {**_text, "description": "Shown at the end of every outcome."},
    "safety_net": {**_text, "description": "When to come back; shown with every non-emergency outcome."},
    "contact": {**_text, "description": "How to reach the clinic; shown with every outcome."},
    "facts": {
        "type": "object",
        "description": "What answers may record, with the allowed values of each fact.",
        "additionalProperties": {"type": "array", "items": _name, "minItems": 1},
    },
    "steps": {
        "type": "object",
        "propertyNames": {"pattern": NAME_PATTERN},
        "additionalProperties": {
            "type": "object",
            "properties": STEP_KEYS,
            "additionalProperties": False,
        },
    },
    "catalogue": {
        **_text,
        "description": "The red-flag catalogue this dialog must cover, relative to the dialog's folder.",
    },
    "catalogue_exclude": {
        "type": "object",
        "propertyNames": {"pattern": SIGN_PATTERN},
        "additionalProperties": _text,
        "description": "Catalogue signs the dialog does not ask, each with the reason why.",
    },
    "topics": {
        "type": "object",
        "propertyNames": {"pattern": NAME_PATTERN},
        "additionalProperties": {
            "type": "object",
            "properties": TOPIC_KEYS,
            "required": ["title", "text"],
            "additionalProperties": False,
        },
    },
}
DIALOG_REQUIRED = ("id", "title", "start", "disclaimer", "safety_net", "contact", "steps")

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://clinic-bot.example/dialog.schema.json",
    "title": "Clinic bot dialog",
    "description": "One symptom-check dialog. See docs/dialog-format.md.",
    "type": "object",
    "properties": DIALOG_KEYS,
    "required": list(DIALOG_REQUIRED),
    "additionalProperties": False,
}
