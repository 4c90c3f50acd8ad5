"""What an admin sees of the CRM sync: the last run and its error, the stage mapping, the CRM's owners
with no Slack match, and the records that were flagged (`python -m bot crm status`, `/opportunity admin crm`)."""

from __future__ import annotations

from bot.integrations import CrmError, crm_label
from bot.rules.crm_stages import describe, stage_map
from bot.services import Services
from bot.services.crm_push import make_provider, provider_name
from storage import crm, crm_owners, crm_records


def status_lines(services: Services, team_id: str) -> list[str]:
    """The admin's view: the last run, the stage mapping, owners with no Slack match, flagged records."""
    crm_name = provider_name(services.settings)
    label = crm_label(crm_name)
    state = crm.sync_state(services.db, team_id, crm_name)
    lines = [f"Last sync: {state.last_run_at or 'never'}; last success: {state.last_success_at or 'never'}"]
    if state.last_error:
        lines.append(f"Last error ({state.last_error_at}): {state.last_error}")
    try:
        stages = make_provider(services).stages()
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


def status_view(services: Services, team_id: str) -> tuple[str, list[str]]:
    """The admin view in Slack: which CRM (as people name it) and its status lines."""
    return crm_label(provider_name(services.settings)), status_lines(services, team_id)
