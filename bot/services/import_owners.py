"""Who owns an imported row, checked with Slack: a Slack user id, an email, or a person's name.

Ids are checked with users.info and emails with users.lookupByEmail, once each for the whole import. A
name (other tools export "Deal owner" as a name), or a file with more than LIST_AFTER different people,
reads the workspace's directory once instead (users.list, a thousand people a page), so the Slack calls
follow the people in the file, never its rows. Nothing is taken as given: an id Slack does not know is a
rejected row, never an owner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.parsing.csv_import import Rejected

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
LIST_AFTER = 20
PAGE = 1000
# Slack's answers that are about the person asked for; any other error stops the import.
NOT_A_PERSON = frozenset({"user_not_found", "users_not_found", "user_not_visible", "account_inactive"})


class SlackTrouble(Exception):
    """Slack could not be asked (a refused token, a missing scope, no connection): one line, exit 2."""


@dataclass
class _People:
    gone: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    by_email: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, set[str]] = field(default_factory=dict)


class Directory:
    """Callable as (value, column) -> Slack user id; raises Rejected with the reason a person can act on."""

    def __init__(self, client) -> None:
        self._client = client
        self._answers: dict[str, tuple[bool, str]] = {}
        self._people: _People | None = None

    def prepare(self, values: set[str]) -> None:
        """Ask Slack about every owner of the file before a row is written, the cheapest way for them."""
        if len(values) > LIST_AFTER or not all(map(_asks_one, values)):
            self._people = self._read_directory()
        for value in values:
            self._answers.setdefault(value.casefold(), self._find(value))

    def __call__(self, value: str, column: str) -> str:
        if not value:
            raise Rejected(f"{column} is empty: give a Slack user id (U0123ABCD), an email or a name")
        folded = value.casefold()
        if folded not in self._answers:
            if self._people is None and not _asks_one(value):
                self._people = self._read_directory()
            self._answers[folded] = self._find(value)
        found, answer = self._answers[folded]
        if not found:
            raise Rejected(f"{column} {value!r}: {answer}")
        return answer

    def _find(self, value: str) -> tuple[bool, str]:
        people = self._people
        if USER_ID.match(value):
            if people is not None and value in people.ids:
                return (False, "is deactivated in Slack") if value in people.gone else (True, value)
            return self._ask("users_info", value, user=value)
        if "@" in value:
            if people is not None and value.casefold() in people.by_email:
                return True, people.by_email[value.casefold()]
            return self._ask("users_lookupByEmail", value, email=value)
        named = people.by_name.get(" ".join(value.casefold().split()), set()) if people else set()
        if len(named) == 1:
            return True, next(iter(named))
        if named:
            return False, f"{len(named)} people in Slack have that name: give their email or Slack id instead"
        return False, "no one in Slack has that name: give their email or Slack id instead"

    def _ask(self, method: str, value: str, **args) -> tuple[bool, str]:
        try:
            user = getattr(self._client, method)(**args).get("user") or {}
        except SlackApiError as error:
            reason = str(error.response.get("error") or "")
            if reason in NOT_A_PERSON:
                what = "that email" if "@" in value else "that id"
                return False, f"no one in this Slack workspace has {what}"
            raise SlackTrouble(f"Slack refused {method.replace('_', '.')} ({reason}); nothing was imported") from None
        except SlackClientError as error:
            raise SlackTrouble(f"Could not reach Slack to check owners ({error}); nothing was imported") from None
        if user.get("deleted"):
            return False, "is deactivated in Slack"
        return True, str(user.get("id") or value)

    def _read_directory(self) -> _People:
        people, cursor = _People(), None
        while True:
            try:
                response = self._client.users_list(limit=PAGE, **({"cursor": cursor} if cursor else {}))
            except SlackApiError as error:
                reason = error.response.get("error")
                raise SlackTrouble(f"Slack refused users.list ({reason}); nothing was imported") from None
            except SlackClientError as error:
                raise SlackTrouble(
                    f"Could not reach Slack to read its people ({error}); nothing was imported"
                ) from None
            for member in response.get("members") or []:
                _add(people, member)
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return people


def _asks_one(value: str) -> bool:
    """An id or an email can be asked about alone; a name needs the directory."""
    return bool(USER_ID.match(value)) or "@" in value


def _add(people: _People, member: dict) -> None:
    user_id = member.get("id")
    if not user_id or member.get("is_bot"):
        return
    people.ids.add(user_id)
    if member.get("deleted"):
        people.gone.add(user_id)
        return
    profile = member.get("profile") or {}
    if profile.get("email"):
        people.by_email[str(profile["email"]).casefold()] = user_id
    names = {member.get("real_name"), profile.get("real_name"), profile.get("display_name"), member.get("name")}
    for name in filter(None, names):
        people.by_name.setdefault(" ".join(str(name).casefold().split()), set()).add(user_id)
