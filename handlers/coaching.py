"""The coach's Slack surfaces: `/opportunity coach …`, `/opportunity reflections`, the nudge's and the
reflection's buttons, and their forms. Parse, one call into bot/services/coach.py, render with
bot/messages/coaching.py."""

from __future__ import annotations

import json

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messages import coach_settings, lessons
from bot.messages import coaching as views
from bot.messages.kit import problem
from bot.parsing import FieldErrors, ParseError
from bot.parsing.coaching import parse_answer, parse_answer_form, parse_coach, parse_day, parse_plan_form
from bot.parsing.obstacles import parse_focus_obstacle
from bot.questions import BY_ID
from bot.services import coach
from handlers import common, submissions
from handlers.listeners import Listeners

listeners = Listeners()
register = listeners.register


# ---- /opportunity coach and reflections --------------------------------------------------


def coach_command(ack: Ack, command: dict, respond: Respond, client: WebClient, context, rest: str) -> None:
    services = common.services_of(context)
    change = parse_coach(rest)
    with common.storing(ack, common.to_respond(respond)) as stored:
        view = coach.coach_settings(services, command["team_id"], command["user_id"], change)
        stored()
        respond(**coach_settings.coach_card(view, coach_settings.confirmation(change)))


def reflections_command(ack: Ack, command: dict, respond: Respond, client: WebClient, context, rest: str) -> None:
    services = common.services_of(context)
    ack()
    with common.replying_on_failure(common.to_respond(respond)):
        answers = coach.recent_answers(services, command["team_id"], command["user_id"])
        respond(**coach_settings.answers_reply(answers, services.team_today()))


SUBCOMMANDS = {"coach": coach_command, "reflections": reflections_command}


# ---- buttons --------------------------------------------------------------------------------


def _for_date(services, carried: dict):
    """The day a nudge or reflection was about, carried back on its button (the team's today if unreadable)."""
    return parse_day(carried.get("d"), services.team_today())


@listeners.action(views.PLAN_BLOCK)
def plan_block(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, context) -> None:
    ack()
    services = common.services_of(context)
    team_id, user_id = common.ids_of(body)
    with common.replying_on_failure(common.to_respond(respond, replace_original=False)):
        initial = coach.first_day_for_a_block(services, team_id, user_id)
        carried = submissions.read_json(action.get("value"))
        minutes = carried.get("m") if isinstance(carried.get("m"), int) else None
        form = views.plan_modal(initial, json.dumps({"d": carried.get("d")}), minutes)
        if not submissions.open_form(client, body.get("trigger_id", ""), form):
            respond(**problem(common.FORM_FAILED), replace_original=False)


@listeners.action(views.SNOOZE_WEEK)
def snooze_week(ack: Ack, body: dict, action: dict, respond: Respond, context) -> None:
    services = common.services_of(context)
    team_id, user_id = common.ids_of(body)
    with common.storing(ack, common.to_respond(respond, replace_original=False)) as stored:
        for_date = _for_date(services, submissions.read_json(action.get("value")))
        until, today = coach.snooze_week(services, team_id, user_id, for_date, common.request_key(body))
        stored()
        respond(**views.snoozed_reply(until, today), replace_original=False)


@listeners.action(views.CHOOSE_FOCUS)
def choose_focus(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, context) -> None:
    """The focus form; when the nudge named a deal still open, it also asks what stands in its way."""
    ack()
    services = common.services_of(context)
    team_id, user_id = common.ids_of(body)
    carried = submissions.read_json(action.get("value"))
    with common.replying_on_failure(common.to_respond(respond, replace_original=False)):
        deal = coach.focus_deal(services, team_id, user_id, carried.get("o"))
        metadata = json.dumps({"d": carried.get("d"), "o": deal.id if deal else None})
        form = views.focus_modal(metadata, services.team_today(), deal.name if deal else None)
        if not submissions.open_form(client, body.get("trigger_id", ""), form):
            respond(**problem(common.FORM_FAILED), replace_original=False)


@listeners.action(views.ANSWER_REFLECTION)
def answer_reflection(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, context) -> None:
    ack()
    chosen = submissions.read_json(action.get("value"))
    question = BY_ID.get(str(chosen.get("q")))
    if question is None:
        respond(**problem("That question is no longer in my list. The next one is on its way."))
        return
    where = body.get("container") or {}  # the reflection's own message, to show the answer in its place
    metadata = json.dumps(
        {"q": question.id, "d": chosen.get("d"), "c": where.get("channel_id"), "t": where.get("message_ts")}
    )
    if not submissions.open_form(client, body.get("trigger_id", ""), views.reflection_modal(question.text, metadata)):
        respond(**problem(common.FORM_FAILED), replace_original=False)


@listeners.action(views.BLOCK_DONE, views.BLOCK_MISSED)
def block_followup(ack: Ack, body: dict, action: dict, respond: Respond, context) -> None:
    services = common.services_of(context)
    team_id, user_id = common.ids_of(body)
    done = action.get("action_id") == views.BLOCK_DONE
    block_id = submissions.read_json(action.get("value")).get("a")
    with common.storing(ack, common.to_respond(respond, replace_original=False)) as stored:
        recorded = coach.record_block_followup(services, team_id, user_id, block_id, done, common.request_key(body))
        stored()
        if not recorded:
            respond(**problem("I couldn't find that prospecting block."), replace_original=False)
            return
        respond(**views.followup_thanks(done))


@listeners.action(lessons.KEEP_LESSON)
def keep_lesson(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, context) -> None:
    """The reply to "Lost" asked what the deal taught: a one-field form."""
    submissions.form_from_button(
        ack, body, action, respond, client, context, coach.lost_deal, _lesson_form, LESSON_GONE
    )


def _lesson_form(services, deal) -> dict:
    return lessons.lesson_modal(deal.name, json.dumps({"o": deal.id}))


LESSON_GONE = "That deal is no longer a lost deal of yours. `/opportunity reflections` shows what you kept."


# ---- forms ------------------------------------------------------------------------------------


@listeners.form(lessons.LESSON_VIEW, parse_answer_form, in_channel=False)
def submit_lesson(form: submissions.Submission, stored: common.AckOnce) -> None:
    name = coach.keep_lesson(form.services, form.team_id, form.user_id, form.meta.get("o"), form.fields, form.key)
    stored()
    form.send(lessons.lesson_kept(name) if name else problem(LESSON_GONE))


@listeners.form(views.PLAN_VIEW, parse_plan_form, in_channel=False)
def submit_plan(form: submissions.Submission, stored: common.AckOnce) -> None:
    services, (day, minutes) = form.services, form.fields
    for_date = _for_date(services, form.meta)
    followup, today = coach.plan_block(services, form.team_id, form.user_id, day, minutes, for_date, form.key)
    stored()
    form.send(views.block_planned_reply(day, minutes, today, followup))


def _answer_form(ack: Ack, body: dict, view: dict, client: WebClient, context, block_id: str, keep, send=None) -> None:
    """A form whose one field is a few honest lines: checked before ack, kept by `keep` after it; its reply
    goes to `send` (by default a DM)."""
    try:
        answer = parse_answer(submissions.field_values(view).get(block_id))
    except ParseError as mistake:
        common.refuse(ack, response_action="errors", errors={block_id: str(mistake)})
        return
    form = submissions.submission(body, view, client, context, in_channel=False)
    services, send = form.services, send or form.send
    with common.storing_form(ack, send, view) as stored:
        reply = keep(services, form.team_id, form.user_id, answer, form.meta, _for_date(services, form.meta), form.key)
        stored()
        send(reply)


@listeners.view(views.FOCUS_VIEW)
def submit_focus(ack: Ack, body: dict, view: dict, client: WebClient, context) -> None:
    """Why focus (required), and optionally the deal's obstacle and checkpoint; every problem beside its field."""
    services = common.services_of(context)
    values = submissions.field_values(view)
    errors = {}
    try:
        why = parse_answer(values.get("why"))
    except ParseError as mistake:
        errors["why"] = str(mistake)
    try:
        kind, checkpoint = parse_focus_obstacle(values, services.team_today())
    except FieldErrors as problems:
        errors |= problems.errors
    if errors:
        common.refuse(ack, response_action="errors", errors=errors)
        return
    form = submissions.submission(body, view, client, context, in_channel=False)
    with common.storing_form(ack, form.send, view) as stored:
        obstacle = coach.NewObstacle(kind, None, checkpoint) if kind else None
        deal_id = form.meta.get("o") if kind else None
        for_date = _for_date(services, form.meta)
        coach.choose_focus(services, form.team_id, form.user_id, why, for_date, deal_id, obstacle, form.key)
        stored()
        form.send(views.focus_reply())


@listeners.view(views.REFLECTION_VIEW)
def submit_reflection(ack: Ack, body: dict, view: dict, client: WebClient, context) -> None:
    def keep(services, team_id, user_id, answer, meta, for_date, key) -> dict:
        if str(meta.get("q")) not in BY_ID:
            common.log.warning("a reflection answer arrived for an unknown question %r", meta.get("q"))
        coach.answer_reflection(services, team_id, user_id, meta.get("q"), answer, for_date, key)
        question = BY_ID.get(str(meta.get("q")))
        return views.reflection_answered(question.text, answer) if question else views.reflection_thanks()

    meta = submissions.read_json(view.get("private_metadata"))
    _answer_form(ack, body, view, client, context, "answer", keep, _in_place(client, body, meta))


def _in_place(client: WebClient, body: dict, meta: dict) -> common.Send:
    """A reply that replaces the original rewrites the reflection's own message (chat.update); any other
    reply, or one whose message is gone, arrives as a DM."""
    direct = common.tell_user(client, common.ids_of(body)[1], None)

    def send(payload: dict) -> None:
        channel, ts = meta.get("c"), meta.get("t")
        if payload.get("replace_original") and channel and ts:
            try:
                client.chat_update(channel=channel, ts=ts, text=payload["text"], blocks=payload.get("blocks"))
                return
            except SlackApiError as error:
                common.log.info("could not show the answer in its reflection: %s", error.response.get("error"))
        direct({key: value for key, value in payload.items() if key != "replace_original"})

    return send
