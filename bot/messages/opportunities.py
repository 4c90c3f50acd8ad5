"""Block Kit for opportunities: help, confirmations, celebrations, the list with its row menus, the
"which one did you mean?" buttons (the forms: opportunity_forms.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from bot.messages.format import age, day_label, day_of, money, obstacle_status, ordinal, person, plural
from bot.messages.kit import (
    MAX_ACTIONS_PER_BLOCK,
    actions,
    button,
    button_value,
    context,
    header,
    option,
    overflow,
    problem,
    reply,
    section,
)
from bot.messages.lessons import lost_blocks
from bot.text import clip, escape
from storage.records import ObstacleView, OpportunityView

LIST_ROWS = 40

ROW_MENU = "opportunity_row_menu"
PICK_OPPORTUNITY = "pick_opportunity"
OPEN_NEW_MODAL = "open_new_opportunity"

ALREADY_DONE = "Already saved: that was this same request again, so nothing was stored twice."
DEAL_GONE = "That opportunity is closed or no longer yours to change. `/opportunity list` shows the open ones."


def nothing_matched(typed: str) -> dict:
    """No open deal of the rep's is called what they typed (shown as typed, shortened and escaped)."""
    return problem(
        f"I couldn't find an open opportunity called “{escape(typed[:40])}”. `/opportunity list` shows yours."
    )


def opportunity_title(opp: OpportunityView) -> str:
    title = f"*{escape(opp.name)}*"
    return f"{title} · {escape(opp.account)}" if opp.account else title


# ---- help ------------------------------------------------------------------

HELP_LINES = (
    ("`/opportunity`", "open the form to add an opportunity"),
    (
        '`/opportunity new Acme renewal 48k stage:discovery close:"dec 15" account:"Acme Corp"`',
        "quick entry; only the name is required",
    ),
    ("`/opportunity list`", "your open opportunities, with buttons to move them along"),
    ("`/opportunity stage acme proposal`", "move an opportunity to another stage"),
    ("`/opportunity won acme`", "mark it won :trophy:"),
    ("`/opportunity lost acme went with a competitor`", "mark it lost, with an optional reason"),
    ("`/opportunity log acme 90m proposal review`", "log time spent working a deal (also `yesterday`, `mon`)"),
    (
        '`/opportunity obstacle acme budget "no money until Q2" checkpoint:15 jan`',
        "name what stands between a deal and a decision (`none` clears it)",
    ),
    ("`/prospect 25 calls 2h`", "log prospecting (also `/opportunity prospect …`); `/prospect` alone opens a form"),
    ("`/opportunity undo`", "remove your last entry from the past 10 minutes"),
    ("`/opportunity quota 250k`", "set your quota for this period"),
    ("`/opportunity health`", "your pipeline at a glance: coverage, creation, where your time goes"),
    ("`/opportunity calendar connect`", "let your meetings count as selling time (your calendar's secret address)"),
    ("`/opportunity coach`", "your coaching settings; change with `off`, `on`, `snooze 2w`, `hours 8-16`, …"),
    ("`/opportunity reflections`", "your recent answers to the coach (only you see them)"),
    ("`/opportunity forget-me`", "erase your own data (you can export it first)"),
    ("`/opportunity admin`", "workspace admins: this workspace's channel, managers, zone, digest and coach"),
    ("`/opportunity help`", "this list"),
)


def help_blocks(stages: Sequence[str]) -> list[dict]:
    lines = "\n".join(f"• {usage}: {what}" for usage, what in HELP_LINES)
    return [
        section("*Pipeline Coach* keeps your pipeline full. Here is what you can type:\n" + lines),
        context(
            "Amounts: `48000`, `48k`, `$48,000`, `1.2m`. Close dates: `2026-12-15`, `dec 15`, `friday`, "
            "`next week`, `eom`, `eoq`. Stages: " + ", ".join(escape(s) for s in stages) + ", Won, Lost. "
            "Name an opportunity by part of its name or its number, like `#12`."
        ),
    ]


def help_reply(stages: Sequence[str], lead: str | None = None) -> dict:
    blocks = help_blocks(stages)
    if lead:
        blocks.insert(0, section(lead))
    return reply(lead or "Here is what Pipeline Coach understands.", blocks)


# ---- confirmations and celebrations ------------------------------------------


def opportunity_facts(opp: OpportunityView, today: date, symbol: str, show_amount: bool = True) -> str:
    facts = [escape(opp.stage)]
    if show_amount and opp.amount is not None:
        facts.append(money(opp.amount, symbol))
    if opp.expected_close:
        facts.append("closes " + day_label(opp.expected_close, today))
    return " · ".join(facts)


def saved_reply(opp: OpportunityView, today: date, symbol: str, note: str | None) -> dict:
    text = f":white_check_mark: Opened #{opp.id} {opportunity_title(opp)}: {opportunity_facts(opp, today, symbol)}."
    blocks = [section(text)]
    if opp.next_step:
        blocks.append(context("Next step: " + escape(opp.next_step)))
    if note:
        blocks.append(context(note))
    return reply(f"Opened #{opp.id} {escape(opp.name)}.", blocks)


def moved_reply(opp: OpportunityView, from_stage: str, today: date, symbol: str, note: str | None) -> dict:
    if opp.status == "lost":
        text = f":white_check_mark: {opportunity_title(opp)} is marked lost."
        blocks = lost_blocks(opp.id, opp.name, text)
        return reply(text, blocks + ([context(note)] if note else []))
    if opp.status == "won":
        text = f":trophy: {opportunity_title(opp)} is won. Well played!"
    else:
        text = f":arrow_right: {opportunity_title(opp)} moved from {escape(from_stage)} to *{escape(opp.stage)}*."
    blocks = [section(text)]
    if note:
        blocks.append(context(note))
    return reply(text, blocks)


# A new opportunity gets the same stage and volume as a win: every deal won was first opened.
CELEBRATIONS = {
    "new": (
        ":tada: New opportunity!",
        ":seedling: {owner} opened a new opportunity: {title}",
        "That's the team's {count} new opportunity this week. Keep them coming!",
    ),
    "won": (
        ":tada: Deal won!",
        ":trophy: {owner} won {title}",
        "The team's {count} win this week. It started as a new opportunity!",
    ),
}


def celebration(kind: str, opp: OpportunityView, week_count: int, symbol: str, show_amount: bool):
    """The channel post for a new opportunity ("new") or a win ("won"), with the team's count this week."""
    headline, body, footer = CELEBRATIONS[kind]
    body = body.format(owner=person(opp.owner_id), title=opportunity_title(opp))
    if show_amount and opp.amount is not None:
        body += f" ({money(opp.amount, symbol)})"
    return body, [header(headline), section(body), context(footer.format(count=ordinal(week_count)))]


def celebrations_together(posts: Sequence[tuple[str, str, list]]) -> tuple[str, list]:
    """Several celebrations that came at once, as one post: each deal keeps its own line, the team's count
    closes it (a channel takes about one message a second, and a burst of ten reads better as one).
    `posts`: (kind, text, blocks) of each, as `celebration` built them, oldest first."""
    if len(posts) == 1:
        return posts[0][1], posts[0][2]
    counts = {kind: sum(1 for posted, _, _ in posts if posted == kind) for kind in CELEBRATIONS}
    parts = [
        f"{counts['new']} new opportunities" if counts["new"] > 1 else "a new opportunity" if counts["new"] else "",
        f"{counts['won']} deals won" if counts["won"] > 1 else "a deal won" if counts["won"] else "",
    ]
    headline = ":tada: " + " and ".join(part for part in parts if part).capitalize() + "!"
    footers = {kind: blocks[-1] for kind, _, blocks in posts}  # the latest count of each kind
    blocks = [header(headline), *(blocks[1] for _, _, blocks in posts), *footers.values()]
    return "\n".join(text for _, text, _ in posts), blocks


# ---- the list ----------------------------------------------------------------


def row_menu(opp: OpportunityView) -> dict:
    verbs = (
        ("Change stage", "stage"),
        ("Mark won", "won"),
        ("Mark lost", "lost"),
        ("Log time", "log"),
        ("Name an obstacle", "obstacle"),
    )
    return overflow([option(label, f"{verb}:{opp.id}") for label, verb in verbs], ROW_MENU)


def opportunity_row(opp: OpportunityView, now: datetime, symbol: str, obstacle: ObstacleView | None = None) -> dict:
    today = now.date()
    line = (
        f"`#{opp.id}` {opportunity_title(opp)}\n{opportunity_facts(opp, today, symbol)}"
        f" · opened {age(opp.created_at, now)} · last change {age(opp.last_change_at, now)}"
    )
    if obstacle is not None:
        since = day_of(obstacle.named_at, now)
        status = obstacle_status(obstacle.kind, since, obstacle.checkpoint, today, opp.paused_at is not None)
        line += f"\n:construction: {status}"
    elif opp.paused_at is not None:
        line += "\n:pause_button: stepped back"
    return section(line, row_menu(opp))


def opportunity_list(
    opps: Sequence[OpportunityView],
    total: int,
    now: datetime,
    symbol: str,
    obstacles: Mapping[int, ObstacleView] | None = None,
) -> dict:
    if total == 0:
        return reply(
            "No open opportunities yet.",
            [
                section(
                    "You have no open opportunities yet. Every win starts here: "
                    "`/opportunity new Acme renewal 48k`, or open the form.",
                    button("New opportunity", OPEN_NEW_MODAL, style="primary"),
                )
            ],
        )
    shown = list(opps[:LIST_ROWS])
    blocks = [section(f"*Your open opportunities* ({total})")]
    blocks += [opportunity_row(opp, now, symbol, (obstacles or {}).get(opp.id)) for opp in shown]
    if total > len(shown):
        blocks.append(context(f"…and {total - len(shown)} more. Close or update a few to see the rest."))
    return reply(f"You have {plural(total, 'open opportunity', 'open opportunities')}.", blocks)


def candidates_reply(verb: str, typed: str, candidates: Sequence[OpportunityView], argument: str = "") -> dict:
    """More than one deal matched: let the rep pick with a button rather than retype."""
    shown = list(candidates[:10])
    buttons = [
        button(
            f"#{opp.id} {opp.name}",
            f"{PICK_OPPORTUNITY}_{index}",
            button_value(do=verb, id=opp.id, arg=clip(argument, 500)),
        )
        for index, opp in enumerate(shown)
    ]
    text = f"“{escape(clip(typed, 60))}” matches {len(candidates)} opportunities. Which one did you mean?"
    blocks = [section(text)]
    for start in range(0, len(buttons), MAX_ACTIONS_PER_BLOCK):
        blocks.append(actions(buttons[start : start + MAX_ACTIONS_PER_BLOCK]))
    return reply(text, blocks)
