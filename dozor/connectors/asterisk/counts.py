"""What an import did: events stored, duplicates, and the records that made no event."""

from collections import Counter
from dataclasses import dataclass, field

from dozor.events.ingest import StoreResult


@dataclass
class Counts:
    records: int = 0
    accepted: int = 0
    duplicates: int = 0
    malformed: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def stored(self, result: StoreResult) -> None:
        self.accepted += result.accepted
        self.duplicates += result.duplicates

    def summary(self) -> list[str]:
        lines = [
            f"{self.records} records read: {self.accepted} events stored, "
            f"{self.duplicates} duplicates skipped"
        ]
        if self.malformed:
            lines.append(f"{self.malformed} malformed lines skipped")
        lines += [f"skipped {n} × {reason}" for reason, n in sorted(self.skipped.items())]
        return lines
