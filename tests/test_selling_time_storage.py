"""Logged time, quotas and the aggregates behind the health report and the coaching jobs, on any database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.rules.entries import undo_bounds
from storage import activities as acts
from storage import concentration, quotas, records, reps
from storage import health as health_store
from storage import opportunities as store
from tests.test_health_figures import nothing

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TODAY = NOW.date()


def opp(db, name: str, user: str = "U1", team: str = "T1", amount: int | None = None, now=NOW, **fields) -> int:
    new = records.NewOpportunity(name=name, stage="Discovery", amount=amount, **fields)
    return store.create_opportunity(db, team, user, new, now).id


def deal_time(db, opportunity_id: int, minutes: int, day: date = TODAY, user: str = "U1", team: str = "T1"):
    entry = records.NewActivity(kind=records.DEAL, occurred_on=day, minutes=minutes, opportunity_id=opportunity_id)
    return acts.log_activity(db, team, user, entry, NOW)


def prospecting(db, minutes: int, day: date = TODAY, user: str = "U1", team: str = "T1", kind="calls", touches=1):
    entry = records.NewActivity(kind=kind, occurred_on=day, minutes=minutes, touches=touches)
    return acts.log_activity(db, team, user, entry, NOW)


# --- selling_time_by_rep ---------------------------------------------------------------------------


def test_selling_time_sums_each_reps_minutes_and_names_their_top_deal(db):
    acme, globex = opp(db, "Acme renewal"), opp(db, "Globex pilot")
    deal_time(db, acme, 300)
    deal_time(db, acme, 60, day=TODAY - timedelta(days=3))
    deal_time(db, globex, 90)
    prospecting(db, 120)
    initech = opp(db, "Initech", user="U2")
    deal_time(db, initech, 45, user="U2")

    found = concentration.selling_time_by_rep(db, "T1", TODAY - timedelta(days=13), TODAY)

    assert found == [
        records.RepSellingTime("U1", 570, 120, acme, "Acme renewal", 360),
        records.RepSellingTime("U2", 45, 0, initech, "Initech", 45),
    ]


def test_selling_time_breaks_a_tie_by_the_lowest_opportunity_id(db):
    first, second = opp(db, "First"), opp(db, "Second")
    deal_time(db, second, 60)
    deal_time(db, first, 60)

    [rep] = concentration.selling_time_by_rep(db, "T1", TODAY, TODAY)
    assert (rep.top_opportunity_id, rep.top_opportunity_name, rep.top_opportunity_minutes) == (first, "First", 60)


def test_prospecting_is_never_the_top_deal(db):
    acme = opp(db, "Acme")
    prospecting(db, 500)
    deal_time(db, acme, 10)

    [rep] = concentration.selling_time_by_rep(db, "T1", TODAY, TODAY)
    assert (rep.total_minutes, rep.prospecting_minutes, rep.top_opportunity_id) == (510, 500, acme)


def test_a_rep_who_only_prospected_has_no_top_deal(db):
    prospecting(db, 90)
    prospecting(db, 0, touches=25)

    assert concentration.selling_time_by_rep(db, "T1", TODAY, TODAY) == [
        records.RepSellingTime("U1", 90, 90, None, None, 0)
    ]


def test_selling_time_keeps_to_the_window_and_the_workspace(db):
    acme = opp(db, "Acme")
    deal_time(db, acme, 60, day=TODAY - timedelta(days=14))
    deal_time(db, acme, 30, day=TODAY - timedelta(days=13))
    other = opp(db, "Other team's deal", team="T2")
    deal_time(db, other, 999, team="T2")
    prospecting(db, 0, touches=3, user="U3")  # touches but no minutes: nothing to report

    found = concentration.selling_time_by_rep(db, "T1", TODAY - timedelta(days=13), TODAY)
    assert [(rep.user_id, rep.total_minutes) for rep in found] == [("U1", 30)]
    assert concentration.selling_time_by_rep(db, "T1", TODAY + timedelta(days=1), TODAY + timedelta(days=5)) == []


def test_last_opened_by_rep_gives_each_owners_newest_opportunity(db):
    opp(db, "Old", now=NOW - timedelta(days=20))
    opp(db, "New", now=NOW - timedelta(days=2))
    opp(db, "Theirs", user="U2", now=NOW - timedelta(days=5))
    opp(db, "Elsewhere", user="U9", team="T2")

    assert concentration.last_opened_by_rep(db, "T1") == {"U1": NOW - timedelta(days=2), "U2": NOW - timedelta(days=5)}


def test_a_page_of_reps_reads_only_its_own_selling_time_and_openings(db):
    for user in ("U1", "U2", "U3"):
        deal_time(db, opp(db, f"{user}'s deal", user=user, now=NOW - timedelta(days=3)), 60, user=user)

    found = concentration.selling_time_by_rep(db, "T1", TODAY, TODAY, user_ids=["U3", "U1"])
    assert [rep.user_id for rep in found] == ["U1", "U3"]
    assert concentration.selling_time_by_rep(db, "T1", TODAY, TODAY, user_ids=[]) == []
    assert concentration.last_opened_by_rep(db, "T1", ["U2"]) == {"U2": NOW - timedelta(days=3)}


def test_reps_come_a_page_at_a_time_in_user_order_each_once(db):
    reps.ensure_reps(db, "T1", [f"U{n}" for n in range(7)], NOW)
    reps.ensure_reps(db, "T2", ["U0"], NOW)

    pages = list(reps.reps_in_pages(db, "T1", size=3))

    assert [[rep.user_id for rep in page] for page in pages] == [["U0", "U1", "U2"], ["U3", "U4", "U5"], ["U6"]]
    assert all(rep.team_id == "T1" and rep.coaching_enabled for page in pages for rep in page)
    assert list(reps.reps_in_pages(db, "T3")) == []


def test_settings_of_many_reps_are_read_in_pages_and_none_is_left_out(db, monkeypatch):
    monkeypatch.setattr(reps, "PAGE_SIZE", 2)
    reps.ensure_reps(db, "T1", [f"U{n}" for n in range(5)], NOW)

    found = reps.reps_of(db, "T1", [f"U{n}" for n in range(5)] + ["U9"])

    assert sorted(found) == ["U0", "U1", "U2", "U3", "U4"] and found["U3"].team_id == "T1"


# --- logging, undo and quotas ------------------------------------------------------------------------


def test_deal_time_can_only_go_on_the_reps_own_open_deal(db):
    theirs = opp(db, "Theirs", user="U2")
    with pytest.raises(records.NotOpen):
        deal_time(db, theirs, 30)
    assert concentration.selling_time_by_rep(db, "T1", TODAY, TODAY) == []


def test_undo_removes_only_the_reps_latest_entry_within_ten_minutes(db):
    prospecting(db, 30, kind="calls")
    latest = prospecting(db, 45, kind="emails")
    prospecting(db, 15, user="U2")

    removed = acts.undo_last(db, "T1", "U1", *undo_bounds(NOW + timedelta(minutes=9)))
    assert removed == latest
    assert acts.undo_last(db, "T1", "U1", *undo_bounds(NOW + timedelta(minutes=11))) is None
    assert [rep.total_minutes for rep in concentration.selling_time_by_rep(db, "T1", TODAY, TODAY)] == [30, 15]


def test_an_undo_is_done_once_per_request_and_kept_a_day(db):
    prospecting(db, 30)
    prospecting(db, 15)
    bounds = undo_bounds(NOW + timedelta(minutes=1))

    first = acts.undo_last(db, "T1", "U1", *bounds, request_key="trigger:A", now=NOW)
    replay = acts.undo_last(db, "T1", "U1", *bounds, request_key="trigger:A", now=NOW)

    assert first == replay and first.minutes == 15
    assert [rep.total_minutes for rep in concentration.selling_time_by_rep(db, "T1", TODAY, TODAY)] == [30]
    later = NOW + timedelta(days=1, minutes=1)
    assert acts.undo_last(db, "T1", "U1", *undo_bounds(later), request_key="trigger:B", now=later) is None
    assert acts.undo_last(db, "T1", "U1", *bounds, request_key="trigger:A", now=NOW).minutes == 30, (
        "a day on, the first request is forgotten"
    )


def test_setting_a_quota_again_replaces_it(db):
    start = date(2026, 10, 1)
    quotas.set_quota(db, "T1", "U1", start, 250_000, NOW)
    quotas.set_quota(db, "T1", "U1", start, 300_000, NOW)

    assert quotas.get_quota(db, "T1", "U1", start) == 300_000
    assert quotas.get_quota(db, "T1", "U2", start) is None
    assert quotas.get_quota(db, "T2", "U1", start) is None


# --- health_data -------------------------------------------------------------------------------------


def window(**changes) -> records.HealthWindow:
    monday = date(2026, 11, 23)
    values = dict(
        today=TODAY,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
        period_start_at=datetime(2026, 10, 1, tzinfo=UTC),
        period_end_at=datetime(2027, 1, 1, tzinfo=UTC),
        week_starts=tuple(
            datetime.combine(monday - timedelta(weeks=back), datetime.min.time(), tzinfo=UTC) for back in range(6)
        ),
        week_first_day=monday,
        time_since=TODAY - timedelta(days=13),
        stalled_before=NOW - timedelta(days=14),
        stalled_quiet_since=TODAY - timedelta(days=13),
        closed_since=NOW - timedelta(days=730),
    )
    values.update(changes)
    return records.HealthWindow(**values)


def test_health_data_for_a_rep_with_nothing_is_all_zeros(db):
    data = health_store.health_data(db, "T1", "U1", window())

    assert data == nothing(weeks=6)


def test_health_data_sums_the_reps_pipeline_closes_and_quota(db):
    opp(db, "Acme", amount=100_000, expected_close=date(2026, 12, 15))
    opp(db, "Globex", amount=40_000, expected_close=date(2027, 2, 1))
    opp(db, "Initech", amount=None)
    won = opp(db, "Won one", amount=30_000)
    lost = opp(db, "Lost one", amount=5_000)
    old_win = opp(db, "Won last quarter", amount=70_000, now=datetime(2026, 9, 1, tzinfo=UTC))
    store.move_stage(db, "T1", "U1", won, "Won", NOW, status=records.WON)
    store.move_stage(db, "T1", "U1", lost, "Lost", NOW, status=records.LOST)
    store.move_stage(db, "T1", "U1", old_win, "Won", datetime(2026, 9, 2, tzinfo=UTC), status=records.WON)
    opp(db, "Someone else's", user="U2", amount=999_999)
    quotas.set_quota(db, "T1", "U1", date(2026, 10, 1), 250_000, NOW)
    quotas.set_quota(db, "T1", "U1", date(2026, 7, 1), 1, NOW)

    data = health_store.health_data(db, "T1", "U1", window())

    assert (data.open_count, data.open_value, data.largest_open, data.open_in_period) == (3, 140_000, 100_000, 100_000)
    assert (data.won_count, data.lost_count, data.won_in_period, data.quota) == (2, 1, 30_000, 250_000)


def test_health_data_counts_openings_per_week_newest_first(db):
    for days_ago in (0, 1, 8, 9, 10, 30, 60):
        opp(db, f"Deal {days_ago}", now=NOW - timedelta(days=days_ago))

    data = health_store.health_data(db, "T1", "U1", window())
    # Monday 23 Nov 15:00: "1 day ago" is last Sunday, so it belongs to the week before.
    assert data.opened_by_week == (1, 1, 3, 0, 0, 1), "60 days ago is before the oldest week"


def test_health_data_groups_this_weeks_prospecting_and_the_windows_time(db):
    acme, globex = opp(db, "Acme"), opp(db, "Globex")
    prospecting(db, 120, kind="calls", touches=25)
    prospecting(db, 0, kind="calls", touches=5)
    prospecting(db, 30, kind="social", touches=0)
    prospecting(db, 60, kind="emails", touches=10, day=TODAY - timedelta(days=1))  # last week
    deal_time(db, acme, 90)
    deal_time(db, acme, 30, day=TODAY - timedelta(days=13))
    deal_time(db, globex, 45, day=TODAY - timedelta(days=14))  # outside the 14 days
    prospecting(db, 500, user="U2")

    data = health_store.health_data(db, "T1", "U1", window())

    assert data.prospecting_this_week == (records.KindTotal("calls", 30, 120), records.KindTotal("social", 0, 30))
    assert data.time_by_deal == (records.DealTime(None, None, 210), records.DealTime(acme, "Acme", 120))


def test_health_data_lists_stalled_deals_oldest_first(db):
    quiet = opp(db, "Quiet", now=NOW - timedelta(days=30))
    opp(db, "Quieter", now=NOW - timedelta(days=40))
    worked = opp(db, "Worked on", now=NOW - timedelta(days=30))
    deal_time(db, worked, 15, day=TODAY - timedelta(days=13))
    opp(db, "Fresh", now=NOW - timedelta(days=13))
    moved = opp(db, "Moved", now=NOW - timedelta(days=30))
    store.move_stage(db, "T1", "U1", moved, "Proposal", NOW - timedelta(days=2))
    deal_time(db, quiet, 15, day=TODAY - timedelta(days=14))  # work from before the quiet spell

    data = health_store.health_data(db, "T1", "U1", window())

    assert [deal.name for deal in data.stalled] == ["Quieter", "Quiet"]
    assert data.stalled_count == 2
    assert data.stalled[1].last_change_at == NOW - timedelta(days=30)


def test_health_data_caps_the_stalled_list_but_counts_them_all(db):
    for number in range(15):
        opp(db, f"Old {number}", now=NOW - timedelta(days=20 + number))

    data = health_store.health_data(db, "T1", "U1", window())
    assert (len(data.stalled), data.stalled_count) == (health_store.STALLED_LISTED, 15)
    assert data.stalled[0].name == "Old 14"
