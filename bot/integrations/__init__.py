"""CRM providers: one small interface (base.py) and one module per CRM (hubspot.py, salesforce.py).

The sync (bot/crm_sync.py, bot/crm_push.py) speaks only the interface, so Salesforce (salesforce.py) is
another provider of the same Protocol without touching it.
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
    crm_label,
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
    "crm_label",
]
