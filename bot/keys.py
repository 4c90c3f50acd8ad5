"""ENCRYPTION_KEY at work on what is already stored: every start (and `python -m bot keys encrypt`) refuses a
key that cannot read the database's secrets, then seals whatever is still plain; `python -m bot keys rotate`
re-seals everything under the first key. Both walk storage/secrets.py's columns in batches, write a value
only where the row still holds what was read, and never touch a value no key can open, so they are safe to
run again after an interruption or beside a running bot."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.sealed import PREFIX, SecretBox, SecretUnreadable, box_for, is_sealed
from storage import secrets as store
from storage.db import Database

log = logging.getLogger("pipeline_coach.keys")
BATCH = 500  # rows read, re-sealed and written per transaction
SAMPLE = 20  # the newest sealed values of each column a key is tried on at start-up
HOW_TO_MAKE = "make one with `python -m bot keys new`"


class KeyProblem(Exception):
    """ENCRYPTION_KEY does not fit the database: the message is the one line an operator acts on."""


@dataclass
class Swept:
    sealed: int = 0  # plain values encrypted
    resealed: int = 0  # values moved from an older key to the first
    current: int = 0  # already under the first key
    unreadable: int = 0  # no key opens them: left as they are
    changed_meanwhile: int = 0  # written by the bot while we worked: left to the bot's value

    @property
    def written(self) -> int:
        return self.sealed + self.resealed


Progress = Callable[[str, int, int], None]  # (table.column, rows done, rows in all)


def check(db: Database, box: SecretBox | None) -> None:
    """Raise KeyProblem unless `box` opens the newest sealed values of every secret column (or, without a
    key, unless nothing sealed is stored). Reads only."""
    for table, column in store.columns():
        sample = store.newest(db, table, column, PREFIX, 1 if box is None else SAMPLE)
        if sample and box is None:
            raise KeyProblem(
                f"the database holds encrypted secrets ({table}.{column}) but ENCRYPTION_KEY is not set: "
                "set it to the key they were encrypted with"
            )
        unreadable = sum(1 for value in sample if box is not None and not box.readable(value))
        if unreadable:
            raise KeyProblem(
                f"ENCRYPTION_KEY cannot read {unreadable} of the {len(sample)} newest secrets in {table}.{column}: "
                "set the key they were encrypted with (while rotating, the new key first, the old after it); "
                "nothing was changed"
            )


def sweep(db: Database, box: SecretBox, rotate: bool, progress: Progress | None = None) -> Swept:
    """Seal every plain secret; with `rotate`, also re-seal every sealed one not under the first key."""
    swept = Swept()
    for table, column in store.columns():
        plain_only = None if rotate else PREFIX
        total = store.count(db, table, column, plain_only)
        after = done = 0
        while rows := store.batch(db, table, column, after, BATCH, plain_only):
            changes = []
            for stored in rows:
                if box.is_current(stored.value):
                    swept.current += 1
                    continue
                try:
                    changes.append((stored, box.reseal(stored.value)))
                except SecretUnreadable:
                    swept.unreadable += 1
            for (stored, _), written in zip(changes, store.replace(db, changes), strict=True):
                if not written:
                    swept.changed_meanwhile += 1
                elif is_sealed(stored.value):
                    swept.resealed += 1
                else:
                    swept.sealed += 1
            after, done = rows[-1].row_id, done + len(rows)
            if progress is not None:
                progress(f"{table}.{column}", done, total)
    return swept


def prepare(settings, db: Database) -> None:
    """At start-up, before anything is served: raise KeyProblem when the key does not fit the database;
    else seal what is still stored in plain (tokens saved before a key was set)."""
    if settings.deprecated_key_name:
        log.warning("SECRETS_KEY is the old name of ENCRYPTION_KEY: rename it (the value stays the same)")
    box = box_for(settings)
    check(db, box)
    if box is None:
        return
    swept = sweep(db, box, rotate=False)
    if swept.sealed:
        log.info("encrypted %d secrets that were stored in plain", swept.sealed)


def require_box(settings) -> SecretBox:
    box = box_for(settings)
    if box is None:
        raise KeyProblem(f"ENCRYPTION_KEY is not set: {HOW_TO_MAKE}, set it, then run this again")
    return box
