"""`python -m bot import opportunities|activities FILE.csv`: our export, or another tool's deal export.

Two streaming passes, so memory stays flat whatever the file's size. The first reads the whole file
(its encoding, every row's cells) and checks every owner with Slack: a file that cannot be read, or a
Slack that cannot be asked, is refused before anything is written. The second turns each row into a
record and writes them in batches, each its own short transaction, so the running bot's requests
never wait long behind an import. A bad row is rejected with its line number and the reason; the rest
import. Rows are matched (by id, else by owner and name) so a re-run changes nothing it already did:
after a database that went away mid-way, running the same command again finishes the job.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from bot.parsing.csv_import import ColumnPlan, ColumnsProblem, Rejected, RowReader, Stages, plan_columns
from bot.services.import_owners import Directory, SlackTrouble
from storage import csv_import as store
from storage.db import DatabaseUnavailable

BATCH_SIZE = 1000
BATCH_SECONDS = 60.0  # one batch's transaction, far under it on any sane database (the bot's own is 2 s)
SHOWN_REJECTIONS = 100  # the rest are counted, so a file of bad rows cannot fill the memory or the screen
Progress = Callable[[str, int, int | None], None]  # (phase, rows done, rows in all or None)

__all__ = ["BadFile", "ImportOptions", "ImportReport", "ImportStopped", "SlackTrouble", "import_file"]


class BadFile(Exception):
    """The file as a whole cannot be used (missing, unreadable, its columns): one line, exit 2."""


class ImportStopped(Exception):
    """The database went away mid-way: the message says how far it got and that a re-run is safe."""


@dataclass(frozen=True)
class ImportOptions:
    kind: str  # "opportunities" or "activities"
    path: str
    dry_run: bool = False
    mapping: dict[str, str] = field(default_factory=dict)  # --map: their column -> our field ("" ignores it)
    stages: dict[str, str] = field(default_factory=dict)  # --stage: their stage -> ours
    date_order: str | None = None  # --date-order: "mdy" or "dmy"
    encoding: str | None = None  # --encoding; None: detected
    batch_size: int = BATCH_SIZE


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    columns: ColumnPlan | None = None
    encoding: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    more_rejected: int = 0

    def reject(self, line: int, reason: str) -> None:
        if len(self.rejected) < SHOWN_REJECTIONS:
            self.rejected.append((line, reason))
        else:
            self.more_rejected += 1

    @property
    def done(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected) + self.more_rejected

    def lines(self) -> list[str]:
        verb = "Would create" if self.dry_run else "Created"
        head = (
            f"{verb} {self.created}, {'update' if self.dry_run else 'updated'} {self.updated}, "
            f"{self.unchanged} unchanged, {len(self.rejected) + self.more_rejected} rejected ({self.kind})."
        )
        lines = [head] + [f"  line {line}: {reason}" for line, reason in sorted(self.rejected)]
        if self.more_rejected:
            lines.append(f"  … and {self.more_rejected} more rejected rows (fix these first, then import again)")
        if self.dry_run and self.columns is not None:
            lines += [f"Read as {self.encoding}."] + self.columns.describe()
        return lines


def import_file(
    db, client, team_id: str, options: ImportOptions, open_stages, now: datetime, progress: Progress | None = None
) -> ImportReport:
    """Check the whole file, then write it in batches (a dry run writes nothing) and report each row's fate."""
    progress = progress or (lambda phase, done, total: None)
    encoding = _encoding(options.path, options.encoding)
    owners = Directory(client)
    with _rows(options.path, encoding) as (header, rows):
        try:
            plan = plan_columns(header, options.kind, options.mapping)
            stages = Stages(tuple(open_stages), options.stages) if options.kind == "opportunities" else None
        except ColumnsProblem as problem:
            raise BadFile(f"{options.path}: {problem}") from None
        reader = RowReader(plan, tuple(header), owners, stages, now, options.date_order)
        owner_field = "owner_id" if options.kind == "opportunities" else "user_id"
        total, people = 0, set()
        for total, (_, cells) in enumerate(rows, 1):  # every row read before one is written
            people.add(reader.cell(cells, owner_field)[0])
            if total % 10_000 == 0:
                progress("read", total, None)
    owners.prepare(people - {""})
    report = ImportReport(options.kind, options.dry_run, plan, encoding)
    build = reader.deal if options.kind == "opportunities" else reader.activity
    write = store.import_deals if options.kind == "opportunities" else store.import_activities
    planned = store.Planned() if options.dry_run else None
    with _rows(options.path, encoding) as (_, rows):
        for batch in _batches(rows, build, report, options.batch_size):
            try:
                outcomes = write(db, team_id, batch, now, planned)
            except (DatabaseUnavailable, SQLAlchemyError) as error:
                raise ImportStopped(_stopped(report, total, error)) from None
            for row, outcome in zip(batch, outcomes, strict=True):
                if outcome in (store.CREATED, store.UPDATED, store.UNCHANGED):
                    setattr(report, outcome, getattr(report, outcome) + 1)
                else:
                    report.reject(row.line, outcome)
            progress("checked" if options.dry_run else "imported", report.done, total)
    return report


def _batches(rows, build, report: ImportReport, size: int) -> Iterator[list[store.Incoming]]:
    batch: list[store.Incoming] = []
    for line, cells in rows:
        try:
            batch.append(build(line, cells))
        except Rejected as problem:
            report.reject(line, str(problem))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _stopped(report: ImportReport, total: int, error: Exception) -> str:
    error = f"{error.__class__.__name__}: {(str(error).splitlines() or [''])[0][:200]}"
    done = "nothing" if report.dry_run else f"{report.done:,} of {total:,} rows were done"
    return (
        f"The database stopped answering ({error}); {done}. Running the same command again is safe: "
        "rows already imported come back unchanged and the rest are added."
    )


def _encoding(path: str, given: str | None) -> str:
    """The file's encoding: as given, else from its BOM, else UTF-8 if every byte reads as UTF-8, else cp1252
    (Excel's Western default), else latin-1, which reads any byte."""
    if given:
        try:
            return codecs.lookup(given).name
        except LookupError:
            raise BadFile(f"--encoding {given!r} is not an encoding Python knows (try utf-8, utf-16, cp1252)") from None
    try:
        with open(path, "rb") as raw:
            head = raw.read(4096)
            if head.startswith(codecs.BOM_UTF8):
                return "utf-8-sig"
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                return "utf-16"
            if head.startswith(b"PK\x03\x04"):
                raise BadFile(f"{path} looks like an Excel workbook: save it as CSV first")
            if b"\x00" in head:
                return "utf-16-be" if head[0] == 0 else "utf-16-le"
            candidates = [(name, codecs.getincrementaldecoder(name)()) for name in ("utf-8", "cp1252")]
            chunk = head
            while chunk and candidates:
                candidates = [(name, decoder) for name, decoder in candidates if _reads(decoder, chunk)]
                chunk = raw.read(1 << 20)
            candidates = [(name, decoder) for name, decoder in candidates if _reads(decoder, b"", final=True)]
            return candidates[0][0] if candidates else "latin-1"
    except OSError as error:
        raise BadFile(f"Could not read {path}: {error.strerror or error}") from None


def _reads(decoder, chunk: bytes, final: bool = False) -> bool:
    try:
        decoder.decode(chunk, final)
        return True
    except UnicodeDecodeError:
        return False


class _rows:
    """`with _rows(path, encoding) as (header, rows)`: the header and an iterator of (line, cells), with
    blank rows left out; a file that cannot be read at any point becomes one BadFile line."""

    def __init__(self, path: str, encoding: str) -> None:
        self.path, self.encoding = path, encoding

    def __enter__(self) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
        try:
            self._handle = open(self.path, newline="", encoding=self.encoding)  # noqa: SIM115 (closed in __exit__)
            first = self._handle.readline()
        except (OSError, UnicodeDecodeError) as error:
            raise BadFile(self._problem(error, _line_of_bad_bytes(self.path, self.encoding))) from None
        delimiter = max((",", ";", "\t"), key=first.count) if first.strip() else ","
        self._reader = csv.reader(self._handle, delimiter=delimiter)
        header = next(csv.reader(io.StringIO(first), delimiter=delimiter), [])
        return [name.strip() for name in header], self._each()

    def _each(self) -> Iterator[tuple[int, list[str]]]:
        line = 2
        try:
            for cells in self._reader:
                if any(cell.strip() for cell in cells):
                    yield line, cells
                line = self._reader.line_num + 2
        except UnicodeDecodeError as error:
            raise BadFile(self._problem(error, _line_of_bad_bytes(self.path, self.encoding))) from None
        except csv.Error as error:
            raise BadFile(self._problem(error, line)) from None

    def _problem(self, error: Exception, line: int) -> str:
        if isinstance(error, UnicodeDecodeError):
            return (
                f"{self.path}: line {line} is not {self.encoding} text; "
                "give the file's encoding with --encoding (utf-8, utf-16, cp1252, latin-1)"
            )
        if isinstance(error, OSError):
            return f"Could not read {self.path}: {error.strerror or error}"
        return f"{self.path}: line {line} is not CSV ({error})"

    def __exit__(self, *_exc) -> None:
        self._handle.close()


def _line_of_bad_bytes(path: str, encoding: str) -> int:
    """The line of the first bytes that are not `encoding` text (reading decodes ahead, so it cannot say)."""
    decoder, lines = codecs.getincrementaldecoder(encoding)(), 1
    with open(path, "rb") as raw:
        while chunk := raw.read(1 << 16):
            try:
                lines += decoder.decode(chunk).count("\n")
            except UnicodeDecodeError as error:
                return lines + codecs.getincrementaldecoder(encoding)().decode(chunk[: error.start]).count("\n")
    return lines
