"""Slack's two-step file upload as the stand-in (without a workspace) answers it, the way Slack does:
files.getUploadURLExternal starts a file and hands out the URL its bytes go to; the bytes arrive there;
files.completeUploadExternal finishes files that were started and, with channel_id, shares them in that
conversation, where they then show in its history (what a resumed upload looks for)."""

from __future__ import annotations

import json
import threading
import time


class StandInFiles:
    def __init__(self) -> None:
        self.files: dict[str, dict] = {}  # id -> name, alt_txt, length, content, title, channel, comment, shared_at
        self._lock = threading.Lock()

    def start(self, args: dict, base: str) -> dict:
        if not args.get("filename") or not str(args.get("length") or "").isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            file_id = f"F{len(self.files) + 1:06d}"
            self.files[file_id] = {"id": file_id, "name": args["filename"], "alt_txt": args.get("alt_txt")}
            self.files[file_id] |= {"length": int(args["length"]), "content": b"", "channel": None}
        return {"ok": True, "upload_url": f"{base}upload/{file_id}", "file_id": file_id}

    def receive(self, file_id: str, raw: bytes) -> bool:
        """The bytes sent to a file's upload URL; False for a URL that was never handed out."""
        with self._lock:
            if file_id not in self.files:
                return False
            self.files[file_id]["content"] = raw
            return True

    def complete(self, args: dict) -> dict:
        entries = args.get("files")
        if isinstance(entries, str):
            entries = json.loads(entries)
        shared = []
        with self._lock:
            for entry in entries or []:
                stored = self.files.get(str((entry or {}).get("id")))
                if stored is None:
                    return {"ok": False, "error": "file_not_found"}
                stored |= {"title": entry.get("title") or stored["name"], "comment": args.get("initial_comment")}
                stored |= {"channel": args.get("channel_id") or None, "shared_at": time.time()}
                shared.append({"id": stored["id"], "name": stored["name"], "title": stored["title"]})
        return {"ok": True, "files": shared}

    def shared_in(self, channel: str) -> list[dict]:
        """The messages that shared files in `channel`, as conversations.history shows them."""
        with self._lock:
            return [
                {"type": "message", "text": stored.get("comment") or "", "ts": f"{stored['shared_at']:.6f}"}
                | {"files": [{"id": stored["id"], "name": stored["name"], "title": stored["title"]}]}
                for stored in self.files.values()
                if stored["channel"] == channel
            ]

    def in_channel(self, channel: str) -> list[dict]:
        """Every file shared in `channel`, oldest first (for tests: name, alt text, title, bytes)."""
        with self._lock:
            return sorted(
                (dict(f) for f in self.files.values() if f["channel"] == channel), key=lambda f: f["shared_at"]
            )
