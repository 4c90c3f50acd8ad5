"""The admin's CRM view (`/opportunity admin crm`): what is connected, the buttons that connect one by OAuth,
the sync's state, Disconnect; and the small page the browser shows when the CRM sends it back."""

from __future__ import annotations

import html

from bot.messages import kit
from bot.text import escape

CONNECT_PREFIX = "crm_connect_"  # each connect button's action id starts so (Slack tells the app of a link's click)
DISCONNECT = "crm_disconnect"
NO_CRM = (
    "No CRM is connected, and this deployment can't connect one from Slack yet. Whoever runs Pipeline Coach "
    "sets HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET (or SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET) "
    "with PUBLIC_URL, and then you connect it here; a single-workspace install can set HUBSPOT_ACCESS_TOKEN "
    "instead."
)
NO_KEY = (
    "Connecting a CRM keeps its tokens encrypted, and this deployment has no key for that yet: whoever runs "
    "Pipeline Coach sets ENCRYPTION_KEY, and then you connect it here."
)
STATUS_LIMIT = 2900


def crm_view(view) -> dict:
    """`view` (bot/services/crm_connect.CrmView) as an admin sees it: one line on the connection (and what to
    do if it stopped), the buttons, the sync's state."""
    connection, blocks = view.connection, []
    if connection is not None and connection.connected:
        account = f" (account {escape(connection.account)})" if connection.account else ""
        blocks.append(kit.section(f"*{view.label}* is connected{account}, by <@{connection.connected_by}> on "
                                  f"{connection.connected_at:%-d %b %Y}."))  # fmt: skip
    elif connection is not None:
        blocks.append(kit.section(
            f":warning: *{view.label} stopped accepting this workspace's connection*, so its sync is paused (other "
            f"workspaces are not affected). Press *Connect {view.label}* below to connect it again; the deals stay."
        ))  # fmt: skip
        if connection.reason:
            blocks.append(kit.context(escape(connection.reason)))
    elif view.environment:
        blocks.append(kit.section(f"*{view.label}* is connected for this install by whoever runs Pipeline Coach."))
    elif view.missing == "no_key":
        return kit.reply(NO_KEY)
    elif view.missing == "no_app":
        return kit.reply(NO_CRM)
    else:
        blocks.append(kit.section("*No CRM is connected.* Connect one and its deals show up in Slack, and what your "
                                  "team opens, moves, wins or loses here is written back to it."))  # fmt: skip
    buttons = [_link(choice.label, f"{CONNECT_PREFIX}{index}", choice.url) for index, choice in enumerate(view.choices)]
    if connection is not None:
        buttons.append(_disconnect(view.label or "the CRM"))
    if buttons:
        blocks.append(kit.actions(buttons[:25], "crm_buttons"))
    if view.status:
        blocks.append(kit.section(f"*The CRM sync* ({view.label})"))
        text = "\n".join(escape(line) for line in view.status)[:STATUS_LIMIT]
        blocks.append(kit.section(f"```{text}```"))
    return kit.reply(f"This workspace's CRM: {view.label or 'none connected'}.", blocks[:50])


def _link(text: str, action_id: str, url: str) -> dict:
    """A button that opens `url` in the admin's browser."""
    return {"type": "button", "text": kit.plain(text), "action_id": action_id, "url": url, "style": "primary"}


def _disconnect(label: str) -> dict:
    button = kit.button(f"Disconnect {label}", DISCONNECT, "disconnect", style="danger")
    button["confirm"] = {
        "title": kit.plain("Disconnect?"),
        "text": kit.mrkdwn(f"{label}'s tokens are deleted and its sync stops. The deals it brought stay in Slack."),
        "confirm": kit.plain("Disconnect"),
        "deny": kit.plain("Keep it"),
    }
    return button


def disconnected(label: str | None) -> dict:
    if label is None:
        return kit.reply("No CRM was connected, so there was nothing to disconnect.")
    return kit.reply(f"{label} is disconnected: its tokens are deleted and its sync has stopped. The deals it "
                     "brought stay in Slack. Connect it again any time with `/opportunity admin crm`.")  # fmt: skip


def page(connected: bool, message: str) -> str:
    """The page the CRM's redirect lands on: one friendly sentence, nothing else."""
    title = "Connected" if connected else "Not connected"
    body = html.escape(message).replace("`", "")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pipeline Coach: '
        f'{title}</title><meta name="viewport" content="width=device-width"></head>'
        f'<body style="font-family: sans-serif; max-width: 36em; margin: 4em auto"><h1>{title}</h1>'
        f"<p>{body}</p></body></html>"
    )
