"""Block Kit for obstacles and checkpoints: the "Name an obstacle" form, confirmations, the checkpoint
question with its four answers, and the small "new checkpoint" form."""

from __future__ import annotations

from datetime import date

from bot.messages import kit
from bot.messages.format import day_label, deal_name, obstacle_name, obstacle_status
from bot.parsing.obstacles import MAX_NOTE, NONE
from bot.text import clip, escape
from storage.records import OBSTACLE_KINDS, ObstacleView, OpportunityView

OBSTACLE_VIEW = "obstacle_name"
CHECKPOINT_VIEW = "obstacle_new_checkpoint"
MOVED = "checkpoint_moved"
NOT_YET = "checkpoint_not_yet"
STEP_BACK = "checkpoint_step_back"
LOST = "checkpoint_lost"
ANSWER_OF = {MOVED: "moved", NOT_YET: "not_yet", STEP_BACK: "step_back", LOST: "lost"}

KIND_LABELS = {
    "budget": "Budget: no money yet",
    "politics": "Politics: someone defends the status quo",
    "timing": "Timing: not now on their side",
    "competing priority": "A competing priority",
    "other": "Something else",
    NONE: "Nothing now (clear it)",
}


def kind_options(with_none: bool = True) -> list[dict]:
    kinds = [*OBSTACLE_KINDS, NONE] if with_none else list(OBSTACLE_KINDS)
    return [kit.option(KIND_LABELS[kind], kind) for kind in kinds]


def kind_select(initial: str | None = None, with_none: bool = True) -> dict:
    options = kind_options(with_none)
    chosen = next((item for item in options if item["value"] == initial), None)
    return kit.static_select(options, chosen)


def obstacle_fields(today: date, initial_kind: str | None = None, optional_kind: bool = False) -> list[dict]:
    """The kind and checkpoint fields, shared by the obstacle form and the focus form."""
    return [
        kit.input_block(
            "kind",
            "What stands between the deal and a decision?",
            kind_select(initial_kind, with_none=not optional_kind),
            optional=optional_kind,
        ),
        kit.input_block(
            "checkpoint",
            "Checkpoint: when will you know whether it moved?",
            kit.datepicker(),
            optional=True,
            hint="I'll ask you that morning. Until then the deal can take less of your time.",
        ),
    ]


def obstacle_modal(opp: OpportunityView, current: ObstacleView | None, metadata: str, today: date) -> dict:
    lead = f"*{deal_name(opp.name)}*"
    if current is not None:
        lead += f" is {obstacle_status(current.kind, current.named_at.date(), current.checkpoint, today)}."
    fields = obstacle_fields(today, current.kind if current else None)
    return kit.modal(
        OBSTACLE_VIEW,
        "Name an obstacle",
        "Save",
        metadata,
        [
            kit.section(
                lead + "\nNaming what stands in the way is how you keep a deal without letting it take every hour."
            ),
            fields[0],
            kit.input_block("note", "A note", kit.text_input("No money until Q2", MAX_NOTE), optional=True),
            fields[1],
        ],
    )


def obstacle_reply(opp: OpportunityView, obstacle: ObstacleView | None, today: date) -> dict:
    name = f"*{deal_name(opp.name)}*"
    if obstacle is None:
        text = f":white_check_mark: Cleared: nothing named stands in the way of {name} now."
        return kit.reply(text, [kit.section(text)])
    text = f":construction: Noted: {name} is waiting on {obstacle_name(obstacle.kind)}"
    if obstacle.note:
        text += f" ({escape(clip(obstacle.note, 200))})"
    text += "."
    if obstacle.checkpoint is not None:
        text += f" Checkpoint {day_label(obstacle.checkpoint, today)}: I'll ask you that morning whether it moved."
    blocks = [kit.section(text), kit.context("Until it moves, the deal can take less of your time. `none` clears it.")]
    return kit.reply(text, blocks)


def checkpoint_message(obstacle: ObstacleView, today: date) -> tuple[str, list[dict]]:
    name = deal_name(obstacle.opportunity_name)
    status = obstacle_status(obstacle.kind, obstacle.named_at.date(), obstacle.checkpoint, today)
    value = kit.button_value(o=obstacle.id)
    lines = f":round_pushpin: *Checkpoint for {name}*: {status}."
    if obstacle.note:
        lines += f"\n> {escape(clip(obstacle.note, 300))}"
    blocks = [
        kit.section(lines + "\nHas it moved?"),
        kit.actions(
            [
                kit.button("Moved", MOVED, value, style="primary"),
                kit.button("Not yet, new checkpoint", NOT_YET, value),
                kit.button("Step back", STEP_BACK, value),
                kit.button("Lost", LOST, value),
            ],
            "checkpoint_answers",
        ),
        kit.context("Step back keeps the deal open and paused, so it stops pulling at you. Only you see this."),
    ]
    return f"Checkpoint for {obstacle.opportunity_name}: has it moved?", blocks


def new_checkpoint_modal(obstacle: ObstacleView, metadata: str, initial: date) -> dict:
    return kit.modal(
        CHECKPOINT_VIEW,
        "New checkpoint",
        "Save",
        metadata,
        [
            kit.section(
                f"*{deal_name(obstacle.opportunity_name)}* is still waiting on {obstacle_name(obstacle.kind)}."
            ),
            kit.input_block("checkpoint", "When will you know more?", kit.datepicker(initial.isoformat())),
        ],
    )


def checkpoint_reply(answer: str, obstacle: ObstacleView, today: date, new_checkpoint: date | None = None) -> dict:
    name = f"*{deal_name(obstacle.opportunity_name)}*"
    texts = {
        "moved": f":tada: {name} moved past {obstacle_name(obstacle.kind)}. Cleared, and noted.",
        "not_yet": f":hourglass: Not yet. Noted. I'll ask again on {day_label(new_checkpoint, today)}."
        if new_checkpoint
        else ":hourglass: Not yet. Noted.",
        "step_back": f":pause_button: {name} stays open and paused. Stepping back is not quitting; "
        "your time can go where it grows the pipeline.",
        "lost": f":white_check_mark: {name} is marked lost. Every closed deal teaches something.",
    }
    text = texts[answer]
    return {"text": text, "blocks": [kit.section(text)], "replace_original": True}


GONE = "That obstacle is already answered, or its deal is closed. `/opportunity list` shows the open ones."
