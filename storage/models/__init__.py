"""The tables, one module per area; import them from here (`from storage.models import Opportunity`)."""

from storage.models.base import ID, Base
from storage.models.coaching import CoachingAnswer, Rep, ScheduledMessage, Workspace
from storage.models.crm import CrmConflict, CrmFlag, CrmLink, CrmOutbox, CrmOwner, CrmSyncState
from storage.models.pipeline import Activity, Obstacle, Opportunity, Quota, StageChange

__all__ = [
    "ID",
    "Activity",
    "Base",
    "CoachingAnswer",
    "CrmConflict",
    "CrmFlag",
    "CrmLink",
    "CrmOutbox",
    "CrmOwner",
    "CrmSyncState",
    "Obstacle",
    "Opportunity",
    "Quota",
    "Rep",
    "ScheduledMessage",
    "StageChange",
    "Workspace",
]
