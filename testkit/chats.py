"""What each chat contains, as Telegram would show it: messages, their text and keyboard now, and edits."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from testkit.keyboards import Button, inline_buttons
from testkit.waiting import Signal

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class Version:
    """A message's content before an edit replaced it."""

    text: str | None
    plain_text: str | None
    parse_mode: str | None
    reply_markup: JsonDict | None
    date: int

    @property
    def buttons(self) -> tuple[tuple[Button, ...], ...]:
        return inline_buttons(self.reply_markup)


@dataclass(eq=False)
class ChatMessage:
    """One message as it stands now; the bot's edits update it in place and keep the old `edits`.

    `text` is what the sender sent (with HTML tags); `plain_text` is what a user sees.
    """

    chat_id: int
    message_id: int
    sender: JsonDict
    from_bot: bool
    date: int
    text: str | None = None
    parse_mode: str | None = None
    plain_text: str | None = None
    entities: list[JsonDict] = field(default_factory=list)
    reply_markup: JsonDict | None = None
    extra: JsonDict = field(default_factory=dict)  # sticker, photo, location, caption ...
    edits: list[Version] = field(default_factory=list)
    edit_date: int | None = None

    @property
    def buttons(self) -> tuple[tuple[Button, ...], ...]:
        """Rows of the inline keyboard as (text, callback_data)."""
        return inline_buttons(self.reply_markup)

    @property
    def button_texts(self) -> list[str]:
        return [button.text for row in self.buttons for button in row]

    def shows(self, needle: str) -> bool:
        """Whether `needle` is in the text as sent or as shown (without tags)."""
        return any(needle in text for text in (self.text, self.plain_text) if text is not None)

    def to_json(self, chat: JsonDict) -> JsonDict:
        """The Bot API `Message` object."""
        message: JsonDict = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": chat,
            "from": self.sender,
        }
        if self.plain_text is not None:
            message["text"] = self.plain_text
        if self.entities:
            message["entities"] = self.entities
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            message["reply_markup"] = self.reply_markup  # Telegram echoes inline keyboards only
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        message.update(self.extra)
        return message

    def __repr__(self) -> str:
        who = "bot" if self.from_bot else f"user {self.sender.get('id')}"
        return f"<message {self.message_id} from {who}: {self.plain_text!r} buttons={self.button_texts}>"


@dataclass(frozen=True)
class ChatEvent:
    """The bot sent or edited a message; readers walk these in order."""

    seq: int
    kind: Literal["sent", "edited"]
    message: ChatMessage


class Chat:
    """One chat: its messages in order, the bot's sends and edits as events, and the actions it showed."""

    def __init__(self, info: JsonDict) -> None:
        self.info = info
        self.id: int = info["id"]
        self.messages: list[ChatMessage] = []
        self.events: list[ChatEvent] = []
        self.actions: list[str] = []
        self.changed = Signal()
        self._by_id: dict[int, ChatMessage] = {}
        self._ahead = 0  # seconds this chat's clock is ahead of the machine's: see `read_what_is_shown`

    def add(self, sender: JsonDict, *, from_bot: bool, **content: Any) -> ChatMessage:
        """Append a message with the next id (ids count per chat, as in private chats)."""
        message = ChatMessage(
            chat_id=self.id,
            message_id=len(self.messages) + 1,
            sender=sender,
            from_bot=from_bot,
            date=self.now(),
            **content,
        )
        self.messages.append(message)
        self._by_id[message.message_id] = message
        if from_bot:
            self._event("sent", message)
        return message

    def now(self) -> int:
        """Telegram's clock for this chat: whole Unix seconds."""
        return int(time.time()) + self._ahead

    def read_what_is_shown(self) -> None:
        """Let a second pass after the bot's last send or edit, as a person reads before typing: a text
        dated the same second as an edit may have been typed before it was seen. The clock jumps ahead
        instead of the test sleeping."""
        shown = [m.edit_date or m.date for m in self.messages if m.from_bot]
        if shown and self.now() <= max(shown):
            self._ahead += max(shown) + 1 - self.now()

    def get(self, message_id: int) -> ChatMessage | None:
        return self._by_id.get(message_id)

    def edit(
        self,
        message: ChatMessage,
        *,
        text: str | None,
        plain_text: str | None,
        parse_mode: str | None = None,
        entities: list[JsonDict] | None = None,
        reply_markup: JsonDict | None = None,
    ) -> None:
        """Replace `message`'s content in place, keeping the version it replaces, and wake readers."""
        message.edits.append(
            Version(
                message.text,
                message.plain_text,
                message.parse_mode,
                message.reply_markup,
                message.edit_date or message.date,
            )
        )
        message.text = text
        message.parse_mode = parse_mode
        message.plain_text = plain_text
        message.entities = entities or []
        message.reply_markup = reply_markup
        message.edit_date = self.now()
        if message.from_bot:
            self._event("edited", message)

    def bot_messages(self) -> list[ChatMessage]:
        return [message for message in self.messages if message.from_bot]

    def _event(self, kind: Literal["sent", "edited"], message: ChatMessage) -> None:
        self.events.append(ChatEvent(len(self.events) + 1, kind, message))
        self.changed.fire()
