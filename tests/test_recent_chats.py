"""The bot's per-chat memory of message ids stays bounded however many chats it has seen."""

from __future__ import annotations

from bot.telegram.frontend import RecentChats


def test_only_the_most_recent_chats_are_remembered() -> None:
    recent = RecentChats(limit=3)
    for chat in (1, 2, 3):
        recent[chat] = chat * 10
    recent[1] = 11  # chat 1 is active again, so chat 2 is now the oldest
    recent[4] = 40
    assert dict(recent) == {3: 30, 1: 11, 4: 40}


def test_a_forgotten_chat_reads_as_unknown() -> None:
    recent = RecentChats(limit=1)
    recent[1] = 10
    recent[2] = 20
    assert recent.get(1) is None
    assert recent.pop(1, None) is None
