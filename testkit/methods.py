"""The Bot API methods the bot uses, with Telegram's semantics and error texts, over in-memory state."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from testkit.chats import Chat, ChatMessage
from testkit.errors import ApiError, bad_request
from testkit.html_text import check_text_length, parse_text
from testkit.keyboards import parse_reply_markup
from testkit.updates import UpdateQueue
from testkit.waiting import Signal
from testkit.webhook import Webhook

JsonDict = dict[str, Any]
Handler = Callable[["Params"], Awaitable[object]]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


class Params:
    """A call's parameters as they arrived: form values are strings (PTB JSON-encodes the rest).

    JSON bodies arrive typed; Telegram accepts both, so every accessor does.
    """

    def __init__(self, raw: Mapping[str, object]) -> None:
        self.raw = dict(raw)

    def text(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value)

    def integer(self, name: str) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        try:
            return value if isinstance(value, int) else int(str(value))
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str) -> float | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        try:
            return float(str(value))
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.raw.get(name)
        return value is True or (isinstance(value, str) and value.lower() in {"true", "1"})

    def json(self, name: str) -> object:
        value = self.raw.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def string_list(self, name: str) -> list[str] | None:
        value = self.json(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise bad_request(f"can't parse {name} JSON object")
        return value


def bot_id(token: str) -> int:
    """A bot's id is the number before the colon of its token."""
    head = token.partition(":")[0]
    return int(head) if head.isdigit() else 1


class BotApi:
    """One bot's view of Telegram: its chats, pending updates, webhook, commands and open callback queries."""

    def __init__(
        self,
        token: str,
        *,
        username: str,
        first_name: str,
        callback_query_ttl: float,
        webhook_retry_delay: float,
        webhook_max_retry_delay: float,
        webhook_timeout: float,
    ) -> None:
        self.me: JsonDict = {
            "id": bot_id(token),
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.updates = UpdateQueue()
        self.webhook = Webhook(
            self.updates,
            retry_delay=webhook_retry_delay,
            max_retry_delay=webhook_max_retry_delay,
            timeout=webhook_timeout,
        )
        self.chats: dict[int, Chat] = {}
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        self.callback_answers: dict[str, JsonDict] = {}
        self.answered = Signal()
        self.closing = False
        self._callback_query_ttl = callback_query_ttl
        self._open_queries: dict[str, float] = {}  # id -> monotonic deadline
        self._next_query = 1
        self._poll_generation = 0
        handlers: dict[str, Handler] = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "answerCallbackQuery": self.answer_callback_query,
            "setMyCommands": self.set_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "getMyCommands": self.get_my_commands,
            "sendChatAction": self.send_chat_action,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "close": self.harmless,
            "logOut": self.harmless,
        }
        self._handlers = {name.lower(): (name, handler) for name, handler in handlers.items()}

    def method_name(self, method: str) -> str | None:
        """The canonical spelling; Telegram's method names are case-insensitive."""
        found = self._handlers.get(method.lower())
        return None if found is None else found[0]

    async def call(self, method: str, params: Params) -> object:
        found = self._handlers.get(method.lower())
        if found is None:
            raise ApiError(404, "Not Found")
        return await found[1](params)

    # --- state shared with scripted users ---

    def private_chat(self, user: JsonDict) -> Chat:
        """The chat a user has with the bot; its id is the user's id, as in Telegram."""
        info = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            info["username"] = user["username"]
        return self.chats.setdefault(user["id"], Chat(info))

    def group_chat(self, chat_id: int, title: str) -> Chat:
        return self.chats.setdefault(chat_id, Chat({"id": chat_id, "type": "group", "title": title}))

    def open_callback_query(self, user: JsonDict, chat: Chat, message: ChatMessage, data: str) -> str:
        """Queue the update for a button tap; the bot must answer within the time to live."""
        query_id = f"{self.me['id']}{self._next_query:08d}"
        self._next_query += 1
        self._open_queries[query_id] = time.monotonic() + self._callback_query_ttl
        self.updates.put(
            "callback_query",
            {
                "id": query_id,
                "from": user,
                "message": message.to_json(chat.info),
                "chat_instance": str(chat.id),
                "data": data,
            },
        )
        return query_id

    # --- methods ---

    async def get_me(self, _: Params) -> object:
        return {
            **self.me,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_updates(self, params: Params) -> object:
        """Long polling: answer at once when updates wait, else when one arrives or `timeout` passes."""
        if self.webhook.active:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = params.integer("offset")
        limit = min(max(params.integer("limit") or 100, 1), 100)
        timeout = max(params.number("timeout") or 0.0, 0.0)
        self.updates.set_allowed(params.string_list("allowed_updates"))
        if offset is not None:
            self.updates.confirm_below(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self.updates.arrived.fire()  # an older poll still waiting is terminated, as Telegram does
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self.updates.take(limit)
            remaining = deadline - loop.time()
            if batch or self.closing or remaining <= 0:
                return batch
            await self.updates.arrived.wait(remaining)
            if generation != self._poll_generation:
                raise ApiError(409, POLL_CONFLICT)
            if self.webhook.active:
                raise ApiError(409, WEBHOOK_CONFLICT)

    async def send_message(self, params: Params) -> object:
        chat = self._chat(params)
        text = params.text("text") or ""
        parse_mode = params.text("parse_mode") or None
        plain, entities = self._parse(params, text, parse_mode)
        check_text_length(plain, editing=False)
        markup = parse_reply_markup(params.json("reply_markup"))
        message = chat.add(
            self.me,
            from_bot=True,
            text=text,
            parse_mode=parse_mode,
            plain_text=plain,
            entities=entities,
            reply_markup=markup,
        )
        return message.to_json(chat.info)

    async def edit_message_text(self, params: Params) -> object:
        """Without `reply_markup` an edit removes the inline keyboard, as in Telegram."""
        chat, message = self._message_to_edit(params)
        if message.plain_text is None:
            raise bad_request("there is no text in the message to edit")
        text = params.text("text") or ""
        parse_mode = params.text("parse_mode") or None
        plain, entities = self._parse(params, text, parse_mode)
        check_text_length(plain, editing=True)
        markup = parse_reply_markup(params.json("reply_markup"))
        if (plain, entities, markup) == (message.plain_text, message.entities, message.reply_markup):
            raise bad_request(NOT_MODIFIED)
        chat.edit(
            message,
            text=text,
            parse_mode=parse_mode,
            plain_text=plain,
            entities=entities,
            reply_markup=markup,
        )
        return message.to_json(chat.info)

    async def edit_message_reply_markup(self, params: Params) -> object:
        chat, message = self._message_to_edit(params)
        markup = parse_reply_markup(params.json("reply_markup"))
        if markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED)
        chat.edit(
            message,
            text=message.text,
            parse_mode=message.parse_mode,
            plain_text=message.plain_text,
            entities=message.entities,
            reply_markup=markup,
        )
        return message.to_json(chat.info)

    async def answer_callback_query(self, params: Params) -> object:
        """A query can be answered once, before it expires."""
        query_id = params.text("callback_query_id") or ""
        deadline = self._open_queries.pop(query_id, None)
        if deadline is None or time.monotonic() > deadline:
            raise bad_request(QUERY_TOO_OLD)
        self.callback_answers[query_id] = {
            "text": params.text("text"),
            "show_alert": params.flag("show_alert"),
            "url": params.text("url"),
            "cache_time": params.integer("cache_time") or 0,
        }
        self.answered.fire()
        return True

    async def set_my_commands(self, params: Params) -> object:
        commands = params.json("commands")
        if not isinstance(commands, list) or not all(isinstance(command, dict) for command in commands):
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command.get("command"), str) or not _COMMAND.fullmatch(command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        if commands:
            self.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.commands.pop(key, None)
        return True

    async def delete_my_commands(self, params: Params) -> object:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def get_my_commands(self, params: Params) -> object:
        return self.commands.get(self._commands_key(params), [])

    async def send_chat_action(self, params: Params) -> object:
        chat = self._chat(params)
        action = params.text("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.actions.append(action)
        return True

    async def set_webhook(self, params: Params) -> object:
        """Store the URL and secret and start pushing updates; plain http is allowed for local tests."""
        url = params.text("url") or ""
        if not url:
            return await self.delete_webhook(params)
        if not url.startswith(("https://", "http://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if params.flag("drop_pending_updates"):
            self.updates.clear()
        self.updates.set_allowed(params.string_list("allowed_updates"))
        max_connections = min(max(params.integer("max_connections") or 40, 1), 100)
        secret_token = params.text("secret_token")
        if self.webhook.active and (url, secret_token, max_connections) == (
            self.webhook.url,
            self.webhook.secret_token,
            self.webhook.max_connections,
        ):
            return True  # Telegram: "Webhook is already set"; deliveries in progress go on undisturbed
        await self.webhook.set(url, secret_token=secret_token, max_connections=max_connections)
        self.updates.arrived.fire()  # a waiting getUpdates now conflicts
        return True

    async def delete_webhook(self, params: Params) -> object:
        """PTB calls this before polling; it must succeed with or without a webhook."""
        if params.flag("drop_pending_updates"):
            self.updates.clear()
        await self.webhook.delete()
        return True

    async def get_webhook_info(self, _: Params) -> object:
        return self.webhook.info()

    async def harmless(self, _: Params) -> object:
        """close and logOut: nothing to release locally."""
        return True

    # --- helpers ---

    def _chat(self, params: Params) -> Chat:
        raw = params.raw.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        try:
            chat_id = int(str(raw))
        except ValueError:
            raise bad_request("chat not found") from None
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _message_to_edit(self, params: Params) -> tuple[Chat, ChatMessage]:
        if params.raw.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not modelled
        chat = self._chat(params)
        message_id = params.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    @staticmethod
    def _parse(params: Params, text: str, parse_mode: str | None) -> tuple[str, list[JsonDict]]:
        """Explicit `entities` win over `parse_mode`, as in Telegram."""
        entities = params.json("entities")
        if isinstance(entities, list):
            return text, entities
        return parse_text(text, parse_mode)

    @staticmethod
    def _commands_key(params: Params) -> tuple[str, str]:
        scope = params.json("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.text("language_code") or ""
