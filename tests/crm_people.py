"""The people the CRM stand-ins hold (Ada and Grace), as Slack knows them: by email."""

from __future__ import annotations

SLACK_USERS = {"ada@example.com": "UADA", "grace@example.com": "UGRACE"}


def slack_knows_by_email(slack) -> None:
    """Slack's users.lookupByEmail finds Ada and Grace (whatever the case of the address), nobody else."""

    def lookup(args: dict) -> dict:
        user = SLACK_USERS.get(str(args.get("email", "")).lower())
        return (
            {"ok": True, "user": {"id": user, "deleted": False}} if user else {"ok": False, "error": "users_not_found"}
        )

    slack.always("users.lookupByEmail", lookup)
