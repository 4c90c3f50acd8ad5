"""The tables, one module per area; import them from here (`from storage.models import Opportunity`)."""

from storage.models.base import ID, Base
from storage.models.capture import CalendarConnection, CapturedTime, DomainChoice
from storage.models.coaching import CoachingAnswer, Rep, ScheduledMessage, Workspace, WorkspaceSettings
from storage.models.crm import CrmConflict, CrmFlag, CrmLink, CrmOutbox, CrmOwner, CrmSyncState
from storage.models.pipeline import Activity, Obstacle, Opportunity, Quota, StageChange, UndoneRequest

__all__ = [
    "ID",
    "Activity",
    "Base",
    "CalendarConnection",
    "CapturedTime",
    "CoachingAnswer",
    "CrmConflict",
    "CrmFlag",
    "CrmLink",
    "CrmOutbox",
    "CrmOwner",
    "CrmSyncState",
    "DomainChoice",
    "Obstacle",
    "Opportunity",
    "Quota",
    "Rep",
    "ScheduledMessage",
    "StageChange",
    "UndoneRequest",
    "Workspace",
    "WorkspaceSettings",
]

# slack_sdk's installation and OAuth state tables join this metadata (created by migration 0008).
from storage import installations as _installations  # noqa: E402, F401
