"""Time that logs itself: connect a calendar by its secret address, read it, place each meeting with the
rules (bot/rules/capture.py) and keep the captured time reconciled with the feed.

`capture` takes meetings from any source (a calendar feed, a CRM's meetings and calls); the feed's
address is sealed with ENCRYPTION_KEY and never logged or shown whole (only its host).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.errors import SlackClientError

from bot.integrations import calendar_feed as feeds
from bot.integrations import calendar_ics as ics
from bot.integrations.activities import CapturedMeeting
from bot.rules import capture as rules
from bot.rules.periods import local_now
from bot.sealed import SecretUnreadable, box_for
from bot.services import Services
from storage import calendars, captured, deal_contacts
from storage import reps as reps_store

log = logging.getLogger("pipeline_coach.calendar")

MAX_BACKOFF = timedelta(hours=6)
TELL_AFTER = timedelta(days=1)  # a rep hears about a failing feed once it has failed this long
FAILING_KIND = "calendar_failing"


class NotSetUp(Exception):
    """ENCRYPTION_KEY is not set: calendars cannot be connected here."""


@dataclass(frozen=True)
class ReadResult:
    """One read of a rep's calendar: unchanged (a 304), or what was counted and where it went."""

    unchanged: bool
    found: int = 0
    by_placement: dict | None = None
    reconciled: captured.Reconciled | None = None


@dataclass(frozen=True)
class Status:
    host: str
    connected_at: datetime
    last_read_at: datetime | None
    last_success_at: datetime | None
    found: int
    failing: str | None  # the last error, while reads fail
    by_placement: dict[str, tuple[int, int]]  # over CALENDAR_WINDOW_DAYS
    window_days: int


def keeps_secrets(services: Services) -> bool:
    return box_for(services.settings) is not None


def log_not_set_up() -> None:
    log.warning("a rep tried to connect a calendar, but ENCRYPTION_KEY is not set (see .env.example)")


def connect(services: Services, team_id: str, user_id: str, raw_address: str) -> ReadResult:
    """Check the address, read it once, and only then keep it (sealed) with what it found.
    BadAddress / FeedError (texts safe to show) or NotSetUp when it cannot be done."""
    box = box_for(services.settings)
    if box is None:
        log_not_set_up()
        raise NotSetUp
    settings = services.settings
    address = feeds.normalise_address(raw_address, settings.calendar_private_addresses)
    now = services.now()
    own_email = _slack_email(services, user_id)
    feed = feeds.feed_key(address)
    fetched = _fetch(services, address)
    parsed = _parse(services, team_id, user_id, feed, own_email, fetched, now)  # nothing is kept if it fails
    calendars.save_connection(
        services.db, team_id, user_id, box.seal(address), feeds.mask(address), feed, own_email, now
    )
    reps_store.ensure_reps(services.db, team_id, [user_id], now)  # the coach's jobs walk the reps table
    connection = calendars.connection_of(services.db, team_id, user_id)
    assert connection is not None
    return _take_in(services, connection, fetched, parsed, now)


def status(services: Services, team_id: str, user_id: str) -> Status | None:
    connection = calendars.connection_of(services.db, team_id, user_id)
    if connection is None:
        return None
    days = services.settings.calendar_window_days
    since = services.team_today() - timedelta(days=days - 1)
    return Status(
        connection.host,
        connection.connected_at,
        connection.last_read_at,
        connection.last_success_at,
        connection.found,
        connection.last_error if connection.failures else None,
        captured.counts(services.db, team_id, user_id, since),
        days,
    )


def keep_titles(services: Services, team_id: str, user_id: str, keep: bool) -> bool:
    """A workspace admin chooses whether meeting titles are kept with captured time (False: not an admin).
    Titles already stored stay until their meetings are read again."""
    from bot.services import admin, workspace_settings

    if not admin.is_admin(services, team_id, user_id):
        return False
    workspace_settings.save(services, team_id, {"calendar_keep_titles": keep}, user_id)
    return True


def place(
    services: Services, team_id: str, user_id: str, meeting_id: object, placement: object, deal: object
) -> list[str] | None:
    """The rep placed a captured meeting from a question: it, and later meetings with the same people's
    domains, go there. The domains remembered; None when the choice is stale (the meeting or deal is gone)."""
    if not isinstance(meeting_id, int) or placement not in (rules.DEAL, rules.PROSPECTING, rules.NOT_SELLING):
        return None
    if placement == rules.DEAL:
        if not isinstance(deal, int) or deal not in {d[0] for d in captured.open_deals(services.db, team_id, user_id)}:
            return None
    else:
        deal = None
    domains = captured.choose(services.db, team_id, user_id, meeting_id, str(placement), deal, services.now())
    if domains is not None:
        services.changed(team_id, user_id)
    return domains


def disconnect(services: Services, team_id: str, user_id: str, forget: bool) -> tuple[bool, int]:
    """Remove the address (and, with `forget`, the captured calendar time). (was connected, erased)"""
    result = calendars.remove_connection(services.db, team_id, user_id, forget)
    if forget and result[1]:
        services.changed(team_id, user_id)
    return result


def read(services: Services, connection: calendars.Connection, now: datetime) -> ReadResult:
    """One scheduled read: conditional, failures counted and backed off (the rep is told once, later)."""
    box = box_for(services.settings)
    if box is None:
        raise NotSetUp
    try:
        address = box.open(connection.sealed_address, what="address")
        fetched = _fetch(services, address, connection.etag, connection.last_modified)
    except (feeds.FeedError, SecretUnreadable) as failure:
        _failed(services, connection, str(failure), now)
        raise
    if fetched.body is None:
        next_read = now + timedelta(minutes=services.settings.calendar_poll_minutes)
        calendars.record_read(services.db, connection.id, now, next_read, etag=fetched.etag,
                             last_modified=fetched.last_modified)  # fmt: skip
        return ReadResult(unchanged=True, found=connection.found)
    try:
        parsed = _parse(services, connection.team_id, connection.user_id, connection.feed, connection.own_email,
                        fetched, now)  # fmt: skip
        return _take_in(services, connection, fetched, parsed, now)
    except feeds.FeedError as failure:
        _failed(services, connection, str(failure), now)
        raise


def capture(
    services: Services,
    team_id: str,
    user_id: str,
    source: str,
    meetings: Iterable[CapturedMeeting],
    since: datetime,
    until: datetime,
    own_emails: frozenset[str] = frozenset(),
) -> tuple[captured.Reconciled, dict[str, int]]:
    """Place every meeting of one source that starts in [since, until) and make the stored captured time
    exactly that (moved meetings move, vanished ones go). Any source: a feed or a CRM's meetings."""
    db = services.db
    meetings = list(meetings)
    zone = _zone(services, team_id, user_id)
    contacts, companies = deal_contacts.open_deals_by_contact(db, team_id, user_id)
    context = rules.Context(
        own_domains=frozenset(rules.domain_of(email) for email in own_emails if "@" in email),
        deals=tuple(rules.OpenDeal(*deal) for deal in captured.open_deals(db, team_id, user_id)),
        remembered={
            domain: rules.Choice(placement, opportunity)
            for domain, (placement, opportunity) in captured.remembered(db, team_id, user_id).items()
        },
        crm_deals=captured.crm_deal_ids(db, team_id, (crm_id for m in meetings for crm_id in m.deal_ids)),
        contacts=contacts,
        companies=companies,
    )
    keep_titles = services.settings.calendar_keep_titles
    entries, by_placement = [], {placement: 0 for placement in rules.PLACEMENTS}
    for meeting in meetings:
        placed = rules.place(meeting, context)
        by_placement[placed.placement] += 1
        entries.append(
            captured.Entry(
                key=meeting.key,
                starts_at=meeting.starts_at,
                minutes=max(int((meeting.ends_at - meeting.starts_at).total_seconds() // 60), 1),
                occurred_on=local_now(meeting.starts_at, zone).date(),
                placement=placed.placement,
                opportunity_id=placed.opportunity_id,
                rule=placed.rule,
                domains=",".join(placed.domains)[:300] or None,
                title=(meeting.title or "")[:200] or None if keep_titles else None,
            )
        )
    reconciled = captured.reconcile(db, team_id, user_id, source, since, until, entries, services.now())
    if reconciled.added or reconciled.changed or reconciled.removed:
        services.changed(team_id, user_id)
    return reconciled, by_placement


def _parse(services: Services, team_id: str, user_id: str, feed: str, own_email: str | None, fetched, now: datetime):
    since, until = ics.window(now, services.settings.calendar_window_days)
    own = frozenset({own_email}) if own_email else frozenset()
    zone = _zone(services, team_id, user_id)
    return ics.parse(fetched.body or b"", feed=feed, since=since, until=until, zone=zone, own_emails=own)


def _take_in(
    services: Services,
    connection: calendars.Connection,
    fetched: feeds.FeedRead,
    parsed: ics.ParsedFeed,
    now: datetime,
) -> ReadResult:
    settings = services.settings
    since, until = ics.window(now, settings.calendar_window_days)
    own = ics.own_addresses(parsed) | ({connection.own_email} if connection.own_email else set())
    reconciled, by_placement = capture(
        services, connection.team_id, connection.user_id, feeds.SOURCE, parsed.meetings, since, until, frozenset(own)
    )
    next_read = now + timedelta(minutes=settings.calendar_poll_minutes)
    calendars.record_read(services.db, connection.id, now, next_read, etag=fetched.etag,
                         last_modified=fetched.last_modified, found=len(parsed.meetings))  # fmt: skip
    return ReadResult(False, len(parsed.meetings), by_placement, reconciled)


def _fetch(services: Services, address: str, etag: str | None = None, last_modified: str | None = None):
    settings = services.settings
    return feeds.fetch(
        address,
        etag=etag,
        last_modified=last_modified,
        timeout=settings.calendar_timeout_seconds,
        max_bytes=int(settings.calendar_max_feed_mb * 1_000_000),
        allow_private=settings.calendar_private_addresses,
    )


def _failed(services: Services, connection: calendars.Connection, reason: str, now: datetime) -> None:
    """Back off (the poll interval, doubling, at most MAX_BACKOFF); the reason is ours, never the address."""
    wait = min(timedelta(minutes=services.settings.calendar_poll_minutes) * 2**connection.failures, MAX_BACKOFF)
    calendars.record_failure(services.db, connection.id, now, reason, now + wait)
    log.info("calendar of %s in %s not read: %s", connection.user_id, connection.team_id, reason)


def _zone(services: Services, team_id: str, user_id: str) -> str:
    """The rep's zone (Slack's, cached), else the team's: floating times and days are read in it."""
    rep = reps_store.reps_of(services.db, team_id, [user_id]).get(user_id)
    return (rep.tz if rep else None) or services.settings.team_timezone


def _slack_email(services: Services, user_id: str) -> str | None:
    """The rep's email per Slack (users.info, users:read.email): how their own declined invitations and
    their company's domain are recognised in the feed."""
    try:
        user = services.client.users_info(user=user_id).get("user") or {}
    except SlackClientError as error:
        log.warning("users.info for %s failed while connecting a calendar: %s", user_id, error.__class__.__name__)
        return None
    email = str((user.get("profile") or {}).get("email") or "").strip().lower()
    return email or None
