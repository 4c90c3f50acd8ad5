"""What Slack tells us about people between the daily bulk read: the user_change event.

A rep's new time zone is cached at once (so the coach follows a trip or a move the same day), and a
deactivated account is marked unreachable, so no DM is attempted. People without a rep row are ignored.
"""

from __future__ import annotations

from bot.services import Services
from storage import reps


def user_changed(services: Services, team_id: str, user: dict) -> bool:
    """Apply a user_change event's user object; True if it concerned one of our reps."""
    user_id = str(user.get("id") or "")
    team_id = team_id or str(user.get("team_id") or "")
    if not user_id or not team_id:
        return False
    known = reps.reps_of(services.db, team_id, [user_id])
    if not known:
        return False
    now = services.now()
    if user.get("deleted"):
        reps.save_time_zones(services.db, team_id, {}, now, {user_id: "account_inactive"})
    else:
        reps.save_time_zones(services.db, team_id, {user_id: user.get("tz") or None}, now)
    return True
