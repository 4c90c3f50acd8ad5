"""What every job does the same way: pick up claims that need another try, and claim-then-send new ones."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from bot.delivery import WorkspaceUnreachable, deliver
from bot.installations import NotInstalled
from bot.jobs.report import JobReport
from bot.people import time_zones
from bot.rules.timing import Profile, state_of, why_not_now
from bot.services import Services, workspace, workspace_settings
from bot.services.coach import profile_of
from storage import claims, reps
from storage.reps import RepSettings

log = logging.getLogger("pipeline_coach.jobs")
TeamRun = Callable[[Services, str, datetime, JobReport], None]


def every_workspace(name: str, run_team: TeamRun, services: Services, now: datetime) -> JobReport:
    """Run one job's per-workspace step for every workspace with reps, deals or logged time, each with
    its own settings and token (all workspaces' settings read in one query). A workspace whose token
    fails is skipped for this tick with one log line; the others go on."""
    report = JobReport(name, now)
    for team_id, scoped in workspaces_to_serve(services, report):
        try:
            run_team(scoped, team_id, now, report)
        except WorkspaceUnreachable as failure:
            skip_workspace(report, team_id, str(failure))
    return report


def workspaces_to_serve(services: Services, report: JobReport) -> Iterator[tuple[str, Services]]:
    """(team id, services scoped to it) for every workspace the app still serves and can reach."""
    stopped = workspace.stopped_teams(services)
    serving = [team_id for team_id in reps.teams(services.db) if team_id not in stopped]
    workspace_settings.prefetch(services, serving)
    for team_id in serving:
        try:
            yield team_id, services.for_team(team_id)
        except NotInstalled:
            skip_workspace(report, team_id, "no installation (install the app by link again)")


def skip_workspace(report: JobReport, team_id: str, why: str) -> None:
    report.count("workspaces skipped")
    log.warning("%s: skipped workspace %s this tick: %s", report.job, team_id, why)


def in_their_zones(services: Services, team_id: str, candidates: Iterable[RepSettings], now: datetime) -> list[Profile]:
    """The candidates' coaching profiles in their own time zones (read from Slack when the cache is old);
    reps Slack says are gone are left out (and marked undeliverable by the zone lookup)."""
    candidates = list(candidates)
    zones, gone = time_zones(services, team_id, candidates, now)
    return [profile_of(services, rep, zones.get(rep.user_id)) for rep in candidates if rep.user_id not in gone]


# How a skipped claim records the rule that stopped it, for an operator reading the outbox.
SKIP_REASONS = {"disabled": "coaching off"}


def why_not_message(rep: RepSettings | None, now: datetime) -> str | None:
    """Why a rep must not get a coaching DM of any kind right now (the cooldown is the nudge's own)."""
    if rep is None:
        return "unknown rep"
    reason = why_not_now(state_of(rep), now)
    return SKIP_REASONS.get(reason, reason) if reason else None


def reps_using_the_bot(services: Services, team_id: str, now: datetime) -> dict[str, RepSettings]:
    """Every rep in the workspace who uses the bot (a deal, logged time or settings), with their settings."""
    reps.enroll_active_reps(services.db, team_id, now)
    return reps.reps_of_team(services.db, team_id)


def retry_due(
    services: Services,
    team_id: str,
    kind: str,
    reps_by_id: dict[str, RepSettings],
    now: datetime,
    report: JobReport,
    starts_cooldown: bool = False,
) -> None:
    """Send again what failed earlier (its backoff has passed) or was abandoned mid-send (its lease expired).

    A rep who has since switched coaching off, snoozed or become unreachable is not messaged: the claim
    is closed as skipped with that reason.
    """
    for claim in claims.take_over_due(services.db, team_id, kind, now):
        reason = why_not_message(reps_by_id.get(claim.key.recipient_id), now)
        if reason is not None:
            claims.mark_skipped(services.db, claim, reason, now)
            report.count("skipped")
            continue
        report.count(deliver(services, claim, now, starts_cooldown))


def claim_and_send(
    services: Services,
    key: claims.Key,
    message: tuple[str, list[dict]],
    now: datetime,
    report: JobReport,
    question_id: str | None = None,
    starts_cooldown: bool = False,
) -> None:
    text, blocks = message
    claim = claims.claim(services.db, key, text, blocks, now, question_id=question_id)
    if claim is None:
        report.count("already claimed")
        return
    report.count(deliver(services, claim, now, starts_cooldown))
