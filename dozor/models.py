"""Every table, imported in one place for Alembic and the test fixtures."""

from dozor.auth.models import ApiToken, User, UserGroup
from dozor.conversations.models import Conversation
from dozor.directory.models import Channel, Group, Topic
from dozor.events.models import StoredEvent
from dozor.operators.models import Operator, OperatorGroup

__all__ = [
    "ApiToken",
    "Channel",
    "Conversation",
    "Group",
    "Operator",
    "OperatorGroup",
    "StoredEvent",
    "Topic",
    "User",
    "UserGroup",
]
