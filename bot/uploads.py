"""A claimed picture sent exactly once: rendered from the spec in its claim, uploaded with Slack's current
two-step files API (files.getUploadURLExternal, the bytes to the upload URL, files.completeUploadExternal
with the DM's channel_id, which shares it there), under the same outbox as every message
(bot/delivery.py sends, marks and retries it).

The file id Slack hands out is kept with the claim before the bytes go (storage/uploads.py): a claim
resumed after its owner died mid-send looks for a message carrying one of those files in the DM first, so
a restart never shares the picture twice."""

from __future__ import annotations

import urllib.request

from bot import dm_history
from bot.messages.charts import alt_text, mentioned, named, named_spec, render_png
from bot.people import first_names
from bot.rules.charts import NAMED_IN_CHART
from bot.services import Services
from storage import claims, uploads

UPLOAD = "file_upload"  # the payload block that makes a claim an upload, not a chat message
UPLOAD_TIMEOUT_SECONDS = 20


def upload_message(spec: dict, filename: str, title: str, comment: str | None = None) -> tuple[str, list[dict]]:
    """What a chart's claim holds: its alt text as the text, and the spec to draw and name it by."""
    return alt_text(spec), [{"type": UPLOAD, "filename": filename, "title": title, "comment": comment, "chart": spec}]


def is_upload(claim: claims.Claim) -> bool:
    return bool(claim.blocks) and isinstance(claim.blocks[0], dict) and claim.blocks[0].get("type") == UPLOAD


def _dm_channel(services: Services, user_id: str) -> str:
    return services.client.conversations_open(users=user_id)["channel"]["id"]


def send_upload(services: Services, claim: claims.Claim) -> None:
    """Draw, upload and share the claim's picture in the recipient's DM (raises what Slack or the network
    raises: the caller marks the claim for a retry)."""
    upload = claim.blocks[0]
    names = first_names(services.client, mentioned(upload["chart"], claim.text), NAMED_IN_CHART + 1)
    png = render_png(named_spec(upload["chart"], names))
    channel = _dm_channel(services, claim.key.recipient_id)
    started = services.client.files_getUploadURLExternal(
        filename=upload["filename"], length=len(png), alt_txt=named(claim.text, names)
    )
    file_id = started["file_id"]
    uploads.note_file(services.db, claim.id, file_id)
    request = urllib.request.Request(
        started["upload_url"], data=png, method="POST", headers={"Content-Type": "image/png"}
    )
    with urllib.request.urlopen(request, timeout=UPLOAD_TIMEOUT_SECONDS) as answer:  # noqa: S310 - Slack's URL
        answer.read()
    services.client.files_completeUploadExternal(
        files=[{"id": file_id, "title": upload["title"]}],
        channel_id=channel,
        initial_comment=upload.get("comment") or None,
    )


def already_shared(services: Services, claim: claims.Claim) -> dm_history.Looked:
    """Is a file this claim began uploading in the DM since its send began? Read a page a turn of the same
    shared history budget as a resumed message's (bot/dm_history.py); a claim that noted no file never
    began uploading."""
    noted = set(uploads.noted_files(services.db, claim.id))
    if not noted:
        return dm_history.Looked(False)

    def holds(message: dict) -> bool:
        return any(str(shared.get("id")) in noted for shared in message.get("files") or [])

    return dm_history.look_for(services, claim, holds)
