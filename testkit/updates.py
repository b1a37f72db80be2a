"""Updates waiting for the bot, kept until it confirms them, as Telegram keeps them (polling or webhook)."""

from __future__ import annotations

from typing import Any

from testkit.waiting import Signal

JsonDict = dict[str, Any]

# What Telegram sends when `allowed_updates` is empty or was never given.
DEFAULT_ALLOWED = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


def update_kind(update: JsonDict) -> str:
    """The update's type: the one key beside `update_id`."""
    return next(key for key in update if key != "update_id")


def update_chat_id(update: JsonDict) -> int | None:
    """The chat an update belongs to, so that a chat's updates can be delivered in order."""
    payload = update[update_kind(update)]
    if not isinstance(payload, dict):
        return None
    message = payload.get("message", payload)
    chat = message.get("chat") if isinstance(message, dict) else None
    if isinstance(chat, dict) and isinstance(chat.get("id"), int):
        return int(chat["id"])
    return None


class UpdateQueue:
    """Pending updates in id order; an update leaves only when confirmed, so a lost answer loses nothing."""

    def __init__(self, first_id: int = 1) -> None:
        self.history: list[JsonDict] = []  # every update created, including those not allowed
        self.arrived = Signal()
        self._pending: list[JsonDict] = []
        self._next_id = first_id
        self._allowed = DEFAULT_ALLOWED

    @property
    def pending(self) -> list[JsonDict]:
        return list(self._pending)

    @property
    def allowed_updates(self) -> frozenset[str]:
        return self._allowed

    def set_allowed(self, kinds: list[str] | None) -> None:
        """Telegram keeps the last setting; an empty list means the default set."""
        if kinds is not None:
            self._allowed = frozenset(kinds) or DEFAULT_ALLOWED

    def put(self, kind: str, payload: JsonDict) -> JsonDict:
        """Create an update; like Telegram, a kind the bot did not allow is never queued."""
        update: JsonDict = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self.history.append(update)
        if kind in self._allowed:
            self._pending.append(update)
            self.arrived.fire()
        return update

    def take(self, limit: int) -> list[JsonDict]:
        """The oldest `limit` pending updates; they stay pending until confirmed."""
        return self._pending[:limit]

    def confirm_below(self, offset: int) -> None:
        """getUpdates `offset`: every update with a smaller id is confirmed and forgotten."""
        if offset < 0:  # a negative offset keeps only the last -offset updates
            del self._pending[: max(len(self._pending) + offset, 0)]
        else:
            self._pending = [update for update in self._pending if update["update_id"] >= offset]

    def remove(self, update_id: int) -> None:
        """A webhook delivery succeeded."""
        self._pending = [update for update in self._pending if update["update_id"] != update_id]
        self.arrived.fire()  # a chat's next update may now go out

    def clear(self) -> None:
        """drop_pending_updates."""
        self._pending.clear()
