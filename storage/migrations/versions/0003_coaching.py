"""The coach: reps' coaching settings, the scheduled-message outbox (claims), and coaching answers."""

import sqlalchemy as sa
from alembic import op

from storage.migrations import ops
from storage.types import UtcDateTime

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    ops.create_table(
        "reps",
        *ops.rep(),
        sa.Column("tz", sa.String(64), nullable=True),
        sa.Column("tz_checked_at", UtcDateTime(), nullable=True),
        sa.Column("coaching_enabled", sa.Boolean(), nullable=False),
        sa.Column("snoozed_until", UtcDateTime(), nullable=True),
        sa.Column("work_start", sa.String(5), nullable=True),
        sa.Column("work_end", sa.String(5), nullable=True),
        sa.Column("work_days", sa.String(20), nullable=True),
        sa.Column("reflection_weekday", sa.Integer(), nullable=True),
        sa.Column("reflection_time", sa.String(5), nullable=True),
        sa.Column("undeliverable_reason", sa.String(64), nullable=True),
        sa.Column("undeliverable_at", UtcDateTime(), nullable=True),
        sa.Column("last_nudged_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("team_id", "user_id", name="uq_reps_team_user"),
    )
    ops.create_table(
        "scheduled_messages",
        *ops.rep(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("period_key", sa.String(40), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
        sa.Column("claimed_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(80), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("question_id", sa.String(32), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.UniqueConstraint("team_id", "user_id", "kind", "period_key", name="uq_scheduled_messages_key"),
        indexes={
            "ix_scheduled_messages_due": ["status", "next_attempt_at"],
            "ix_scheduled_messages_rep": ["team_id", "user_id", "kind", "claimed_at"],
        },
    )
    ops.create_table(
        "coaching_answers",
        *ops.rep(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("question_id", sa.String(32), nullable=True),
        sa.Column("question", sa.String(300), nullable=True),
        sa.Column("answer", sa.String(3000), nullable=True),
        sa.Column("for_date", sa.Date(), nullable=False),
        sa.Column("planned_day", sa.Date(), nullable=True),
        sa.Column("planned_minutes", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        indexes={
            "ix_coaching_answers_rep": ["team_id", "user_id", "created_at"],
            "ix_coaching_answers_planned": ["team_id", "kind", "planned_day"],
        },
    )


def downgrade() -> None:
    op.drop_table("coaching_answers")
    op.drop_table("scheduled_messages")
    op.drop_table("reps")
