"""The ATS showing the pipeline's recommendations: the world reads them from the outbox.

Monday's run scores every open application in the extract cut that morning and writes the outbox; the ATS
imports it at `ATS_IMPORT` and shows each application the recommendation of the first outbox after it applied.
An application the outbox lacks (quarantined, the run failed or was blocked) is shown the vendor AI's, as an ATS
would fall back. The recruiter then decides as always (`hr_pipeline.synth.hiring.Hiring.screen`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import logit

from hr_pipeline.ingest.contracts import ATS_RECOMMENDATIONS
from hr_pipeline.synth.hiring import VendorAI, monday_after
from hr_pipeline.synth.records import DAY

ATS_IMPORT = 9 * 3_600  # seconds after midnight on the outbox's Monday when the ATS shows its recommendations
OUTBOX = "outbox"  # the `source` of a recommendation read from the outbox (ground truth: screenings.parquet)


def read_outbox(path: Path) -> pd.DataFrame:
    """The outbox file as the ATS reads it, indexed by the application's number (the ATS's id without its
    letter); empty when no file was written."""
    if not path.exists() or not path.stat().st_size:
        return pd.DataFrame(columns=[c.name for c in ATS_RECOMMENDATIONS.columns]).set_index("application_id")
    frame = pd.read_json(path, lines=True, dtype={"application_id": str})
    return frame.set_index(frame["application_id"].str[1:].astype(np.int64))


class OutboxScreener:
    """Shows applications that would reach the vendor AI from `switch` on (seconds since the epoch) the
    pipeline's recommendation from the outbox under `outbox_dir`; earlier ones keep the vendor's."""

    def __init__(self, outbox_dir: Path, vendor: VendorAI, switch: int):
        self.outbox_dir, self.vendor, self.switch = outbox_dir, vendor, switch
        self.fallbacks = 0  # applications the outbox lacked, shown the vendor's recommendation instead

    def due(self, apps: pd.DataFrame) -> np.ndarray:
        vendor_t = apps["vendor_t"].to_numpy()
        return np.where(vendor_t < self.switch, vendor_t, monday_after(apps["applied_t"].to_numpy()) * DAY + ATS_IMPORT)

    def recommend(self, apps: pd.DataFrame) -> pd.DataFrame:
        shown = self.vendor.recommend(apps)
        ours = apps["vendor_t"].to_numpy() >= self.switch
        days = apps["recommended_t"].to_numpy()[ours] // DAY
        for day in np.unique(days):
            outbox = read_outbox(ATS_RECOMMENDATIONS.path(self.outbox_dir, pd.Timestamp(day * DAY, unit="s").date()))
            rows = apps.index[ours][days == day]
            ids = apps.loc[rows, "application_id"].to_numpy()
            found = np.isin(ids, outbox.index)
            self.fallbacks += int((~found).sum())
            rows, recs = rows[found], outbox.loc[ids[found]]
            score = recs["score"].to_numpy(float)
            shown.loc[rows, "score"] = score
            shown.loc[rows, "logit"] = logit(np.clip(score, 1e-4, 1 - 1e-4))
            shown.loc[rows, "advance"] = (recs["recommendation"] == "advance").to_numpy()
            shown.loc[rows, "confidence"] = recs["confidence"].to_numpy(float)
            shown.loc[rows, "routed_to_human"] = recs["routed_to_human"].to_numpy(bool)
            shown.loc[rows, "random_sample"] = [("random_sample" in r) for r in recs["routing_reasons"]]
            shown.loc[rows, "model_version"] = recs["model_version"].to_numpy()
            shown.loc[rows, "source"] = OUTBOX
        return shown
