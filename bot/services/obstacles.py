"""Detaching, not quitting: naming what stands between a deal and a decision, and answering the checkpoint
question ("has it moved?"). Every naming and every answer is kept (the obstacles table keeps the deal's
history; the answers show in `/opportunity reflections`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.parsing.obstacles import ObstacleLine
from bot.rules.walkaway import prospecting_offer_minutes
from bot.services import Services, pipeline
from storage import answers
from storage import obstacles as store
from storage.concentration import minutes_per_deal
from storage.records import NewObstacle, ObstacleView, OpportunityView

MOVED, NOT_YET, STEP_BACK, LOST = "moved", "not_yet", "step_back", "lost"
ANSWERS = (MOVED, NOT_YET, STEP_BACK, LOST)
NEXT_CHECKPOINT = timedelta(weeks=2)  # the "new checkpoint" form's suggestion


@dataclass(frozen=True)
class Named:
    """What naming did: the deal, and its obstacle now (None: cleared); or candidates when several matched."""

    opportunity: OpportunityView | None
    obstacle: ObstacleView | None
    candidates: list[OpportunityView]


def checkpoint_question(obstacle: ObstacleView) -> str:
    return f"Has {obstacle.kind} on {obstacle.opportunity_name} moved?"


def name(
    services: Services, team_id: str, user_id: str, opportunity_id: int, named: NewObstacle
) -> ObstacleView | None:
    """Name (or, with kind None, clear) the obstacle on one of the rep's open deals; kept as an answer too."""
    now = services.now()
    with services.db.transaction():
        found = store.name_obstacle(services.db, team_id, user_id, opportunity_id, named, now)
        answers.record_answer(
            services.db,
            team_id,
            user_id,
            answers.OBSTACLE,
            now,
            services.team_today(),
            answer=named.note,
            question_id=str(opportunity_id),
            question=named.kind or "none",
            planned_day=named.checkpoint,
        )
    services.changed(team_id, user_id)
    return found


def name_by_line(services: Services, team_id: str, user_id: str, line: ObstacleLine) -> Named:
    """`/opportunity obstacle acme budget …`: find the deal as anywhere else, then name its obstacle."""
    lookup = pipeline.find(services, team_id, user_id, line.deal)
    if lookup.found is None:
        return Named(None, None, lookup.candidates)
    found = name(services, team_id, user_id, lookup.found.id, NewObstacle(line.kind, line.note, line.checkpoint))
    return Named(lookup.found, found, [])


def open_obstacles(services: Services, team_id: str, user_id: str, opportunity_ids=None) -> dict[int, ObstacleView]:
    """The rep's open obstacles on open deals, by opportunity id."""
    return store.open_obstacles(services.db, team_id, user_id=user_id, opportunity_ids=opportunity_ids)


def list_open(
    services: Services, team_id: str, user_id: str, limit: int
) -> tuple[list[OpportunityView], int, dict[int, ObstacleView]]:
    """`/opportunity list`: the rep's open deals (up to limit), how many in all, and their open obstacles."""
    opps, total = pipeline.list_open(services, team_id, user_id, limit)
    return opps, total, open_obstacles(services, team_id, user_id, [opp.id for opp in opps])


def get_open(services: Services, team_id: str, user_id: str, obstacle_id: object) -> ObstacleView | None:
    if not isinstance(obstacle_id, int):
        return None
    return store.get_open(services.db, team_id, user_id, obstacle_id)


@dataclass(frozen=True)
class Answered:
    """A checkpoint answered: the obstacle as it was asked; after a step back, the minutes the deal took in
    the nudge's window and the prospecting block to offer in their place."""

    obstacle: ObstacleView
    deal_minutes: int = 0
    offer_minutes: int = 0
    window_days: int = 14


def answer_checkpoint(
    services: Services, team_id: str, user_id: str, obstacle_id: object, answer: str, new_checkpoint: date | None = None
) -> Answered | None:
    """Keep the rep's answer and act on it: Moved clears the obstacle, Not yet sets a new checkpoint, Step back
    pauses the deal (and offers a prospecting block at once), Lost closes it as lost through the pipeline.
    None when the obstacle is no longer open."""
    obstacle = get_open(services, team_id, user_id, obstacle_id)
    if obstacle is None or answer not in ANSWERS:
        return None
    now = services.now()
    if answer == LOST:  # first, so a deal closed meanwhile raises NotOpen before anything is kept
        reason = f"Obstacle: {obstacle.kind}" + (f", {obstacle.note}" if obstacle.note else "")
        pipeline.move(services, team_id, user_id, obstacle.opportunity_id, pipeline.LOST, reason[:500])
    with services.db.transaction():
        answers.record_answer(
            services.db,
            team_id,
            user_id,
            answers.CHECKPOINT,
            now,
            services.team_today(),
            answer=answer,
            question_id=str(obstacle.id),
            question=checkpoint_question(obstacle),
            planned_day=new_checkpoint if answer == NOT_YET else obstacle.checkpoint,
        )
        if answer == MOVED:
            store.close(services.db, team_id, obstacle.id, store.MOVED, now)
        elif answer == LOST:
            store.close(services.db, team_id, obstacle.id, store.LOST, now)
        elif answer == NOT_YET and new_checkpoint is not None:
            store.set_checkpoint(services.db, team_id, obstacle.id, new_checkpoint, not_yet=True)
        elif answer == STEP_BACK:
            store.pause(services.db, team_id, user_id, obstacle.opportunity_id, now)
    services.changed(team_id, user_id)
    if answer != STEP_BACK:
        return Answered(obstacle)
    window = services.settings.nudge_window_days
    today = services.team_today()
    spent = minutes_per_deal(services.db, team_id, user_id, today - timedelta(days=window - 1), today)
    minutes = spent.get(obstacle.opportunity_id, 0)
    return Answered(obstacle, minutes, prospecting_offer_minutes(minutes), window)


def keep_restart_signal(
    services: Services, team_id: str, user_id: str, opportunity_id: object, signal: str, key: str | None = None
) -> str | None:
    """What would restart a paused deal, in the rep's words, kept with their reflections: the deal's name, or
    None when the deal is not the rep's open one."""
    deal = pipeline.get_open(services, team_id, user_id, opportunity_id) if isinstance(opportunity_id, int) else None
    if deal is None:
        return None
    if key is not None and answers.answered_by_request(services.db, team_id, key) is not None:
        return deal.name  # a replayed submission: kept once
    answers.record_answer(
        services.db,
        team_id,
        user_id,
        answers.RESTART_SIGNAL,
        services.now(),
        services.team_today(),
        answer=signal,
        question_id=str(deal.id),
        question=f"What signal would restart {deal.name}?",
        request_key=key,
    )
    services.changed(team_id, user_id)
    return deal.name


def detach_when(
    services: Services,
    team_id: str,
    user_id: str,
    obstacle_id: object,
    detach_on: date | None,
    condition: str | None,
    key: str | None = None,
) -> ObstacleView | None:
    """The rep named when they will step back from the deal (a date, a condition or both): kept with the
    obstacle and as their answer; asked again on that date (or in two weeks for a condition alone)."""
    obstacle = get_open(services, team_id, user_id, obstacle_id)
    if obstacle is None:
        return None
    if key is not None and answers.answered_by_request(services.db, team_id, key) is not None:
        return obstacle  # a replayed submission: kept once
    now, today = services.now(), services.team_today()
    checkpoint = detach_on or today + NEXT_CHECKPOINT
    with services.db.transaction():
        answers.record_answer(
            services.db,
            team_id,
            user_id,
            answers.DETACH,
            now,
            today,
            answer=condition,
            question_id=str(obstacle.id),
            question=f"When should you detach from {obstacle.opportunity_name}?",
            planned_day=detach_on,
            request_key=key,
        )
        store.set_detach(services.db, team_id, obstacle.id, detach_on, condition, checkpoint)
    services.changed(team_id, user_id)
    return get_open(services, team_id, user_id, obstacle.id)
