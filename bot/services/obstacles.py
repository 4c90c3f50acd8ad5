"""Detaching, not quitting: naming what stands between a deal and a decision, and answering the checkpoint
question ("has it moved?"). Every naming and every answer is kept (the obstacles table keeps the deal's
history; the answers show in `/opportunity reflections`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.parsing.obstacles import ObstacleLine
from bot.services import Services, pipeline
from storage import answers
from storage import obstacles as store
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


def answer_checkpoint(
    services: Services, team_id: str, user_id: str, obstacle_id: object, answer: str, new_checkpoint: date | None = None
) -> ObstacleView | None:
    """Keep the rep's answer and act on it: Moved clears the obstacle, Not yet sets a new checkpoint, Step back
    pauses the deal, Lost closes it as lost through the pipeline. None when the obstacle is no longer open."""
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
            store.set_checkpoint(services.db, team_id, obstacle.id, new_checkpoint)
        elif answer == STEP_BACK:
            store.pause(services.db, team_id, user_id, obstacle.opportunity_id, now)
    services.changed(team_id, user_id)
    return obstacle
