"""`python -m bot keys new | encrypt | rotate`: make a key, encrypt what is still stored in plain, re-encrypt
everything under the first key of ENCRYPTION_KEY (docs/operators/keys.md). `new` needs no settings; a key that
does not fit the database is one line and exit status 2, with nothing changed."""

from __future__ import annotations

import argparse
import sys

from bot import keys


def add_arguments(commands) -> None:
    parser = commands.add_parser("keys", help="ENCRYPTION_KEY: make a key, encrypt stored secrets, rotate keys")
    parser.add_argument(
        "action",
        choices=["new", "encrypt", "rotate"],
        help="new: print a fresh key; encrypt: encrypt what is stored in plain (every start does it too); "
        "rotate: re-encrypt everything under the first key of ENCRYPTION_KEY",
    )


def print_new_key() -> int:
    from bot.sealed import new_key

    print(new_key())
    return 0


def run(args: argparse.Namespace, settings, db) -> int:
    try:
        box = keys.require_box(settings)
        keys.check(db, box)
    except keys.KeyProblem as problem:
        print(problem, file=sys.stderr)
        return 2
    rotate = args.action == "rotate"
    swept = keys.sweep(db, box, rotate=rotate, progress=_progress)
    print(_summary(swept, rotate))
    if swept.unreadable:
        print(
            f"{swept.unreadable} values could not be read with any key in ENCRYPTION_KEY and were left as they are: "
            "add the key they were encrypted with (after the first) and run this again.",
            file=sys.stderr,
        )
        return 1
    return 0


def _progress(column: str, done: int, total: int) -> None:
    print(f"  {column}: {done} of {total}", flush=True)


def _summary(swept: keys.Swept, rotate: bool) -> str:
    parts = [f"{swept.sealed} encrypted that were stored in plain"]
    if rotate:
        parts += [f"{swept.resealed} re-encrypted under the first key", f"{swept.current} already under it"]
    if swept.changed_meanwhile:
        parts.append(f"{swept.changed_meanwhile} rewritten by the bot meanwhile (run this again to check them)")
    done = "Rotated" if rotate else "Encrypted"
    return f"{done}: " + ", ".join(parts) + "."
