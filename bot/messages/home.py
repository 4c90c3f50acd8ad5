"""The Home tab: a rep's pipeline at a glance, with every action one click away."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.messages.format import day_label
from bot.messages.health import health_reply
from bot.messages.kit import (
    MAX_SURFACE_BLOCKS,
    actions,
    button,
    context,
    divider,
    input_block,
    modal,
    option,
    section,
    static_select,
)
from bot.messages.opportunities import OPEN_NEW_MODAL, opportunity_row
from bot.messages.team import team_reply
from bot.rules.health import HealthReport
from bot.rules.outlook import RepOutlook
from bot.rules.team import TeamView
from bot.text import clip, escape
from storage.answers import Answer
from storage.records import ObstacleView, OpportunityView


@dataclass(frozen=True)
class HomePage:
    """What a rep's Home tab shows (bot/services/home.py gathers it)."""

    health: HealthReport
    opportunities: list[OpportunityView]
    open_total: int
    last_reflection: Answer | None
    outlook: RepOutlook | None = None
    is_admin: bool = False  # the workspace settings button is shown to its admins only
    team: TeamView | None = None  # a manager's Home opens on their team (the same view as /opportunity team)

    def obstacle_of(self, opportunity_id: int) -> ObstacleView | None:
        found = self.outlook.obstacles if self.outlook else ()
        return next((item for item in found if item.opportunity_id == opportunity_id), None)


LOG_DEAL_TIME = "home_log_deal_time"
LOG_PROSPECTING = "home_log_prospecting"
COACHING_SETTINGS = "home_coaching_settings"
WORKSPACE_SETTINGS = "home_workspace_settings"
TEAM_BLOCKS = 12  # a manager's team on Home: its first blocks, the whole of it a command away


def home_view(page: HomePage, now: datetime, symbol: str) -> dict:
    """Health first, then the buttons, then the open deals (capped so the page stays inside 100 blocks)."""
    blocks = [
        actions(
            [
                button("New opportunity", OPEN_NEW_MODAL, style="primary"),
                button("Log deal time", LOG_DEAL_TIME),
                button("Log prospecting", LOG_PROSPECTING),
                button("Coaching settings", COACHING_SETTINGS),
            ],
            "home_actions",
        )
    ]
    blocks += _team_blocks(page, symbol)
    blocks += health_reply(page.health, symbol, now, page.outlook)["blocks"]
    blocks.append(divider())
    reflection = _reflection_blocks(page, now) + _admin_blocks(page)
    room = MAX_SURFACE_BLOCKS - len(blocks) - len(reflection) - 3
    blocks.append(section(f"*Your open opportunities* ({page.open_total})"))
    shown = page.opportunities[: max(room, 0)]
    blocks += [opportunity_row(opp, now, symbol, page.obstacle_of(opp.id)) for opp in shown]
    if not page.open_total:
        blocks.append(context("Nothing open yet. Every deal you will win starts with the New opportunity button."))
    elif page.open_total > len(shown):
        blocks.append(context(f"…and {page.open_total - len(shown)} more. `/opportunity list` in any channel."))
    blocks += reflection
    return {"type": "home", "blocks": blocks}


def _team_blocks(page: HomePage, symbol: str) -> list[dict]:
    """For managers: their team first (the rows of `/opportunity team`), then their own pipeline."""
    if page.team is None:
        return []
    found = page.team
    blocks = team_reply(found.rows, found.coverage, symbol, found.creation, page.health.today)["blocks"]
    if len(blocks) > TEAM_BLOCKS:
        blocks = blocks[: TEAM_BLOCKS - 1] + [context("The whole team: `/opportunity team` in any channel.")]
    return [*blocks, divider()]


def _admin_blocks(page: HomePage) -> list[dict]:
    """For the workspace's admins only: where its channel, managers, zone, digest and coach are set."""
    if not page.is_admin:
        return []
    return [
        divider(),
        section(
            "*For admins:* this workspace's celebration channel, managers, time zone, digest and coach.",
            button("Workspace settings", WORKSPACE_SETTINGS),
        ),
    ]


def _reflection_blocks(page: HomePage, now: datetime) -> list[dict]:
    answer = page.last_reflection
    if answer is None:
        return []
    return [
        divider(),
        section(
            f"*Your last reflection* ({day_label(answer.for_date, now.date())})\n"
            f"_{escape(clip(answer.question or '', 300))}_\n>"
            + escape(clip(answer.answer or "", 1500)).replace("\n", "\n>")
        ),
    ]


PICK_DEAL_VIEW = "home_pick_deal"


def pick_deal_modal(opportunities, metadata: str) -> dict:
    """Step one of logging deal time from Home: which deal? (step two is the usual log-time form)."""
    options = [option(f"#{opp.id} {opp.name}", str(opp.id)) for opp in opportunities[:100]]
    return modal(
        PICK_DEAL_VIEW,
        "Log deal time",
        "Next",
        metadata,
        [input_block("deal", "Which opportunity?", static_select(options))],
    )
