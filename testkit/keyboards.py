"""Telegram's checks on `reply_markup`, with its exact error texts, and inline keyboards as users see them."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from testkit.errors import bad_request

JsonDict = dict[str, Any]

MAX_CALLBACK_DATA_BYTES = 64
_BUTTON_KINDS = frozenset(
    {
        "callback_data",
        "url",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
        "web_app",
    }
)


class Button(NamedTuple):
    """An inline button as a user sees it; equal to a plain `(text, callback_data)` tuple."""

    text: str
    callback_data: str | None


def parse_reply_markup(value: object) -> JsonDict | None:
    """Decode and check `reply_markup` (a JSON string in form posts); None when absent."""
    if value is None or value == "":
        return None
    markup = value
    if isinstance(value, str):
        try:
            markup = json.loads(value)
        except ValueError:
            markup = None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                _check_button(button)
    return markup


def _check_button(button: object) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton should be an Object")
    if not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not _BUTTON_KINDS & button.keys():
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if "callback_data" in button and (
        not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if "url" in button and (not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://"))):
        raise bad_request("BUTTON_URL_INVALID")


def inline_buttons(markup: JsonDict | None) -> tuple[tuple[Button, ...], ...]:
    """The rows of an inline keyboard; empty for none or for another kind of keyboard."""
    if markup is None:
        return ()
    return tuple(
        tuple(Button(button["text"], button.get("callback_data")) for button in row)
        for row in markup.get("inline_keyboard", ())
    )
