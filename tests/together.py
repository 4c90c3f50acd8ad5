"""Calls made at the same moment, as two instances ticking together make them: each in its own thread,
released at once by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def at_once(calls: Sequence[Callable[[], Any]], timeout: float = 60.0) -> list[Any]:
    """The calls' results, in order; an error any of them raised (or one still running after `timeout`
    seconds) is raised here, so the test fails on it."""
    start = threading.Barrier(len(calls), timeout=timeout)

    def released(call: Callable[[], Any]) -> Any:
        start.wait()
        return call()

    pool = ThreadPoolExecutor(len(calls))
    try:
        futures = [pool.submit(released, call) for call in calls]
        return [future.result(timeout) for future in futures]
    finally:
        pool.shutdown(wait=False)
