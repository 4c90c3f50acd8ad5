"""The declarative base every table shares. Every row carries its workspace (team_id); times are aware UTC."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase

ID = String(32)


class Base(DeclarativeBase):
    pass
