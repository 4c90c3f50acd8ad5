"""The pictures' figures: the team's openings per week per rep with wins (the leaders' weekly DM) and one
rep's own openings, wins and selling hours (`/opportunity health`'s picture). Two or three GROUP BYs per
chart (storage/charts.py); reps are kept as mentions and named only when drawn (bot/uploads.py)."""

from __future__ import annotations

import hashlib
import logging
from datetime import date

from bot.messages.charts import chart_spec
from bot.rules.charts import chart_weeks, weekly_openings, with_hours
from bot.rules.periods import local_midnight
from bot.services import Services
from bot.uploads import send_upload, upload_message
from storage import charts, claim_marks, claims

log = logging.getLogger("pipeline_coach.charts")


def team_chart(services: Services, team_id: str, today: date) -> dict:
    """Openings per week per rep over the last whole CHART_WEEKS weeks before `today`'s, wins beneath."""
    weeks = chart_weeks(today)
    since = local_midnight(weeks[0], services.settings.team_timezone)
    opened, won = charts.openings_and_wins(services.db, team_id, since)
    return chart_spec(weekly_openings(opened, won, weeks), "Openings per week, by rep (wins beneath)")


def rep_chart(services: Services, team_id: str, user_id: str, today: date) -> dict:
    """The rep's own openings and wins per week, this week included, and where their selling time went."""
    weeks = chart_weeks(today, this_week=True)
    since = local_midnight(weeks[0], services.settings.team_timezone)
    opened, won = charts.openings_and_wins(services.db, team_id, since, user_id)
    chart = weekly_openings(opened, won, weeks, named=1)
    chart = with_hours(chart, charts.selling_minutes_by_day(services.db, team_id, user_id, weeks[0]))
    return chart_spec(chart, "Your openings per week, wins and where your time went", whose="rep")


HEALTH_PICTURE = "health_chart"
SHARED, ALREADY, FAILED = "shared", "already", "failed"


def send_health_picture(services: Services, team_id: str, user_id: str, request_key: str | None) -> str:
    """Draw the rep's picture and share it in their DM, once per click (a replayed click is claimed already):
    SHARED, ALREADY or FAILED. Asked for now, it is not retried later: a failure is told, and another click
    asks again."""
    now, today = services.now(), services.team_today()
    spec = rep_chart(services, team_id, user_id, today)
    message = upload_message(spec, f"my-openings-{today.isoformat()}.png", "Your openings, wins and time")
    click = hashlib.sha256((request_key or now.isoformat()).encode()).hexdigest()[:16]
    claim = claims.claim(services.db, claims.Key(team_id, user_id, HEALTH_PICTURE, f"{today}:{click}"), *message, now)
    if claim is None:
        return ALREADY
    try:
        send_upload(services, claim)
    except Exception as error:  # Slack or the network: say so; the claim is closed, not left to retry
        log.warning("the health picture for %s was not shared: %s", user_id, error)
        claim_marks.mark_skipped(services.db, claim, f"failed: {str(error)[:80]}", services.now())
        return FAILED
    claim_marks.mark_sent(services.db, claim, services.now())
    return SHARED
