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

# Said when an answer is needed and something else was typed, or /back or /why has nothing to act on.
BACK_AT_START = "There is no answer to change yet: choose one of the answers below to begin."
WHY_QUESTION = "This question helps me find the right advice for you."
WHY_ADVICE = (
    "This advice follows from your answers. To see what another answer changes, go back and change it."
)


def why_default(at_outcome: bool) -> str:
    """/why where the dialog gives no `why`: the same words in Telegram, in the preview and in the docs."""
    return WHY_ADVICE if at_outcome else WHY_QUESTION


def unclear(count: int) -> str:
    """The hint after an answer that fits none of `count` options: which numbers to type."""
    if count == 1:
        return "Sorry, I did not understand. Please type 1, or the words of the answer."
    numbers = "1 or 2" if count == 2 else f"a number from 1 to {count}"
    return f"Sorry, I did not understand. Please type {numbers}, or the words of an answer."


# Notices of the conversation engine: where a patient is, when a tap or a text cannot be used as it is.
CHANGED = "Some questions have changed since you started, so please answer this one again."
STALE = "That button belongs to an earlier question. Here is where you are now."
FINISHED = "This check is finished. You can go back to change an answer, or start again."
TICK_FIRST = "Please tick at least one answer, or 'None of these', then tap Done."
LATE = "I already have your answer to the question before. Here is the next one."


def unclear_ticks(none_number: str) -> str:
    """The hint after a text that names no item of a tick list."""
    return (
        "Sorry, I did not understand. Please type the numbers of all that apply "
        f"(for example 1 3), or tick them and tap Done. Type {none_number} for none."
    )


def could_mean(answer: str, names: list[str]) -> str:
    """'Yes' where several answers start so: which ones, by number; nothing is picked."""
    could = ", ".join(names[:-1]) + " or " + names[-1]
    return f"'{answer}' could mean {could}. Please type its number."


def did_you_mean(label: str, number: int) -> str:
    """A close misspelling of one answer: offered, never picked."""
    return f"Did you mean '{label}'? If so, type {number}."


def number_or_option(value: int, unit: str, holding: str | None, option: str) -> str:
    """'2' at a duration question: 2 days, or the second answer? Asked, never guessed."""
    meant = f"{value} {unit} ('{holding}')" if holding else f"{value} {unit}"
    return f"Did you mean {meant} or option {value} ('{option}')? Please tap the answer."


# Buttons beside the answers (Telegram), and the terminal preview's own lines.
DONE_BUTTON = "Done ➡"
NO_BUTTON = "No"


def yes_i_meant(label: str) -> str:
    """The Yes button of a "Did you mean ...?", naming the answer it gives."""
    return f"Yes: {label}"


BACK_BUTTON = "⬅ Back"
CHANGE_BUTTON = "⬅ Change an answer"
RESTART_BUTTON = "↻ Start again"
ANSWERS_SO_FAR = "Your answers so far:"  # above the question, on the card that each answer replaces
YOUR_ANSWERS = "Your answers:"  # the card once the check has ended, above the advice


def earlier_answers(count: int) -> str:
    """Where the answers so far are too many for one message: the oldest are left out."""
    return f"... and {count} earlier {'answer' if count == 1 else 'answers'}"


PREVIEW_COMMANDS = "Type a number or the answer's words; also: back, restart, why, quit."
PREVIEW_SECOND_MESSAGE = "  (then, in a second message:)"
PREVIEW_TICK_HINT = "(Tick all that apply: type their numbers, e.g. 1 3, or none.)"
PREVIEW_FINISHED = "  (The check is finished: type back, restart or quit.)"
PREVIEW_LEVELS = {
    "emergency": "EMERGENCY: call now",
    "urgent": "URGENT: see a doctor today",
    "soon": "SOON: book an appointment",
    "self_care": "SELF-CARE at home",
}
