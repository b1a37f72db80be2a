"""Scripted users: they write, tap buttons and read what the bot sent, as a person in a Telegram client."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from testkit.chats import Chat, ChatEvent, ChatMessage
from testkit.html_text import utf16_len
from testkit.waiting import wait_until

if TYPE_CHECKING:
    from testkit.methods import BotApi

JsonDict = dict[str, Any]
Match = str | Callable[[ChatMessage], bool]
DEFAULT_TIMEOUT = 5.0
# Telegram marks a command wherever a word starts with "/" (optionally addressed: /start@some_bot).
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


class Inbox:
    """A reader's cursor over what the bot sent to one chat: every new message and every edit, in order.

    Each read moves the cursor past what it returned, like reading a chat from top to bottom; messages are
    live records, so a message read earlier shows later edits too.
    """

    def __init__(self, chat: Chat, name: str) -> None:
        self.chat = chat
        self.name = name
        self._seen = 0  # seq of the last ChatEvent read

    @property
    def messages(self) -> list[ChatMessage]:
        """Everything the bot sent here, read or not, as it stands now."""
        return self.chat.bot_messages()

    @property
    def last_message(self) -> ChatMessage | None:
        messages = self.messages
        return messages[-1] if messages else None

    def screens(self) -> list[str]:
        """What the bot showed here, in order, as plain text: each message sent, and each edit that
        changed its words (one that changed only the buttons shows nothing new)."""
        versions: dict[int, int] = {}
        shown: list[str] = []
        for event in self.chat.events:
            message = event.message
            index = versions.get(message.message_id, 0)
            versions[message.message_id] = index + 1
            text = [*(v.plain_text for v in message.edits), message.plain_text][index] or ""
            if event.kind == "sent" or text != _previous(message, index):
                shown.append(text)
        return shown

    def skip(self) -> None:
        """Mark everything so far as read."""
        self._seen = len(self.chat.events)

    async def next_message(self, timeout: float = DEFAULT_TIMEOUT) -> ChatMessage:
        """The next message the bot sends (edits are passed over)."""
        return await self._next(lambda event: event.kind == "sent", "no new message", timeout)

    async def next_edit(self, timeout: float = DEFAULT_TIMEOUT) -> ChatMessage:
        """The next message the bot edits (new messages are passed over)."""
        return await self._next(lambda event: event.kind == "edited", "no edit", timeout)

    async def wait_for(self, match: Match, timeout: float = DEFAULT_TIMEOUT) -> ChatMessage:
        """The next message sent or edited that contains `match` (as sent or as shown) or satisfies it."""

        def wanted(event: ChatEvent) -> bool:
            return event.message.shows(match) if isinstance(match, str) else match(event.message)

        return await self._next(wanted, f"nothing matching {match!r}", timeout)

    async def _next(self, wanted: Callable[[ChatEvent], bool], missing: str, timeout: float) -> ChatMessage:
        def find() -> ChatMessage | None:
            for event in self.chat.events[self._seen :]:
                if wanted(event):
                    self._seen = event.seq
                    return event.message
            return None

        found = await wait_until(find, self.chat.changed, timeout)
        if found is None:
            recent = "\n  ".join(repr(message) for message in self.messages[-5:]) or "(none)"
            raise TimeoutError(
                f"{self.name}: {missing} from the bot within {timeout} s; its last messages here:\n  {recent}"
            )
        return found


class ScriptedGroup(Inbox):
    """A group chat with the bot: read what it posted there; users post with `send(..., chat=group)`."""

    def __init__(self, chat: Chat) -> None:
        super().__init__(chat, f"group {chat.id}")

    @property
    def id(self) -> int:
        return self.chat.id


class Tap:
    """A button press: a callback query the bot should answer (or some clients spin forever)."""

    def __init__(self, api: BotApi, query_id: str, message: ChatMessage, data: str) -> None:
        self.query_id = query_id
        self.message = message
        self.data = data
        self._api = api

    @property
    def answer(self) -> JsonDict | None:
        """The bot's answerCallbackQuery parameters (text, show_alert, url, cache_time), once answered."""
        return self._api.callback_answers.get(self.query_id)

    async def answered(self, timeout: float = DEFAULT_TIMEOUT) -> JsonDict:
        """Wait for the bot to answer this query."""
        found = await wait_until(lambda: self.answer, self._api.answered, timeout)
        if found is None:
            raise TimeoutError(
                f"callback query {self.query_id} ({self.data!r}) not answered within {timeout} s"
            )
        return found


class ScriptedUser(Inbox):
    """A person with a private chat with the bot: sends messages, taps buttons and reads the replies."""

    def __init__(
        self,
        api: BotApi,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        self.json: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None:
                self.json[key] = value
        self._api = api
        self._files = 0
        super().__init__(api.private_chat(self.json), f"user {user_id}")

    @property
    def id(self) -> int:
        return int(self.json["id"])

    async def send(
        self, text: str, *, chat: ScriptedGroup | None = None, unread: bool = False
    ) -> ChatMessage:
        """A text message; commands in it get `bot_command` entities, as Telegram adds them.

        It is typed after reading what the bot showed (dated at least a second after its last send or
        edit), unless `unread`: typed at once, as by someone who did not wait for the screen to change.
        """
        if not unread:
            (self.chat if chat is None else chat.chat).read_what_is_shown()
        return self._post(chat, text=text, plain_text=text, entities=_command_entities(text))

    async def send_command(self, command: str, *, chat: ScriptedGroup | None = None) -> ChatMessage:
        """`/start`, `start` or `/start payload`."""
        text = command if command.startswith("/") else f"/{command}"
        if not _COMMAND.match(text):
            raise ValueError(f"not a bot command: {command!r}")
        return await self.send(text, chat=chat)

    async def tap(
        self, button: str, *, message: ChatMessage | None = None, chat: ScriptedGroup | None = None
    ) -> Tap:
        """Press the button with this text (or callback data) on the last message with an inline keyboard.

        Pass `message` to press a button on an older message, as a user scrolling up can.
        """
        where = self if chat is None else chat
        target = message or next((m for m in reversed(where.messages) if m.buttons), None)
        if target is None:
            raise LookupError(f"{self.name}: no message with an inline keyboard in {where.name}")
        buttons = [b for row in target.buttons for b in row]
        found = next((b for b in buttons if b.text == button), None) or next(
            (b for b in buttons if b.callback_data == button), None
        )
        if found is None:
            raise LookupError(f"{self.name}: no button {button!r} on {target!r}")
        if found.callback_data is None:
            raise LookupError(f"{self.name}: button {button!r} opens a link; it sends no callback query")
        query_id = self._api.open_callback_query(self.json, where.chat, target, found.callback_data)
        return Tap(self._api, query_id, target, found.callback_data)

    async def forge_tap(self, data: str, *, message: ChatMessage | None = None) -> Tap:
        """Send a callback query with any data, as a modified client or a stale keyboard can."""
        target = message or next((m for m in reversed(self.messages)), None)
        if target is None:
            raise LookupError(f"{self.name}: the bot has sent no message to tap on")
        query_id = self._api.open_callback_query(self.json, self.chat, target, data)
        return Tap(self._api, query_id, target, data)

    async def send_sticker(self, emoji: str = "👍", *, chat: ScriptedGroup | None = None) -> ChatMessage:
        file_id, unique_id = self._file_ids()
        sticker = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._post(chat, extra={"sticker": sticker})

    async def send_photo(
        self, caption: str | None = None, *, chat: ScriptedGroup | None = None
    ) -> ChatMessage:
        sizes = []
        for width, height in ((90, 67), (320, 240), (1280, 960)):
            file_id, unique_id = self._file_ids()
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "width": width,
                    "height": height,
                    "file_size": width * height // 8,
                }
            )
        extra: JsonDict = {"photo": sizes}
        if caption is not None:
            extra["caption"] = caption
        return self._post(chat, extra=extra)

    async def send_location(
        self, latitude: float = 51.5074, longitude: float = -0.1278, *, chat: ScriptedGroup | None = None
    ) -> ChatMessage:
        return self._post(chat, extra={"location": {"latitude": latitude, "longitude": longitude}})

    async def edit_last(self, text: str, *, chat: ScriptedGroup | None = None) -> ChatMessage:
        """Edit this user's last text message; the bot gets an `edited_message` update."""
        where = self.chat if chat is None else chat.chat
        mine = [
            m for m in where.messages if not m.from_bot and m.sender["id"] == self.id and m.text is not None
        ]
        if not mine:
            raise LookupError(f"{self.name}: no text message of mine to edit in chat {where.id}")
        message = mine[-1]
        where.edit(message, text=text, plain_text=text, entities=_command_entities(text))
        self._api.updates.put("edited_message", message.to_json(where.info))
        return message

    def _post(self, chat: ScriptedGroup | None, **content: Any) -> ChatMessage:
        where = self.chat if chat is None else chat.chat
        message = where.add(self.json, from_bot=False, **content)
        self._api.updates.put("message", message.to_json(where.info))
        return message

    def _file_ids(self) -> tuple[str, str]:
        self._files += 1
        return f"file-{self.id}-{self._files}", f"unique-{self.id}-{self._files}"


def _previous(message: ChatMessage, index: int) -> str:
    """The words of `message` before its edit number `index`."""
    return message.edits[index - 1].plain_text or "" if index > 0 else ""


def _command_entities(text: str) -> list[JsonDict]:
    return [
        {"type": "bot_command", "offset": utf16_len(text[: found.start()]), "length": utf16_len(found[0])}
        for found in _COMMAND.finditer(text)
    ]
