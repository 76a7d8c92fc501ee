"""A synthetic world's size, seed, dates and drift event: light enough for the CLI to read its defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class WorldSpec:
    # The demo's size: about 250 hires a year, enough matured outcomes for hire_success to rank applicants
    # clearly better than the vendor AI (README, "The demo"); smaller worlds stay supported.
    employees: int = 1000
    years: int = 3
    seed: int = 7
    as_of: date = date(2026, 11, 16)
    drift_at: date | None = None
    extra_weeks: int = 0  # weeks beyond `years` (a simulation's weeks after its burn-in)

    @property
    def weeks(self) -> int:
        return 52 * self.years + self.extra_weeks

    @property
    def end(self) -> pd.Timestamp:
        """The as-of date moved back to a Monday, the weekday extracts are cut."""
        import pandas as pd

        ts = pd.Timestamp(self.as_of)
        return ts - pd.Timedelta(days=ts.weekday())

    @property
    def start(self) -> pd.Timestamp:
        import pandas as pd

        return self.end - pd.Timedelta(weeks=self.weeks)
