"""CRM providers: one small interface (base.py) and one module per CRM (hubspot.py first).

The sync (bot/crm_sync.py, bot/crm_push.py) speaks only the interface, so Salesforce or Pipedrive can
follow as other providers of the same Protocol without touching it.
"""

from bot.integrations.base import (
    BadToken,
    Conflict,
    CrmDeal,
    CrmError,
    CrmOwner,
    CrmProvider,
    CrmStage,
    DealWrite,
    NotFound,
    WriteResult,
)

__all__ = [
    "BadToken",
    "Conflict",
    "CrmDeal",
    "CrmError",
    "CrmOwner",
    "CrmProvider",
    "CrmStage",
    "NotFound",
    "DealWrite",
    "WriteResult",
]
