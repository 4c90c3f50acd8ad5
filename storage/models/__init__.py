"""The tables, one module per area; import them from here (`from storage.models import Opportunity`)."""

from storage.models.base import ID, Base
from storage.models.capture import CalendarConnection, CapturedTime, DealContact, DomainChoice
from storage.models.coaching import CoachingAnswer, Rep, ScheduledMessage, Workspace, WorkspaceSettings
from storage.models.crm import CrmConflict, CrmFlag, CrmLink, CrmOutbox, CrmOwner, CrmPace, CrmSyncState
from storage.models.installations import BOTS, INSTALLATIONS, OAUTH_STATES  # slack_sdk's tables
from storage.models.pipeline import Activity, CloseDateChange, Obstacle, Opportunity, Quota, StageChange, UndoneRequest

__all__ = [
    "BOTS",
    "ID",
    "INSTALLATIONS",
    "OAUTH_STATES",
    "Activity",
    "Base",
    "CalendarConnection",
    "CloseDateChange",
    "CapturedTime",
    "DealContact",
    "CoachingAnswer",
    "CrmConflict",
    "CrmFlag",
    "CrmLink",
    "CrmOutbox",
    "CrmOwner",
    "CrmPace",
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
