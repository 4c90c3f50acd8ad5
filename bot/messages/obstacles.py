"""Block Kit for obstacles and checkpoints: the "Name an obstacle" form, confirmations, the checkpoint
question with its four answers, and the small "new checkpoint" form."""

from __future__ import annotations

from datetime import date, datetime

from bot.messages import kit
from bot.messages.coaching_ids import PLAN_BLOCK
from bot.messages.format import day_label, day_of, deal_name, duration, obstacle_name, obstacle_status, short_day
from bot.messages.lessons import lost_blocks
from bot.parsing.obstacles import MAX_NOTE, NONE
from bot.rules.periods import local_now
from bot.rules.walkaway import asks_detach
from bot.text import clip, escape
from storage.records import OBSTACLE_KINDS, ObstacleView, OpportunityView

OBSTACLE_VIEW = "obstacle_name"
CHECKPOINT_VIEW = "obstacle_new_checkpoint"
DETACH_VIEW = "obstacle_detach_when"
RESTART_VIEW = "obstacle_restart_signal"
MOVED = "checkpoint_moved"
NOT_YET = "checkpoint_not_yet"
STEP_BACK = "checkpoint_step_back"
LOST = "checkpoint_lost"
DETACH_WHEN = "checkpoint_detach_when"
RESTART_SIGNAL = "checkpoint_restart_signal"
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


def obstacle_modal(opp: OpportunityView, current: ObstacleView | None, metadata: str, now: datetime) -> dict:
    """The obstacle form; `now` in the team's zone (Services.team_now)."""
    today = now.date()
    lead = f"*{deal_name(opp.name)}*"
    if current is not None:
        lead += f" is {obstacle_status(current.kind, day_of(current.named_at, now), current.checkpoint, today)}."
    fields = obstacle_fields(today, current.kind if current else None)
    lead += "\nNaming what stands in the way is how you keep a deal without letting it take every hour."
    note = kit.input_block("note", "A note", kit.text_input("No money until Q2", MAX_NOTE), optional=True)
    return kit.form_modal(OBSTACLE_VIEW, "Name an obstacle", "Save", metadata, lead, fields[0], note, fields[1])


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


def detach_said(obstacle: ObstacleView, today: date) -> str | None:
    """What the rep said about stepping back: 'on 7 Dec', 'when the CFO leaves', or both."""
    parts = []
    if obstacle.detach_on is not None:
        parts.append(f"on {short_day(obstacle.detach_on, today)}")
    if obstacle.detach_condition:
        parts.append(f"when {escape(clip(obstacle.detach_condition, 200))}")
    return " or ".join(parts) or None


def checkpoint_message(obstacle: ObstacleView, today: date, tz: str = "UTC") -> tuple[str, list[dict]]:
    """Has it moved? After two "not yet"s: when should you detach? Once that is named, the rep's own words.
    The day it was named is the rep's calendar day (`tz`, their zone)."""
    name = deal_name(obstacle.opportunity_name)
    named_on = local_now(obstacle.named_at, tz).date()
    status = obstacle_status(obstacle.kind, named_on, obstacle.checkpoint, today)
    value = kit.button_value(o=obstacle.id)
    lines = f":round_pushpin: *Checkpoint for {name}*: {status}."
    if obstacle.note:
        lines += f"\n> {escape(clip(obstacle.note, 300))}"
    said = detach_said(obstacle, today)
    if asks_detach(obstacle.not_yets, said is not None):
        text = f"Checkpoint for {obstacle.opportunity_name}: when should you detach?"
        lines += (
            '\nIt has been "not yet" twice. *When should you detach?* Name a date or a sign that it is time '
            "to step back, and I'll hold it for you."
        )
        second = kit.button("Name when to detach", DETACH_WHEN, value)
    else:
        text = f"Checkpoint for {obstacle.opportunity_name}: has it moved?"
        if said:
            lines += f"\nYou said you would step back {said}."
        lines += "\nHas it moved?"
        second = kit.button("Not yet, new checkpoint", NOT_YET, value)
    blocks = [
        kit.section(lines),
        kit.actions(
            [
                kit.button("Moved", MOVED, value, style="primary"),
                second,
                kit.button("Step back", STEP_BACK, value),
                kit.button("Lost", LOST, value),
            ],
            "checkpoint_answers",
        ),
        kit.context("Step back keeps the deal open and paused, so it stops pulling at you. Only you see this."),
    ]
    return text, blocks


def detach_modal(obstacle: ObstacleView, metadata: str) -> dict:
    """When should you detach? A day, a condition, or both."""
    lead = (
        f"*{deal_name(obstacle.opportunity_name)}* is still waiting on {obstacle_name(obstacle.kind)}. "
        "Deciding now when you'd step back makes it easy to do later."
    )
    day = kit.input_block("detach_on", "Step back on", kit.datepicker(), optional=True)
    hint = "A date, a sign, or both. I'll ask you on the date (or in two weeks)."
    when = kit.text_input("their board postpones it again", MAX_NOTE)
    condition = kit.input_block("condition", "Or step back when…", when, optional=True, hint=hint)
    return kit.form_modal(DETACH_VIEW, "When to detach", "Save", metadata, lead, day, condition)


def detach_reply(obstacle: ObstacleView, today: date) -> dict:
    said = detach_said(obstacle, today) or ""
    text = f":memo: Noted: you'll step back from *{deal_name(obstacle.opportunity_name)}* {said}."
    if obstacle.checkpoint is not None:
        text += f" I'll ask you on {day_label(obstacle.checkpoint, today)}."
    return kit.told(text)


def step_back_blocks(answered, today: date) -> list[dict]:
    """After a step back: the hours are no longer the question; a prospecting block at once, and what would
    restart the deal."""
    name = f"*{deal_name(answered.obstacle.opportunity_name)}*"
    lead = (
        f":pause_button: {name} stays open and paused. Stepping back is not quitting; "
        "your time can go where it grows the pipeline."
    )
    offer = duration(answered.offer_minutes)
    if answered.deal_minutes:
        span = "the last fortnight" if answered.window_days == 14 else f"the last {answered.window_days} days"
        ask = f"{duration(answered.deal_minutes)} went to {name} in {span}: plan {offer} of prospecting this week?"
    else:
        ask = f"Plan {offer} of prospecting this week?"
    plan = kit.button_value(d=today.isoformat(), m=answered.offer_minutes)
    restart = kit.button_value(o=answered.obstacle.opportunity_id)
    return [
        kit.section(lead),
        kit.section(f":seedling: {ask}"),
        kit.actions(
            [
                kit.button(f"Plan {offer}", PLAN_BLOCK, plan, style="primary"),
                kit.button("What would restart it?", RESTART_SIGNAL, restart),
            ],
            "step_back_next",
        ),
    ]


def restart_modal(opp_name: str, metadata: str) -> dict:
    lead = f"*{deal_name(opp_name)}* is paused. What would tell you it is worth your hours again?"
    field = ("answer", "The signal that would restart it", "Their new CFO asks for a proposal…", MAX_NOTE)
    return kit.answer_modal(RESTART_VIEW, "Restarting a deal", "Keep it", metadata, lead, field)


def restart_kept(opp_name: str) -> dict:
    text = f":white_check_mark: Kept. When that happens, *{deal_name(opp_name)}* is worth your hours again."
    return kit.told(text)


def new_checkpoint_modal(obstacle: ObstacleView, metadata: str, initial: date) -> dict:
    lead = f"*{deal_name(obstacle.opportunity_name)}* is still waiting on {obstacle_name(obstacle.kind)}."
    checkpoint = kit.input_block("checkpoint", "When will you know more?", kit.datepicker(initial.isoformat()))
    return kit.form_modal(CHECKPOINT_VIEW, "New checkpoint", "Save", metadata, lead, checkpoint)


def checkpoint_reply(answer: str, answered, today: date, new_checkpoint: date | None = None) -> dict:
    """The question replaced by its answer; a step back offers prospecting at once, a loss asks its lesson."""
    obstacle = answered.obstacle
    name = f"*{deal_name(obstacle.opportunity_name)}*"
    if answer == "step_back":
        blocks = step_back_blocks(answered, today)
        return {
            "text": f"{obstacle.opportunity_name} stays open and paused.",
            "blocks": blocks,
            "replace_original": True,
        }
    if answer == "lost":
        text = f":white_check_mark: {name} is marked lost."
        blocks = lost_blocks(obstacle.opportunity_id, obstacle.opportunity_name, text)
        return {"text": text, "blocks": blocks, "replace_original": True}
    texts = {
        "moved": f":tada: {name} moved past {obstacle_name(obstacle.kind)}. Cleared, and noted.",
        "not_yet": f":hourglass: Not yet. Noted. I'll ask again on {day_label(new_checkpoint, today)}."
        if new_checkpoint
        else ":hourglass: Not yet. Noted.",
    }
    text = texts[answer]
    return kit.told(text, replace_original=True)


GONE = "That obstacle is already answered, or its deal is closed. `/opportunity list` shows the open ones."
