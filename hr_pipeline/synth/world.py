"""Simulate a firm's hiring and workforce history with planted effects and a drift event, a week at a time.

The parts share one `State` (spec, sink, defect rates, random streams, id counters) and draw from it
in a fixed order, so a spec and a screener always give the same world. `Workforce` (workforce.py) is the
initial staff and every employee's records; `Hiring` (hiring.py) the requisitions and the weekly rounds
that fill them; `Records` (records.py) writes what both record. Each week opens the requisitions due,
screens the applications due and settles the requisitions decided; what is drawn then may lie in later
weeks (a hire's whole history), never in earlier ones, so a week's extracts can be written once the week
is simulated. Every record goes to a `Sink` (which spills to Parquet), so memory stays bounded.
"""

from __future__ import annotations

from hr_pipeline.synth.defects import DefectRates
from hr_pipeline.synth.hiring import Hiring, Screener, VendorAI
from hr_pipeline.synth.records import WEEK, Records, Sink, State
from hr_pipeline.synth.spec import WorldSpec
from hr_pipeline.synth.workforce import Workforce


class Simulator:
    """One firm's history, written week by week to a sink; deterministic for the spec and the screener
    (the vendor AI unless given)."""

    def __init__(self, spec: WorldSpec, sink: Sink, defects: DefectRates, screener: Screener | None = None):
        self.state = state = State(spec, sink, defects)
        records = Records(state)
        self.workforce = Workforce(state, records)
        self.hiring = Hiring(state, records, self.workforce, screener or VendorAI(state.start))
        staff = self.workforce.initial_workforce()
        self.workforce.histories(staff)
        self.hiring.enqueue(self.hiring.replacements(staff, state.start), planned=True)
        self.hiring.enqueue(self.hiring.growth(), planned=True)
        self.now = state.start  # the start of the first week not yet simulated

    def advance(self, until: int) -> None:
        """Simulate every week that ends by `until` (seconds since the epoch) and by the as-of date."""
        while self.now + WEEK <= min(until, self.state.end):
            self.hiring.week(self.now)
            self.now += WEEK
