"""hr-feedback-loop: the Dagster code location.

Importing any part of it makes what this process (and the dbt, Dagster and worker processes it
starts) writes from then on readable by its owner only: the warehouse, exports, reports, models,
dbt artefacts and the Dagster home hold HR data.
"""

from hr_pipeline.privacy.permissions import owner_only

owner_only()
