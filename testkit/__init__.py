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

from testkit.chats import Chat, ChatMessage, Version
from testkit.faults import Fault, Faults
from testkit.keyboards import Button
from testkit.server import DEFAULT_TOKEN, ApiCall, BotApiServer
from testkit.users import Inbox, ScriptedGroup, ScriptedUser, Tap
from testkit.webhook import Delivery

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
