"""Block Kit for the team: the manager view, the weekly digest, and export confirmations."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from bot.messages.format import coverage_text, deal_name, money, person, plural
from bot.messages.kit import MAX_MESSAGE_BLOCKS, context, divider, header, problem, reply, section
from bot.messages.outlook import creation_blocks
from bot.rules.team import TeamRow
from storage.records import OpportunityView, WeekNews

LINES_PER_SECTION = 15
DIGEST_NAMES_PER_REP = 5

NOT_A_MANAGER = (
    "The team view is for managers. A workspace admin can add you with `/opportunity admin`. "
    "Your own pipeline is one command away: `/opportunity health`."
)


def _team_line(row: TeamRow, symbol: str) -> str:
    parts = [
        person(row.user_id),
        f"opened {row.opened_this_week} this week (avg {row.average_opened:.1f})",
        f"{money(row.open_value, symbol)} open in {plural(row.open_count, 'deal')}",
        f"coverage {coverage_text(row.coverage)}",
    ]
    if row.concentrated:
        parts.append(":warning: time concentrated on one deal")
    if row.days_since_prospecting is None:
        parts.append("no prospecting logged yet")
    elif row.days_since_prospecting == 0:
        parts.append("prospected today")
    else:
        parts.append(f"last prospected {plural(row.days_since_prospecting, 'day')} ago")
    return " · ".join(parts)


def team_reply(rows: Sequence[TeamRow], team_coverage: float | None, symbol: str, creation=None, today=None) -> dict:
    """One line per rep, creation first; reflection answers and focus reasons never appear here.

    With `creation` (bot/services/outlook.py: TeamCreation) the leaders' digest figures come after the rows.
    """
    extra = [divider(), *creation_blocks(creation, symbol, today, list_deals=False)] if creation and today else []
    if not rows:
        return reply(
            "Nobody has logged anything yet.",
            [section("Nobody on the team has opened a deal or logged time yet. The first one gets a cheer!")],
        )
    opened = sum(row.opened_this_week for row in rows)
    head = (
        f"*Your team this week*: {plural(opened, 'new opportunity', 'new opportunities')} opened · "
        f"team coverage {coverage_text(team_coverage)}"
    )
    blocks = [section(head)]
    room = (MAX_MESSAGE_BLOCKS - 3 - len(extra)) * LINES_PER_SECTION
    lines = [_team_line(row, symbol) for row in rows[:room]]
    for start in range(0, len(lines), LINES_PER_SECTION):
        blocks.append(section("\n".join(lines[start : start + LINES_PER_SECTION])))
    if len(rows) > room:
        blocks.append(context(f"…and {len(rows) - room} more reps."))
    blocks.append(context("Coverage: open pipeline closing this period ÷ quota still to win."))
    blocks += extra
    return reply(f"Your team this week: {opened} new opportunities opened.", blocks)


def _deal(opp: OpportunityView, symbol: str, show_amount: bool) -> str:
    name = deal_name(opp.name)
    if show_amount and opp.amount is not None:
        name += f" ({money(opp.amount, symbol)})"
    return name


def digest(news: WeekNews, ratio: float | None, streaks: int, coverage: float | None, symbol: str, amounts: bool):
    """Openings first and loudest, then wins; only good news names anyone."""
    blocks: list[dict] = [header(":seedling: Last week in the pipeline")]
    if news.opened_total:
        lines = []
        for owner, deals in groupby(news.opened, key=lambda opp: opp.owner_id):
            deals = list(deals)
            names = ", ".join(_deal(opp, symbol, amounts) for opp in deals[:DIGEST_NAMES_PER_REP])
            more = f" and {len(deals) - DIGEST_NAMES_PER_REP} more" if len(deals) > DIGEST_NAMES_PER_REP else ""
            lines.append(
                f"• {person(owner)} opened {plural(len(deals), 'opportunity', 'opportunities')}: {names}{more}"
            )
        head = f":tada: *{plural(news.opened_total, 'new opportunity', 'new opportunities')} opened last week!*"
        _add_lines(
            blocks,
            head,
            lines,
            news.opened_total > len(news.opened),
            plural(news.opened_total, "new opportunity", "new opportunities"),
            sections=30,
        )
    else:
        blocks.append(section("A fresh week ahead: every deal the team will win starts with one new opportunity."))
    if news.won_total:
        lines = [f"• {person(opp.owner_id)} won {_deal(opp, symbol, amounts)}" for opp in news.won]
        head = f":trophy: *{plural(news.won_total, 'win')} last week*"
        _add_lines(blocks, head, lines, news.won_total > len(news.won), plural(news.won_total, "win"), sections=10)
    facts = []
    if ratio is not None:
        facts.append(f"Creation to capture: {ratio:.1f} opened for every win.")
    if streaks:
        facts.append(f"{plural(streaks, 'rep')} kept their opening streak going two weeks running.")
    if coverage is not None:
        facts.append(f"Team pipeline coverage: {coverage_text(coverage)} of the quota still to win.")
    if facts:
        blocks.append(context(" ".join(facts)))
    text = f"Last week: {plural(news.opened_total, 'new opportunity', 'new opportunities')} opened, " + plural(
        news.won_total, "win"
    )
    return text + ".", blocks[:MAX_MESSAGE_BLOCKS]


def _add_lines(blocks: list[dict], head: str, lines: list[str], cut: bool, total: str, sections: int) -> None:
    """Lines in sections of LINES_PER_SECTION, at most `sections` of them; say so when anything was left out."""
    chunks = [lines[start : start + LINES_PER_SECTION] for start in range(0, len(lines), LINES_PER_SECTION)]
    blocks.append(section(head + ("\n" + "\n".join(chunks[0]) if chunks else "")))
    blocks.extend(section("\n".join(chunk)) for chunk in chunks[1:sections])
    if cut or len(chunks) > sections:
        blocks.append(context(f"…and more: {total} in all."))


def export_started(kinds: Sequence[str], whole_team: bool) -> dict:
    whose = "the team's" if whole_team else "your"
    return reply(f"Preparing {whose} {' and '.join(kinds)} as CSV; it will land in our DM in a moment.")


def export_done(files: Sequence[tuple[str, int]]) -> dict:
    listed = ", ".join(f"`{name}` ({plural(rows, 'row')})" for name, rows in files)
    return reply(f":page_facing_up: Sent to our DM: {listed}.")


def export_for_managers_only() -> dict:
    return problem("Exporting the whole team is for managers. `/opportunity export` without `team` gives you yours.")
