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


@dataclass(frozen=True)
class Switch:
    """What turns an optional job on, and how often it runs: `needs` is the settings field that must be
    set (`setting` is its name for the operator), `every` the field holding its interval in minutes."""

    needs: str
    setting: str
    every: str

    def on(self, settings) -> bool:
        return bool(getattr(settings, self.needs))

    def minutes(self, settings) -> int:
        return getattr(settings, self.every)

    def off(self, settings, report: JobReport) -> bool:
        """True (and said in the report) when the job has nothing to do in this deployment."""
        if self.on(settings):
            return False
        report.count(f"off: {self.setting} is not set")
        return True
