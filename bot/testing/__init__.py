"""A local Telegram Bot API server and scripted users: end-to-end tests through the real PTB stack.

async with BotApiServer() as server:
    # run the bot with base_url=server.base_url (in process or as a subprocess), then:
    alice = server.user(1001, "Alice")
    await alice.send_command("/start")
    question = await alice.next_message()
    tap = await alice.tap("Yes")
    await tap.answered()
    edited = await alice.next_edit()
"""

from bot.testing.chats import Chat, ChatMessage, Version
from bot.testing.faults import Fault, Faults
from bot.testing.keyboards import Button
from bot.testing.server import DEFAULT_TOKEN, ApiCall, BotApiServer
from bot.testing.users import Inbox, ScriptedGroup, ScriptedUser, Tap
from bot.testing.webhook import Delivery

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "BotApiServer",
    "Button",
    "Chat",
    "ChatMessage",
    "Delivery",
    "Fault",
    "Faults",
    "Inbox",
    "ScriptedGroup",
    "ScriptedUser",
    "Tap",
    "Version",
]
