"""The process's logging: one console handler, plain or LOG_FORMAT=json, behind the redacting filter
(bot/redaction.py), and whose work each line is about: the workspace, the Slack request or the job run,
carried in a context variable and added to every record, in both formats.

A request's context is set by a global Bolt middleware (bot/app.py) and follows its listener onto the
listener pool's thread (bot/workers.py copies the context); a job's is set around each run (bot/jobs).
The JSON lines are python-json-logger's, with every string in them run through bot/redaction.py.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

from bot.redaction import RedactingFilter, add_secrets, install, redact

FIELDS = ("workspace", "request_id", "job", "job_id")
_current: ContextVar[dict[str, str]] = ContextVar("log_context", default={})  # noqa: B039 - never mutated


def new_id() -> str:
    """A short random id for a request Slack gave none, or a job run."""
    return uuid.uuid4().hex[:16]


def start_request(workspace: str | None, request_id: str) -> None:
    """From here on in this context, records carry this request's workspace and id (and nothing else)."""
    _current.set({key: value for key, value in (("workspace", workspace), ("request_id", request_id)) if value})


@contextmanager
def bound(**values: str | None) -> Iterator[None]:
    """Within the block (and in whatever it hands its context to), records carry these values too."""
    token = _current.set({**_current.get(), **{key: value for key, value in values.items() if value}})
    try:
        yield
    finally:
        _current.reset(token)


class ContextFilter(logging.Filter):
    """Puts the context's fields on each record (None when unset), and `context` for the plain format:
    ' [workspace=T1 request_id=…]', or nothing outside any request or job."""

    def filter(self, record: logging.LogRecord) -> bool:
        values = _current.get()
        for name in FIELDS:
            setattr(record, name, values.get(name))
        shown = " ".join(f"{name}={values[name]}" for name in FIELDS if values.get(name))
        record.context = f" [{shown}]" if shown else ""
        return True


PLAIN = "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s"


class JsonLines(JsonFormatter):
    """One JSON object a line: time, level, logger, message, the context's fields, exception. The exception
    is the redacted traceback the redacting filter left (never formatted afresh from the live exception),
    and every string value is redacted once more, whatever a library put in `extra`."""

    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
            timestamp="time",
            reserved_attrs=[*logging.LogRecord("", 0, "", 0, "", None, None).__dict__, "context", "message"],
        )

    def format(self, record: logging.LogRecord) -> str:
        live, record.exc_info = record.exc_info, None  # the filter's redacted exc_text stands for it
        try:
            return super().format(record)
        finally:
            record.exc_info = live

    def add_fields(self, log_data, record: logging.LogRecord, message_dict) -> None:
        super().add_fields(log_data, record, message_dict)
        for name in FIELDS:
            log_data[name] = getattr(record, name, None)

    def process_log_record(self, log_data):
        ordered = {"time": log_data.pop("time", None), **log_data}  # a reader's eye starts at the time
        return {key: redact(value) if isinstance(value, str) else value for key, value in ordered.items()}


def formatter(log_format: str) -> logging.Formatter:
    """LOG_FORMAT's formatter: 'json' for a log system, 'plain' for a terminal."""
    return JsonLines() if log_format == "json" else logging.Formatter(PLAIN)


def configure_logging(
    level: str | int, secrets: Iterable[str | None] = (), stream: TextIO | None = None, log_format: str = "plain"
) -> logging.Handler:
    """One console handler on the root logger, behind the context and redacting filters (the redacting one
    also guards any handler the root already has). Returns the handler, so a test can take it off again."""
    add_secrets(secrets)
    install()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(log_format))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for each in root.handlers:
        if not any(isinstance(existing, RedactingFilter) for existing in each.filters):
            each.addFilter(RedactingFilter())
    return handler
