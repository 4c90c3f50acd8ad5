"""Install by link, Slack's side: workspaces that may install the app, the code their redirect carries,
`oauth.v2.access` (the code exchange, and token rotation's refresh), and which workspace a token is."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Installable:
    """A workspace that can install the app by link: the code Slack hands back, and its tokens."""

    team_id: str
    code: str
    rotating: bool = False
    expires_in: int = 12 * 3600
    enterprise_id: str | None = None  # an Enterprise Grid org's workspace
    tokens: list[str] = field(default_factory=list)
    refresh_tokens: list[str] = field(default_factory=list)

    @property
    def token(self) -> str:
        return self.tokens[-1]


class Installs:
    """Every workspace that may install the app, by team id."""

    def __init__(self) -> None:
        self.workspaces: dict[str, Installable] = {}

    def add(self, team_id: str, rotating: bool, expires_in: int, enterprise_id: str | None) -> Installable:
        if team_id not in self.workspaces:  # installing again keeps counting its tokens
            self.workspaces[team_id] = Installable(team_id, f"code-{team_id}", rotating, expires_in, enterprise_id)
        return self.workspaces[team_id]

    def team_of(self, token: str | None) -> str | None:
        return next((w.team_id for w in self.workspaces.values() if token and token in w.tokens), None)

    def oauth_access(self, args: dict) -> dict:
        """oauth.v2.access: exchange an install's code, or a refresh token (token rotation), for a bot token."""
        if args.get("grant_type") == "refresh_token":
            found = [w for w in self.workspaces.values() if args.get("refresh_token") in w.refresh_tokens[-1:]]
            if not found:
                return {"ok": False, "error": "invalid_refresh_token"}
            return self._grant(found[0], with_team=False)
        found = [w for w in self.workspaces.values() if w.code == args.get("code")]
        return self._grant(found[0]) if found else {"ok": False, "error": "invalid_code"}

    def _grant(self, workspace: Installable, with_team: bool = True) -> dict:
        number = len(workspace.tokens) + 1
        workspace.tokens.append(f"xoxb-{workspace.team_id}-{number}")
        grant = {"ok": True, "token_type": "bot", "access_token": workspace.token, "app_id": "A1"}
        if workspace.rotating:
            workspace.refresh_tokens.append(f"xoxe-{workspace.team_id}-{number}")
            grant.update(refresh_token=workspace.refresh_tokens[-1], expires_in=workspace.expires_in)
        if with_team:
            grant.update(
                scope="commands,chat:write",
                bot_user_id=f"UBOT{workspace.team_id}",
                team={"id": workspace.team_id, "name": f"Team {workspace.team_id}"},
                enterprise={"id": workspace.enterprise_id, "name": "Org"} if workspace.enterprise_id else None,
                is_enterprise_install=False,
                authed_user={"id": "UINSTALLER"},
            )
        return grant
