"""The coach's Slack surfaces: `/opportunity coach …`, `/opportunity reflections`, the nudge's and the
reflection's buttons, and their modals. Parse, call bot/ and storage/, render with bot.messages.coaching."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import coach, coaching, messages
from bot.messages import coaching as views
from bot.parsing import ParseError
from bot.questions import BY_ID
from bot.services import Services
from bot.text import clip, escape
from handlers.common import log, read_json, replying_on_failure, services_of, tell_user
from handlers.views import FORM_FAILED, field_values, open_form
from storage import coaching as store

SNOOZE_WEEK = timedelta(days=7)
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PLAN_AHEAD = timedelta(days=60)
FOCUS_QUESTION = "Why is this deal worth the focus now?"
COACH_USAGE = (
    "Try `/opportunity coach` to see your settings, or `/opportunity coach off`, `on`, `snooze 2w`, "
    "`hours 08:00-16:00`, `days mon-thu`, `reflections fri 15:00`."
)


def register(app: App) -> None:
    app.action(views.PLAN_BLOCK)(plan_block)
    app.action(views.SNOOZE_WEEK)(snooze_week)
    app.action(views.CHOOSE_FOCUS)(choose_focus)
    app.action(views.ANSWER_REFLECTION)(answer_reflection)
    app.action(views.BLOCK_DONE)(block_followup)
    app.action(views.BLOCK_MISSED)(block_followup)
    app.view(views.PLAN_VIEW)(submit_plan)
    app.view(views.FOCUS_VIEW)(submit_focus)
    app.view(views.REFLECTION_VIEW)(submit_reflection)


def _friendly(error: ValueError) -> ParseError:
    """The rules' parsers echo what was typed; make it inert before it is shown in Slack."""
    return ParseError(escape(clip(str(error), 300)))


# ---- /opportunity coach ------------------------------------------------------------


def parse_coach(rest: str, now: datetime) -> tuple[dict, str | None]:
    """What `/opportunity coach …` asks to change (as rep-setting values), and a line confirming it.

    An empty change set means "just show the settings". Raises ParseError with what to type instead.
    """
    verb, _, argument = rest.strip().partition(" ")
    verb, argument = verb.lower(), argument.strip()
    default = argument.lower() in ("default", "reset")
    try:
        if verb == "":
            return {}, None
        if verb == "on" and not argument:
            values = {"coaching_enabled": True, "snoozed_until": None}
            values |= {"undeliverable_reason": None, "undeliverable_at": None}
            return values, ":white_check_mark: Coaching is on. I'll keep an eye on where your time goes."
        if verb == "off" and not argument:
            return {"coaching_enabled": False}, "Coaching is off. No nudges or reflections until you turn it on."
        if verb == "snooze":
            if argument.lower() in ("off", "end", "stop"):
                return {"snoozed_until": None}, "Snooze ended. Welcome back!"
            length = coaching.parse_snooze(argument or "1w")
            return {"snoozed_until": now + length}, f":zzz: Snoozed for {length.days} days. Enjoy the break."
        if verb == "hours":
            if default:
                return {"work_start": None, "work_end": None}, "Working hours are back to the team's."
            start, end = coaching.parse_hours(argument)
            return {"work_start": f"{start:%H:%M}", "work_end": f"{end:%H:%M}"}, "Working hours saved."
        if verb == "days":
            if default:
                return {"work_days": None}, "Working days are back to the team's."
            days = coaching.parse_work_days(argument)
            return {"work_days": ",".join(DAY_KEYS[day] for day in sorted(days))}, "Working days saved."
        if verb in ("reflections", "reflection"):
            if default:
                return {"reflection_weekday": None, "reflection_time": None}, "Reflections are back to the team's time."
            weekday, at = coaching.parse_weekly_slot(argument)
            return {"reflection_weekday": weekday, "reflection_time": f"{at:%H:%M}"}, "Reflection time saved."
    except ValueError as problem:
        raise _friendly(problem) from None
    raise ParseError(f"I didn't follow `coach {escape(clip(rest, 40))}`. {COACH_USAGE}")


def card_for(services: Services, rep: store.RepSettings, lead: str | None) -> dict:
    profile = coach.profile(rep, services.settings)
    card = views.CoachCard(
        enabled=rep.coaching_enabled,
        snoozed_until=rep.snoozed_until if rep.snoozed_until and rep.snoozed_until > services.now() else None,
        tz=rep.tz,
        start=profile.hours.start,
        end=profile.hours.end,
        days=profile.hours.days,
        reflection_weekday=profile.reflection_weekday,
        reflection_time=profile.reflection_time,
        cooldown_days=services.settings.nudge_cooldown_days,
        undeliverable=rep.undeliverable_reason is not None,
        custom_hours=profile.custom_hours or profile.custom_days,
        custom_reflection=profile.custom_reflection,
    )
    return views.coach_card(card, coaching.local_now(services.now(), profile.tz).date(), lead)


def coach_command(ack: Ack, command: dict, respond: Respond, client: WebClient, context, rest: str) -> None:
    services = services_of(context)
    changes, lead = parse_coach(rest, services.now())
    ack()
    with replying_on_failure(lambda payload: respond(**payload)):
        team_id, user_id = command["team_id"], command["user_id"]
        if changes:
            rep = store.update_rep(services.db, team_id, user_id, services.now(), **changes)
        else:
            rep = store.get_rep(services.db, team_id, user_id, services.now())
        respond(**card_for(services, rep, lead))


def reflections_command(ack: Ack, command: dict, respond: Respond, client: WebClient, context, rest: str) -> None:
    services = services_of(context)
    ack()
    with replying_on_failure(lambda payload: respond(**payload)):
        answers = store.recent_answers(services.db, command["team_id"], command["user_id"], views.ANSWERS_SHOWN)
        lines = [
            views.AnswerLine(a.kind, a.created_at.date(), a.question, a.answer, a.planned_day, a.planned_minutes)
            for a in answers
        ]
        respond(**views.answers_reply(lines, services.team_today()))


# ---- buttons -------------------------------------------------------------------------


def _ids(body: dict) -> tuple[str, str]:
    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")
    return team, body["user"]["id"]


def _for_date(value: object, fallback: date) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return fallback


def plan_block(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, context) -> None:
    ack()
    services = services_of(context)
    team_id, user_id = _ids(body)
    with replying_on_failure(lambda payload: respond(**payload, replace_original=False)):
        rep = store.get_rep(services.db, team_id, user_id, services.now())
        profile = coach.profile(rep, services.settings)
        local_today = coaching.local_now(services.now(), profile.tz).date()
        initial = coaching.next_working_day(local_today, profile.hours.days)
        metadata = json.dumps({"d": read_json(action.get("value")).get("d")})
        if not open_form(client, body.get("trigger_id", ""), views.plan_modal(initial, metadata)):
            respond(**messages.problem(FORM_FAILED), replace_original=False)


def snooze_week(ack: Ack, body: dict, action: dict, respond: Respond, context) -> None:
    ack()
    services = services_of(context)
    team_id, user_id = _ids(body)
    now = services.now()
    with replying_on_failure(lambda payload: respond(**payload, replace_original=False)):
        rep = store.update_rep(services.db, team_id, user_id, now, snoozed_until=now + SNOOZE_WEEK)
        for_date = _for_date(read_json(action.get("value")).get("d"), services.team_today())
        store.record_answer(services.db, team_id, user_id, store.SNOOZE, now, for_date, answer="1w")
        zone = coach.profile(rep, services.settings).tz
        until = coaching.local_now(now + SNOOZE_WEEK, zone).date()
        respond(**views.snoozed_reply(until, coaching.local_now(now, zone).date()), replace_original=False)


def choose_focus(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, context) -> None:
    ack()
    metadata = json.dumps({"d": read_json(action.get("value")).get("d")})
    if not open_form(client, body.get("trigger_id", ""), views.focus_modal(metadata)):
        respond(**messages.problem(FORM_FAILED), replace_original=False)


def answer_reflection(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, context) -> None:
    ack()
    chosen = read_json(action.get("value"))
    question = BY_ID.get(str(chosen.get("q")))
    if question is None:
        respond(**messages.problem("That question is no longer in my list. The next one is on its way."))
        return
    metadata = json.dumps({"q": question.id, "d": chosen.get("d")})
    if not open_form(client, body.get("trigger_id", ""), views.reflection_modal(question.text, metadata)):
        respond(**messages.problem(FORM_FAILED), replace_original=False)


def block_followup(ack: Ack, body: dict, action: dict, respond: Respond, context) -> None:
    ack()
    services = services_of(context)
    team_id, user_id = _ids(body)
    done = action.get("action_id") == views.BLOCK_DONE
    block_id = read_json(action.get("value")).get("a")
    with replying_on_failure(lambda payload: respond(**payload, replace_original=False)):
        block = store.get_answer(services.db, team_id, user_id, block_id) if isinstance(block_id, int) else None
        if block is None or block.kind != store.PROSPECTING_BLOCK:
            respond(**messages.problem("I couldn't find that prospecting block."), replace_original=False)
            return
        store.record_answer(
            services.db,
            team_id,
            user_id,
            store.BLOCK_FOLLOWUP,
            services.now(),
            services.team_today(),
            answer="done" if done else "missed",
            question_id=str(block.id),
            planned_day=block.planned_day,
            planned_minutes=block.planned_minutes,
        )
        respond(**views.followup_thanks(done))


# ---- modals --------------------------------------------------------------------------------


def submit_plan(ack: Ack, body: dict, view: dict, client: WebClient, context) -> None:
    services = services_of(context)
    values = field_values(view)
    today = services.team_today()
    errors = {}
    try:
        day = date.fromisoformat(values.get("day") or "")
    except ValueError:
        day = None
        errors["day"] = "Pick a day for the block."
    if day is not None and not today - timedelta(days=1) <= day <= today + PLAN_AHEAD:
        errors["day"] = "Pick a day from today up to two months ahead."
    minutes = values.get("minutes") or ""
    if not minutes.isdigit() or int(minutes) not in views.BLOCK_LENGTHS:
        errors["minutes"] = "Pick how long the block is."
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    team_id, user_id = body["team"]["id"], body["user"]["id"]
    send = tell_user(client, user_id, None)
    with replying_on_failure(send):
        now = services.now()
        for_date = _for_date(read_json(view.get("private_metadata")).get("d"), today)
        store.record_answer(
            services.db,
            team_id,
            user_id,
            store.PROSPECTING_BLOCK,
            now,
            for_date,
            planned_day=day,
            planned_minutes=int(minutes),
        )
        rep = store.get_rep(services.db, team_id, user_id, now)
        profile = coach.profile(rep, services.settings)
        followup = coaching.next_working_day(day, profile.hours.days)  # type: ignore[arg-type]
        send(views.block_planned_reply(day, int(minutes), coaching.local_now(now, profile.tz).date(), followup))  # type: ignore[arg-type]


def _answer_text(view: dict, block_id: str) -> tuple[str | None, str | None]:
    typed = re.sub(r"\r\n?", "\n", field_values(view).get(block_id) or "")
    text = "".join(char for char in typed if char.isprintable() or char in "\n\t").strip()
    if not text:
        return None, "A few words is plenty, but I need something here."
    if len(text) > views.MAX_ANSWER:
        return None, f"That's a little long: {views.MAX_ANSWER} characters at most."
    return text, None


def submit_focus(ack: Ack, body: dict, view: dict, client: WebClient, context) -> None:
    why, problem = _answer_text(view, "why")
    if problem:
        ack(response_action="errors", errors={"why": problem})
        return
    ack()
    services = services_of(context)
    team_id, user_id = body["team"]["id"], body["user"]["id"]
    send = tell_user(client, user_id, None)
    with replying_on_failure(send):
        for_date = _for_date(read_json(view.get("private_metadata")).get("d"), services.team_today())
        store.record_answer(
            services.db,
            team_id,
            user_id,
            store.FOCUS_REASON,
            services.now(),
            for_date,
            answer=why,
            question=FOCUS_QUESTION,
        )
        send(views.focus_reply())


def submit_reflection(ack: Ack, body: dict, view: dict, client: WebClient, context) -> None:
    answer, problem = _answer_text(view, "answer")
    if problem:
        ack(response_action="errors", errors={"answer": problem})
        return
    ack()
    services = services_of(context)
    team_id, user_id = body["team"]["id"], body["user"]["id"]
    send = tell_user(client, user_id, None)
    with replying_on_failure(send):
        meta = read_json(view.get("private_metadata"))
        question = BY_ID.get(str(meta.get("q")))
        if question is None:
            log.warning("a reflection answer arrived for an unknown question %r", meta.get("q"))
        store.record_answer(
            services.db,
            team_id,
            user_id,
            store.REFLECTION,
            services.now(),
            _for_date(meta.get("d"), services.team_today()),
            answer=answer,
            question_id=question.id if question else None,
            question=question.text if question else None,
        )
        services.changed(team_id, user_id)
        send(views.reflection_thanks())
