"""Walk-away signals and checkpoints that learn: when a deal's hours deserve a second look, each reason
with its evidence, private to the rep; when a checkpoint should ask about detaching rather than waiting;
and how much prospecting to offer once the rep stepped back. Plain numbers in and out."""

from __future__ import annotations

# After this many "not yet" answers on one obstacle the checkpoint asks when the rep will detach instead.
ASK_DETACH_AFTER = 2
# The prospecting block offered after a step back: about a third of the hours the paused deal took in the
# window, in whole hours between these bounds (an hour when it took none).
OFFER_SHARE, OFFER_MIN_MINUTES, OFFER_MAX_MINUTES = 1 / 3, 60, 180  # each one of BLOCK_LENGTHS


def asks_detach(not_yets: int, detach_named: bool) -> bool:
    """Two "not yet"s on the same obstacle and no detach named yet: ask when to step back."""
    return not_yets >= ASK_DETACH_AFTER and not detach_named


def prospecting_offer_minutes(paused_deal_minutes: int) -> int:
    """The block to offer once a deal is paused: 7h on it in the fortnight -> 2h of prospecting this week."""
    hours = round(paused_deal_minutes * OFFER_SHARE / 60)
    return min(max(hours * 60, OFFER_MIN_MINUTES), OFFER_MAX_MINUTES)
