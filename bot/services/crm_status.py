"""What an admin sees of the CRM sync: the last run and its error, the stage mapping, the CRM's owners
with no Slack match, and the records that were flagged (`python -m bot crm status`, `/opportunity admin crm`);
and what an operator sees of every workspace's CRM at once, one line each (`crm status`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.integrations import CrmError, crm_label
from bot.messages.format import ago, plural
from bot.rules.crm_stages import describe, stage_map
from bot.services import Services
from bot.services.crm_accounts import account_for, environment_team, make_provider
from storage import crm, crm_connections, crm_outbox, crm_owners, crm_records

ENVIRONMENT = "environment"  # a workspace on the environment's CRM (a single-workspace install), not connected


@dataclass(frozen=True)
class WorkspaceCrm:
    """One workspace's CRM as the operator's overview lists it (no token: only whether it works)."""

    team_id: str
    provider: str
    standing: str  # crm_connections.CONNECTED, crm_connections.REVOKED or ENVIRONMENT
    last_sync_at: datetime | None
    waiting: int  # writes from Slack still to send

    @property
    def syncs(self) -> bool:
        return self.standing != crm_connections.REVOKED

    def line(self, now: datetime) -> str:
        label = crm_label(self.provider) + (" (environment)" if self.standing == ENVIRONMENT else "")
        standing = crm_connections.CONNECTED if self.syncs else self.standing
        return (f"{self.team_id}: {label}, {standing}, last sync {ago(self.last_sync_at, now)}, "
                f"{plural(self.waiting, 'write')} waiting in the outbox")  # fmt: skip


def workspaces(services: Services) -> list[WorkspaceCrm]:
    """Every workspace with a CRM, connected or revoked, then the environment's own: three reads in all."""
    db = services.db
    states, waiting = crm.sync_states(db), crm_outbox.waiting_counts(db)
    found = [(c.team_id, c.provider, c.status) for c in crm_connections.every_connection(db)]
    own = environment_team(services)
    if own is not None and own not in {team_id for team_id, _, _ in found}:
        found.append((own, services.settings.crm_provider, ENVIRONMENT))
    return [
        WorkspaceCrm(team_id, provider, standing, getattr(states.get((team_id, provider)), "last_run_at", None),
                     waiting.get((team_id, provider), 0))
        for team_id, provider, standing in found
    ]  # fmt: skip


def status_lines(services: Services, team_id: str) -> list[str]:
    """The admin's view: the last run, the stage mapping, owners with no Slack match, flagged records.
    Empty when the workspace syncs with no CRM."""
    account = account_for(services, team_id)
    if account is None:
        return []
    crm_name = account.provider
    label = crm_label(crm_name)
    state = crm.sync_state(services.db, team_id, crm_name)
    lines = [f"Last sync: {state.last_run_at or 'never'}; last success: {state.last_success_at or 'never'}"]
    if state.last_error:
        lines.append(f"Last error ({state.last_error_at}): {state.last_error}")
    try:
        stages = make_provider(services, account).stages()
        mapping = stage_map(stages, services.settings.open_stages, services.settings.crm_stage_map)
        lines.append(f"Stages ({crm_name.upper()}_STAGE_MAP overrides):")
        lines += ["  " + line for line in describe(stages, mapping)]
    except CrmError as error:
        lines.append(f"Stages: could not be read ({error})")
    unmatched = [o for o in crm_owners.owners(services.db, team_id, crm_name) if not o.slack_user_id]
    lines.append(f"{label} owners with no Slack match: {len(unmatched)}")
    lines += [f"  {o.name} <{o.email or 'no email'}> (owner {o.owner_id})" for o in unmatched]
    flagged = crm_records.flags(services.db, team_id, crm_name)
    lines.append(f"Flagged records: {len(flagged)}")
    lines += [f"  deal {f.crm_id}: {f.problem}: {f.detail}" for f in flagged[:200]]
    return lines
