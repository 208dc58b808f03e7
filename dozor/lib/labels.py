"""What people read for the values the code stores: statuses, work states, media, roles.

The texts are English msgids, marked with ``N_`` so that extraction finds them; they are
translated where they are shown (``label()`` in templates). The Russian wording of the statuses
follows the dialog list of seed 001, the work states the operator's workspace of seed 000.
"""

from collections.abc import Callable


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


LABELS: dict[str, dict[str, str]] = {
    "status": {
        "waiting": N_("Client waits for the operator's answer"),
        "answered": N_("Operator answered the client"),
        "closed": N_("Conversation closed"),
    },
    "detailed_status": {
        "new": N_("New conversation opened"),
        "queued": N_("Operator sent the conversation to a queue"),
        "in_work": N_("Operator took the conversation into work"),
        "waiting": N_("Client waits for the operator's answer"),
        "waiting_again": N_(
            "Client waits for the operator's answer (new question after an answer)"
        ),
        "answered": N_("Operator answered the client"),
        "closing": N_("Conversation is closing"),
        "closed": N_("Conversation closed"),
        "spam": N_("Spam / forced close"),
    },
    "work_state": {
        "new": N_("New"),
        "unanswered": N_("Unanswered"),
        "answered": N_("Answered"),
        "closed": N_("Closed"),
    },
    "medium": {
        "chat": N_("Chat"),
        "call": N_("Call"),
        "email": N_("E-mail"),
    },
    "role": {
        "admin": N_("Administrator"),
        "supervisor": N_("Supervisor"),
        "operator": N_("Operator"),
    },
}


def label(gettext: Callable[[str], str], kind: str, value: str | None) -> str:
    """The translated label of ``value``; an unknown value is shown as it is, none as a dash."""
    if value is None:
        return "—"
    text = LABELS[kind].get(value)
    return gettext(text) if text is not None else value
