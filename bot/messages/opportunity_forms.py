"""The opportunity forms: a new deal, a stage change, a loss. Their callback ids are what the handlers
register (handlers/opportunities.py)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages.kit import answer_modal, datepicker, input_block, modal, option, section, static_select, text_input
from bot.messages.opportunities import opportunity_title
from bot.text import escape
from storage.records import OpportunityView

NEW_VIEW = "opportunity_new"
STAGE_VIEW = "opportunity_stage"
LOST_VIEW = "opportunity_lost"


def stage_select(stages: Sequence[str], initial: str | None = None) -> dict:
    options = [option(stage, stage) for stage in stages]
    return static_select(options, option(initial, initial) if initial in stages else None)


def new_opportunity_modal(stages: Sequence[str], metadata: str, name: str = "") -> dict:
    return modal(
        NEW_VIEW,
        "New opportunity",
        "Open it",
        metadata,
        [
            input_block("name", "Name", text_input("Acme Corp renewal", 120, initial=name)),
            input_block("account", "Account or company", text_input("Acme Corp", 120), optional=True),
            input_block(
                "amount", "Amount", text_input("48k", 20), optional=True, hint="Like 48000, 48k, $48,000 or 1.2m"
            ),
            input_block("stage", "Stage", stage_select(stages, stages[0])),
            input_block("close", "Expected close", datepicker(), optional=True),
            input_block(
                "next_step", "Next step", text_input("Book a discovery call", 300, multiline=True), optional=True
            ),
        ],
    )


def stage_modal(opp: OpportunityView, stages: Sequence[str], metadata: str) -> dict:
    return modal(
        STAGE_VIEW,
        "Change stage",
        "Save",
        metadata,
        [
            section(f"{opportunity_title(opp)} is in *{escape(opp.stage)}*."),
            input_block("stage", "New stage", stage_select(stages, opp.stage)),
        ],
    )


def lost_modal(opp: OpportunityView, metadata: str) -> dict:
    field = ("reason", "What happened?", "Chose a competitor, no budget, went quiet…", 500)
    lead = f"Closing {opportunity_title(opp)} as lost."
    return answer_modal(LOST_VIEW, "Mark as lost", "Mark lost", metadata, lead, field, optional=True)
