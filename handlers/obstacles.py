"""Obstacles in Slack: `/opportunity obstacle …`, the row menu's "Name an obstacle" form, and the checkpoint
question's buttons and its "new checkpoint" form. Parse before ack, one call into
bot/services/obstacles.py, the reply from bot/messages/obstacles.py."""

from __future__ import annotations

import json

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.messages import obstacles as views
from bot.messages import opportunities as opportunity_views
from bot.messages.kit import problem
from bot.parsing.coaching import parse_answer_form
from bot.parsing.obstacles import (
    parse_checkpoint,
    parse_detach_form,
    parse_new_checkpoint,
    parse_obstacle,
    parse_obstacle_form,
)
from bot.services import obstacles, pipeline
from handlers import common, submissions
from handlers.listeners import Listeners

listeners = Listeners()
register = listeners.register


# ---- /opportunity obstacle ------------------------------------------------------------------


def obstacle_command(ack: Ack, command: dict, respond: Respond, client: WebClient, context, rest: str) -> None:
    """`/opportunity obstacle acme budget "no money until Q2" checkpoint:15 jan` (or `acme none`)."""
    services = common.services_of(context)
    line = parse_obstacle(rest, services.team_today())
    team_id, user_id = command["team_id"], command["user_id"]
    with common.storing(ack, common.to_respond(respond)) as stored:
        named = obstacles.name_by_line(services, team_id, user_id, line)
        stored()
        if named.opportunity is None and named.candidates:
            carried = json.dumps(
                {"k": line.kind, "n": line.note, "c": line.checkpoint.isoformat() if line.checkpoint else None}
            )
            respond(**opportunity_views.candidates_reply("obstacle", line.deal, named.candidates, carried))
        elif named.opportunity is None:
            respond(**opportunity_views.nothing_matched(line.deal))
        else:
            respond(**views.obstacle_reply(named.opportunity, named.obstacle, services.team_today()))


SUBCOMMANDS = {"obstacle": obstacle_command, "obstacles": obstacle_command}


def obstacle_picked(ack: Ack, services, team_id: str, user_id: str, choice: dict, send: common.Send) -> None:
    """The rep picked one of several matching deals for `/opportunity obstacle` (handlers/opportunities.py)."""
    with common.storing(ack, send) as stored:
        carried = submissions.read_json(choice.get("arg"))
        opp = pipeline.get_open(services, team_id, user_id, choice["id"]) if isinstance(choice.get("id"), int) else None
        if opp is None:
            stored()
            send(problem(opportunity_views.DEAL_GONE))
            return
        kind = carried.get("k") if carried.get("k") in views.KIND_LABELS else None
        note = carried.get("n") if isinstance(carried.get("n"), str) else None
        checkpoint = parse_checkpoint(carried["c"], services.team_today()) if carried.get("c") else None
        found = obstacles.name(services, team_id, user_id, opp.id, obstacles.NewObstacle(kind, note, checkpoint))
        stored()
        send(views.obstacle_reply(opp, found, services.team_today()))


def obstacle_form(services, team_id: str, user_id: str, opp, metadata: str) -> dict:
    """The row menu's "Name an obstacle" form, showing the deal's current obstacle if it has one."""
    current = obstacles.open_obstacles(services, team_id, user_id, [opp.id]).get(opp.id)
    return views.obstacle_modal(opp, current, metadata, services.team_now())


@listeners.form(views.OBSTACLE_VIEW, parse_obstacle_form)
def submit_obstacle(form: submissions.Submission, stored: common.AckOnce) -> None:
    deal_id = form.meta.get("id") if isinstance(form.meta.get("id"), int) else 0
    opp = pipeline.get_open(form.services, form.team_id, form.user_id, deal_id)
    if opp is None:
        stored()
        form.send(problem(opportunity_views.DEAL_GONE))
        return
    found = obstacles.name(form.services, form.team_id, form.user_id, opp.id, obstacles.NewObstacle(*form.fields))
    stored()
    form.send(views.obstacle_reply(opp, found, form.services.team_today()))


# ---- the checkpoint question --------------------------------------------------------------


@listeners.action(views.MOVED, views.STEP_BACK, views.LOST)
def checkpoint_answer(ack: Ack, body: dict, action: dict, respond: Respond, context) -> None:
    """Moved, Step back or Lost: kept and acted on, and the question is replaced by the answer."""
    services = common.services_of(context)
    team_id, user_id = common.ids_of(body)
    answer = views.ANSWER_OF[action.get("action_id", "")]
    obstacle_id = submissions.read_json(action.get("value")).get("o")
    with common.storing(ack, common.to_respond(respond, replace_original=False)) as stored:
        answered = obstacles.answer_checkpoint(services, team_id, user_id, obstacle_id, answer)
        stored()
        if answered is None:
            respond(**problem(views.GONE), replace_original=False)
            return
        respond(**views.checkpoint_reply(answer, answered, services.team_today()))


@listeners.action(views.NOT_YET)
def checkpoint_not_yet(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, context) -> None:
    """Not yet: a small form for the new checkpoint."""
    submissions.form_from_button(
        ack, body, action, respond, client, context, obstacles.get_open, _checkpoint_form, views.GONE
    )


def _checkpoint_form(services, found) -> dict:
    initial = services.team_today() + obstacles.NEXT_CHECKPOINT
    return views.new_checkpoint_modal(found, json.dumps({"o": found.id}), initial)


@listeners.form(views.CHECKPOINT_VIEW, parse_new_checkpoint, in_channel=False)
def submit_new_checkpoint(form: submissions.Submission, stored: common.AckOnce) -> None:
    services, checkpoint = form.services, form.fields
    obstacle_id = form.meta.get("o")
    found = obstacles.answer_checkpoint(
        services, form.team_id, form.user_id, obstacle_id, obstacles.NOT_YET, checkpoint
    )
    stored()
    if found is None:
        form.send(problem(views.GONE))
        return
    reply = views.checkpoint_reply(obstacles.NOT_YET, found, services.team_today(), checkpoint)
    form.send({"text": reply["text"], "blocks": reply["blocks"]})


@listeners.action(views.DETACH_WHEN)
def checkpoint_detach_when(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, context) -> None:
    """After two "not yet"s: a small form for when the rep will step back (a day, a condition, or both)."""
    submissions.form_from_button(
        ack, body, action, respond, client, context, obstacles.get_open, _detach_form, views.GONE
    )


def _detach_form(services, found) -> dict:
    return views.detach_modal(found, json.dumps({"o": found.id}))


@listeners.form(views.DETACH_VIEW, parse_detach_form, in_channel=False)
def submit_detach_when(form: submissions.Submission, stored: common.AckOnce) -> None:
    detach_on, condition = form.fields
    obstacle_id = form.meta.get("o")
    found = obstacles.detach_when(
        form.services, form.team_id, form.user_id, obstacle_id, detach_on, condition, form.key
    )
    stored()
    form.send(problem(views.GONE) if found is None else views.detach_reply(found, form.services.team_today()))


@listeners.action(views.RESTART_SIGNAL)
def restart_signal(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, context) -> None:
    """After a step back: what signal would restart the deal? A one-line form."""
    submissions.form_from_button(
        ack, body, action, respond, client, context, _open_deal, _restart_form, opportunity_views.DEAL_GONE
    )


def _open_deal(services, team_id: str, user_id: str, deal_id):
    return pipeline.get_open(services, team_id, user_id, deal_id) if isinstance(deal_id, int) else None


def _restart_form(services, opp) -> dict:
    return views.restart_modal(opp.name, json.dumps({"o": opp.id}))


@listeners.form(views.RESTART_VIEW, parse_answer_form, in_channel=False)
def submit_restart_signal(form: submissions.Submission, stored: common.AckOnce) -> None:
    deal_id = form.meta.get("o")
    name = obstacles.keep_restart_signal(form.services, form.team_id, form.user_id, deal_id, form.fields, form.key)
    stored()
    form.send(views.restart_kept(name) if name else problem(opportunity_views.DEAL_GONE))
