"""What one run of a job did, for logs, the CLI and tests."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class JobReport:
    job: str
    now: datetime
    reps: int = 0
    due: int = 0
    outcomes: Counter = field(default_factory=Counter)

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] += 1

    @property
    def sent(self) -> int:
        return self.outcomes["sent"]

    def summary(self) -> str:
        done = ", ".join(f"{outcome} {number}" for outcome, number in sorted(self.outcomes.items())) or "nothing sent"
        return f"{self.job} at {self.now.isoformat()}: {self.reps} reps looked at, {self.due} due; {done}"
