"""The concentration nudge: a DM to a rep whose logged selling time sits on one deal, or who has stopped
opening new opportunities while barely prospecting (the rules: bot/rules/nudges.py).

Per workspace, whatever its size, the reps are read a page at a time (storage/reps.py, PAGE_SIZE), and
per page one query for their selling time over the window and one for when each last opened a deal, so
a tick's memory is one page's. Open-deal counts and questions recently asked are read once, when there
is something to send. Zones come from the daily bulk read (bot/zones.py), looked up only for reps
otherwise due.
Due reps are planned into the shared queue and sent in batches (bot/jobs/common.plan_and_drain). The
period key is the rep's local date, and the cooldown (NUDGE_COOLDOWN_DAYS) is counted from the last nudge
actually sent. The top deal's open obstacle (how long it has stood, whether the rep stepped back) and a
number riding on one deal join the evidence and choose the question.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.jobs import common
from bot.jobs.report import JobReport
from bot.messages import coaching as views
from bot.messages.nudge_evidence import NudgeEvidence
from bot.questions import REPEAT_AFTER_WEEKS, WALKAWAY_QUESTIONS, Question, obstacle_question, pick_question
from bot.rules.outlook import standing_days
from bot.rules.periods import local_now
from bot.rules.timing import Profile, may_nudge, within_working_hours
from bot.services import Services, walkaway
from bot.services.coach import concentrated_reps, profile_of
from bot.services.outlook import numbers_riding
from storage import obstacles, opportunities, outbox, queue, reps
from storage.reps import RepSettings

KIND = "nudge"


def run(services: Services, now: datetime) -> JobReport:
    return common.every_workspace("nudges", run_team, services, now)


def run_team(services: Services, team_id: str, now: datetime, report: JobReport) -> None:
    common.retry_due(services, team_id, KIND, None, now, report, starts_cooldown=True)
    due = []
    for page in reps.reps_in_pages(services.db, team_id):
        report.reps += len(page)
        due += due_in_page(services, team_id, page, now)
    report.due += len(due)
    planned = [queue.Planned(profile.user_id, local_now(now, profile.tz).date().isoformat(), now) for profile in due]
    render = renderer(services, team_id, now, report)
    common.plan_and_drain(services, team_id, KIND, planned, render, now, report, starts_cooldown=True)


def due_in_page(services: Services, team_id: str, page: list[RepSettings], now: datetime) -> list[Profile]:
    """The page's reps whom a nudge rule fires for and who may get one now, in their own working hours:
    two queries for the page's selling time, so a tick holds one page at a time, not the whole workspace."""
    flagged = concentrated_reps(services, team_id, now, [rep.user_id for rep in page])
    if not flagged:
        return []
    busy = outbox.outstanding_recipients(services.db, team_id, KIND, flagged)
    cooldown = timedelta(days=services.settings.nudge_cooldown_days)
    allowed = [
        rep
        for rep in page
        if rep.user_id in flagged
        and rep.user_id not in busy
        and may_nudge(now, profile_of(services, rep).state, cooldown)[0]
    ]
    return [
        profile
        for profile in common.in_their_zones(services, team_id, allowed, now)
        if within_working_hours(now, profile.tz, profile.hours)
    ]


def renderer(services: Services, team_id: str, now: datetime, report: JobReport) -> queue.Renderer:
    """Renders a taken batch of nudges from what is true now, read for the batch's reps alone after the take
    has committed (a row may have been planned by another instance): their settings, selling time, open-deal
    counts, recent questions, their top deals' open obstacles and numbers riding on one deal. A batch costs
    the same in a workspace of 1,000 or 50,000, and a failed read leaves nothing half kept for the next. The
    walk-away signals' facts and norms are read for the batch's reps alone, the team's usual stage times
    from memory (bot/services/team_reads)."""
    settings = services.settings

    def render(taken: list[queue.Taken]) -> dict[int, queue.Rendered]:
        recipients = {row.recipient_id for row in taken}
        reps_by_id = reps.reps_of(services.db, team_id, recipients)
        flagged = concentrated_reps(services, team_id, now, recipients)
        since = now - timedelta(weeks=REPEAT_AFTER_WEEKS)
        top_deals = {found.time.top_opportunity_id for found in flagged.values() if found.time.top_opportunity_id}
        facts = {  # what the batch's reps need, read for them alone
            "open": opportunities.open_deal_counts(services.db, team_id, flagged),
            "asked": outbox.recent_question_ids(services.db, team_id, since, flagged),
            "named": obstacles.open_obstacles(services.db, team_id, opportunity_ids=top_deals),
            "riding": numbers_riding(services, team_id, flagged),
        }
        concentrated = [found.time for found in flagged.values() if "top_deal" in found.reasons]
        signals = walkaway.top_deal_signals(services, team_id, concentrated, now) if concentrated else {}

        def reason_not_to(row: queue.Taken) -> str | None:
            reason = common.why_not_message(reps_by_id.get(row.recipient_id), now)
            if reason is None and row.recipient_id not in flagged:
                return "not concentrated any more"
            return reason

        def message_for(row: queue.Taken) -> queue.Rendered:
            found = flagged[row.recipient_id]
            local_day = date.fromisoformat(row.period_key)
            top = found.time.top_opportunity_id
            obstacle = facts["named"].get(top) if top else None
            number = facts["riding"].get(row.recipient_id)
            asked = facts["asked"].get(row.recipient_id, set())
            rep = reps_by_id.get(row.recipient_id)
            zone = (rep.tz if rep else None) or settings.team_timezone
            signal = signals.get(row.recipient_id)
            question = _question(found.reasons, obstacle, number, asked, local_day, signal)
            evidence = NudgeEvidence(
                window_days=settings.nudge_window_days,
                total_minutes=found.time.total_minutes,
                top_deal_name=found.time.top_opportunity_name,
                top_deal_minutes=found.time.top_opportunity_minutes,
                prospecting_minutes=found.time.prospecting_minutes,
                open_deals=facts["open"].get(row.recipient_id, 0),
                days_since_opened=found.days_since_opened,
                reasons=found.reasons + (("number_rides",) if number else ()) + ((signal.kind,) if signal else ()),
                top_deal_id=top,
                obstacle_kind=obstacle.kind if obstacle else None,
                obstacle_days=standing_days(obstacle.named_at, now, zone) if obstacle else 0,
                paused=bool(obstacle and obstacle.paused),
                number_share=number.share if number else None,
                number_deal=number.deal_name if number else None,
                period=settings.quota_period,
                captured_minutes=found.time.captured_minutes,
                top_deal_captured_minutes=found.time.top_captured_minutes,
                signal=signal,
                today=local_day,
            )
            text, blocks = views.nudge_message(evidence, question.text, local_day)
            return (text, blocks, question.id)

        return common.render_each(taken, report, reason_not_to, message_for)

    return render


def _question(reasons, obstacle, number, asked: set[str], local_day, signal=None) -> Question:
    """About prospecting when the rep stepped back from the top deal (its hours are no longer a question);
    about the top deal's obstacle when it has one (a checkpoint-bound question only while the checkpoint
    lies ahead); about its walk-away signal when it shows one; about the number when it rides on one deal;
    else about stepping back."""
    seed = local_day.toordinal()
    if obstacle is not None and obstacle.paused:
        return pick_question(asked, concentrated=False, seed=seed, themes=("create",))
    if obstacle is not None and "top_deal" in reasons:
        ahead = obstacle.checkpoint is not None and obstacle.checkpoint > local_day
        return obstacle_question(obstacle.kind, asked, seed, checkpoint_ahead=ahead)
    if signal is not None:
        return WALKAWAY_QUESTIONS[signal.kind]
    if number is not None:
        return pick_question(asked, concentrated=False, seed=seed, themes=("number",))
    return pick_question(asked, concentrated=True, seed=seed)
