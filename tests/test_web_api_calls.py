"""Every Web API method the code can call is a real Slack method, whether or not a test exercised it.

(Each test also checks the calls it did make, arguments included: see the `slack` fixture.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.slack_contract import NEWER_THAN_SPEC, SPEC_FILE, require_specs

ROOT = Path(__file__).resolve().parents[1]
CALL = re.compile(r"client\.([a-z]+(?:_[A-Za-z0-9]+)+)\(")
# slack_sdk helpers that wrap several Web API methods.
COMPOSITE = {"files_upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal")}


def methods_called() -> set[str]:
    found: set[str] = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        for name in CALL.findall(path.read_text()):
            found.update(COMPOSITE.get(name, (name.replace("_", "."),)))
    return found


def test_the_bot_calls_only_real_web_api_methods():
    spec = json.loads(require_specs(SPEC_FILE).read_text())
    known = {route.lstrip("/") for route in spec["paths"]}
    called = methods_called()
    assert {"chat.postMessage", "views.open", "views.publish", "users.info"} <= called
    assert not (called - known - NEWER_THAN_SPEC), sorted(called - known - NEWER_THAN_SPEC)
