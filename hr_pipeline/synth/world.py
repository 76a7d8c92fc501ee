"""Simulate a firm's hiring and workforce history with planted effects and a drift event.

The parts share one `State` (spec, sink, defect rates, random streams, id counters) and draw from it
in a fixed order, so a spec always gives the same world. `Workforce` (workforce.py) is the initial staff
and every employee's records; `Hiring` (hiring.py) the requisitions and the rounds that fill them;
`Records` (records.py) writes what both record. Requisitions are simulated in chunks: each chunk's
applicants, screening, interviews, offers and hires at once (numpy). Hires become employees whose exits
open further requisitions, queued behind the others, as do unfilled requisitions when they are reposted.
Employees are simulated in batches. Every chunk's records go to a `Sink` (which spills them to Parquet),
so memory stays bounded whatever the size.
"""

from __future__ import annotations

import pandas as pd

from hr_pipeline.synth.defects import DefectRates
from hr_pipeline.synth.hiring import Hiring
from hr_pipeline.synth.records import Records, Sink, State
from hr_pipeline.synth.spec import WorldSpec
from hr_pipeline.synth.workforce import Workforce

REQUISITIONS_PER_CHUNK = 2_000


class Simulator:
    """One firm's history, written chunk by chunk to a sink; deterministic for the spec."""

    def __init__(self, spec: WorldSpec, sink: Sink, defects: DefectRates):
        state = State(spec, sink, defects)
        records = Records(state)
        self.workforce = Workforce(state, records)
        self.hiring = Hiring(state, records, self.workforce)

    def run(self) -> None:
        staff = self.workforce.initial_workforce()
        self.workforce.histories(staff)
        queue = [self.hiring.replacements(staff), self.hiring.growth()]
        pending = pd.concat(queue, ignore_index=True)
        while len(pending):
            chunk, pending = pending.iloc[:REQUISITIONS_PER_CHUNK], pending.iloc[REQUISITIONS_PER_CHUNK:]
            hires, skills, reposts = self.hiring.hiring_round(chunk.reset_index(drop=True))
            self.workforce.histories(hires, skills)
            pending = pd.concat([pending, self.hiring.replacements(hires), reposts], ignore_index=True)


def simulate(spec: WorldSpec, sink: Sink, defects: DefectRates) -> None:
    """The whole history of one synthetic firm, deterministic for the spec, written to `sink`."""
    Simulator(spec, sink, defects).run()
