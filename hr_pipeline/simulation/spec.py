"""What a simulation is: its policies, size, burn-in, weeks and drift, light enough for the CLI to read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from hr_pipeline.synth.spec import WorldSpec

POLICIES = ("vendor", "frozen", "loop")
WEEKS_FILE = "weeks.parquet"  # under <out>/simulation/


@dataclass(frozen=True)
class Simulation:
    out: Path
    employees: int = WorldSpec.employees
    burn_in_years: int = 3
    weeks: int = 78
    drift_at_week: int | None = 26  # weeks after the burn-in; None: no drift
    seed: int = WorldSpec.seed
    as_of: date = WorldSpec.as_of  # the last week's extract

    @property
    def switch(self) -> date:
        """The end of the burn-in: the first Monday the outbox is read."""
        return self.as_of - timedelta(days=self.as_of.weekday(), weeks=self.weeks)

    @property
    def drift_at(self) -> date | None:
        return self.switch + timedelta(weeks=self.drift_at_week) if self.drift_at_week else None

    @property
    def spec(self) -> WorldSpec:
        return WorldSpec(employees=self.employees, years=self.burn_in_years, extra_weeks=self.weeks, seed=self.seed,
                         as_of=self.as_of, drift_at=self.drift_at)

    @property
    def results(self) -> Path:
        return self.out / "simulation"
