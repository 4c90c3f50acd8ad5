"""The Home tab: a rep's pipeline at a glance, with every action one click away."""

from __future__ import annotations

from datetime import datetime

from bot.home import HomePage
from bot.messages import OPEN_NEW_MODAL, button, context, opportunity_row, section
from bot.messages.health import health_reply
from bot.text import clip, day_label, escape

SURFACE_BLOCK_LIMIT = 100
LOG_DEAL_TIME = "home_log_deal_time"
LOG_PROSPECTING = "home_log_prospecting"
COACHING_SETTINGS = "home_coaching_settings"


def home_view(page: HomePage, now: datetime, symbol: str) -> dict:
    """Health first, then the buttons, then the open deals (capped so the page stays inside 100 blocks)."""
    blocks = [
        {
            "type": "actions",
            "block_id": "home_actions",
            "elements": [
                button("New opportunity", OPEN_NEW_MODAL, style="primary"),
                button("Log deal time", LOG_DEAL_TIME),
                button("Log prospecting", LOG_PROSPECTING),
                button("Coaching settings", COACHING_SETTINGS),
            ],
        }
    ]
    blocks += health_reply(page.health, symbol, now)["blocks"]
    blocks.append({"type": "divider"})
    reflection = _reflection_blocks(page, now)
    room = SURFACE_BLOCK_LIMIT - len(blocks) - len(reflection) - 3
    blocks.append(section(f"*Your open opportunities* ({page.open_total})"))
    shown = page.opportunities[: max(room, 0)]
    blocks += [opportunity_row(opp, now, symbol) for opp in shown]
    if not page.open_total:
        blocks.append(context("Nothing open yet. Every deal you will win starts with the New opportunity button."))
    elif page.open_total > len(shown):
        blocks.append(context(f"…and {page.open_total - len(shown)} more. `/opportunity list` in any channel."))
    blocks += reflection
    return {"type": "home", "blocks": blocks}


def _reflection_blocks(page: HomePage, now: datetime) -> list[dict]:
    answer = page.last_reflection
    if answer is None:
        return []
    return [
        {"type": "divider"},
        section(
            f"*Your last reflection* ({day_label(answer.for_date, now.date())})\n"
            f"_{escape(clip(answer.question or '', 300))}_\n>"
            + escape(clip(answer.answer or "", 1500)).replace("\n", "\n>")
        ),
    ]


PICK_DEAL_VIEW = "home_pick_deal"


def pick_deal_modal(opportunities, metadata: str) -> dict:
    """Step one of logging deal time from Home: which deal? (step two is the usual log-time form)."""
    from bot.messages import _input, plain

    options = [{"text": plain(f"#{opp.id} {opp.name}"), "value": str(opp.id)} for opp in opportunities[:100]]
    return {
        "type": "modal",
        "callback_id": PICK_DEAL_VIEW,
        "private_metadata": metadata,
        "title": plain("Log deal time", 24),
        "submit": plain("Next", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            _input("deal", "Which opportunity?", {"type": "static_select", "action_id": "value", "options": options})
        ],
    }
