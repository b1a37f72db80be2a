"""What the bot says to patients, in one place, so wording is reviewed and changed without reading code."""

# The command menu, as Telegram shows it; which handler serves each is in bot/telegram/frontend.py.
MENU = {
    "start": "Start the check",
    "back": "Change your last answer",
    "restart": "Start again from the beginning",
    "why": "Why am I asked this?",
    "help": "How this bot works",
    "about": "Contact the clinic",
    "privacy": "What is kept about you",
    "forget": "Erase everything kept about you",
}
HELP = (
    "I ask a few questions about your symptoms and then tell you when to see a doctor.\n\n"
    "Tap a button, or type the answer or its number.\n"
    "/back changes your last answer, /restart starts again, /why explains a question, "
    "/about shows how to reach the clinic, /privacy and /forget are about your data."
)
PRIVACY = (
    "I keep only your answers to this check and where you are in it, so that you can carry on "
    "later. I do not keep your name or your messages. Send /forget to erase everything now."
)
NOT_TEXT = "I can only read text and button taps. Please tap a button or type your answer."
EDITED = "I cannot use edited messages. Please send your answer again as a new message."
GROUP = "Health questions are private: please talk to me in a private chat."
UNKNOWN_COMMAND = "I do not know that command. Send /help to see what I can do."
FAILED = "Sorry, something went wrong on my side. Please try again, or send /restart."
FORGET_ASK = "Erase everything I keep about you, including your answers?"
FORGOTTEN = "Done: everything I kept about you is erased. Send /start to begin a new check."
KEPT = "Nothing was erased."
TYPED_TOO_EARLY = (
    "That answer was typed before this question was shown, so I did not use it. Here is where you are now."
)
UNREADABLE = "Sorry, I could not read where you were in the check, so we are starting again."
TRY_LATER = "Sorry, I cannot reach my notes right now. Please try again in a minute: nothing is lost."
