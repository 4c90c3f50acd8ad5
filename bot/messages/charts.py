"""The pictures: openings per week per rep with wins beneath (the leaders' weekly DM) and a rep's own
openings, wins and where their time went (`/opportunity health`'s "Show as a picture"), drawn with
matplotlib's Agg backend into PNG bytes in memory, with alt text that states the figures.

A chart travels as a plain JSON spec (weeks, labelled series) inside its outbox claim, so a retry draws
exactly the picture that was claimed."""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Mapping
from datetime import date

from bot.messages.format import one_decimal, percent, plural
from bot.rules.charts import OTHERS, WeeklyChart
from bot.text import clip

ALT_TEXT_LIMIT = 1000  # what files.getUploadURLExternal's alt_txt keeps
COLOURS = ("#2e7d6f", "#e3a33a", "#4a6fa5", "#c0504d", "#8064a2", "#4bacc6")
OTHERS_COLOUR = "#9e9e9e"
_drawing = threading.Lock()  # pyplot keeps global state: one drawing at a time per process


def _week(day: date) -> str:
    return f"{day.day} {day:%b}"


def chart_spec(chart: WeeklyChart, title: str, whose: str = "team") -> dict:
    """The chart as JSON: weeks, each series with its label, wins, hours. A rep is labelled by their mention
    (`<@U…>`) and named only when drawn (named()), so an erased person's claim keeps no name of theirs."""
    series = []
    for rep, counts in chart.opened:
        label = plural(chart.others, "other") if rep == OTHERS else "You" if whose != "team" else f"<@{rep}>"
        series.append({"label": label, "counts": list(counts)} | ({"others": True} if rep == OTHERS else {}))
    spec = {"title": title, "whose": whose, "weeks": [monday.isoformat() for monday in chart.weeks]}
    spec |= {"series": series, "won": list(chart.won)}
    if chart.deal_hours or chart.prospecting_hours:
        spec["hours"] = {"deals": list(chart.deal_hours), "prospecting": list(chart.prospecting_hours)}
    return spec


MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")
SOMEONE = "a teammate"


def mentioned(spec: dict, text: str) -> list[str]:
    """The people a chart and its alt text mention, in order of appearance."""
    found = MENTION.findall(json.dumps(spec["series"]) + " " + text)
    return list(dict.fromkeys(found))


def named(text: str, names: Mapping[str, str]) -> str:
    """Mentions as first names (a picture cannot show a mention); someone unnamed is "a teammate"."""
    return MENTION.sub(lambda match: clip(names.get(match[1], SOMEONE), 40), text)


def named_spec(spec: dict, names: Mapping[str, str]) -> dict:
    return {**spec, "series": [{**item, "label": named(item["label"], names)} for item in spec["series"]]}


def _busiest(weeks: list[date], counts: list[int]) -> str:
    most = max(counts, default=0)
    if not most:
        return ""
    return f", most {most} in the week of {_week(weeks[counts.index(most)])}"


def alt_text(spec: dict) -> str:
    """The figures in words, for a screen reader and anyone whose images are off."""
    weeks = [date.fromisoformat(day) for day in spec["weeks"]]
    span = f"{len(weeks)} weeks from {_week(weeks[0])} to the week of {_week(weeks[-1])}"
    opened = [sum(column) for column in zip(*(item["counts"] for item in spec["series"]), strict=True)] or [0] * len(
        weeks
    )
    mine = spec["whose"] != "team"
    whose = "Your openings" if mine else "Openings"
    lines = [f"{whose} per week over {span}: {sum(opened)} in all{_busiest(weeks, opened)}."]
    if not mine and spec["series"]:
        by_rep = ", ".join(f"{item['label']} {sum(item['counts'])}" for item in spec["series"])
        lines.append(f"By rep: {by_rep}.")
    won = spec["won"]
    lines.append(f"Wins beneath: {sum(won)} in all{_busiest(weeks, won)}.")
    hours = spec.get("hours")
    if hours:
        deals, prospecting = sum(hours["deals"]), sum(hours["prospecting"])
        total = deals + prospecting
        share = f" ({percent(prospecting / total)} prospecting)" if total else ""
        lines.append(
            f"Your time: {one_decimal(deals).removesuffix('.0')}h on deals, "
            f"{one_decimal(prospecting).removesuffix('.0')}h prospecting{share}."
        )
    return clip(" ".join(lines), ALT_TEXT_LIMIT)


def render_png(spec: dict) -> bytes:
    """The chart as PNG bytes: stacked openings per rep per week, wins beneath, then hours if any."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    weeks = [_week(date.fromisoformat(day)) for day in spec["weeks"]]
    hours = spec.get("hours")
    rows = 3 if hours else 2
    with _drawing:
        figure, axes = pyplot.subplots(
            rows, 1, figsize=(8, 2.2 * rows + 0.6), sharex=True, gridspec_kw={"height_ratios": [3, 1.4, 2][:rows]}
        )
        try:
            top = axes[0]
            bottom = [0] * len(weeks)
            for place, item in enumerate(spec["series"]):
                colour = OTHERS_COLOUR if item.get("others") else COLOURS[place % len(COLOURS)]
                top.bar(weeks, item["counts"], bottom=bottom, label=item["label"], color=colour)
                bottom = [below + count for below, count in zip(bottom, item["counts"], strict=True)]
            top.set_title(spec["title"], loc="left", fontsize=11)
            top.set_ylabel("Opened")
            top.margins(y=0.3)
            if spec["series"]:
                top.legend(fontsize=8, loc="upper left", ncol=min(len(spec["series"]), 4), frameon=False)
            axes[1].bar(weeks, spec["won"], color="#f2c14e")
            axes[1].set_ylabel("Won")
            if hours:
                axes[2].bar(weeks, hours["deals"], label="On deals", color="#4a6fa5")
                axes[2].bar(weeks, hours["prospecting"], bottom=hours["deals"], label="Prospecting", color="#2e7d6f")
                axes[2].set_ylabel("Hours")
                axes[2].legend(fontsize=8, loc="upper left", frameon=False)
            for axis in axes:
                axis.set_ylim(bottom=0, top=max(axis.get_ylim()[1], 1))  # an empty week range still reads 0–1
                axis.yaxis.get_major_locator().set_params(integer=True)
                axis.spines[["top", "right"]].set_visible(False)
            axes[-1].tick_params(axis="x", labelrotation=45, labelsize=8)
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=100)
            return buffer.getvalue()
        finally:
            pyplot.close(figure)
