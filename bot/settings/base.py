"""What every section of the settings shares: where they are read from, and each field's docstring kept as its
documentation."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_OPEN_STAGES = ("Prospecting", "Discovery", "Proposal", "Negotiation")
CLOSED_STAGES = ("Won", "Lost")


class Section(BaseSettings):
    """Read from the environment and from a `.env` file in the working directory."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", use_attribute_docstrings=True
    )

    def _together(self, fields: tuple[str, ...], hint: str = "") -> None:
        """Settings that only work as a set: all of them or none."""
        given = [bool(getattr(self, field)) for field in fields]
        if any(given) and not all(given):
            names = [field.upper() for field in fields]
            raise ValueError(f"{', '.join(names[:-1])} and {names[-1]} go together{hint}")
