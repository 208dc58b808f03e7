"""Every table, imported in one place for Alembic and the test fixtures."""

from dozor.alerts.models import AlertDelivery, AlertLog, AlertRule, AlertState
from dozor.auth.models import ApiToken, User, UserGroup
from dozor.connectors.models import ConnectorOffset
from dozor.console.models import ConsolePreference, Threshold
from dozor.conversations.models import Conversation
from dozor.directory.models import Channel, Group, Topic
from dozor.events.models import StoredEvent
from dozor.live.models import BusinessHours, SlaTarget
from dozor.operators.models import Operator, OperatorGroup
from dozor.preferences.models import SavedFilter, UserPreference
from dozor.tasks.models import Task, TaskComment, TaskKind, TaskNotification

__all__ = [
    "AlertDelivery",
    "AlertLog",
    "AlertRule",
    "AlertState",
    "ApiToken",
    "BusinessHours",
    "Channel",
    "ConnectorOffset",
    "ConsolePreference",
    "Conversation",
    "Group",
    "Operator",
    "OperatorGroup",
    "SavedFilter",
    "SlaTarget",
    "StoredEvent",
    "Task",
    "TaskComment",
    "TaskKind",
    "TaskNotification",
    "Threshold",
    "Topic",
    "User",
    "UserGroup",
    "UserPreference",
]
