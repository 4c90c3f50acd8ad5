"""What every job does the same way: pick up claims that need another try, claim-then-send new ones, and
plan a slot into the shared queue, then drain it at Slack's pace (bot/fanout.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from bot import fanout, logs
from bot.delivery import WorkspaceUnreachable, deliver
from bot.installations import NotInstalled
from bot.jobs.report import JobReport
from bot.rules.timing import Profile, state_of, why_not_now
from bot.services import Services, workspace, workspace_settings
from bot.services.coach import profile_of
from bot.zones import time_zones
from storage import claim_marks, claims, queue, reps
from storage.reps import RepSettings

log = logging.getLogger("pipeline_coach.jobs")
TeamRun = Callable[[Services, str, datetime, JobReport], None]


class TickClock:
    """The tick's instant moved on as the services' clock moves on: what claims and leases are stamped with,
    so a claim taken late in a long tick is stamped late (not with the tick's start), while a tick run for a
    chosen instant (`jobs run --now`, tests) keeps to that instant's frame."""

    def __init__(self, start: datetime, source: Callable[[], datetime]) -> None:
        self._source = source
        self._offset = start - source()

    def __call__(self) -> datetime:
        return self._source() + self._offset


def ticking(services: Services, now: datetime) -> Services:
    """The services of one tick: the same database, client and shared state, on the tick's wall clock."""
    ticked = replace(services, clock=TickClock(now, services.clock))
    ticked._shared = services._shared
    return ticked


def every_workspace(name: str, run_team: TeamRun, services: Services, now: datetime) -> JobReport:
    """Run one job's per-workspace step for every workspace the app serves, each with its own settings and
    token (all workspaces' settings read in one query), on the tick's wall clock. A workspace whose token
    fails is skipped for this tick with one log line; the others go on."""
    services = ticking(services, now)
    report = JobReport(name, now)
    stopped = workspace.stopped_teams(services)
    reps.enrol_everyone(services.db, now, skip=stopped)  # reps whose deals came from anywhere: an import, the CRM
    for team_id, scoped in workspaces_to_serve(services, report, stopped):
        try:
            with logs.bound(workspace=team_id):
                run_team(scoped, team_id, now, report)
        except WorkspaceUnreachable as failure:
            skip_workspace(report, team_id, str(failure))
    return report


def workspaces_to_serve(
    services: Services, report: JobReport, stopped: frozenset[str] | None = None
) -> Iterator[tuple[str, Services]]:
    """(team id, services scoped to it) for every workspace the app still serves and can reach."""
    stopped = workspace.stopped_teams(services) if stopped is None else stopped
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
    """Every rep in the workspace (storage/reps.py says who), with their settings: the reps table alone,
    which every tick first fills with anyone the data says is a rep (enrol_everyone)."""
    return reps.reps_of_team(services.db, team_id)


def render_each(
    taken: list[queue.Taken],
    report: JobReport,
    reason_not_to: Callable[[queue.Taken], str | None],
    message_for: Callable[[queue.Taken], queue.Rendered],
) -> dict[int, queue.Rendered]:
    """A taken batch rendered row by row: a row with a reason not to message its rep is skipped with that
    reason (and counted), every other row gets its message."""
    rendered: dict[int, queue.Rendered] = {}
    for row in taken:
        reason = reason_not_to(row)
        if reason is not None:
            rendered[row.id] = reason
            report.count("skipped")
            continue
        rendered[row.id] = message_for(row)
    return rendered


def retry_due(
    services: Services,
    team_id: str,
    kind: str,
    reps_by_id: Mapping[str, RepSettings] | None,
    now: datetime,
    report: JobReport,
    starts_cooldown: bool = False,
) -> None:
    """Send again what failed earlier (its backoff has passed) or was abandoned mid-send (its lease expired).

    A rep who has since switched coaching off, snoozed or become unreachable is not messaged: the claim
    is closed as skipped with that reason. Without `reps_by_id`, the claims' reps are read in one query.
    """
    ready = []
    due = claims.take_over_due(services.db, team_id, kind, services.now())
    if reps_by_id is None:
        reps_by_id = reps.reps_of(services.db, team_id, {claim.key.recipient_id for claim in due})
    for claim in due:
        reason = why_not_message(reps_by_id.get(claim.key.recipient_id), now)
        if reason is not None:
            claim_marks.mark_skipped(services.db, claim, reason, now)
            report.count("skipped")
            continue
        ready.append(claim)
    fanout.send_all(services, ready, now, report, starts_cooldown)


def plan_and_drain(
    services: Services,
    team_id: str,
    kind: str,
    due: list[queue.Planned],
    render: queue.Renderer,
    now: datetime,
    report: JobReport,
    starts_cooldown: bool = False,
) -> None:
    """Plan the due messages as pending rows (one statement), say if Slack's limits make the last one late,
    then take, render and send batches until the queue is empty, sharing it with any other instance."""
    if due:
        queue.plan(services.db, team_id, kind, due, claims.new_token(), services.now())
    fanout.warn_if_late(services, team_id, kind, timedelta(minutes=services.settings.nudge_check_minutes))
    fanout.drain(services, team_id, kind, render, now, report, starts_cooldown)


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
