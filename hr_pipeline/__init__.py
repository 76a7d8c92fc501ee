"""hr-feedback-loop: the Dagster code location."""
